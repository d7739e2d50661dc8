import { backend, type Backend, type Directory, type SavedSearch, type ViewCount } from '../backend';

export const FIXED_VIEWS = ['my_open', 'unassigned', 'all_open', 'pending', 'solved'] as const;
export const FIXED_LABELS: Record<string, string> = {
  my_open: 'My open',
  unassigned: 'Unassigned',
  all_open: 'All open',
  pending: 'Pending',
  solved: 'Solved',
};

/** Sidebar: view counts, saved searches and the directory (agents, teams, tags). */
export class ViewsStore {
  counts = $state<ViewCount[]>([]);
  saved = $state<SavedSearch[]>([]);
  directory = $state<Directory>({ agents: [], teams: [], tags: [] });

  constructor(private api: Backend = backend) {}

  count(view: string): number | null {
    return this.counts.find((c) => c.view === view)?.count ?? null;
  }

  get teams(): ViewCount[] {
    return this.counts.filter((c) => c.view.startsWith('team:'));
  }

  get tags(): ViewCount[] {
    return this.counts.filter((c) => c.view.startsWith('tag:'));
  }

  get searches(): ViewCount[] {
    return this.counts.filter((c) => c.view.startsWith('search:'));
  }

  labelOf(view: string | null): string {
    if (view === null) return 'All tickets';
    return FIXED_LABELS[view] ?? this.counts.find((c) => c.view === view)?.label ?? view;
  }

  async refreshCounts(): Promise<void> {
    this.counts = await this.api.viewCounts();
  }

  async refreshAll(): Promise<void> {
    const [counts, saved, directory] = await Promise.all([
      this.api.viewCounts(),
      this.api.savedSearches(),
      this.api.directory(),
    ]);
    this.counts = counts;
    this.saved = saved;
    this.directory = directory;
  }
}
