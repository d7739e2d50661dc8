import { describe, expect, it } from 'vitest';
import { BINDINGS, isTextTarget, resolveKey, type KeyLike } from '../../src/lib/keymap';

const body = { tagName: 'BODY' };
function key(k: string, target: KeyLike['target'] = body, mods: Partial<KeyLike> = {}): KeyLike {
  return { key: k, ctrlKey: false, metaKey: false, altKey: false, target, ...mods };
}

describe('keymap', () => {
  it('maps the triage keys to their actions', () => {
    const cases: [string, string][] = [
      ['j', 'next'], ['k', 'prev'], ['Enter', 'open'], ['a', 'claim'], ['r', 'reply'], ['n', 'note'],
      ['e', 'close'], ['s', 'status'], ['t', 'tag'], ['/', 'search'], ['?', 'help'], ['Escape', 'escape'],
    ];
    for (const [k, action] of cases) expect(resolveKey(key(k)), `key ${k}`).toBe(action);
  });

  it('leaves Enter on a focused button or link to the control', () => {
    const controls = [{ tagName: 'BUTTON' }, { tagName: 'A' }, { tagName: 'INPUT', type: 'checkbox' }, { tagName: 'DIV', getAttribute: (n: string) => (n === 'role' ? 'button' : null) }];
    for (const t of controls) expect(resolveKey(key('Enter', t)), JSON.stringify(t)).toBeNull();
    expect(resolveKey(key('Enter', { tagName: 'DIV', getAttribute: (n: string) => (n === 'role' ? 'listbox' : null) })), 'the ticket list').toBe('open');
    expect(resolveKey(key('j', { tagName: 'BUTTON' })), 'letters still work on a button').toBe('next');
  });

  it('opens the palette with Ctrl+K and Cmd+K', () => {
    expect(resolveKey(key('k', body, { ctrlKey: true }))).toBe('palette');
    expect(resolveKey(key('K', body, { metaKey: true }))).toBe('palette');
  });

  it('never fires a plain shortcut while typing in a text field', () => {
    const fields = [
      { tagName: 'INPUT', type: 'text' },
      { tagName: 'INPUT', type: 'search' },
      { tagName: 'INPUT', type: 'email' },
      { tagName: 'INPUT' },
      { tagName: 'TEXTAREA' },
      { tagName: 'SELECT' },
      { tagName: 'DIV', isContentEditable: true },
      { tagName: 'SPAN', closest: (s: string) => (s.includes('contenteditable') ? {} : null) },
    ];
    for (const f of fields) {
      expect(isTextTarget(f), JSON.stringify(f)).toBe(true);
      for (const k of ['j', 'k', 'a', 'r', 'n', 'e', 's', 't', '/', '?', 'Enter']) {
        expect(resolveKey(key(k, f)), `${k} in ${f.tagName}`).toBeNull();
      }
    }
  });

  it('still leaves a field with Escape and opens the palette from one', () => {
    const input = { tagName: 'TEXTAREA' };
    expect(resolveKey(key('Escape', input))).toBe('escape');
    expect(resolveKey(key('k', input, { ctrlKey: true }))).toBe('palette');
  });

  it('treats buttons and checkboxes as not text fields', () => {
    expect(isTextTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isTextTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(resolveKey(key('j', { tagName: 'INPUT', type: 'checkbox' }))).toBe('next');
  });

  it('ignores keys with modifiers and during IME composition', () => {
    expect(resolveKey(key('j', body, { ctrlKey: true }))).toBeNull();
    expect(resolveKey(key('a', body, { altKey: true }))).toBeNull();
    expect(resolveKey(key('j', body, { isComposing: true }))).toBeNull();
  });

  it('documents every action in the help table', () => {
    const actions = new Set(BINDINGS.map((b) => b.action));
    for (const a of ['next', 'prev', 'open', 'claim', 'reply', 'note', 'close', 'status', 'tag', 'search', 'palette', 'help']) {
      expect(actions.has(a as never), a).toBe(true);
    }
  });
});
