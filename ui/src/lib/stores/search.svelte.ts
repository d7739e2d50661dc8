import { backend, type Backend, type SearchHit } from '../backend';
import { parseSearch, type ParsedSearch } from '../searchFilter';

export const SEARCH_DEBOUNCE_MS = 60;
export const SEARCH_LIMIT = 30;

/** The search box: instant local results, newest keystroke wins. */
export class SearchStore {
  text = $state('');
  hits = $state<SearchHit[]>([]);
  parsed = $state<ParsedSearch>({ tokens: [], error: null });
  error = $state<string | null>(null);
  active = $state(-1);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #seq = 0;

  constructor(private api: Backend = backend) {}

  input(text: string): void {
    this.text = text;
    this.parsed = parseSearch(text);
    if (this.#timer) clearTimeout(this.#timer);
    if (!text.trim()) {
      this.#seq++;
      this.hits = [];
      this.error = null;
      this.active = -1;
      return;
    }
    this.#timer = setTimeout(() => void this.run(), SEARCH_DEBOUNCE_MS);
  }

  async run(): Promise<void> {
    this.#timer = null;
    const seq = ++this.#seq;
    const text = this.text;
    if (this.parsed.error) {
      this.error = this.parsed.error;
      return;
    }
    try {
      const hits = await this.api.search(text, SEARCH_LIMIT);
      if (seq !== this.#seq) return; // an older keystroke's answer arriving late
      this.hits = hits;
      this.error = null;
      this.active = hits.length ? 0 : -1;
    } catch (e) {
      if (seq === this.#seq) this.error = e instanceof Error ? e.message : String(e);
    }
  }

  clear(): void {
    this.input('');
  }
}
