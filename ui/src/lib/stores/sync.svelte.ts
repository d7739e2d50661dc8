import { backend, type Backend, type DeskEvent, type SyncStatus } from '../backend';

/** The status bar and the first-sync screen. */
export class SyncStore {
  /** The core's state has been read at least once (before that: "Connecting…"). */
  known = $state(false);
  online = $state(false);
  syncing = $state(false);
  workOffline = $state(false);
  lastSyncAt = $state<string | null>(null);
  pending = $state(0);
  conflicts = $state(0);
  bootstrapped = $state(true);
  tickets = $state(0);
  messages = $state(0);
  cacheBytes = $state(0);
  lastError = $state<string | null>(null);
  /** First-sync progress while the cache is being filled. */
  progress = $state<{ tickets: number; messages: number; done: boolean } | null>(null);

  constructor(private api: Backend = backend) {}

  apply(s: SyncStatus): void {
    this.known = true;
    this.online = s.online;
    this.lastSyncAt = s.last_sync_at;
    this.pending = s.pending;
    this.conflicts = s.conflicts;
    this.bootstrapped = s.bootstrapped;
    this.tickets = s.tickets;
    this.messages = s.messages;
    this.cacheBytes = s.cache_bytes;
    this.lastError = s.last_error;
  }

  async refresh(): Promise<void> {
    this.apply(await this.api.syncStatus());
  }

  /** Events that change only this store; returns whether it handled one. */
  handle(e: DeskEvent): void {
    switch (e.type) {
      case 'sync_state':
        this.online = e.online && !this.workOffline;
        this.syncing = e.syncing;
        this.lastError = e.last_error;
        break;
      case 'progress':
        this.progress = { tickets: e.tickets, messages: e.messages, done: e.done };
        if (e.done) this.bootstrapped = true;
        break;
      default:
        break;
    }
  }

  async syncNow(): Promise<void> {
    this.syncing = true;
    try {
      await this.api.syncNow();
    } finally {
      this.syncing = false;
      await this.refresh();
    }
  }

  async setWorkOffline(off: boolean): Promise<void> {
    await this.api.setOffline(off);
    this.workOffline = off;
    if (off) this.online = false;
    await this.refresh();
  }
}
