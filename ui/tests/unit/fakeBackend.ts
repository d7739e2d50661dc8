import { vi } from 'vitest';
import type { Backend } from '../../src/lib/backend';
import type { Account, Boot, FirstScreen, SavedSearch, SyncStatus, TicketSummary, ViewCount } from '../../src/lib/backend';

export function summary(n: number, over: Partial<TicketSummary> = {}): TicketSummary {
  return {
    id: `t-${n}`,
    number: n,
    subject: `Ticket ${n}`,
    status: 'open',
    priority: 'medium',
    type: 'question',
    channel: 'email',
    requester: null,
    assignee: null,
    team: null,
    tags: [],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    message_count: 1,
    pending: 0,
    unread: false,
    ...over,
  };
}

export const status: SyncStatus = {
  server: 'http://s',
  api: 'native',
  api_title: 'the Outpost sync API',
  actions: [
    'ticket.create',
    'ticket.update',
    'ticket.claim',
    'ticket.assign',
    'ticket.takeover',
    'ticket.close',
    'ticket.reopen',
    'ticket.tag_add',
    'ticket.tag_remove',
    'message.send',
    'conversation.read',
  ],
  create_fields: ['priority', 'requester', 'assignee', 'team', 'tags', 'order', 'follow_up'],
  email: 'a@demo.test',
  user_id: 'me',
  online: true,
  last_sync_at: null,
  cursor: null,
  bootstrapped: true,
  syncing: false,
  pending: 0,
  conflicts: 0,
  tickets: 0,
  messages: 0,
  cache_bytes: 0,
  last_error: null,
};

/** The signed-in account `boot` finds. */
export const account: Account = { server: 'http://s', email: 'a@demo.test', tenant: 'demo', name: 'A', user_id: 'me', api: 'native' };

/** A backend whose list is `rows` tickets; every command is a spy. */
export function fakeBackend(rows = 1000) {
  const all = Array.from({ length: rows }, (_, i) => summary(i + 1));
  const page = (q: { offset: number; limit: number | null }) => ({
    tickets: all.slice(q.offset, q.offset + (q.limit ?? 50)),
    total: all.length,
  });
  const firstScreen = (q: { offset: number; limit: number | null }): FirstScreen => ({
    status,
    page: page(q),
  });
  const api = {
    /** The page came without the shell's answer, as from a dev server. */
    pageBoot: vi.fn((): Boot | null => null),
    boot: vi.fn(async (q: { offset: number; limit: number | null }): Promise<Boot> => ({
      info: { version: '0', default_server: null, demo: null },
      account,
      error: null,
      first_screen: firstScreen(q),
    })),
    firstScreen: vi.fn(async (q: { offset: number; limit: number | null }): Promise<FirstScreen> => firstScreen(q)),
    appInfo: vi.fn(async () => ({ version: '0', default_server: null, demo: null })),
    session: vi.fn(async () => null),
    signIn: vi.fn(),
    signInWithToken: vi.fn(),
    signOut: vi.fn(async () => undefined),
    syncStatus: vi.fn(async () => status),
    syncNow: vi.fn(),
    setOffline: vi.fn(async () => undefined),
    outbox: vi.fn(async () => []),
    viewCounts: vi.fn(async (): Promise<ViewCount[]> => []),
    listTickets: vi.fn(async (q: { offset: number; limit: number | null }) => page(q)),
    ticketDetail: vi.fn(),
    search: vi.fn(async () => []),
    savedSearches: vi.fn(async (): Promise<SavedSearch[]> => []),
    saveSearch: vi.fn(),
    deleteSavedSearch: vi.fn(),
    saveDraft: vi.fn(async () => undefined),
    directory: vi.fn(async () => ({ agents: [], teams: [], tags: [] })),
    claim: vi.fn(),
    takeover: vi.fn(),
    assign: vi.fn(),
    updateTicket: vi.fn(),
    tag: vi.fn(),
    sendMessage: vi.fn(),
    close: vi.fn(),
    reopen: vi.fn(),
    markRead: vi.fn(async () => null),
    createTicket: vi.fn(),
    conflicts: vi.fn(async () => []),
    resolveConflict: vi.fn(async () => []),
    settings: vi.fn(),
    resetCache: vi.fn(),
  };
  return { api: api as unknown as Backend & typeof api, all };
}
