import { backend, onDeskEvent, START_LIST, type Backend, type Boot, type ConflictChoice, type DeskEvent, type FirstScreen, type TicketEdit, type TicketSummary } from '../backend';
import { count, plural, ticketKey } from '../format';
import type { Action } from '../keymap';
import { ConflictStore } from './conflicts.svelte';
import { DetailStore } from './detail.svelte';
import { Drafts } from './drafts.svelte';
import { SearchStore } from './search.svelte';
import { Session } from './session.svelte';
import { SyncStore, type Mutation } from './sync.svelte';
import { TicketList } from './tickets.svelte';
import { Toasts } from './toasts.svelte';
import { ViewsStore, searchView } from './views.svelte';

export type Overlay = 'palette' | 'help' | 'conflicts' | 'settings' | 'create' | 'save-search' | null;
export type Theme = 'system' | 'light' | 'dark';
export type ComposerMode = 'reply' | 'note';

/** Refreshes after `changed` events are coalesced: a sync page can emit dozens. */
export const REFRESH_COALESCE_MS = 120;

/** Every store plus the glue between them: events in, refreshes out, actions with toasts. */
export class AppState {
  readonly toasts = new Toasts();
  readonly session: Session;
  // One signed-in session's stores, made anew when it ends (stop), so nothing of an
  // account shows in the next one (another server, account or API).
  sync!: SyncStore;
  views!: ViewsStore;
  list!: TicketList;
  detail!: DetailStore;
  drafts!: Drafts;
  conflicts!: ConflictStore;
  search!: SearchStore;

  overlay = $state<Overlay>(null);
  theme = $state<Theme>('system');
  composerMode = $state<ComposerMode>('reply');
  /** Bumped to ask a component to take focus. */
  focusComposer = $state(0);
  focusSearch = $state(0);
  focusTag = $state(0);
  focusStatus = $state(0);

  #changed = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #unlisten: (() => void) | null = null;
  /** The event subscription being made (or made). */
  #listening: Promise<void> | null = null;

  constructor(private api: Backend = backend) {
    this.session = new Session(api);
    this.#fresh();
  }

