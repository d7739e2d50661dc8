import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TicketList, PAGE_SIZE, MAX_LOADS } from '../../src/lib/stores/tickets.svelte';
import { Drafts, DRAFT_DEBOUNCE_MS } from '../../src/lib/stores/drafts.svelte';
import { SearchStore } from '../../src/lib/stores/search.svelte';
import { AppState, REFRESH_COALESCE_MS } from '../../src/lib/stores/app.svelte';
import { READ_AFTER_MS } from '../../src/lib/stores/detail.svelte';
import { ViewsStore } from '../../src/lib/stores/views.svelte';
import { Session, signInErrorText } from '../../src/lib/stores/session.svelte';
import { AppError, START_LIST } from '../../src/lib/backend';
import { account, fakeBackend, status, summary } from './fakeBackend';

describe('ticket list window', () => {
  it('loads the first page of a view with the view and page size', async () => {
    const { api } = fakeBackend(1000);
    const list = new TicketList(api);
    await list.show('unassigned', 'tag:billing');
    expect(api.listTickets).toHaveBeenCalledWith({
      view: 'unassigned',
      search: 'tag:billing',
      sort: 'updated_desc',
      limit: PAGE_SIZE,
      offset: 0,
    });
    expect(list.total).toBe(1000);
    expect(list.rowAt(0)?.number).toBe(1);
    expect(list.rowAt(150)).toBeUndefined();
  });

  it('fetches pages as rows scroll into view and drops far ones', async () => {
    const { api } = fakeBackend(100_000);
    const list = new TicketList(api);
    await list.show('all_open');
    await list.ensureRange(180, 230);
    expect(list.rowAt(230)?.number).toBe(231);
    expect([...list.pages.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2]);
    await list.ensureRange(50_000, 50_030);
    expect(api.listTickets).toHaveBeenLastCalledWith(expect.objectContaining({ offset: 50_000 }));
    expect([...list.pages.keys()]).toEqual([500]);
    expect(list.rowAt(0)).toBeUndefined();
  });

  it('a fast scroll asks for at most MAX_LOADS pages at once and skips pages it left behind', async () => {
    const { api } = fakeBackend(100_000);
    const list = new TicketList(api);
    await list.show('all_open');
    const real = api.listTickets.getMockImplementation()!;
    const held: (() => void)[] = [];
    api.listTickets.mockImplementation((q) => new Promise((r) => held.push(() => r(real(q)))) as never);
    api.listTickets.mockClear();
    const loads: Promise<void>[] = [];
    for (let row = 1_000; row <= 60_000; row += 1_000) loads.push(list.ensureRange(row, row + 30));
    expect(api.listTickets).toHaveBeenCalledTimes(MAX_LOADS);
    // The first two answer; of the 58 pages waiting only the one now on screen is asked for.
    let settled = false;
    void Promise.all(loads).then(() => (settled = true));
    for (let i = 0; i < 50 && !settled; i++) {
      while (held.length) held.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(settled, 'every ensureRange settles').toBe(true);
    const offsets = api.listTickets.mock.calls.map((c) => c[0].offset);
    expect(offsets).toEqual([1_000, 2_000, 60_000]);
    expect(list.rowAt(60_000)?.number).toBe(60_001);
  });

  it('asks for a page once while it is in flight', async () => {
    const { api } = fakeBackend(1000);
    const list = new TicketList(api);
    await list.show('all_open');
    api.listTickets.mockClear();
    await Promise.all([list.ensureRange(300, 310), list.ensureRange(305, 320)]);
    expect(api.listTickets).toHaveBeenCalledTimes(1);
  });

  it('discards an answer for a view the agent already left', async () => {
    const { api } = fakeBackend(10);
    let release: () => void = () => {};
    api.listTickets.mockImplementationOnce(
      () => new Promise((r) => (release = () => r({ tickets: [summary(999)], total: 1 }))),
    );
    const list = new TicketList(api);
    const slow = list.show('solved');
    await list.show('my_open');
    release();
    await slow;
    expect(list.view).toBe('my_open');
    expect(list.total).toBe(10);
    expect(list.rowAt(0)?.number).toBe(1);
  });

  it('keeps the selected ticket selected when a refresh moves it', async () => {
    const { api, all } = fakeBackend(20);
    const list = new TicketList(api);
    await list.show('all_open');
    list.select(5);
    expect(list.selectedId).toBe('t-6');
    all.unshift(summary(500), summary(501));
    await list.refresh();
    expect(list.selected).toBe(7);
    expect(list.current?.id).toBe('t-6');
  });

  it('moves the selection within the list bounds', async () => {
    const { api } = fakeBackend(3);
    const list = new TicketList(api);
    await list.show('all_open');
    list.move(1);
    expect(list.selected).toBe(0);
    list.move(1);
    list.move(1);
    list.move(1);
    expect(list.selected).toBe(2);
    list.move(-5);
    expect(list.selected).toBe(0);
  });
});

describe('drafts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once after typing stops, with the last text and mode', async () => {
    const { api } = fakeBackend();
    const drafts = new Drafts(api);
    drafts.set('1042', 'H', false);
    drafts.set('1042', 'He', false);
    vi.advanceTimersByTime(DRAFT_DEBOUNCE_MS - 1);
    drafts.set('1042', 'Hello', true);
    expect(drafts.get('1042')).toEqual({ body: 'Hello', internal: true });
    vi.advanceTimersByTime(DRAFT_DEBOUNCE_MS - 1);
    expect(api.saveDraft).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(api.saveDraft).toHaveBeenCalledTimes(1);
    expect(api.saveDraft).toHaveBeenCalledWith('1042', 'Hello', true);
  });

  it('keeps drafts per ticket and flushes a pending one at once', async () => {
    const { api } = fakeBackend();
    const drafts = new Drafts(api);
    drafts.set('1', 'one', false);
    drafts.set('2', 'two', false);
    await drafts.flush('1');
    expect(api.saveDraft).toHaveBeenCalledWith('1', 'one', false);
    expect(drafts.get('2')?.body).toBe('two');
    vi.advanceTimersByTime(DRAFT_DEBOUNCE_MS);
    expect(api.saveDraft).toHaveBeenCalledTimes(2);
  });

  it('does not overwrite what the agent typed with an older saved draft', () => {
    const { api } = fakeBackend();
    const drafts = new Drafts(api);
    drafts.set('1', 'typing', false);
    drafts.seed('1', 'saved earlier', true);
    expect(drafts.get('1')?.body).toBe('typing');
    drafts.clear('1');
    vi.advanceTimersByTime(DRAFT_DEBOUNCE_MS);
    expect(api.saveDraft).not.toHaveBeenCalled();
  });
});

