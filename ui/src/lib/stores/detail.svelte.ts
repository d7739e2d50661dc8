import { backend, type Backend, type TicketDetail } from '../backend';

/** A ticket open this long is marked read. */
export const READ_AFTER_MS = 1000;
/** How many fetched-ahead details are kept. */
export const PREFETCH_KEEP = 4;

/** The open ticket. `key` is its number (or id while unnumbered). */
export class DetailStore {
  key = $state<string | null>(null);
  data = $state<TicketDetail | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;
  #readTimer: ReturnType<typeof setTimeout> | undefined;
  /** Details fetched ahead for the rows next to the selection, by key. */
  #ahead = new Map<string, { id: string; answer: Promise<TicketDetail | null> }>();

  constructor(private api: Backend = backend) {}

  /**
   * Fetch these tickets' details now, so that j/k (or Enter) shows them without a
   * round trip. Keeps the newest few; `invalidate` drops the ones a change touched.
   */
  prefetch(rows: { id: string; key: string }[]): void {
    for (const { id, key } of rows) {
      if (key === this.key || this.#ahead.has(key)) continue;
      const answer = this.api.ticketDetail(key).catch(() => null);
      this.#ahead.set(key, { id, answer });
    }
    while (this.#ahead.size > PREFETCH_KEEP) {
      this.#ahead.delete(this.#ahead.keys().next().value as string);
    }
  }

  /** A `changed` event: forget what it may have made stale (all for an empty list). */
  invalidate(ids: string[]): void {
    if (ids.length === 0) this.#ahead.clear();
    for (const [key, e] of this.#ahead) if (ids.includes(e.id)) this.#ahead.delete(key);
  }

  async open(key: string | null): Promise<void> {
    // The ticket being left is the one k goes back to: keep it like a fetched-ahead one.
    if (this.data && this.key !== null && this.key !== key && !this.#ahead.has(this.key)) {
      this.#ahead.set(this.key, { id: this.data.ticket.id, answer: Promise.resolve(this.data) });
    }
    this.key = key;
    if (key === null) {
      this.data = null;
      return;
    }
    if (this.data && this.#matches(key)) return this.refresh();
    const ahead = this.#ahead.get(key);
    this.#ahead.delete(key);
    const fetched = ahead ? await ahead.answer : null;
    if (this.key !== key) return; // another ticket was opened meanwhile
    if (fetched) {
      this.#seq++; // an older refresh must not overwrite this
      this.data = fetched;
      this.error = null;
      this.loading = false;
    } else {
      this.data = null;
      this.loading = true;
      await this.refresh();
    }
    if (this.key === key && this.data) {
      // A ticket counts as read once it has stayed open a moment: skimming the queue
      // with j/k does not mark every ticket passed over (nor write to the cache).
      clearTimeout(this.#readTimer);
      this.#readTimer = setTimeout(() => {
        if (this.key === key && this.data) this.api.markRead(key).catch(() => undefined);
      }, READ_AFTER_MS);
    }
  }

  #matches(key: string): boolean {
    const d = this.data;
    return !!d && (String(d.number) === key || d.ticket.id === key);
  }

  async refresh(): Promise<void> {
    const key = this.key;
    if (key === null) return;
    const seq = ++this.#seq;
    try {
      const d = await this.api.ticketDetail(key);
      if (seq !== this.#seq) return;
      this.data = d;
      this.error = null;
      // A ticket created offline gets its number from the server: follow it.
      if (d.number !== null && key === d.ticket.id) this.key = String(d.number);
    } catch (e) {
      if (seq === this.#seq) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Does a `changed` event touch the open ticket? */
  touchedBy(ids: string[]): boolean {
    return !!this.data && ids.includes(this.data.ticket.id);
  }
}
