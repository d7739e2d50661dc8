import { backend, type Backend, type ConflictChoice, type ConflictView } from '../backend';

export class ConflictStore {
  items = $state<ConflictView[]>([]);
  busy = $state<string | null>(null);

  constructor(private api: Backend = backend) {}

  async refresh(): Promise<void> {
    this.items = await this.api.conflicts(true);
  }

  async resolve(id: string, choice: ConflictChoice): Promise<void> {
    this.busy = id;
    try {
      await this.api.resolveConflict(id, choice);
      this.items = this.items.filter((c) => c.id !== id);
    } finally {
      this.busy = null;
    }
  }
}

/** What a conflict choice does, for its button. */
export function choiceLabel(choice: ConflictChoice): string {
  switch (choice) {
    case 'dismiss':
      return 'Dismiss';
    case 'theirs':
      return 'Keep their change';
    case 'mine':
      return 'Apply mine again';
    case 'reopen':
      return 'Reopen and send';
    case 'follow_up':
      return 'Send as follow-up ticket';
    case 'discard':
      return 'Discard my reply';
    case 'retry':
      return 'Retry';
  }
}