describe('search', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks at once, coalesces keystrokes typed while a query runs into one for the newest text', async () => {
    const { api } = fakeBackend();
    const answers: ((v: unknown) => void)[] = [];
    api.search.mockImplementation(() => new Promise((r) => answers.push(r)) as never);
    const s = new SearchStore(api);
    const hit = (n: number) => ({ ticket: summary(n), matched: 'ticket', snippet: [] });
    s.input('ref');
    expect(api.search).toHaveBeenCalledTimes(1);
    expect(api.search).toHaveBeenLastCalledWith('ref', expect.any(Number));
    s.input('refu');
    s.input('refun');
    s.input('refund');
    expect(api.search).toHaveBeenCalledTimes(1);
    answers[0]!([hit(1)]);
    await vi.runAllTimersAsync();
    expect(s.hits.map((h) => h.ticket.number)).toEqual([1]);
    expect(api.search).toHaveBeenCalledTimes(2);
    expect(api.search).toHaveBeenLastCalledWith('refund', expect.any(Number));
    answers[1]!([hit(2)]);
    await vi.runAllTimersAsync();
    expect(s.hits.map((h) => h.ticket.number)).toEqual([2]);
    expect(api.search).toHaveBeenCalledTimes(2);
  });

  it('drops an answer that arrives after the box was cleared', async () => {
    const { api } = fakeBackend();
    const answers: ((v: unknown) => void)[] = [];
    api.search.mockImplementation(() => new Promise((r) => answers.push(r)) as never);
    const s = new SearchStore(api);
    s.input('refund');
    s.clear();
    answers[0]!([{ ticket: summary(1), matched: 'ticket', snippet: [] }]);
    await vi.runAllTimersAsync();
    expect(s.hits).toEqual([]);
    expect(api.search).toHaveBeenCalledTimes(1);
  });

  it('does not ask the core for a query it would refuse', () => {
    const { api } = fakeBackend();
    const s = new SearchStore(api);
    s.input('stauts:open');
    expect(api.search).not.toHaveBeenCalled();
    expect(s.error).toMatch(/unknown filter/);
  });
});

