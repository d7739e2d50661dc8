import { describe, expect, it } from 'vitest';
import { completeField, parseSearch } from '../../src/lib/searchFilter';

describe('search filter parsing', () => {
  it('splits text, phrases and filters with their positions', () => {
    const q = 'refund "double charge" status:open assignee:me tag:billing priority:high';
    const { tokens, error } = parseSearch(q);
    expect(error).toBeNull();
    expect(tokens.map((t) => [t.kind, t.field, t.value])).toEqual([
      ['word', null, 'refund'],
      ['phrase', null, 'double charge'],
      ['filter', 'status', 'open'],
      ['filter', 'assignee', 'me'],
      ['filter', 'tag', 'billing'],
      ['filter', 'priority', 'high'],
    ]);
    for (const t of tokens) expect(q.slice(t.start, t.end)).not.toMatch(/^\s|\s$/);
    expect(q.slice(tokens[2]!.start, tokens[2]!.end)).toBe('status:open');
  });

  it('accepts value lists, quoted values, emails and ticket numbers', () => {
    const { tokens, error } = parseSearch('status:open,pending team:"Tier 2" requester:ann@example.com #1042');
    expect(error).toBeNull();
    expect(tokens[1]).toMatchObject({ kind: 'filter', field: 'team', value: 'Tier 2' });
    expect(tokens[3]).toMatchObject({ kind: 'number', value: '1042' });
  });

  it('flags unknown fields and bad values like the core refuses them', () => {
    expect(parseSearch('stauts:open').error).toMatch(/unknown filter stauts/);
    expect(parseSearch('status:reopened').error).toMatch(/status:reopened is not valid.*new, open/);
    expect(parseSearch('priority:asap').error).toMatch(/priority/);
    expect(parseSearch('assignee:bob').error).toMatch(/me, none or an email/);
    expect(parseSearch('requester:me').error).toMatch(/email/);
    expect(parseSearch('number:abc').error).toMatch(/ticket number/);
    expect(parseSearch('assignee:me assignee:none').error).toMatch(/given twice/);
    const bad = parseSearch('refund stauts:open').tokens[1]!;
    expect(bad.error).not.toBeNull();
  });

  it('treats `word:` without a value and quoted colons as text', () => {
    expect(parseSearch('re: refund').tokens[0]).toMatchObject({ kind: 'word', value: 're:' });
    expect(parseSearch('"re:refund"').tokens[0]).toMatchObject({ kind: 'phrase', value: 're:refund', error: null });
    // The core reads `http://x` as an unknown field too: quoting is the way to search it.
    expect(parseSearch('http://x').error).toMatch(/unknown filter http/);
    expect(parseSearch('"http://x"').error).toBeNull();
  });

  it('keeps an unclosed quote as a phrase while typing', () => {
    expect(parseSearch('"double ch').tokens[0]).toMatchObject({ kind: 'phrase', value: 'double ch' });
  });

  it('completes field names', () => {
    expect(completeField('st')).toEqual(['status']);
    expect(completeField('t')).toEqual(['tag', 'type', 'team']);
    expect(completeField('')).toEqual([]);
  });
});
