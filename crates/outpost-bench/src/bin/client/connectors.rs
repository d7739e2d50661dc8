//! The connectors section (issue 15): the desk over a server that offers one seed API
//! alone. For each family, on the bench's demo database: a server started with
//! `--apis FAMILY`, an API key for agent1@demo.test, a sign-in through the connector
//! into a fresh profile, then
//!
//! 1. the initial reconcile: `Desk::login_with_token` + the first `Desk::sync` (every
//!    ticket with its conversation), its wall time, what the cache holds afterwards and
//!    the requests and answer bytes it cost (`bench_support::traffic`);
//! 2. the poll at rest: `--polls` more `Desk::sync` calls back to back while nothing
//!    changes on the server, with their requests, bytes and wall time, and the cost per
//!    minute at the connectors' default poll interval.

use super::{Args, say};
use crate::server::{self, Server, SqliteDb};
use anyhow::{Context, Result};
use outpost_core::Api;
use outpost_core::Desk;
use outpost_core::bench_support;
use outpost_core::credentials::{Credentials, MemoryStore};
use outpost_core::profile::Profile;
use sqlx::Connection;
use sqlx::sqlite::SqliteConnectOptions;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TENANT: &str = "demo";
const EMAIL: &str = "agent1@demo.test";
/// The connectors' default poll interval is 30 s (`OUTPOST_POLL_SECONDS`).
const POLLS_PER_MINUTE: f64 = 2.0;

/// The data set the run was asked for (per tenant).
#[derive(Clone, Copy)]
pub struct Size {
    pub tickets: u64,
    pub messages: u64,
}

/// What the server's database holds for the tenant, read before the connectors run.
#[derive(Clone, Copy)]
struct ServerCounts {
    /// Tickets not removed (what an API lists).
    tickets: i64,
    removed: i64,
    /// Messages of those tickets, and of them the system messages (no sender) and the
    /// HTML ones, which some APIs do not show.
    messages: i64,
    system: i64,
    html: i64,
}

struct Reconcile {
    login: Duration,
    wall: Duration,
    /// `false`: stopped at `--reconcile-max-seconds`.
    complete: bool,
    pages: usize,
    tickets: i64,
    messages: i64,
    requests: u64,
    bytes: u64,
    cache_mib: f64,
    server_cpu: Option<f64>,
    client_cpu: Option<f64>,
}