describe('desk events', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('updates the status bar from sync_state and progress', () => {
    const { api } = fakeBackend();
    const app = new AppState(api);
    app.handle({ type: 'sync_state', online: true, syncing: true, last_error: null, last_error_code: null });
    expect(app.sync.online).toBe(true);
    expect(app.sync.syncing).toBe(true);
    app.handle({ type: 'progress', tickets: 120, messages: 900, done: false, percent: 37 });
    expect(app.sync.progress).toEqual({ tickets: 120, messages: 900, done: false, percent: 37 });
  });

  it('coalesces a burst of changed events into one refresh of counts, list, status and the open ticket', async () => {
    const { api } = fakeBackend(5);
    const app = new AppState(api);
    api.ticketDetail.mockResolvedValue({ ticket: { id: 't-1' }, number: 1 } as never);
    await app.list.show('my_open');
    await app.detail.open('1');
    api.listTickets.mockClear();
    api.ticketDetail.mockClear();
    for (let i = 0; i < 10; i++) app.handle({ type: 'changed', tickets: ['t-1'] });
    await vi.advanceTimersByTimeAsync(REFRESH_COALESCE_MS);
    expect(api.viewCounts).toHaveBeenCalledTimes(1);
    expect(api.listTickets).toHaveBeenCalledTimes(1);
    expect(api.syncStatus).toHaveBeenCalledTimes(1);
    expect(api.ticketDetail).toHaveBeenCalledTimes(1);
  });

  it('leaves the open ticket alone when other tickets change', async () => {
    const { api } = fakeBackend(5);
    const app = new AppState(api);
    api.ticketDetail.mockResolvedValue({ ticket: { id: 't-1' }, number: 1 } as never);
    await app.detail.open('1');
    api.ticketDetail.mockClear();
    app.handle({ type: 'changed', tickets: ['t-3'] });
    await vi.advanceTimersByTimeAsync(REFRESH_COALESCE_MS);
    expect(api.ticketDetail).not.toHaveBeenCalled();
    expect(api.listTickets).toHaveBeenCalled();
  });

  it('reloads the conflict list when conflicts arrive', async () => {
    const { api } = fakeBackend();
    const app = new AppState(api);
    app.handle({ type: 'conflicts', ids: ['c1'] });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.conflicts).toHaveBeenCalledWith(true);
    expect(app.toasts.items.map((t) => t.text)).toEqual(['1 new conflict needs you']);
    app.handle({ type: 'conflicts', ids: ['c2', 'c3'] });
    expect(app.toasts.items.at(-1)?.text).toBe('2 new conflicts need you');
  });

  it('runs keyboard actions against the selected ticket', async () => {
    const { api } = fakeBackend(5);
    api.claim.mockResolvedValue({ seq: 1, mutation_id: 'm', ticket_id: 't-2', message_id: null } as never);
    const app = new AppState(api);
    await app.list.show('unassigned');
    expect(app.runAction('next')).toBe(true);
    expect(app.runAction('next')).toBe(true);
    app.runAction('claim');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.claim).toHaveBeenCalledWith('2');
  });
});