  #fresh(): void {
    const api = this.api;
    this.sync = new SyncStore(api);
    this.views = new ViewsStore(api);
    this.list = new TicketList(api);
    this.detail = new DetailStore(api);
    this.drafts = new Drafts(api, (e) => this.toasts.error(e, 'Saving the draft failed'));
    this.conflicts = new ConflictStore(api);
    this.search = new SearchStore(api);
  }

  /**
   * The app's start: the session and, signed in, the first screen, from the page when
   * the shell put them there (no round trip: the window's first frame has its rows),
   * else in one `boot` call, while the event subscription is made beside it.
   */
  async init(): Promise<void> {
    this.#listening ??= this.#listen();
    // User timing marks: the app bench reads them to tell where a start's time goes.
    performance.mark('outpost:boot');
    let boot = this.#pageBoot();
    if (boot) performance.mark('outpost:booted', { detail: 'in the page' });
    else {
      try {
        boot = await this.api.boot(this.list.query(0));
      } catch {
        return this.session.init();
      } finally {
        performance.mark('outpost:booted');
      }
    }
    // The first screen goes in before the session says signed in, so the window is
    // built once, with its rows, rather than empty and then again.
    if (boot.first_screen) this.#show(boot.first_screen);
    this.session.apply(boot);
  }

  /** The page's start-up answer, when it is for the list this window opens on. */
  #pageBoot(): Boot | null {
    const boot = this.api.pageBoot();
    const query = this.list.query(0);
    const opensOnStart = (Object.keys(START_LIST) as (keyof typeof START_LIST)[]).every((k) => query[k] === START_LIST[k]);
    return opensOnStart ? boot : null;
  }

  /** After sign-in (or a saved session): subscribe to events and show the first screen. */
  async start(): Promise<void> {
    this.#listening ??= this.#listen();
    // `init` may have shown it already (a saved session).
    if (!this.list.ready) {
      const first = await this.api.firstScreen(this.list.query(0)).catch(() => null);
      if (!first) return this.#startPartByPart();
      this.#show(first);
    }
    // Then, subscribed, the sidebar's counts and the conflicts; and the list and the
    // sync state again, in case an event came before the subscription did.
    await this.#listening;
    await Promise.all([
      this.views.refreshAll().catch((e) => this.toasts.error(e)),
      this.conflicts.refresh().catch((e) => this.toasts.error(e)),
      this.list.refresh(),
      this.sync.refresh().catch((e) => this.toasts.error(e)),
    ]);
  }

  /** Without a first screen: part by part, so each failure shows; the sync state first
   *  (whether the first sync is still running, whether the server answers). */
  async #startPartByPart(): Promise<void> {
    await this.#listening;
    await this.sync.refresh().catch((e) => this.toasts.error(e));
    await Promise.all([
      this.views.refreshAll().catch((e) => this.toasts.error(e)),
      this.conflicts.refresh().catch((e) => this.toasts.error(e)),
      this.list.show(this.list.view),
    ]);
  }

  /** The sync state with the list: the first sync's overlay or the list, not both. */
  #show(first: FirstScreen): void {
    this.sync.apply(first.status);
    this.list.showFirstPage(first.page);
    performance.mark('outpost:first-screen');
  }

  async #listen(): Promise<void> {
    try {
      this.#unlisten = await onDeskEvent((e) => this.handle(e));
    } catch (e) {
      this.#listening = null;
      this.toasts.error(e, 'Live updates are unavailable');
    }
  }

  /** After sign-out: no more events, and empty stores for whoever signs in next. */
  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
    this.#listening = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#changed.clear();
    this.overlay = null;
    this.#fresh();
  }

  handle(e: DeskEvent): void {
    this.sync.handle(e);
    switch (e.type) {
      case 'changed':
        this.detail.invalidate(e.tickets);
        for (const t of e.tickets) this.#changed.add(t);
        this.#schedule();
        break;
      case 'progress':
        // The agent's own tickets arrive first: show them as soon as they are there.
        this.detail.invalidate([]);
        this.#schedule();
        break;
      case 'conflicts':
        this.detail.invalidate([]);
        void this.conflicts.refresh().catch(() => undefined);
        this.#schedule();
        if (e.ids.length) this.toasts.push(`${count(e.ids.length, 'new conflict', 'new conflicts')} ${plural(e.ids.length, 'needs', 'need')} you`, 'info');
        break;
      case 'delivered':
      case 'assigned':
        this.detail.invalidate([]);
        this.#schedule();
        break;
      case 'sync_state':
        break;
    }
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refreshNow();
    }, REFRESH_COALESCE_MS);
  }

  /** Refresh what the coalesced events touched. */
  async refreshNow(): Promise<void> {
    const ids = [...this.#changed];
    this.#changed.clear();
    const jobs: Promise<unknown>[] = [
      this.views.refreshCounts(),
      this.list.refresh(),
      this.sync.refresh(),
    ];
    if (this.detail.data && (ids.length === 0 || this.detail.touchedBy(ids))) jobs.push(this.detail.refresh());
    else if (this.detail.key && !this.detail.data) jobs.push(this.detail.refresh());
    await Promise.all(jobs.map((j) => j.catch(() => undefined)));
  }

  // Navigation.

  async showView(view: string | null, search = ''): Promise<void> {
    await this.list.show(view, search);
  }

  async openSelected(): Promise<void> {
    const t = this.list.current;
    if (t) await this.openTicket(ticketKey(t));
  }

  async openTicket(key: string): Promise<void> {
    if (this.detail.key && this.detail.key !== key) await this.drafts.flush(this.detail.key);
    await this.detail.open(key);
    // The tickets j/k reach next, fetched while the agent reads this one.
    const at = this.list.selected;
    const near = [at + 1, at - 1, at + 2]
      .map((i) => (i >= 0 ? this.list.rowAt(i) : undefined))
      .filter((t): t is TicketSummary => !!t)
      .map((t) => ({ id: t.id, key: ticketKey(t) }));
    this.detail.prefetch(near);
  }

  /** The ticket actions apply to: the open one, else the selected row. */
  get target(): string | null {
    if (this.detail.data) return this.detail.key;
    const t = this.list.current;
    return t ? ticketKey(t) : null;
  }

  // Actions.

  /** Whether the server's API takes `m`; if not, the agent is told why nothing happens. */
  offers(m: Mutation): boolean {
    if (this.sync.can(m)) return true;
    this.toasts.push(this.sync.refusalNotice(m));
    return false;
  }

  async #act<T>(what: string, m: Mutation, run: (ticket: string) => Promise<T>): Promise<T | undefined> {
    if (!this.offers(m)) return undefined;
    const ticket = this.target;
    if (!ticket) {
      this.toasts.push('Select a ticket first');
      return undefined;
    }
    try {
      const r = await run(ticket);
      await this.refreshNow();
      return r;
    } catch (e) {
      this.toasts.error(e, what);
      return undefined;
    }
  }

  claim = () => this.#act('Claim failed', 'ticket.claim', (t) => this.api.claim(t));
  takeover = () => this.#act('Take over failed', 'ticket.takeover', (t) => this.api.takeover(t));
  close = (note: string | null = null) => this.#act('Close failed', 'ticket.close', (t) => this.api.close(t, note));
  reopen = () => this.#act('Reopen failed', 'ticket.reopen', (t) => this.api.reopen(t));
  update = (edit: Partial<TicketEdit>) =>
    this.#act('Update failed', 'ticket.update', (t) =>
      this.api.updateTicket(t, { subject: null, description: null, status: null, priority: null, type: null, ...edit }),
    );
  tag = (tag: string, add: boolean) =>
    this.#act(add ? 'Adding the tag failed' : 'Removing the tag failed', add ? 'ticket.tag_add' : 'ticket.tag_remove', (t) =>
      this.api.tag(t, tag, add),
    );
  assign = (email: string | null, team: string | null) =>
    this.#act('Assign failed', 'ticket.assign', (t) => this.api.assign(t, email, team));

  async send(text: string, internal: boolean): Promise<boolean> {
    const r = await this.#act(internal ? 'Note failed' : 'Reply failed', 'message.send', async (t) => {
      const res = await this.api.sendMessage(t, text, internal);
      this.drafts.clear(t);
      return res;
    });
    return r !== undefined;
  }

  async resolveConflict(id: string, choice: ConflictChoice): Promise<void> {
    try {
      await this.conflicts.resolve(id, choice);
      await this.refreshNow();
    } catch (e) {
      this.toasts.error(e, 'Resolving the conflict failed');
    }
  }

  /** Forget a saved search; a list showing it goes back to My open. */
  async deleteSavedSearch(id: string): Promise<boolean> {
    const gone = this.views.saved.find((s) => s.id === id);
    try {
      await this.views.deleteSaved(id);
    } catch (e) {
      this.toasts.error(e, 'Deleting the saved search failed');
      return false;
    }
    if (gone) {
      const view = searchView(gone.query);
      const stillSaved = this.views.saved.some((s) => s.query === gone.query);
      if (this.list.view === view && !this.list.search && !stillSaved) await this.showView('my_open');
      this.toasts.push(`Deleted the saved search “${gone.name}”`);
    }
    return true;
  }

  async syncNow(): Promise<void> {
    try {
      await this.sync.syncNow();
      await this.refreshNow();
    } catch (e) {
      this.toasts.error(e, 'Sync failed');
    }
  }

  async setWorkOffline(off: boolean): Promise<void> {
    try {
      await this.sync.setWorkOffline(off);
    } catch (e) {
      this.toasts.error(e);
    }
  }

  // Keyboard.

  /** Run a keymap action; returns whether it was used (so the key's default is prevented). */
  runAction(a: Action): boolean {
    if (a === 'escape') {
      if (this.overlay) {
        this.overlay = null;
        return true;
      }
      return false;
    }
    if (a === 'palette') {
      this.overlay = this.overlay === 'palette' ? null : 'palette';
      return true;
    }
    if (this.overlay) return false;
    switch (a) {
      case 'next':
      case 'prev':
        this.list.move(a === 'next' ? 1 : -1);
        // Reading a ticket, j/k walk the queue: the detail follows the selection
        // (the next ticket is on screen at once); with no ticket open they only
        // move the selection, and Enter opens.
        if (this.detail.data) void this.openSelected();
        return true;
      case 'open':
        void this.openSelected();
        return true;
      case 'claim':
        void this.claim();
        return true;
      case 'reply':
      case 'note':
        if (!this.offers('message.send')) return true;
        this.composerMode = a === 'reply' ? 'reply' : 'note';
        if (!this.detail.data) void this.openSelected().then(() => this.focusComposer++);
        else this.focusComposer++;
        return true;
      case 'close':
        void this.close();
        return true;
      case 'status':
        if (!this.offers('ticket.update')) return true;
        if (!this.detail.data) void this.openSelected().then(() => this.focusStatus++);
        else this.focusStatus++;
        return true;
      case 'tag':
        if (!this.offers('ticket.tag_add')) return true;
        if (!this.detail.data) void this.openSelected().then(() => this.focusTag++);
        else this.focusTag++;
        return true;
      case 'search':
        this.focusSearch++;
        return true;
      case 'help':
        this.overlay = 'help';
        return true;
    }
  }
}
