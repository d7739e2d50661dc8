//! The sync engine. [`pass`] is one full exchange (push the outbox, pull to the head,
//! push what is left); [`run`] is the live loop of one profile: a pass at start, on
//! every server signal (SSE) and every local change, with exponential backoff and
//! jitter while the server cannot be reached. Online and after a reconnect the same
//! code runs. The engine talks to the server only through the desk's
//! [`Remote`](crate::remote::Remote) and keeps its own state in [`Engine`].

use crate::cache::{apply, keys, state_get, state_set, sweep};
use crate::desk::{Desk, DeskEvent};
use crate::error::{CoreError, Result};
use crate::outbox;
use crate::remote::{PullMode, Pulled, Remote, Sweep};
use outpost_domain::ids::TicketId;
use outpost_domain::sync::{Change, ChangeEntry, EntityKind, PushRequest, Tombstone};
use outpost_domain::values::limits;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// Page size of the first sync (large pages: fewer round trips, fewer commits).
const BOOTSTRAP_PAGE: u32 = limits::SYNC_PAGE_MAX as u32;
/// Page size once bootstrapped.
const PAGE: u32 = 1000;

/// `OUTPOST_SYNC_PAGE` (1–5000) overrides the page size: smaller pages for slow or
/// flaky links (each page is one local commit), and for tests that interrupt a sync.
fn page_size() -> Option<u32> {
    std::env::var("OUTPOST_SYNC_PAGE")
        .ok()?
        .parse()
        .ok()
        .filter(|n| (1..=BOOTSTRAP_PAGE).contains(n))
}

/// The sync engine's state as the status bar shows it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SyncState {
    pub online: bool,
    pub syncing: bool,
    /// Last error, for the status bar's tooltip.
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
}

/// The engine of one desk: its wake-up and stop signals, the lock that keeps passes
/// one at a time, the state the status bar shows and the live loop's task.
#[derive(Default)]
pub(crate) struct Engine {
    /// Woken by every local change so the engine pushes at once.
    wake: Notify,
    stop: Notify,
    /// One sync pass at a time (the live loop, `sync` and `deliver` share it).
    pass_lock: tokio::sync::Mutex<()>,
    state: Mutex<SyncState>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Engine {
    /// Ask for a pass soon (a local change, "sync now", the offline switch).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn state(&self) -> SyncState {
        self.state.lock().expect("state lock").clone()
    }

    /// Change the state; returns the new state if it differs (for the event).
    pub(crate) fn update_state(&self, f: impl FnOnce(&mut SyncState)) -> Option<SyncState> {
        let mut s = self.state.lock().expect("state lock");
        let before = s.clone();
        f(&mut s);
        (*s != before).then(|| s.clone())
    }

    /// Start the live loop for `desk` unless it runs already.
    pub(crate) fn start(&self, desk: &Desk) {
        let mut slot = self.task.lock().expect("engine lock");
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let desk = desk.clone();
        *slot = Some(tokio::spawn(async move { run(desk).await }));
    }

    /// Stop the live loop (waits for it to finish its current step).
    pub(crate) async fn stop(&self) {
        let handle = self.task.lock().expect("engine lock").take();
        if let Some(h) = handle {
            self.stop.notify_waiters();
            h.abort();
            let _ = h.await;
        }
    }
}

/// The remote and the session's secret for one pass.
struct Link {
    remote: Arc<dyn Remote>,
    token: String,
}

impl Link {
    fn of(desk: &Desk) -> Result<Self> {
        Ok(Self {
            remote: desk.remote().clone(),
            token: desk.token()?,
        })
    }
}

/// What one pass did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub applied: usize,
    pub rejected: usize,
    pub pages: usize,
    pub tickets: u64,
    pub messages: u64,
    /// The cache was rebuilt because the server's epoch changed or the cursor expired.
    pub rebootstrapped: bool,
}

/// One full exchange with the server.
pub async fn pass(desk: &Desk) -> Result<SyncReport> {
    let _one = desk.engine().pass_lock.lock().await;
    let link = Link::of(desk)?;
    desk.set_sync_state(|s| s.syncing = true);
    let result = exchange(desk, &link).await;
    desk.set_sync_state(|s| {
        s.syncing = false;
        record_outcome(s, result.as_ref().err());
    });
    result
}

/// What the status bar shows after talking to the server: online unless the server
/// could not be reached (or answered with a transient failure).
fn record_outcome(s: &mut SyncState, error: Option<&CoreError>) {
    match error {
        None => {
            s.online = true;
            s.last_error = None;
            s.last_error_code = None;
        }
        Some(e) => {
            s.online = !e.is_transient() && !matches!(e, CoreError::Unreachable { .. });
            s.last_error = Some(e.to_string());
            s.last_error_code = Some(e.code().to_owned());
        }
    }
}

