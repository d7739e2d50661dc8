/**
 * The locale's formatters, each made once and reused. `toLocaleDateString` and friends
 * make a new ICU formatter on every call in WebKit, and a row of the ticket list formats
 * its date twice: scrolling 30 000 rows made tens of thousands of them, up to 110 MB of
 * ICU objects outside the JavaScript heap, and the web process's allocator kept that
 * memory after they were freed. The options are the ones those methods use, so the
 * text is the same.
 */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}
const dayMonth = once(() => new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }));
const monthYear = once(() => new Intl.DateTimeFormat(undefined, { month: 'short', year: '2-digit' }));
/** What `Date.prototype.toLocaleString()` shows: numeric date and time. */
const dateTime = once(
  () => new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }),
);
const integer = once(() => new Intl.NumberFormat());

/** `n` as the locale writes it ("12,345"), like `n.toLocaleString()`. */
export function number(n: number): string {
  return integer().format(n);
}

/** "now", "5m", "3h", "2d", or a date for anything older than a week. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h}h`;
  const d = Math.round(h / 24);
  if (d < 7) return `${d}d`;
  const date = new Date(t);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return (sameYear ? dayMonth() : monthYear()).format(date);
}

export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime().format(new Date(t));
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function label(slug: string): string {
  const s = slug.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The key a ticket is addressed by in commands: its number, or its id while unnumbered. */
export function ticketKey(t: { id: string; number: number | null }): string {
  return t.number !== null ? String(t.number) : t.id;
}

export function ticketLabel(t: { number: number | null }): string {
  return t.number !== null ? `#${t.number}` : 'new';
}

/** `one` when `n` is 1, else `many` (English plural: "1 conflict", "2 conflicts", "0 conflicts"). */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return n === 1 ? one : many;
}

/** "1 conflict", "2 conflicts" (the number as the locale writes it). */
export function count(n: number, one: string, many?: string): string {
  return `${number(n)} ${plural(n, one, many)}`;
}
