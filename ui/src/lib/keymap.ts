// Keyboard shortcuts: one table (also shown by the help overlay and the palette) and a
// resolver that never lets a plain key fire while the agent is typing.

export type Action =
  | 'next'
  | 'prev'
  | 'open'
  | 'claim'
  | 'reply'
  | 'note'
  | 'close'
  | 'status'
  | 'tag'
  | 'search'
  | 'palette'
  | 'help'
  | 'escape';

export interface Binding {
  action: Action;
  /** What the help overlay shows. */
  keys: string;
  description: string;
}

export const BINDINGS: readonly Binding[] = [
  { action: 'next', keys: 'j', description: 'Next ticket' },
  { action: 'prev', keys: 'k', description: 'Previous ticket' },
  { action: 'open', keys: 'Enter', description: 'Open the selected ticket' },
  { action: 'claim', keys: 'a', description: 'Claim (assign to me)' },
  { action: 'reply', keys: 'r', description: 'Reply to the customer' },
  { action: 'note', keys: 'n', description: 'Write an internal note' },
  { action: 'close', keys: 'e', description: 'Close the ticket' },
  { action: 'status', keys: 's', description: 'Change status' },
  { action: 'tag', keys: 't', description: 'Add a tag' },
  { action: 'search', keys: '/', description: 'Search' },
  { action: 'palette', keys: 'Ctrl/⌘ K', description: 'Command palette' },
  { action: 'help', keys: '?', description: 'Keyboard shortcuts' },
  { action: 'escape', keys: 'Esc', description: 'Close overlay / leave field' },
];

const PLAIN: Record<string, Action> = {
  j: 'next',
  k: 'prev',
  ArrowDown: 'next',
  ArrowUp: 'prev',
  Enter: 'open',
  a: 'claim',
  r: 'reply',
  n: 'note',
  e: 'close',
  s: 'status',
  t: 'tag',
  '/': 'search',
  '?': 'help',
};

/** The parts of a DOM element the resolver looks at (duck-typed so tests need no DOM). */
export interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
  getAttribute?: (name: string) => string | null;
  closest?: (selector: string) => unknown;
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey?: boolean;
  isComposing?: boolean;
  target: TargetLike | null | EventTarget;
}

const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image']);

/** Focus is somewhere the agent types: input, textarea, select or contenteditable. */
export function isTextTarget(target: KeyLike['target']): boolean {
  if (!target || typeof target !== 'object') return false;
  const t = target as TargetLike;
  const tag = (t.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((t.type ?? 'text').toLowerCase());
  if (t.isContentEditable) return true;
  const ce = t.getAttribute?.('contenteditable');
  if (ce !== null && ce !== undefined && ce !== 'false') return true;
  return Boolean(t.closest?.('[contenteditable]:not([contenteditable="false"])'));
}

/** Elements Enter and Space activate natively (a focused button, link, checkbox…). */
const ACTIVATABLE = new Set(['BUTTON', 'A', 'SUMMARY', 'INPUT']);

/** Enter/Space on a focused control belong to the control, not to "open the ticket". */
export function isActivatable(target: KeyLike['target']): boolean {
  if (!target || typeof target !== 'object') return false;
  const t = target as TargetLike;
  if (ACTIVATABLE.has((t.tagName ?? '').toUpperCase())) return true;
  const role = t.getAttribute?.('role');
  return role === 'button' || role === 'link' || role === 'menuitem' || role === 'checkbox' || role === 'radio';
}

/**
 * The action a key press asks for, or `null`. Plain keys never fire in text fields;
 * only Ctrl/Cmd+K (produces no text) and Escape (leaves the field) do.
 */
export function resolveKey(e: KeyLike): Action | null {
  if (e.isComposing) return null;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && e.key.toLowerCase() === 'k') return 'palette';
  if (e.key === 'Escape') return 'escape';
  if (isTextTarget(e.target)) return null;
  if (mod || e.altKey) return null;
  if ((e.key === 'Enter' || e.key === ' ') && isActivatable(e.target)) return null;
  return PLAIN[e.key] ?? null;
}