impl Reconcile {
    fn tickets_per_second(&self) -> f64 {
        self.tickets as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// One `Desk::sync` at rest.
struct Poll {
    wall: Duration,
    requests: u64,
    bytes: u64,
    tickets: u64,
    messages: u64,
}

/// One family's results; `error` when it stopped part-way.
struct Row {
    api: Api,
    reconcile: Option<Reconcile>,
    polls: Vec<Poll>,
    error: Option<String>,
}

impl Row {
    fn poll_mean(&self, f: impl Fn(&Poll) -> f64) -> f64 {
        if self.polls.is_empty() {
            return f64::NAN;
        }
        self.polls.iter().map(f).sum::<f64>() / self.polls.len() as f64
    }

    fn poll_ms_p50(&self) -> f64 {
        let mut v: Vec<Duration> = self.polls.iter().map(|p| p.wall).collect();
        v.sort_unstable();
        v.get(v.len().saturating_sub(1) / 2)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }
}

/// Runs the section on the bench's working database; `Ok(false)` when a family failed
/// (reported in its row).
pub async fn run(args: &Args, bin: &Path, db: &SqliteDb, dir: &Path, size: Size) -> Result<bool> {
    say("");
    say(&format!(
        "== connectors: sign-in with an API key, initial reconcile and poll at rest, per seed API ({} tickets x {} messages per ticket per tenant) ==",
        size.tickets, size.messages
    ));
    let on_server = server_counts(&db.path).await?;
    say(&format!(
        "  the working database holds {} tickets in tenant {TENANT} (and {} removed ones no API lists), with {} messages ({} system messages, {} HTML); earlier sections only add messages to a few tickets",
        on_server.tickets, on_server.removed, on_server.messages, on_server.system, on_server.html
    ));
    let mut rows = Vec::new();
    for api in &args.connectors {
        say("");
        say(&format!("  -- {} ({}) --", api.name(), api.title()));
        let row = family(args, bin, db, dir, *api).await;
        if let Some(e) = &row.error {
            say(&format!("  FAILED: {e}"));
        }
        rows.push(row);
    }
    summary(args, size, on_server, &rows);
    Ok(rows.iter().all(|r| r.error.is_none()))
}

/// One family on its own server process, stopped afterwards.
async fn family(args: &Args, bin: &Path, db: &SqliteDb, dir: &Path, api: Api) -> Row {
    let mut row = Row {
        api,
        reconcile: None,
        polls: Vec::new(),
        error: None,
    };
    if let Err(e) = family_on_server(args, bin, db, dir, &mut row).await {
        row.error = Some(format!("{e:#}"));
    }
    row
}

async fn family_on_server(
    args: &Args,
    bin: &Path,
    db: &SqliteDb,
    dir: &Path,
    row: &mut Row,
) -> Result<()> {
    let name = row.api.name();
    let key = server::create_api_key(bin, &db.url, TENANT, EMAIL, &format!("bench-{name}"))
        .await
        .with_context(|| format!("creating an API key for {EMAIL}"))?;
    let started = Instant::now();
    let mut srv = Server::start(bin, &db.url, &format!("sqlite-{name}"), &["--apis", name])
        .await
        .with_context(|| format!("starting a server with --apis {name}"))?;
    say(&format!(
        "  server with --apis {name} {}; API key for {EMAIL} created (tickets:read, tickets:write)",
        srv.up_line(started.elapsed())
    ));
    let profile = dir.join(format!("connector-{name}"));
    let outcome = measure(args, &mut srv, &profile, &key, row).await;
    let stopped = srv.stop().await;
    if !args.keep {
        let _ = std::fs::remove_dir_all(&profile);
    }
    outcome?;
    stopped?;
    say("  server stopped");
    Ok(())
}

async fn measure(
    args: &Args,
    srv: &mut Server,
    profile: &Path,
    key: &str,
    row: &mut Row,
) -> Result<()> {
    let _ = std::fs::remove_dir_all(profile);
    let base = format!("http://{}", srv.addr);
    let creds = Credentials::with_env_token(Arc::new(MemoryStore::new()), None);
    let cpu = server::CpuMark::now(srv);
    let t0 = Instant::now();
    let desk = Desk::login_with_token(
        Profile::at(profile.to_path_buf()),
        creds,
        &base,
        row.api,
        EMAIL,
        Some(key),
    )
    .await
    .with_context(|| format!("Desk::login_with_token as {EMAIL} over {}", row.api.name()))?;
    let login = t0.elapsed();
    let progress = super::spawn_progress(&desk, t0);
    let limit = Duration::from_secs_f64(args.reconcile_max_seconds.max(1.0));
    let first = tokio::time::timeout(limit, desk.sync()).await;
    progress.abort();
    let wall = t0.elapsed();
    let (server_cpu, client_cpu) = cpu.since();
    let (requests, bytes) = bench_support::traffic(&desk);
    srv.check_alive()?;
    let (complete, pages) = match first {
        Ok(report) => (
            true,
            report.context("the initial reconcile (Desk::sync)")?.pages,
        ),
        Err(_) => (false, 0),
    };
    let counts = super::table_counts(&desk).await?;
    let count = |table: &str| {
        counts
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    };
    let cache_path = bench_support::cache_path(&desk);
    let r = Reconcile {
        login,
        wall,
        complete,
        pages,
        tickets: count("tickets"),
        messages: count("messages"),
        requests,
        bytes,
        cache_mib: super::file_mib(&cache_path),
        server_cpu,
        client_cpu,
    };
    say(&format!(
        "  reconcile: login_with_token {:.2} s + first Desk::sync {:.1} s = {:.1} s{}: {} pages, cache {} tickets, {} messages ({:.0} MiB); {} requests, {:.1} MiB received; {:.0} tickets/s",
        r.login.as_secs_f64(),
        (r.wall - r.login).as_secs_f64(),
        r.wall.as_secs_f64(),
        if r.complete {
            String::new()
        } else {
            format!(" (STOPPED at the --reconcile-max-seconds limit of {limit:?})")
        },
        r.pages,
        r.tickets,
        r.messages,
        r.cache_mib,
        r.requests,
        r.bytes as f64 / 1048576.0,
        r.tickets_per_second()
    ));
    if let (Some(s), Some(c)) = (r.server_cpu, r.client_cpu) {
        say(&format!(
            "  CPU during the reconcile: server {s:.1} s, client (this process) {c:.1} s, over {:.1} s wall",
            r.wall.as_secs_f64()
        ));
    }
    row.reconcile = Some(r);
    if !complete {
        bench_support::close_cache(&desk).await;
        anyhow::bail!(
            "the initial reconcile did not finish within {limit:?}; no poll measured (a poll would go on with the reconcile)"
        );
    }

    for _ in 0..args.polls {
        let (r0, b0) = bench_support::traffic(&desk);
        let t = Instant::now();
        let report = desk.sync().await.context("a poll at rest (Desk::sync)")?;
        let wall = t.elapsed();
        let (r1, b1) = bench_support::traffic(&desk);
        row.polls.push(Poll {
            wall,
            requests: r1 - r0,
            bytes: b1 - b0,
            tickets: report.tickets,
            messages: report.messages,
        });
    }
    srv.check_alive()?;
    let list = |f: &dyn Fn(&Poll) -> String| row.polls.iter().map(f).collect::<Vec<_>>().join(", ");
    say(&format!(
        "  {} polls at rest: requests {}; KiB {}; ms {}; tickets applied {}",
        row.polls.len(),
        list(&|p| p.requests.to_string()),
        list(&|p| format!("{:.1}", p.bytes as f64 / 1024.0)),
        list(&|p| format!("{:.1}", p.wall.as_secs_f64() * 1000.0)),
        list(&|p| p.tickets.to_string())
    ));
    let moved: u64 = row.polls.iter().map(|p| p.tickets + p.messages).sum();
    if moved > 0 {
        say(&format!(
            "  NOTE: nothing changed on the server, yet the polls applied {} tickets and {} messages",
            row.polls.iter().map(|p| p.tickets).sum::<u64>(),
            row.polls.iter().map(|p| p.messages).sum::<u64>()
        ));
    }
    let share = row.poll_mean(|p| p.bytes as f64) / (bytes as f64).max(1.0);
    if share >= 0.05 {
        say(&format!(
            "  NOTE: a poll at rest receives {:.0}% of what the whole reconcile received",
            share * 100.0
        ));
    }
    bench_support::close_cache(&desk).await;
    Ok(())
}

/// Tickets and messages of the tenant in the server's database (read-only).
async fn server_counts(path: &Path) -> Result<ServerCounts> {
    let opts = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .with_context(|| format!("opening {} read-only", path.display()))?;
    let (tickets, removed): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE NOT removed), count(*) FILTER (WHERE removed) \
         FROM tickets WHERE tenant_id = (SELECT id FROM tenants WHERE slug = ?)",
    )
    .bind(TENANT)
    .fetch_one(&mut conn)
    .await
    .with_context(|| format!("counting the tickets of tenant {TENANT}"))?;
    let (messages, system, html): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE m.sender_id IS NULL), \
                count(*) FILTER (WHERE m.message_type = 'html') \
         FROM messages m JOIN tickets t ON t.id = m.ticket_id \
         WHERE NOT t.removed AND t.tenant_id = (SELECT id FROM tenants WHERE slug = ?)",
    )
    .bind(TENANT)
    .fetch_one(&mut conn)
    .await
    .with_context(|| format!("counting the messages of tenant {TENANT}"))?;
    conn.close().await?;
    Ok(ServerCounts {
        tickets,
        removed,
        messages,
        system,
        html,
    })
}