async fn exchange(desk: &Desk, srv: &Link) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    push_all(desk, srv, &mut report).await?;
    pull_all(desk, srv, &mut report).await?;
    // Changes made during the pull, and re-queued resolutions.
    if push_all(desk, srv, &mut report).await? > 0 {
        pull_all(desk, srv, &mut report).await?;
    }
    desk.mark_synced().await?;
    Ok(report)
}

/// Push pending mutations in seq order, batch by batch. Returns how many were sent.
async fn push_all(desk: &Desk, srv: &Link, report: &mut SyncReport) -> Result<usize> {
    let mut sent = 0;
    loop {
        let batch = {
            let mut conn = desk.cache().reader().acquire().await?;
            outbox::pending_batch(&mut conn, limits::MUTATIONS_PER_PUSH_MAX as i64).await?
        };
        if batch.is_empty() {
            return Ok(sent);
        }
        let seqs: Vec<i64> = batch.iter().map(|m| m.seq).collect();
        let req = PushRequest {
            client_id: desk.client_id(),
            mutations: batch,
        };
        let resp = match srv.remote.push(&srv.token, &req).await {
            Ok(r) => r,
            Err(e) => {
                let mut tx = desk.cache().write().await?;
                outbox::note_failure(&mut tx, &seqs, &e.to_string()).await?;
                tx.commit().await?;
                return Err(e);
            }
        };
        let mut tx = desk.cache().write().await?;
        let rec = outbox::record_results(&mut tx, desk.me(), &resp.results).await?;
        tx.commit().await?;
        sent += seqs.len();
        report.pushed += seqs.len();
        report.applied += rec.applied;
        report.rejected += rec.rejected;
        desk.emit(DeskEvent::Delivered {
            applied: rec.applied,
            rejected: rec.rejected,
        });
        if !rec.tickets.is_empty() {
            desk.emit(DeskEvent::Changed {
                tickets: rec.tickets.clone(),
            });
        }
        if !rec.conflicts.is_empty() {
            desk.emit(DeskEvent::Conflicts { ids: rec.conflicts });
        }
        if resp.results.len() < seqs.len() {
            // The server answered part of the batch; the rest goes in the next round.
            if resp.results.is_empty() {
                return Err(CoreError::Protocol(
                    "the server answered no mutation".into(),
                ));
            }
        }
    }
}

/// Pull pages until the head; each page and its cursor commit together.
async fn pull_all(desk: &Desk, srv: &Link, report: &mut SyncReport) -> Result<()> {
    let me = desk.me();
    bootstrap_mine_first(desk, srv).await?;
    // While one page is applied locally the server already builds the next one: the
    // two sides work in parallel instead of taking turns.
    let mut prefetch: Option<(String, tokio::task::JoinHandle<Result<Pulled>>)> = None;
    loop {
        let (cursor, bootstrapped) = {
            let mut conn = desk.cache().reader().acquire().await?;
            (
                state_get(&mut conn, keys::CURSOR).await?,
                state_get(&mut conn, keys::BOOTSTRAP).await?.as_deref() == Some("done"),
            )
        };
        let limit = page_size().unwrap_or(if bootstrapped { PAGE } else { BOOTSTRAP_PAGE });
        let from = cursor.clone().unwrap_or_else(|| "0".to_owned());
        let fetched = match prefetch.take() {
            Some((c, handle)) if c == from => handle
                .await
                .map_err(|e| CoreError::Protocol(format!("page fetch stopped: {e}")))?,
            Some((_, handle)) => {
                handle.abort();
                srv.remote.pull(&srv.token, &from, limit).await
            }
            None => srv.remote.pull(&srv.token, &from, limit).await,
        };
        let Pulled { page, sweep } = match fetched {
            Ok(p) => p,
            Err(CoreError::CursorExpired) if cursor.is_some() => {
                tracing::warn!("the server refused the cursor; rebuilding the cache");
                desk.reset_cache().await?;
                report.rebootstrapped = true;
                continue;
            }
            Err(e) => return Err(e),
        };
        if page.has_more {
            let (remote, token) = (srv.remote.clone(), srv.token.clone());
            let c = page.cursor.clone();
            let handle = tokio::spawn(async move { remote.pull(&token, &c, limit).await });
            prefetch = Some((page.cursor.clone(), handle));
        }
        let percent = page.percent_done();
        let mut tx = desk.cache().write().await?;
        let mut changes = page.changes;
        if let Some(mark) = sweep {
            changes.extend(sweep_step(&mut tx, mark, &changes).await?);
        }
        if matches!(srv.remote.capabilities().pull, PullMode::Poll { .. }) {
            apply::free_numbers(&mut tx, &changes).await?;
        }
        let assigned = newly_assigned(&mut tx, &changes, me, !bootstrapped).await?;
        let applied = apply::apply_page(&mut tx, &changes).await?;
        // Replay pending changes on the new base of every ticket that has them, and
        // settle applied ones whose effect just arrived.
        let mut rebase: Vec<TicketId> = applied.rebase.iter().map(|u| TicketId(*u)).collect();
        for t in outbox::awaiting_base(&mut tx).await? {
            if !rebase.contains(&t) {
                rebase.push(t);
            }
        }
        if report.rebootstrapped && !page.has_more {
            outbox::rebase_all(&mut tx, me).await?;
        }
        for t in &rebase {
            outbox::rebase(&mut tx, *t, me).await?;
        }
        state_set(&mut tx, keys::CURSOR, &page.cursor).await?;
        state_set(&mut tx, keys::EPOCH, &page.epoch).await?;
        if !page.has_more {
            state_set(&mut tx, keys::BOOTSTRAP, "done").await?;
        }
        tx.commit().await?;
        report.pages += 1;
        report.tickets += applied.tickets as u64;
        report.messages += applied.messages as u64;
        if !applied.changed_tickets.is_empty() || !changes.is_empty() {
            desk.emit(DeskEvent::Changed {
                tickets: applied
                    .changed_tickets
                    .iter()
                    .map(|u| TicketId(*u))
                    .collect(),
            });
        }
        if !bootstrapped {
            desk.emit(DeskEvent::Progress {
                tickets: report.tickets,
                messages: report.messages,
                done: !page.has_more,
                percent,
            });
        }
        for t in assigned {
            desk.emit(DeskEvent::Assigned { ticket_id: t });
        }
        if !page.has_more {
            return Ok(());
        }
    }
}

