import { backend, type Backend, type Directory, type SavedSearch, type ViewCount } from '../backend';

export const FIXED_VIEWS = ['my_open', 'unassigned', 'all_open', 'pending', 'solved'] as const;
export const FIXED_LABELS: Record<string, string> = {
  my_open: 'My open',
  unassigned: 'Unassigned',
  all_open: 'All open',
  pending: 'Pending',
  solved: 'Solved',
};

/** The list view a saved search's query shows (the core's `search:<query>` view). */
export function searchView(query: string): string {
  return `search:${query}`;
}

export interface SavedView {
  id: string;
  name: string;
  query: string;
  view: string;
  count: number | null;
}

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

  /**
   * Saved searches with their counts. Listed from `saved` (not from the `search:` view
   * counts) because only it carries the id deleting needs, and two saved searches may
   * share a query (same view key) under different names.
   */
  get searches(): SavedView[] {
    return this.saved.map((s) => {
      const view = searchView(s.query);
      return { id: s.id, name: s.name, query: s.query, view, count: this.count(view) };
    });
  }

  labelOf(view: string | null): string {
    if (view === null) return 'All tickets';
    return FIXED_LABELS[view] ?? this.counts.find((c) => c.view === view)?.label ?? view;
  }

  async refreshCounts(): Promise<void> {
    this.counts = await this.api.viewCounts();
  }

  /** Save `text` as a named search; the sidebar shows it with its count at once. */
  async saveSearch(name: string, text: string): Promise<SavedSearch> {
    const saved = await this.api.saveSearch(name.trim(), text.trim());
    await this.#refreshSaved();
    return saved;
  }

  async deleteSaved(id: string): Promise<void> {
    await this.api.deleteSavedSearch(id);
    await this.#refreshSaved();
  }

  async #refreshSaved(): Promise<void> {
    const [saved, counts] = await Promise.all([this.api.savedSearches(), this.api.viewCounts()]);
    this.saved = saved;
    this.counts = counts;
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
