// The one module the UI reaches the Rust shell through. Components and stores call
// these functions; nothing else imports @tauri-apps/api.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { openUrl } from '@tauri-apps/plugin-opener';
import type {
  Account,
  ActionResult,
  AppInfo,
  ConflictView,
  DeskEvent,
  Directory,
  ListQuery,
  NewTicket,
  OutboxEntry,
  SavedSearch,
  SearchHit,
  Settings,
  Status,
  SyncReport,
  TicketDetail,
  TicketEdit,
  TicketPage,
  ViewCount,
} from './types';

export type * from './types';

/** A failed command: `code` is the core's stable error code the UI branches on. */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const o = e as { code: string; message?: unknown };
    return new AppError(o.code, typeof o.message === 'string' ? o.message : o.code);
  }
  if (typeof e === 'string') return new AppError('internal', e);
  return new AppError('internal', e instanceof Error ? e.message : String(e));
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export const backend = {
  appInfo: () => call<AppInfo>('app_info'),
  session: () => call<Account | null>('session'),
  signIn: (server: string, email: string, password: string, tenant: string | null) =>
    call<Account>('sign_in', { server, email, password, tenant }),
  signOut: (wipe: boolean) => call<void>('sign_out', { wipe }),

  syncStatus: () => call<Status>('sync_status'),
  syncNow: () => call<SyncReport>('sync_now'),
  setOffline: (offline: boolean) => call<void>('set_offline', { offline }),
  outbox: (limit: number) => call<OutboxEntry[]>('outbox', { limit }),

  viewCounts: () => call<ViewCount[]>('view_counts'),
  listTickets: (query: ListQuery) => call<TicketPage>('list_tickets', { query }),
  ticketDetail: (ticket: string) => call<TicketDetail>('ticket_detail', { ticket }),
  search: (text: string, limit: number) => call<SearchHit[]>('search', { text, limit }),
  savedSearches: () => call<SavedSearch[]>('saved_searches'),
  saveSearch: (name: string, text: string) => call<SavedSearch>('save_search', { name, text }),
  deleteSavedSearch: (id: string) => call<void>('delete_saved_search', { id }),
  saveDraft: (ticket: string, body: string, internal: boolean) =>
    call<void>('save_draft', { ticket, body, internal }),
  directory: () => call<Directory>('directory'),

  claim: (ticket: string) => call<ActionResult>('claim', { ticket }),
  takeover: (ticket: string) => call<ActionResult>('takeover', { ticket }),
  assign: (ticket: string, assigneeEmail: string | null, team: string | null) =>
    call<ActionResult>('assign', { ticket, assigneeEmail, team }),
  updateTicket: (ticket: string, edit: TicketEdit) =>
    call<ActionResult>('update_ticket', { ticket, edit }),
  tag: (ticket: string, tag: string, add: boolean) => call<ActionResult>('tag', { ticket, tag, add }),
  sendMessage: (ticket: string, text: string, internal: boolean) =>
    call<ActionResult>('send_message', { ticket, text, internal }),
  close: (ticket: string, note: string | null) => call<ActionResult>('close', { ticket, note }),
  reopen: (ticket: string) => call<ActionResult>('reopen', { ticket }),
  markRead: (ticket: string) => call<ActionResult | null>('mark_read', { ticket }),
  createTicket: (ticket: NewTicket) => call<ActionResult>('create_ticket', { new: ticket }),

  conflicts: (openOnly: boolean) => call<ConflictView[]>('conflicts', { openOnly }),
  resolveConflict: (id: string, choice: string) =>
    call<ActionResult[]>('resolve_conflict', { id, choice }),

  settings: () => call<Settings>('settings'),
  resetCache: () => call<void>('reset_cache'),
};

export type Backend = typeof backend;

/** Subscribe to the core's sync events; resolves to the unsubscribe function. */
export function onDeskEvent(cb: (e: DeskEvent) => void): Promise<UnlistenFn> {
  return listen<DeskEvent>('desk-event', (ev) => cb(ev.payload));
}

/** Schemes a link in a message may open in the system browser. */
export function isOpenableUrl(href: string): boolean {
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:';
  } catch {
    return false;
  }
}

/** Open a link in the system browser; anything but http(s)/mailto is ignored. */
export async function openExternal(href: string): Promise<boolean> {
  if (!isOpenableUrl(href)) return false;
  await openUrl(href);
  return true;
}