describe('keyboard walk', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('j/k only move the selection until a ticket is open, then the detail follows', async () => {
    const { api } = fakeBackend(5);
    api.ticketDetail.mockImplementation(async (key: string) => ({ ticket: { id: `t-${key}` }, number: Number(key), messages: [], history: [] }) as never);
    const app = new AppState(api);
    await app.list.show('unassigned');
    app.runAction('next');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.ticketDetail, 'no ticket is open: j must not load one').not.toHaveBeenCalled();
    expect(app.detail.data).toBeNull();
    app.runAction('open');
    await vi.advanceTimersByTimeAsync(0);
    const first = app.list.current!.number;
    expect(app.detail.data?.number).toBe(first);
    app.runAction('next');
    await vi.advanceTimersByTimeAsync(0);
    expect(app.list.current!.number).not.toBe(first);
    expect(app.detail.data?.number, 'reading a ticket, j opens the next one').toBe(app.list.current!.number);
    app.runAction('prev');
    await vi.advanceTimersByTimeAsync(0);
    expect(app.detail.data?.number).toBe(first);
  });

  it('marks a ticket read once it stayed open a moment, not the ones j skims past', async () => {
    const { api } = fakeBackend(5);
    api.ticketDetail.mockImplementation(async (key: string) => ({ ticket: { id: `t-${key}` }, number: Number(key), messages: [], history: [] }) as never);
    const app = new AppState(api);
    await app.list.show('unassigned');
    app.runAction('next');
    app.runAction('open');
    await vi.advanceTimersByTimeAsync(READ_AFTER_MS / 2);
    app.runAction('next');
    await vi.advanceTimersByTimeAsync(READ_AFTER_MS / 2);
    app.runAction('next');
    await vi.advanceTimersByTimeAsync(READ_AFTER_MS - 1);
    expect(api.markRead, 'skimmed tickets stay unread').not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.markRead).toHaveBeenCalledTimes(1);
    expect(api.markRead).toHaveBeenCalledWith(String(app.list.current!.number));
  });

  it('fetches the neighbours of the open ticket ahead; a change makes an early copy be fetched again', async () => {
    const { api } = fakeBackend(6);
    api.ticketDetail.mockImplementation(async (key: string) => ({ ticket: { id: `t-${key}` }, number: Number(key), messages: [], history: [] }) as never);
    const app = new AppState(api);
    await app.list.show('unassigned');
    const key = (i: number) => String(app.list.rowAt(i)!.number);
    const fetched = () => api.ticketDetail.mock.calls.map((c) => c[0]);
    app.runAction('next');
    app.runAction('open');
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched(), 'the open ticket, then the next two').toEqual([key(0), key(1), key(2)]);
    app.runAction('next');
    await vi.advanceTimersByTimeAsync(0);
    expect(app.detail.data?.number).toBe(Number(key(1)));
    expect(fetched(), 'j used the early copy; only the new neighbour is fetched').toEqual([key(0), key(1), key(2), key(3)]);
    app.runAction('prev');
    await vi.advanceTimersByTimeAsync(0);
    expect(app.detail.data?.number, 'k goes back to the ticket just left').toBe(Number(key(0)));
    expect(fetched()).toHaveLength(4);
    app.handle({ type: 'changed', tickets: [`t-${key(1)}`] });
    app.runAction('next');
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched().filter((k) => k === key(1)), 'the changed ticket is read again').toHaveLength(2);
  });
});