/// Note the tickets of one reconcile page; on its last page, the removals of the cached
/// tickets the reconcile did not carry (see [`Sweep`]).
async fn sweep_step(
    conn: &mut sqlx::SqliteConnection,
    mark: Sweep,
    changes: &[ChangeEntry],
) -> Result<Vec<ChangeEntry>> {
    if mark.first {
        sweep::clear(conn).await?;
    }
    let carried: Vec<String> = changes
        .iter()
        .filter_map(|c| match &c.change {
            Change::Ticket(t) => Some(t.id.to_string()),
            _ => None,
        })
        .collect();
    sweep::saw(conn, &carried).await?;
    if !mark.last {
        return Ok(Vec::new());
    }
    let gone = if mark.complete {
        sweep::unseen(conn).await?
    } else {
        Vec::new()
    };
    sweep::clear(conn).await?;
    Ok(gone
        .into_iter()
        .filter_map(|id| id.parse().ok())
        .map(|id| ChangeEntry {
            seq: 0,
            change: Change::Tombstone(Tombstone {
                kind: EntityKind::Ticket,
                id,
            }),
        })
        .collect())
}

/// Before the first full pull: the agent's own open tickets (with their conversations),
/// so they can work on them while the rest of the workspace arrives. Applied without
/// moving the cursor; the full pull brings the same or newer state of each entity.
async fn bootstrap_mine_first(desk: &Desk, srv: &Link) -> Result<()> {
    {
        let mut conn = desk.cache().reader().acquire().await?;
        if state_get(&mut conn, keys::CURSOR).await?.is_some()
            || state_get(&mut conn, keys::MINE_FIRST).await?.is_some()
        {
            return Ok(());
        }
    }
    // None: the remote cannot narrow a pull to the agent's own work; the full pull
    // alone does the job.
    let Some(page) = srv.remote.pull_mine(&srv.token).await? else {
        return Ok(());
    };
    let mut tx = desk.cache().write().await?;
    let applied = apply::apply_page(&mut tx, &page.changes).await?;
    for t in &applied.rebase {
        outbox::rebase(&mut tx, TicketId(*t), desk.me()).await?;
    }
    state_set(&mut tx, keys::MINE_FIRST, "done").await?;
    tx.commit().await?;
    // Not counted in the pass's report: the full pull brings these entities again.
    desk.emit(DeskEvent::Changed {
        tickets: applied
            .changed_tickets
            .iter()
            .map(|u| TicketId(*u))
            .collect(),
    });
    desk.emit(DeskEvent::Progress {
        tickets: applied.tickets as u64,
        messages: applied.messages as u64,
        done: false,
        // The full pull has not started: nothing of the feed is behind the client yet.
        percent: page.head.is_some().then_some(0),
    });
    Ok(())
}

