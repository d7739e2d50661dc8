import { describe, expect, it } from 'vitest';
import { count, plural } from '../../src/lib/format';

describe('plurals', () => {
  it('uses the singular for exactly one', () => {
    expect(count(1, 'conflict')).toBe('1 conflict');
    expect(count(2, 'conflict')).toBe('2 conflicts');
    expect(count(0, 'conflict')).toBe('0 conflicts');
    expect(plural(1, 'needs', 'need')).toBe('needs');
    expect(plural(3, 'needs', 'need')).toBe('need');
  });
});