describe('start', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows the first screen from the one boot call, then the rest and what an event before the subscription changed', async () => {
    const { api } = fakeBackend(250);
    const app = new AppState(api);
    await app.init();
    expect(api.boot).toHaveBeenCalledTimes(1);
    expect(api.boot.mock.calls[0]?.[0], 'the list the shell read ahead').toEqual(START_LIST);
    expect(app.session.phase).toBe('signed_in');
    const started = app.start();
    expect(app.sync.known, 'the sync state is shown with the list, before any other call').toBe(true);
    expect(app.list.ready).toBe(true);
    expect(app.list.total).toBe(250);
    expect(app.list.rowAt(0)?.number).toBe(1);
    for (const part of [api.firstScreen, api.syncStatus, api.listTickets, api.viewCounts]) {
      expect(part, 'the first screen needs no other call').not.toHaveBeenCalled();
    }
    await started;
    for (const part of [api.viewCounts, api.savedSearches, api.directory, api.conflicts, api.listTickets, api.syncStatus]) {
      expect(part, 'read once after the first screen').toHaveBeenCalledTimes(1);
    }
  });

  it("builds the first screen from the page's answer, before any call, and asks boot when the page has none", async () => {
    const { api } = fakeBackend(250);
    const boot = await api.boot(START_LIST);
    api.boot.mockClear();
    api.pageBoot.mockReturnValueOnce(boot);
    const app = new AppState(api);
    void app.init();
    // Synchronously: the window's first frame is built with the rows.
    expect(app.session.phase).toBe('signed_in');
    expect(app.list.ready).toBe(true);
    expect(app.list.rowAt(0)?.number).toBe(1);
    expect(api.boot, 'no round trip').not.toHaveBeenCalled();

    // A page without the answer (a reload, a dev server): one boot call.
    const again = new AppState(api);
    await again.init();
    expect(api.pageBoot).toHaveBeenCalledTimes(2);
    expect(api.boot).toHaveBeenCalledTimes(1);
    expect(again.list.total).toBe(250);
  });

  it("ignores the page's answer when the window opens on another list", async () => {
    const { api } = fakeBackend(250);
    api.pageBoot.mockReturnValueOnce(await api.boot(START_LIST));
    api.boot.mockClear();
    const app = new AppState(api);
    app.list.view = 'all_open';
    await app.init();
    expect(api.boot).toHaveBeenCalledTimes(1);
    expect(api.boot.mock.calls[0]?.[0]).toMatchObject({ view: 'all_open' });
  });

  it('after a sign-in, reads the first screen in one call', async () => {
    const { api } = fakeBackend(5);
    api.boot.mockResolvedValue({ info: { version: '0', default_server: null, demo: null }, account: null, error: null, first_screen: null });
    const app = new AppState(api);
    await app.init();
    expect(app.session.phase).toBe('signed_out');
    await app.start();
    expect(api.firstScreen).toHaveBeenCalledTimes(1);
    expect(api.firstScreen.mock.calls[0]?.[0]).toMatchObject({ view: 'my_open', offset: 0 });
    expect(app.list.total).toBe(5);
  });

  it("shows why the saved session did not open, in the sign-in form's words", async () => {
    const { api } = fakeBackend(5);
    api.boot.mockResolvedValue({
      info: { version: '0', default_server: null, demo: null },
      account: null,
      error: { code: 'keychain_unavailable', message: 'the OS keychain is not available (no D-Bus session)' },
      first_screen: null,
    });
    const app = new AppState(api);
    await app.init();
    expect(app.session.phase).toBe('signed_out');
    expect(app.session.error).toEqual({ code: 'keychain_unavailable', text: 'Cannot store the session: the OS keychain is not available (no D-Bus session).' });
  });

  it('falls back to reading the session part by part when boot fails', async () => {
    const { api } = fakeBackend(5);
    api.boot.mockRejectedValue(new Error('ipc down'));
    api.session.mockResolvedValue(account as never);
    const app = new AppState(api);
    await app.init();
    expect(api.appInfo).toHaveBeenCalledTimes(1);
    expect(app.session.phase).toBe('signed_in');
  });

  it("without a first screen, reads the core's sync state before it lists anything", async () => {
    const { api } = fakeBackend(5);
    api.firstScreen.mockRejectedValue(new Error('cache locked'));
    const order: string[] = [];
    const status = await api.syncStatus();
    api.syncStatus.mockImplementation(async () => {
      order.push('status');
      return status;
    });
    const list = api.listTickets.getMockImplementation()!;
    api.listTickets.mockImplementation(async (q) => {
      order.push('list');
      return list(q);
    });
    const app = new AppState(api);
    expect(app.sync.known, 'nothing read yet: the status bar says Connecting…').toBe(false);
    await app.start();
    expect(order[0]).toBe('status');
    expect(order).toContain('list');
    expect(app.sync.known).toBe(true);
  });
});

