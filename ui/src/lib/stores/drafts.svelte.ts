import { backend, type Backend } from '../backend';

/** Wait after the last keystroke before writing a draft to the cache. */
export const DRAFT_DEBOUNCE_MS = 400;

interface DraftState {
  body: string;
  internal: boolean;
}

/** Composer drafts per ticket: kept in memory at once, saved to the core debounced. */
export class Drafts {
  #items = $state<Record<string, DraftState>>({});
  #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private api: Backend = backend, private onError: (e: unknown) => void = () => {}) {}

  get(ticket: string): DraftState | undefined {
    return this.#items[ticket];
  }

  /** Seed from the detail's saved draft unless the agent already typed something newer. */
  seed(ticket: string, body: string, internal: boolean): void {
    if (!(ticket in this.#items)) this.#items[ticket] = { body, internal };
  }

  set(ticket: string, body: string, internal: boolean): void {
    this.#items[ticket] = { body, internal };
    const old = this.#timers.get(ticket);
    if (old) clearTimeout(old);
    this.#timers.set(
      ticket,
      setTimeout(() => {
        this.#timers.delete(ticket);
        this.#save(ticket);
      }, DRAFT_DEBOUNCE_MS),
    );
  }

  /** Write a pending draft now (leaving the ticket, closing the app). */
  flush(ticket: string): Promise<void> {
    const t = this.#timers.get(ticket);
    if (!t) return Promise.resolve();
    clearTimeout(t);
    this.#timers.delete(ticket);
    return this.#save(ticket);
  }

  /** The message was sent: the core cleared its draft, forget ours. */
  clear(ticket: string): void {
    const t = this.#timers.get(ticket);
    if (t) clearTimeout(t);
    this.#timers.delete(ticket);
    delete this.#items[ticket];
  }

  #save(ticket: string): Promise<void> {
    const d = this.#items[ticket];
    if (!d) return Promise.resolve();
    return this.api.saveDraft(ticket, d.body, d.internal).catch(this.onError);
  }
}