fn summary(args: &Args, size: Size, on_server: ServerCounts, rows: &[Row]) {
    say("");
    say(&format!(
        "== connectors: summary ({} tickets x {} messages per ticket per tenant; the server lists {} tickets with {} messages in tenant {TENANT}) ==",
        size.tickets, size.messages, on_server.tickets, on_server.messages
    ));
    say(&format!(
        "  {:<10} | {:<68} | {}",
        "",
        "initial reconcile (login_with_token + first Desk::sync)",
        format_args!("poll at rest (mean of {})", args.polls)
    ));
    say(&format!(
        "  {:<10} | {:>8} {:>9} {:>7} {:>9} {:>8} {:>8} {:>12} | {:>8} {:>8} {:>7} {:>7} {:>7}",
        "connector",
        "tickets",
        "messages",
        "wall s",
        "tickets/s",
        "requests",
        "MiB",
        "",
        "req/poll",
        "KiB/poll",
        "ms/poll",
        "req/min",
        "KiB/min"
    ));
    for row in rows {
        let reconcile = match &row.reconcile {
            Some(r) => format!(
                "{:>8} {:>9} {:>7.1} {:>9.0} {:>8} {:>8.1} {:>12}",
                r.tickets,
                r.messages,
                r.wall.as_secs_f64(),
                r.tickets_per_second(),
                r.requests,
                r.bytes as f64 / 1048576.0,
                if r.complete { "" } else { "INCOMPLETE" }
            ),
            None => format!("{:<68}", "FAILED"),
        };
        let polls = if row.polls.is_empty() {
            "-".to_owned()
        } else {
            let requests = row.poll_mean(|p| p.requests as f64);
            let kib = row.poll_mean(|p| p.bytes as f64 / 1024.0);
            format!(
                "{requests:>8.1} {kib:>8.1} {:>7.1} {:>7.0} {:>7.1}",
                row.poll_ms_p50(),
                requests * POLLS_PER_MINUTE,
                kib * POLLS_PER_MINUTE
            )
        };
        let error = row
            .error
            .as_deref()
            .map(|e| format!("  ({e})"))
            .unwrap_or_default();
        say(&format!(
            "  {:<10} | {reconcile} | {polls}{error}",
            row.api.name()
        ));
    }
    say(&format!(
        "  at rest: nothing changes on the server between the polls (no other client writes; each server offers its one API alone); the {} polls run back to back right after the reconcile, each one Desk::sync; ms/poll is the median; per minute = {POLLS_PER_MINUTE:.0} polls (the default 30 s interval, OUTPOST_POLL_SECONDS); a full reconcile every 30 min (OUTPOST_RECONCILE_MINUTES) comes on top",
        args.polls
    ));
    say(
        "  requests and bytes count every answer body the connector received (bench_support::traffic), login included in the reconcile's",
    );
}