describe('saved searches', () => {
  const urgent = { id: 's-1', name: 'Urgent', query: 'priority:urgent', created_at: '2026-01-01T00:00:00Z' };
  const mine = { id: 's-2', name: 'Mine', query: 'assignee:me', created_at: '2026-01-01T00:00:00Z' };

  it('lists saved searches by id with the count of their search view', async () => {
    const { api } = fakeBackend();
    api.savedSearches.mockResolvedValue([urgent, { ...urgent, id: 's-3', name: 'Also urgent' }]);
    api.viewCounts.mockResolvedValue([{ view: 'search:priority:urgent', label: 'Urgent', count: 7 }]);
    const views = new ViewsStore(api);
    await views.refreshAll();
    expect(views.searches).toEqual([
      { id: 's-1', name: 'Urgent', query: 'priority:urgent', view: 'search:priority:urgent', count: 7 },
      { id: 's-3', name: 'Also urgent', query: 'priority:urgent', view: 'search:priority:urgent', count: 7 },
    ]);
  });

  it('saves the trimmed name and query, then reloads the list and counts', async () => {
    const { api } = fakeBackend();
    api.saveSearch.mockResolvedValue(mine as never);
    api.savedSearches.mockResolvedValue([mine]);
    const views = new ViewsStore(api);
    const saved = await views.saveSearch('  Mine ', ' assignee:me  ');
    expect(api.saveSearch).toHaveBeenCalledWith('Mine', 'assignee:me');
    expect(saved.id).toBe('s-2');
    expect(views.saved).toEqual([mine]);
    expect(api.viewCounts).toHaveBeenCalledTimes(1);
  });

  it('keeps the sidebar unchanged when the core refuses the search', async () => {
    const { api } = fakeBackend();
    api.saveSearch.mockRejectedValue(new AppError('invalid_input', 'a saved search needs a name'));
    const views = new ViewsStore(api);
    await expect(views.saveSearch('', 'x')).rejects.toMatchObject({ code: 'invalid_input' });
    expect(api.savedSearches).not.toHaveBeenCalled();
  });

  it('deleting the saved search on screen goes back to My open', async () => {
    const { api } = fakeBackend(3);
    api.savedSearches.mockResolvedValueOnce([urgent, mine]).mockResolvedValueOnce([mine]);
    api.deleteSavedSearch.mockResolvedValue(undefined as never);
    const app = new AppState(api);
    await app.views.refreshAll();
    await app.showView('search:priority:urgent');
    expect(await app.deleteSavedSearch('s-1')).toBe(true);
    expect(api.deleteSavedSearch).toHaveBeenCalledWith('s-1');
    expect(app.views.saved).toEqual([mine]);
    expect(app.list.view).toBe('my_open');
    expect(app.toasts.items.at(-1)?.text).toMatch(/Urgent/);
  });

  it('deleting another saved search leaves the list where it is', async () => {
    const { api } = fakeBackend(3);
    api.savedSearches.mockResolvedValueOnce([urgent, mine]).mockResolvedValueOnce([urgent]);
    api.deleteSavedSearch.mockResolvedValue(undefined as never);
    const app = new AppState(api);
    await app.views.refreshAll();
    await app.showView('search:priority:urgent');
    await app.deleteSavedSearch('s-2');
    expect(app.list.view).toBe('search:priority:urgent');
  });

  it('reports a failed delete and keeps the entry', async () => {
    const { api } = fakeBackend(3);
    api.savedSearches.mockResolvedValue([urgent]);
    api.deleteSavedSearch.mockRejectedValue(new AppError('not_found', 'saved search not found'));
    const app = new AppState(api);
    await app.views.refreshAll();
    expect(await app.deleteSavedSearch('s-1')).toBe(false);
    expect(app.views.saved).toEqual([urgent]);
    expect(app.toasts.items.at(-1)).toMatchObject({ kind: 'error' });
  });
});

describe('sign-in errors', () => {
  it('names the address and cause once, then the fix', () => {
    const text = signInErrorText(
      new AppError('unreachable', 'cannot reach the server at http://127.0.0.1:8080: connection refused or no route'),
    );
    expect(text).toBe(
      'Cannot reach the server at http://127.0.0.1:8080: connection refused or no route. Check the URL and your network.',
    );
  });
  it('says once that the keychain is missing, then the fix', () => {
    const core =
      'the OS keychain is not available (org.freedesktop.DBus.Error.ServiceUnknown); start a Secret Service such as gnome-keyring in this session, or set OUTPOST_TOKEN for headless use';
    expect(signInErrorText(new AppError('keychain_unavailable', core))).toBe(
      'Cannot store the session: the OS keychain is not available (org.freedesktop.DBus.Error.ServiceUnknown); start a Secret Service such as gnome-keyring in this session, or set OUTPOST_TOKEN for headless use.',
    );
  });
  it('keeps the keychain fix and hides credential details', () => {
    expect(signInErrorText(new AppError('keychain_unavailable', 'start gnome-keyring'))).toContain('start gnome-keyring');
    expect(signInErrorText(new AppError('invalid_credentials', 'no such user x@y'))).toBe('Email or password is wrong.');
  });
});