/// Tickets in this page that someone else just assigned to me (for notifications): the
/// cached server state had another assignee and no claim or assignment of mine is on
/// its way. None during the first sync. Runs before the page is applied.
async fn newly_assigned(
    conn: &mut sqlx::SqliteConnection,
    changes: &[outpost_domain::sync::ChangeEntry],
    me: outpost_domain::ids::UserId,
    first: bool,
) -> Result<Vec<TicketId>> {
    if first {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for c in changes {
        let outpost_domain::sync::Change::Ticket(t) = &c.change else {
            continue;
        };
        if t.assignee_id != Some(me) {
            continue;
        }
        let before = crate::conflicts::load_base(conn, t.id).await?;
        if before.is_some_and(|b| b.assignee_id == Some(me)) {
            continue;
        }
        let mine_in_flight = outbox::assignment_in_flight(conn, t.id).await?;
        if !mine_in_flight {
            out.push(t.id);
        }
    }
    Ok(out)
}

/// Backoff with full jitter: a random wait up to `base * 2^attempt`, capped.
pub fn backoff(attempt: u32) -> Duration {
    let cap = Duration::from_secs(60);
    let base = Duration::from_millis(500);
    let exp = base.saturating_mul(1u32 << attempt.min(10)).min(cap);
    let ms = rand::rng().random_range(exp.as_millis() as u64 / 2..=exp.as_millis() as u64);
    Duration::from_millis(ms)
}

/// When the live loop pulls next: when the remote's live stream says so, or, for a
/// remote that can only be polled, a poll interval after the last pass *ended* (a poll
/// that reads a large list for longer than the interval is not followed by another at
/// once: the agent's machine and the server get their rest between polls).
enum Signals {
    Stream(mpsc::Receiver<()>),
    Every(Duration),
}

impl Signals {
    async fn of(link: &Link) -> Result<Signals> {
        Ok(match link.remote.capabilities().pull {
            PullMode::ChangeFeed => Signals::Stream(link.remote.events(&link.token).await?),
            PullMode::Poll { every } => Signals::Every(every),
        })
    }

    /// The next "pull now" (`None`: the live stream ended).
    async fn next(&mut self) -> Option<()> {
        match self {
            Signals::Stream(rx) => rx.recv().await,
            Signals::Every(every) => {
                tokio::time::sleep(*every).await;
                Some(())
            }
        }
    }
}

/// The live loop (see [`Desk::start`]).
async fn run(desk: Desk) {
    let engine = desk.engine();
    let mut failures: u32 = 0;
    loop {
        if desk.is_offline() {
            desk.set_sync_state(|s| s.online = false);
            tokio::select! {
                _ = engine.wake.notified() => continue,
                _ = engine.stop.notified() => return,
            }
        }
        // Subscribe first, then sync, so no signal between the two is missed.
        let connected = match Link::of(&desk) {
            Ok(link) => Signals::of(&link).await,
            Err(e) => Err(e),
        };
        let ready = match connected {
            Ok(signals) => pass(&desk).await.map(|_| signals),
            Err(e) => {
                // The live stream could not even be opened (server down, no network):
                // the status bar must say so, as a failed pass would.
                desk.set_sync_state(|s| record_outcome(s, Some(&e)));
                Err(e)
            }
        };
        match ready {
            Ok(mut signals) => {
                failures = 0;
                loop {
                    tokio::select! {
                        signal = signals.next() => match signal {
                            Some(()) => {
                                if let Err(e) = pass(&desk).await {
                                    tracing::info!(error = %e, "sync pass failed");
                                    break;
                                }
                            }
                            None => break,
                        },
                        _ = engine.wake.notified() => {
                            if desk.is_offline() {
                                break;
                            }
                            if let Err(e) = pass(&desk).await {
                                tracing::info!(error = %e, "sync pass failed");
                                break;
                            }
                        }
                        _ = engine.stop.notified() => return,
                    }
                }
            }
            Err(e) => {
                tracing::info!(error = %e, "cannot sync");
                if matches!(e, CoreError::SessionExpired | CoreError::NotSignedIn) {
                    // Needs the agent: wait for a kick (e.g. after signing in again).
                    tokio::select! {
                        _ = engine.wake.notified() => continue,
                        _ = engine.stop.notified() => return,
                    }
                }
            }
        }
        failures = failures.saturating_add(1);
        let wait = backoff(failures.saturating_sub(1));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = engine.wake.notified() => {}
            _ = engine.stop.notified() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            assert!(
                d <= Duration::from_secs(60),
                "backoff must stay under the cap"
            );
        }
        let early: Duration = (0..50).map(|_| backoff(0)).max().unwrap();
        let late: Duration = (0..50).map(|_| backoff(8)).min().unwrap();
        assert!(late > early, "later attempts must wait longer");
    }
}
