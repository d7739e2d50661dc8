// The one module the UI reaches the Rust shell through. Components and stores call
// these functions; nothing else imports @tauri-apps/api or the generated bindings.
// The commands and DTO types come from bindings.ts, generated from src-tauri by
// tauri-specta, so a renamed argument or a changed field fails svelte-check here
// instead of failing at run time in the app.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { openUrl } from '@tauri-apps/plugin-opener';
import {
  BOOT_ELEMENT_ID,
  commands,
  DESK_EVENT,
  START_LIST,
  type Boot,
  type ConflictChoice,
  type DeskEvent,
  type AppError as WireError,
} from './bindings';

export type * from './bindings';
/** The list a window opens on; the shell reads it ahead while the window loads. */
export { START_LIST };

/** A failed command: `code` is the core's stable error code the UI branches on. */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

function isWireError(e: unknown): e is WireError {
  return !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string';
}

function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (isWireError(e)) return new AppError(e.code, typeof e.message === 'string' ? e.message : e.code);
  if (typeof e === 'string') return new AppError('internal', e);
  return new AppError('internal', e instanceof Error ? e.message : String(e));
}

type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: WireError };

/**
 * A command returning `Result<T, AppError>`: the generated wrapper turns a serialized
 * error into `{ status: 'error' }` but rethrows anything else (an `Error` from the IPC
 * layer, e.g. a missing argument); both end up as a thrown `AppError`.
 */
async function unwrap<T>(run: () => Promise<Outcome<T>>): Promise<T> {
  let out: Outcome<T>;
  try {
    out = await run();
  } catch (e) {
    throw toAppError(e);
  }
  if (out.status === 'error') throw toAppError(out.error);
  return out.data;
}

/** A command whose Rust side returns `()` (sent as `null`): callers get `void`. */
async function done(run: () => Promise<Outcome<null>>): Promise<void> {
  await unwrap(run);
}

/** A command that cannot fail on the Rust side; IPC failures still become `AppError`. */
const c = commands;

/**
 * The start-up answer the shell put in the page (src-tauri/src/first_page.rs), for
 * `START_LIST`; read once. `null` when the page came without it (the answer was not
 * ready, a reload, a dev server): then ask `boot`.
 */
function pageBoot(): Boot | null {
  const block = document.getElementById(BOOT_ELEMENT_ID);
  if (!block) return null;
  block.remove();
  try {
    return JSON.parse(block.textContent ?? '') as Boot;
  } catch {
    return null;
  }
}

export const backend = {
  pageBoot,
  /** The session and, signed in, the first screen with `list`: the app's start in one round trip. */
  boot: (list: Parameters<typeof c.boot>[0]) => unwrap(() => c.boot(list)),
  /** The first screen after a sign-in. */
  firstScreen: (list: Parameters<typeof c.firstScreen>[0]) => unwrap(() => c.firstScreen(list)),
  appInfo: () => unwrap(() => c.appInfo()),
  session: () => unwrap(() => c.session()),
  signIn: (server: string, email: string, password: string, tenant: string | null) =>
    unwrap(() => c.signIn(server, email, password, tenant)),
  /** `api`: the API's name (`ondi`, `sonzai`, `workspace`, `29next`, `native`). */
  signInWithToken: (server: string, api: string, email: string, token: string) =>
    unwrap(() => c.signInWithToken(server, api, email, token)),
  signOut: (wipe: boolean) => done(() => c.signOut(wipe)),

  syncStatus: () => unwrap(() => c.syncStatus()),
  syncNow: () => unwrap(() => c.syncNow()),
  setOffline: (offline: boolean) => done(() => c.setOffline(offline)),
  outbox: (limit: number) => unwrap(() => c.outbox(limit)),

  viewCounts: () => unwrap(() => c.viewCounts()),
  listTickets: (query: Parameters<typeof c.listTickets>[0]) => unwrap(() => c.listTickets(query)),
  ticketDetail: (ticket: string) => unwrap(() => c.ticketDetail(ticket)),
  search: (text: string, limit: number) => unwrap(() => c.search(text, limit)),
  savedSearches: () => unwrap(() => c.savedSearches()),
  saveSearch: (name: string, text: string) => unwrap(() => c.saveSearch(name, text)),
  deleteSavedSearch: (id: string) => done(() => c.deleteSavedSearch(id)),
  saveDraft: (ticket: string, body: string, internal: boolean) =>
    done(() => c.saveDraft(ticket, body, internal)),
  directory: () => unwrap(() => c.directory()),

  claim: (ticket: string) => unwrap(() => c.claim(ticket)),
  takeover: (ticket: string) => unwrap(() => c.takeover(ticket)),
  /** `assigneeEmail` / `team`: `null` leaves it, `""` clears it. */
  assign: (ticket: string, assigneeEmail: string | null, team: string | null) =>
    unwrap(() => c.assign(ticket, assigneeEmail, team)),
  updateTicket: (ticket: string, edit: Parameters<typeof c.updateTicket>[1]) =>
    unwrap(() => c.updateTicket(ticket, edit)),
  tag: (ticket: string, tag: string, add: boolean) => unwrap(() => c.tag(ticket, tag, add)),
  sendMessage: (ticket: string, text: string, internal: boolean) =>
    unwrap(() => c.sendMessage(ticket, text, internal)),
  close: (ticket: string, note: string | null) => unwrap(() => c.close(ticket, note)),
  reopen: (ticket: string) => unwrap(() => c.reopen(ticket)),
  markRead: (ticket: string) => unwrap(() => c.markRead(ticket)),
  createTicket: (ticket: Parameters<typeof c.createTicket>[0]) => unwrap(() => c.createTicket(ticket)),

  conflicts: (openOnly: boolean) => unwrap(() => c.conflicts(openOnly)),
  resolveConflict: (id: string, choice: ConflictChoice) => unwrap(() => c.resolveConflict(id, choice)),

  settings: () => unwrap(() => c.settings()),
  resetCache: () => done(() => c.resetCache()),
};

export type Backend = typeof backend;

/** Subscribe to the core's sync events; resolves to the unsubscribe function. */
export function onDeskEvent(cb: (e: DeskEvent) => void): Promise<UnlistenFn> {
  // bindings.ts exports the event's name (DESK_EVENT) and payload type but no typed
  // listener helper, so the plain event API is used with the generated pieces.
  return listen<DeskEvent>(DESK_EVENT, (ev) => cb(ev.payload));
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
