import { backend, type Backend, type DeskEvent, type SyncStatus } from '../backend';

/** The core's progress event without its tag (the generated type, not a copy). */
type Progress = Pick<Extract<DeskEvent, { type: 'progress' }>, 'tickets' | 'messages' | 'done' | 'percent'>;

/**
 * An action the UI offers, by the name of the mutation the core sends for it
 * (`MutationOp::NAMES`); the status's `actions` lists the ones the server's API takes.
 */
export type Mutation =
  | 'ticket.create'
  | 'ticket.update'
  | 'ticket.claim'
  | 'ticket.assign'
  | 'ticket.takeover'
  | 'ticket.close'
  | 'ticket.reopen'
  | 'ticket.tag_add'
  | 'ticket.tag_remove'
  | 'message.send';

/** What each action is, for a notice that names it. */
const ACTION_NAMES: Record<Mutation, string> = {
  'ticket.create': 'creating tickets',
  'ticket.update': 'editing the status, priority or type',
  'ticket.claim': 'claiming tickets',
  'ticket.assign': 'assigning tickets',
  'ticket.takeover': 'taking over from the bot',
  'ticket.close': 'closing tickets',
  'ticket.reopen': 'reopening tickets',
  'ticket.tag_add': 'adding tags',
  'ticket.tag_remove': 'removing tags',
  'message.send': 'replies and internal notes',
};

/** The status bar and the first-sync screen. */
export class SyncStore {
  /** The core's state has been read at least once (before that: "Connecting…"). */
  known = $state(false);
  online = $state(false);
  syncing = $state(false);
  workOffline = $state(false);
  lastSyncAt = $state<string | null>(null);
  pending = $state(0);
  conflicts = $state(0);
  bootstrapped = $state(true);
  tickets = $state(0);
  messages = $state(0);
  cacheBytes = $state(0);
  lastError = $state<string | null>(null);
  /** The API the desk speaks (`native`, `ondi`, …) and its name for people. */
  apiName = $state('native');
  apiTitle = $state('');
  /** The mutations the server's API takes; `null` until the core's state is read (all offered). */
  actions = $state<readonly string[] | null>(null);
  /** The optional parts of a new ticket the API carries; `null` until read (all offered). */
  createFields = $state<readonly string[] | null>(null);
  /** First-sync progress while the cache is being filled. */
  progress = $state<Progress | null>(null);

  constructor(private api: Backend = backend) {}

  apply(s: SyncStatus): void {
    this.known = true;
    this.online = s.online;
    this.syncing = s.syncing;
    this.lastSyncAt = s.last_sync_at;
    this.pending = s.pending;
    this.conflicts = s.conflicts;
    this.bootstrapped = s.bootstrapped;
    this.tickets = s.tickets;
    this.messages = s.messages;
    this.cacheBytes = s.cache_bytes;
    this.lastError = s.last_error;
    this.apiName = s.api;
    this.apiTitle = s.api_title;
    this.actions = s.actions;
    this.createFields = s.create_fields;
  }

  /** Whether the server's API takes `m` (the core refuses the others with `not_supported`). */
  can(m: Mutation): boolean {
    return this.actions === null || this.actions.includes(m);
  }

  /**
   * Whether a new ticket through the server's API can carry `field` beyond its subject,
   * description and type (the core refuses a ticket with more rather than drop it).
   */
  createTakes(field: 'priority' | 'requester' | 'tags' | 'assignee'): boolean {
    return this.createFields === null || this.createFields.includes(field);
  }

  /** What a new ticket through the server's API is limited to, as a note; `null` when it is not. */
  createLimits(): string | null {
    const parts = ['priority', 'requester', 'tags', 'assignee'] as const;
    if (parts.every((f) => this.createTakes(f))) return null;
    const me = this.createTakes('requester') ? '' : '; you are the requester';
    return `${this.#apiName()} takes a subject, a description and a type${me}.`;
  }

  /** Why `m` is not offered, as a control's tooltip; `null` when it is. */
  refusal(m: Mutation): string | null {
    return this.can(m) ? null : `${this.#apiName()} does not support this`;
  }

  /** The same as a notice on its own (a shortcut or command that does nothing). */
  refusalNotice(m: Mutation): string {
    return `${this.#apiName()} does not support ${ACTION_NAMES[m]}`;
  }

  #apiName(): string {
    const title = this.apiTitle || 'this server';
    return `${title.charAt(0).toUpperCase()}${title.slice(1)}`;
  }

  async refresh(): Promise<void> {
    this.apply(await this.api.syncStatus());
  }

  /** Events that change only this store; returns whether it handled one. */
  handle(e: DeskEvent): void {
    switch (e.type) {
      case 'sync_state':
        this.online = e.online && !this.workOffline;
        this.syncing = e.syncing;
        this.lastError = e.last_error;
        break;
      case 'progress':
        this.progress = { tickets: e.tickets, messages: e.messages, done: e.done, percent: e.percent };
        if (e.done) this.bootstrapped = true;
        break;
      default:
        break;
    }
  }

  async syncNow(): Promise<void> {
    this.syncing = true;
    try {
      await this.api.syncNow();
    } finally {
      this.syncing = false;
      await this.refresh();
    }
  }

  async setWorkOffline(off: boolean): Promise<void> {
    await this.api.setOffline(off);
    this.workOffline = off;
    if (off) this.online = false;
    await this.refresh();
  }
}
