// A TypeScript mirror of the search language's lexer (crates/outpost-core/src/search.rs)
// used only to draw filter chips and hint at mistakes while typing. The core does the
// real parsing and filtering; this never decides what matches.

export const FIELDS = ['status', 'assignee', 'tag', 'priority', 'type', 'team', 'requester', 'number'] as const;
export type Field = (typeof FIELDS)[number];

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'medium', 'high', 'urgent'];
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const SLUG = /^[a-z0-9_]{1,40}$/;

export interface SearchToken {
  kind: 'word' | 'phrase' | 'filter' | 'number';
  /** For filters: the lower-cased field name as typed. */
  field: string | null;
  value: string;
  /** Offsets of the token in the input (end exclusive), for highlighting. */
  start: number;
  end: number;
  /** Why the core will refuse this token; `null` when it is fine. */
  error: string | null;
}

export interface ParsedSearch {
  tokens: SearchToken[];
  /** The first error, as a hint under the search box. */
  error: string | null;
}

function listError(field: string, value: string, allowed: string[]): string | null {
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p)) {
    if (!allowed.includes(part.toLowerCase())) {
      return `${field}:${part} is not valid; ${field} must be one of ${allowed.join(', ')}`;
    }
  }
  return null;
}

function validate(field: string, value: string): string | null {
  const v = value.trim();
  switch (field) {
    case 'status':
      return listError('status', v, STATUSES);
    case 'priority':
      return listError('priority', v, PRIORITIES);
    case 'type':
      for (const part of v.split(',').map((p) => p.trim()).filter((p) => p)) {
        if (!SLUG.test(part.toLowerCase())) return `type:${part} is not valid; use a-z, 0-9 and _`;
      }
      return null;
    case 'assignee': {
      const l = v.toLowerCase();
      if (['me', 'none', 'nobody', 'unassigned'].includes(l) || EMAIL.test(v)) return null;
      return `assignee:${v} is not valid; use me, none or an email address`;
    }
    case 'requester':
      return EMAIL.test(v) ? null : `requester:${v} is not valid; use an email address`;
    case 'tag':
      for (const part of v.split(',').filter((p) => p.trim())) {
        if (part.trim().length > 50) return `tag:${part} is too long`;
      }
      return null;
    case 'team':
      return null;
    case 'number': {
      const n = v.replace(/^#/, '');
      return /^[1-9][0-9]*$/.test(n) ? null : `number:${v} is not valid; use a ticket number such as 1042`;
    }
    default:
      return `unknown filter ${field}:; valid filters are ${FIELDS.join(', ')} (quote the text to search for it)`;
  }
}

/** Split `input` the way the core does and flag what it would refuse. */
export function parseSearch(input: string): ParsedSearch {
  const tokens: SearchToken[] = [];
  const seen = new Set<string>();
  let i = 0;
  const n = input.length;
  while (i < n) {
    while (i < n && /\s/.test(input[i]!)) i++;
    if (i >= n) break;
    const start = i;
    let head = '';
    let field: string | null = null;
    let quoted = false;
    while (i < n) {
      const c = input[i]!;
      if (/\s/.test(c)) break;
      if (c === '"' && head === '') {
        i++;
        quoted = true;
        // An unclosed quote runs to the end of the input (the agent is typing).
        while (i < n && input[i] !== '"') head += input[i++];
        if (i < n) i++;
        break;
      }
      i++;
      if (c === ':' && field === null && head !== '' && /^[A-Za-z_]+$/.test(head)) {
        field = head.toLowerCase();
        head = '';
        continue;
      }
      head += c;
    }
    const end = i;
    if (field !== null && head === '' && !quoted) {
      tokens.push({ kind: 'word', field: null, value: `${field}:`, start, end, error: null });
    } else if (field !== null) {
      let error = validate(field, head);
      if (!error && ['assignee', 'requester', 'number'].includes(field)) {
        if (seen.has(field)) error = `${field}: is given twice; use it once`;
        seen.add(field);
      }
      tokens.push({ kind: 'filter', field, value: head, start, end, error });
    } else if (quoted) {
      tokens.push({ kind: 'phrase', field: null, value: head, start, end, error: null });
    } else if (/^#[0-9]+$/.test(head)) {
      let error = validate('number', head);
      if (!error && seen.has('number')) error = 'number: is given twice; use it once';
      seen.add('number');
      tokens.push({ kind: 'number', field: 'number', value: head.slice(1), start, end, error });
    } else {
      tokens.push({ kind: 'word', field: null, value: head, start, end, error: null });
    }
  }
  return { tokens, error: tokens.find((t) => t.error)?.error ?? null };
}

/** Field names matching what the agent is typing, for completion hints. */
export function completeField(prefix: string): string[] {
  const p = prefix.toLowerCase();
  return p ? FIELDS.filter((f) => f.startsWith(p) && f !== p) : [];
}
