import { SvelteMap } from 'svelte/reactivity';
import { backend, START_LIST, type Backend, type ListQuery, type Sort, type TicketPage, type TicketSummary, type View } from '../backend';

/** Rows per list_tickets call: the page the shell reads ahead at start-up. */
export const PAGE_SIZE = START_LIST.limit;
/** Pages kept either side of the visible ones; farther pages are dropped. */
export const KEEP_PAGES = 2;
/**
 * Page loads running at once. More wait their turn, and a waiting page that has been
 * scrolled far away by then is never asked for, so a fast scroll through 100k rows
 * does not queue hundreds of queries in the core ahead of the page now on screen.
 */
export const MAX_LOADS = 2;

/**
 * The ticket list as a window over the core's list: only pages near what is on screen
 * are held, so 100k rows cost no more memory than a few hundred.
 */
export class TicketList {
  // The list the shell reads ahead at start-up, so the window's first `boot` finds it.
  view = $state<View | null>(START_LIST.view);
  search = $state('');
  sort = $state<Sort>(START_LIST.sort);
  total = $state(0);
  /** The first page of the current query has arrived. */
  ready = $state(false);
  error = $state<string | null>(null);
  selected = $state(-1);
  selectedId = $state<string | null>(null);
  readonly pages = new SvelteMap<number, TicketSummary[]>();

  #gen = 0;
  #inflight = new Map<number, Promise<void>>();
  #waiting = new Map<number, { gen: number; done: () => void; promise: Promise<void> }>();
  #visible: [number, number] = [0, 0];

  constructor(private api: Backend = backend) {}

  query(offset: number): ListQuery {
    return {
      view: this.view,
      search: this.search.trim() ? this.search.trim() : null,
      sort: this.sort,
      limit: PAGE_SIZE,
      offset,
    };
  }

  rowAt(i: number): TicketSummary | undefined {
    return this.pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  }

  get current(): TicketSummary | undefined {
    return this.selected >= 0 ? this.rowAt(this.selected) : undefined;
  }

  /** Show another view (or search); resets the window and the selection. */
  async show(view: View | null, search = '', sort: Sort = this.sort): Promise<void> {
    this.#reset(view, search, sort);
    await this.#load(0, this.#gen);
  }

  /** Show the current query with its first page already read (the first screen). */
  showFirstPage(page: TicketPage): void {
    this.#reset(this.view, this.search, this.sort);
    this.pages.set(0, page.tickets);
    this.total = page.total;
    this.ready = true;
  }

  #reset(view: View | null, search: string, sort: Sort): void {
    this.view = view;
    this.search = search;
    this.sort = sort;
    this.#gen++;
    this.#inflight.clear();
    this.pages.clear();
    this.total = 0;
    this.ready = false;
    this.selected = -1;
    this.selectedId = null;
    this.#visible = [0, 0];
  }

  async #load(page: number, gen: number): Promise<void> {
    const existing = this.#inflight.get(page);
    if (existing) return existing;
    const waiting = this.#waiting.get(page);
    if (waiting) {
      waiting.gen = gen; // asked again for the newest query
      return waiting.promise;
    }
    if (this.#inflight.size >= MAX_LOADS) {
      let done!: () => void;
      const promise = new Promise<void>((r) => (done = r));
      this.#waiting.set(page, { gen, done, promise });
      return promise;
    }
    // The finally below runs after `p` is assigned (the first await yields first).
    let p!: Promise<void>;
    p = (async () => {
      try {
        const res = await this.api.listTickets(this.query(page * PAGE_SIZE));
        // A response for an older query, or for a page scrolled far away meanwhile.
        if (gen !== this.#gen || !this.#wanted(page)) return;
        this.pages.set(page, res.tickets);
        this.total = res.total;
        this.ready = true;
        this.error = null;
        this.#reselect();
      } catch (e) {
        if (gen === this.#gen) this.error = e instanceof Error ? e.message : String(e);
      } finally {
        if (this.#inflight.get(page) === p) this.#inflight.delete(page);
        this.#next();
      }
    })();
    this.#inflight.set(page, p);
    return p;
  }

  /** Start waiting loads while slots are free: pages on screen first; drop the rest
   *  that are no longer wanted. */
  #next(): void {
    while (this.#inflight.size < MAX_LOADS && this.#waiting.size > 0) {
      let pick: number | undefined;
      for (const [page, w] of this.#waiting) {
        if (w.gen !== this.#gen || !this.#wanted(page) || this.pages.has(page)) {
          this.#waiting.delete(page);
          w.done();
          continue;
        }
        const onScreen = page >= this.#visible[0] && page <= this.#visible[1];
        if (pick === undefined || onScreen) pick = page;
        if (onScreen) break;
      }
      if (pick === undefined) return;
      const w = this.#waiting.get(pick)!;
      this.#waiting.delete(pick);
      void this.#load(pick, w.gen).then(w.done);
    }
  }

  #wanted(page: number): boolean {
    const [a, b] = this.#visible;
    return page >= a - KEEP_PAGES && page <= b + KEEP_PAGES;
  }

  /** Rows `first..=last` are on screen: load their pages, drop far ones. */
  ensureRange(first: number, last: number): Promise<void> {
    const lastRow = Math.max(first, Math.min(last, Math.max(this.total - 1, 0)));
    const a = Math.floor(Math.max(first, 0) / PAGE_SIZE);
    const b = Math.floor(lastRow / PAGE_SIZE);
    this.#visible = [a, b];
    for (const p of [...this.pages.keys()]) {
      if (!this.#wanted(p)) this.pages.delete(p);
    }
    const loads: Promise<void>[] = [];
    for (let p = a; p <= b; p++) {
      if (!this.pages.has(p)) loads.push(this.#load(p, this.#gen));
    }
    return Promise.all(loads).then(() => undefined);
  }

  /** Reload every held page (after a `changed` event), keeping the selected ticket. */
  async refresh(): Promise<void> {
    const gen = ++this.#gen;
    this.#inflight.clear();
    const held = [...this.pages.keys()];
    if (held.length === 0) held.push(this.#visible[0]);
    await Promise.all(held.map((p) => this.#load(p, gen)));
    if (this.total === 0) this.pages.clear();
  }

  /** Keep the selection on the same ticket when rows move. */
  #reselect(): void {
    if (!this.selectedId) return;
    const cur = this.rowAt(this.selected);
    if (cur?.id === this.selectedId) return;
    for (const [p, rows] of this.pages) {
      const i = rows.findIndex((r) => r.id === this.selectedId);
      if (i >= 0) {
        this.selected = p * PAGE_SIZE + i;
        return;
      }
    }
  }

  select(i: number): void {
    if (this.total === 0) {
      this.selected = -1;
      this.selectedId = null;
      return;
    }
    this.selected = Math.max(0, Math.min(i, this.total - 1));
    this.selectedId = this.rowAt(this.selected)?.id ?? null;
    if (!this.selectedId) {
      void this.ensureRange(this.selected, this.selected).then(() => {
        this.selectedId = this.rowAt(this.selected)?.id ?? null;
      });
    }
  }

  move(delta: number): void {
    this.select(this.selected < 0 ? 0 : this.selected + delta);
  }
}
