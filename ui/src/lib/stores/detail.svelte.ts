import { backend, type Backend, type TicketDetail } from '../backend';

/** The open ticket. `key` is its number (or id while unnumbered). */
export class DetailStore {
  key = $state<string | null>(null);
  data = $state<TicketDetail | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(private api: Backend = backend) {}

  async open(key: string | null): Promise<void> {
    this.key = key;
    if (key === null) {
      this.data = null;
      return;
    }
    if (this.data && this.#matches(key)) return this.refresh();
    this.data = null;
    this.loading = true;
    await this.refresh();
    if (this.key === key && this.data) {
      // Reading a ticket clears its unread dot; nothing to wait for.
      this.api.markRead(key).catch(() => undefined);
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
