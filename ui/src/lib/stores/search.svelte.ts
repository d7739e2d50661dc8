import { backend, type Backend, type SearchHit } from '../backend';
import { parseSearch, type ParsedSearch } from '../searchFilter';

/** Instant results shown under the box; Shift+Enter lists every match. */
export const SEARCH_LIMIT = 12;

/**
 * The search box: instant local results, newest keystroke wins. A keystroke asks the
 * core at once when no query is running; keystrokes that arrive while one runs are
 * coalesced into a single query for the newest text, sent when it returns. So typing
 * never waits on a timer, and never queues more than one query behind the running one.
 */
export class SearchStore {
  text = $state('');
  hits = $state<SearchHit[]>([]);
  parsed = $state<ParsedSearch>({ tokens: [], error: null });
  error = $state<string | null>(null);
  active = $state(-1);
  #running = false;
  #queued = false;
  #seq = 0;

  constructor(private api: Backend = backend) {}

  input(text: string): void {
    this.text = text;
    this.parsed = parseSearch(text);
    if (!text.trim()) {
      this.#seq++;
      this.#queued = false;
      this.hits = [];
      this.error = null;
      this.active = -1;
      return;
    }
    if (this.#running) this.#queued = true;
    else void this.run();
  }

  async run(): Promise<void> {
    const seq = ++this.#seq;
    const text = this.text;
    if (this.parsed.error) {
      this.error = this.parsed.error;
      return;
    }
    this.#running = true;
    try {
      const hits = await this.api.search(text, SEARCH_LIMIT);
      if (seq !== this.#seq) return; // the box was cleared meanwhile
      this.hits = hits;
      this.error = null;
      this.active = hits.length ? 0 : -1;
    } catch (e) {
      if (seq === this.#seq) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.#running = false;
      if (this.#queued) {
        this.#queued = false;
        if (this.text.trim()) void this.run();
      }
    }
  }

  clear(): void {
    this.input('');
  }
}