describe('an API that lacks actions (a connector)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const ondi = { ...status, api: 'ondi', api_title: 'the OnDi support API', actions: ['ticket.claim', 'ticket.close', 'message.send'] };

  it('offers every action until the status is read, then only what the API takes', () => {
    const { api } = fakeBackend(5);
    const app = new AppState(api);
    expect(app.sync.can('ticket.update')).toBe(true);
    app.sync.apply(ondi);
    expect(app.sync.apiName).toBe('ondi');
    expect(app.sync.can('ticket.claim')).toBe(true);
    expect(app.sync.refusal('ticket.claim')).toBeNull();
    expect(app.sync.can('ticket.update')).toBe(false);
    expect(app.sync.refusal('ticket.update')).toBe('The OnDi support API does not support this');
    app.sync.apply(status);
    expect(app.sync.refusal('ticket.update'), 'the native protocol takes every action').toBeNull();
  });

  it('a status read while a pass runs says so (a connector reconcile started before the window listened)', () => {
    const { api } = fakeBackend(5);
    const app = new AppState(api);
    app.sync.apply({ ...ondi, syncing: true });
    expect(app.sync.syncing).toBe(true);
    app.sync.apply({ ...ondi, syncing: false, last_sync_at: '2026-12-04T18:00:00Z' });
    expect(app.sync.syncing).toBe(false);
  });

  it('a new ticket through Sonzai carries only what its API takes', () => {
    const { api } = fakeBackend(5);
    const app = new AppState(api);
    expect(app.sync.createTakes('priority')).toBe(true);
    expect(app.sync.createLimits()).toBeNull();
    app.sync.apply({ ...status, api: 'sonzai', api_title: 'the Sonzai support API', actions: ['ticket.create', 'ticket.close', 'message.send'], create_fields: [] });
    for (const f of ['priority', 'requester', 'tags', 'assignee'] as const) expect(app.sync.createTakes(f)).toBe(false);
    expect(app.sync.createLimits()).toBe('The Sonzai support API takes a subject, a description and a type; you are the requester.');
    app.sync.apply(ondi);
    expect(app.sync.createTakes('tags'), 'an API that carries every part').toBe(true);
  });

  it('a shortcut for a missing action says why and calls nothing', async () => {
    const { api } = fakeBackend(5);
    api.claim.mockResolvedValue({ seq: 1, mutation_id: 'm', ticket_id: 't-1', message_id: null } as never);
    const app = new AppState(api);
    app.sync.apply(ondi);
    await app.list.show('unassigned');
    app.runAction('next');
    expect(app.runAction('status')).toBe(true);
    expect(app.runAction('tag')).toBe(true);
    await app.update({ status: 'pending' });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.updateTicket).not.toHaveBeenCalled();
    expect(api.tag).not.toHaveBeenCalled();
    expect(app.toasts.items.map((t) => t.text)).toEqual([
      'The OnDi support API does not support editing the status, priority or type',
      'The OnDi support API does not support adding tags',
      'The OnDi support API does not support editing the status, priority or type',
    ]);
    app.runAction('claim');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.claim, 'what the API takes still goes through').toHaveBeenCalledWith('1');
  });
});

describe('sign-out', () => {
  it('leaves nothing of the session for the next one: list, open ticket, API, overlay', async () => {
    const { api } = fakeBackend(5);
    api.ticketDetail.mockResolvedValue({ ticket: { id: 't-1' }, number: 1 } as never);
    const app = new AppState(api);
    app.sync.apply({ ...status, api: 'ondi', api_title: 'the OnDi support API', actions: ['ticket.claim'] });
    await app.list.show('unassigned');
    await app.detail.open('1');
    app.overlay = 'settings';
    app.stop();
    expect(app.detail.key).toBeNull();
    expect(app.list.view).not.toBe('unassigned');
    expect(app.sync.apiName).toBe('native');
    expect(app.sync.can('ticket.update')).toBe(true);
    expect(app.overlay).toBeNull();
  });
});

describe('sign in with an API token', () => {
  it('sends the trimmed server, email and token with the API name', async () => {
    const { api } = fakeBackend();
    api.signInWithToken.mockResolvedValue({ server: 'http://s', email: 'a@demo.test', tenant: 't', name: 'A', user_id: 'me', api: 'ondi' });
    const s = new Session(api);
    expect(await s.signInWithToken(' http://s ', 'ondi', ' a@demo.test ', ' key \n')).toBe(true);
    expect(api.signInWithToken).toHaveBeenCalledWith('http://s', 'ondi', 'a@demo.test', 'key');
    expect(s.phase).toBe('signed_in');
    expect(s.account?.api).toBe('ondi');
  });

  it('says the token was refused, not the password', async () => {
    const { api } = fakeBackend();
    api.signInWithToken.mockRejectedValue(new AppError('unauthenticated', 'the token is not valid'));
    const s = new Session(api);
    expect(await s.signInWithToken('http://s', 'sonzai', 'a@demo.test', 'nope')).toBe(false);
    expect(s.error).toEqual({ code: 'unauthenticated', text: 'The server does not accept this API token for this email.' });
    expect(s.phase).toBe('loading');
  });
});
