// WCAG contrast of the theme's colour tokens (src/app.css), light and dark: text at
// least 4.5:1 (AA for the 11-13px text the app uses), focus ring and indicators 3:1.
import { describe, expect, it } from 'vitest';
import css from '../../src/app.css?raw';

function tokens(selector: string): Record<string, string> {
  const start = css.indexOf(selector);
  if (start < 0) throw new Error(`no ${selector} in app.css`);
  const body = css.slice(start + selector.length, css.indexOf('}', start));
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) out[m[1]!] = m[2]!.toLowerCase();
  return out;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const light = tokens(':root {');
const darkSystem = { ...light, ...tokens(":root:not([data-theme='light']) {") };
const darkChosen = { ...light, ...tokens(":root[data-theme='dark'] {") };

/** [foreground, backgrounds it is drawn on, minimum ratio]. */
const PAIRS: [string, string[], number][] = [
  ...['text', 'text-soft', 'text-faint'].map(
    (t): [string, string[], number] => [t, ['bg', 'bg-soft', 'bg-hover', 'bg-selected', 'bg-sunken', 'chip', 'note-bg'], 4.5],
  ),
  // Status pills, priorities, delivery marks and counts sit in list rows (plain,
  // hovered, selected) and in the sidebar.
  ...['st-new', 'st-open', 'st-pending', 'st-on_hold', 'st-solved', 'st-closed', 'danger', 'warn', 'ok'].map(
    (t): [string, string[], number] => [t, ['bg', 'bg-soft', 'bg-hover', 'bg-selected'], 4.5],
  ),
  ['accent', ['bg', 'bg-soft', 'bg-hover', 'note-bg'], 4.5], // links, including in internal notes
  ['accent', ['bg-selected'], 3], // the selected row's edge and the unread dot
  ['accent-text', ['accent'], 4.5], // primary buttons
  ['note-text', ['note-bg'], 4.5],
  ['note-tab-text', ['note-tab-bg'], 4.5],
  ['danger', ['chip-error'], 4.5],
  ['focus', ['bg', 'bg-soft', 'bg-hover', 'bg-selected', 'note-bg'], 3],
];

describe.each([
  ['light', light],
  ['dark (system)', darkSystem],
  ['dark (chosen)', darkChosen],
])('%s theme contrast', (_name, t) => {
  it.each(PAIRS)('%s on %j reaches %d:1', (fg, bgs, min) => {
    for (const bg of bgs) {
      expect(t[fg], `--${fg} is defined`).toBeDefined();
      expect(t[bg], `--${bg} is defined`).toBeDefined();
      expect(contrast(t[fg]!, t[bg]!), `--${fg} on --${bg}`).toBeGreaterThanOrEqual(min);
    }
  });
});

it('the dark theme picked in Settings is the one the system gets', () => {
  expect(tokens(":root[data-theme='dark'] {")).toEqual(tokens(":root:not([data-theme='light']) {"));
});

it('the contrast formula matches known WCAG values', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
});
