import { afterEach, describe, expect, it, vi } from 'vitest';
import { absoluteTime, count, number, plural, relativeTime } from '../../src/lib/format';

describe('plurals', () => {
  it('uses the singular for exactly one', () => {
    expect(count(1, 'conflict')).toBe('1 conflict');
    expect(count(2, 'conflict')).toBe('2 conflicts');
    expect(count(0, 'conflict')).toBe('0 conflicts');
    expect(plural(1, 'needs', 'need')).toBe('needs');
    expect(plural(3, 'needs', 'need')).toBe('need');
  });
});

describe('dates and numbers in the locale', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  afterEach(() => vi.restoreAllMocks());

  it('writes the same text as the toLocale* methods', () => {
    const thisYear = '2026-10-02T09:30:00Z';
    const lastYear = '2025-03-15T09:30:00Z';
    expect(relativeTime(thisYear, now)).toBe(new Date(thisYear).toLocaleDateString(undefined, { month: 'short', day: 'numeric' }));
    expect(relativeTime(lastYear, now)).toBe(new Date(lastYear).toLocaleDateString(undefined, { month: 'short', year: '2-digit' }));
    expect(absoluteTime(thisYear)).toBe(new Date(thisYear).toLocaleString());
    expect(number(1234567)).toBe((1234567).toLocaleString());
    expect(count(29940, 'ticket')).toBe(`${(29940).toLocaleString()} tickets`);
  });

  it('keeps the relative forms for recent times', () => {
    expect(relativeTime('2026-12-07T11:59:50Z', now)).toBe('now');
    expect(relativeTime('2026-12-07T11:55:00Z', now)).toBe('5m');
    expect(relativeTime('2026-12-07T09:00:00Z', now)).toBe('3h');
    expect(relativeTime('2026-12-05T12:00:00Z', now)).toBe('2d');
    expect(relativeTime(null, now)).toBe('never');
  });

  // Each toLocale* call makes a new ICU formatter in WebKit; a list row formats on every
  // render, and scrolling made tens of thousands of them (see format.ts).
  it('never makes a formatter per call', () => {
    const spies = [
      vi.spyOn(Date.prototype, 'toLocaleDateString'),
      vi.spyOn(Date.prototype, 'toLocaleString'),
      vi.spyOn(Number.prototype, 'toLocaleString'),
    ];
    // Nor a new Intl formatter: at most the one of each kind not yet made.
    const made = [vi.spyOn(Intl, 'DateTimeFormat'), vi.spyOn(Intl, 'NumberFormat')];
    for (let i = 0; i < 100; i++) {
      relativeTime(new Date(now - (10 + i) * 86_400_000).toISOString(), now);
      relativeTime('2024-01-01T00:00:00Z', now);
      absoluteTime('2026-10-02T09:30:00Z');
      count(i * 1000, 'ticket');
    }
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    expect(made[0]!.mock.calls.length).toBeLessThanOrEqual(3);
    expect(made[1]!.mock.calls.length).toBeLessThanOrEqual(1);
  });
});
