//! `outpost-client-bench`: the client core (`outpost-core`) against a real server on
//! loopback with the demo data set (SPEC §6; run by `make bench-client`, and by
//! `make bench` after the server bench).
//!
//! 1. Initial sync of a fresh profile (agent1@demo.test, `Desk::login` + `Desk::sync`)
//!    next to the time SQLite itself needs to bulk-load the same rows into the same
//!    cache schema (a fresh database made by the same migrations, filled with
//!    `INSERT INTO main.t SELECT * FROM src.t` per table from the synced cache,
//!    ATTACHed; one transaction, triggers and FTS included). Target: ≤ 2×. Beside
//!    it, how long after signing in the agent's own open tickets are listed
//!    (`Desk::tickets` of My open, the moment the first-sync's first step landed):
//!    target ≤ 3 s.
//! 2. Ticket list (50 rows, views and sorts) through `Desk::tickets`: p95 < 5 ms.
//! 3. Search over the messages through `Desk::search(q, 50)`: p95 < 20 ms.
//! 4. Open a ticket with 100 messages through `Desk::ticket`: p95 < 10 ms (the demo
//!    tickets have 10 messages; a second client tops a few up to 100 first).
//! 5. A change committed by another client (agent2 over the sync API) until it is
//!    visible in the cache of agent1's live desk (`Desk::start`): p50 < 200 ms.
//!
//! 6. Connectors (after the rest, unless `--skip-connectors`; alone with
//!    `--connectors-only`): per seed API, a server offering only it, an API key for
//!    agent1, the initial reconcile through the connector and its poll at rest. See
//!    the `connectors` module.
//!
//! Exits non-zero when something fails (the server, the sync, a query, a change that
//! never arrives); a missed target is reported, not fatal.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

#[allow(
    dead_code,
    reason = "shared with the server bench, which uses more of it"
)]
#[path = "../http.rs"]
mod http;
#[allow(
    dead_code,
    reason = "shared with the server bench, which uses more of it"
)]
#[path = "../server.rs"]
mod server;

#[path = "client/connectors.rs"]
mod connectors;

use anyhow::{Context, Result, bail};
use clap::Parser;
use outpost_core::bench_support::{self, SERVER_TABLES as TABLES, SyncClient};
use outpost_core::credentials::{Credentials, MemoryStore};
use outpost_core::profile::Profile;
use outpost_core::search::SearchQuery;
use outpost_core::{Api, Desk, DeskEvent};
use outpost_core::{ListQuery, Sort, View};
use outpost_domain::ids::{ClientId, MessageId, MutationId, TicketId};
use outpost_domain::sync::{MessageSendArgs, Mutation, MutationOp, Outcome, PushRequest};
use outpost_domain::values::MessageType;
use server::{Server, SqliteDb};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, Executor, Row};
use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "outpost-client-bench",
    version,
    about = "Client core benchmark: initial sync vs SQLite bulk load, list, search, open ticket, live propagation, connectors"
)]
struct Args {
    /// Demo tickets per tenant (default 100000; 5000 with --quick).
    #[arg(long)]
    tickets: Option<u64>,
    /// Messages per ticket (default 10; 5 with --quick).
    #[arg(long)]
    messages_per_ticket: Option<u64>,
    /// Small data set (5000 tickets x 5 messages) for a quick look.
    #[arg(long, env = "OUTPOST_BENCH_QUICK", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    quick: bool,
    /// Measured calls per list view and per search query.
    #[arg(long, default_value_t = 300)]
    iterations: usize,
    /// Unmeasured calls before each measured series.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Measured opens of the 100-message tickets (spread over them).
    #[arg(long, default_value_t = 500)]
    opens: usize,
    /// How many tickets are topped up to 100 messages.
    #[arg(long, default_value_t = 5)]
    big_tickets: usize,
    /// Samples of the server-commit-to-other-client latency.
    #[arg(long, default_value_t = 60)]
    live_samples: usize,
    /// Time budget of one measured series in seconds: a slow query stops after this
    /// (with at least 20 samples) instead of holding the run for minutes.
    #[arg(long, default_value_t = 15.0)]
    max_seconds: f64,
    /// Regenerate the cached SQLite demo database.
    #[arg(long)]
    fresh: bool,
    /// Keep the synced profile and the baseline database (under /var/tmp/outpost-bench).
    #[arg(long)]
    keep: bool,
    /// The server binary (default: $CARGO_TARGET_DIR/release/outpost-server).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Run the connectors section alone (no native sync, lists, search, open, live).
    #[arg(long, conflicts_with = "skip_connectors")]
    connectors_only: bool,
    /// Leave the connectors section out.
    #[arg(long)]
    skip_connectors: bool,
    /// The connectors measured, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ondi,sonzai,workspace,29next"
    )]
    connectors: Vec<Api>,
    /// Polls at rest measured per connector, back to back.
    #[arg(long, default_value_t = 5)]
    polls: usize,
    /// Time limit of one connector's initial reconcile in seconds: one that takes
    /// longer is stopped and reported with what it carried so far.
    #[arg(long, default_value_t = 1800.0)]
    reconcile_max_seconds: f64,
}

pub(crate) fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let code = match rt {
        Ok(rt) => match rt.block_on(run(args)) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                eprintln!("outpost-client-bench: {e:#}");
                1
            }
        },
        Err(e) => {
            eprintln!("outpost-client-bench: starting the runtime: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// Latencies of one measured series.
#[derive(Default)]
struct Samples {
    d: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Samples {
    fn push(&mut self, d: Duration) {
        self.d.push(d);
    }

    fn fail(&mut self, e: impl std::fmt::Display) {
        self.errors += 1;
        self.first_error.get_or_insert_with(|| e.to_string());
    }

    fn extend(&mut self, other: &Samples) {
        self.d.extend_from_slice(&other.d);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }

    /// Nearest-rank quantile in milliseconds (`q = 1.0`: the maximum).
    fn ms(&self, q: f64) -> f64 {
        if self.d.is_empty() {
            return f64::NAN;
        }
        let mut v = self.d.clone();
        v.sort_unstable();
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1].as_secs_f64() * 1000.0
    }
}

/// A line of the summary table.
struct Line {
    name: String,
    samples: Samples,
    /// (quantile, limit in ms) the target is about; `None`: informational.
    target: Option<(f64, f64)>,
}

impl Line {
    fn verdict(&self) -> String {
        let Some((q, limit)) = self.target else {
            return "(no target)".into();
        };
        let label = if q >= 0.95 { "p95" } else { "p50" };
        let mark = if self.samples.errors > 0 {
            "FAIL"
        } else if self.samples.ms(q) < limit {
            "PASS"
        } else {
            "MISS"
        };
        format!("{mark} {label} < {limit:.0} ms")
    }

    fn print(&self) {
        let s = &self.samples;
        let errors = if s.errors > 0 {
            format!(
                "  {} error(s), e.g. {}",
                s.errors,
                s.first_error.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        };
        say(&format!(
            "  {:<44} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {}{errors}",
            self.name,
            s.d.len(),
            s.ms(0.50),
            s.ms(0.95),
            s.ms(0.99),
            s.ms(1.0),
            self.verdict()
        ));
    }
}

fn table_header() {
    say(&format!(
        "  {:<44} {:>6} {:>8} {:>8} {:>8} {:>8}  target",
        "measurement", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"
    ));
}

/// Removes the bench's profile and baseline database on drop (unless `--keep`).
struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.keep {
            say(&format!("  kept {}", self.path.display()));
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

async fn run(args: Args) -> Result<bool> {
    let tickets = args
        .tickets
        .unwrap_or(if args.quick { 5000 } else { 100_000 });
    let messages = args
        .messages_per_ticket
        .unwrap_or(if args.quick { 5 } else { 10 });
    let bin = server::locate_binary(args.server_bin.as_deref())?;
    say("outpost-client-bench: the client core (outpost-core) against outpost-server on loopback");
    say(&format!("  server binary {}", bin.display()));
    say(&format!(
        "  data set: demo generator, {tickets} tickets x {messages} messages per ticket in each of its 2 tenants; the client signs in as agent1@demo.test"
    ));
    say(&format!(
        "  caveat: server, client and baseline share the machine's {} core(s); 1-min load average before the run: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        server::load_average().unwrap_or_else(|| "?".into())
    ));
    if let Some(native) = args.connectors.iter().find(|a| **a == Api::Native) {
        bail!("--connectors: {native} is not a connector; name ondi, sonzai, workspace or 29next");
    }
    let db = SqliteDb::prepare(&bin, tickets, messages, args.fresh).await?;
    let work = WorkDir {
        path: Path::new(server::WORK_DIR).join(format!("client-{}", std::process::id())),
        keep: args.keep,
    };
    let _ = std::fs::remove_dir_all(&work.path);
    std::fs::create_dir_all(&work.path)
        .with_context(|| format!("creating {}", work.path.display()))?;

    let mut ok = true;
    if !args.connectors_only {
        let started = Instant::now();
        let mut srv = Server::start(&bin, &db.url, "sqlite-client", &[]).await?;
        say(&format!("  server {}", srv.up_line(started.elapsed())));
        let outcome = bench(&args, &mut srv, &work.path).await;
        let stopped = srv.stop().await;
        ok &= outcome?;
        stopped?;
        say("  server stopped");
    }
    if !args.skip_connectors {
        let size = connectors::Size { tickets, messages };
        ok &= connectors::run(&args, &bin, &db, &work.path, size).await?;
    }
    Ok(ok)
}

/// Everything measured; `Ok(false)` when some measurement failed (reported in the table).
async fn bench(args: &Args, srv: &mut Server, dir: &Path) -> Result<bool> {
    let base_url = format!("http://{}", srv.addr);

    // 1. initial sync versus SQLite's own bulk load.
    say("");
    say("== initial sync ==");
    let profile = Profile::at(dir.join("profile"));
    let creds = Credentials::with_env_token(Arc::new(MemoryStore::new()), None);
    let cpu = server::CpuMark::now(srv);
    let t0 = Instant::now();
    let desk = Desk::login(
        profile,
        creds,
        &base_url,
        "agent1@demo.test",
        Some("outpost-demo"),
        None,
    )
    .await
    .context("Desk::login as agent1@demo.test")?;
    let login = t0.elapsed();
    let progress = spawn_progress(&desk, t0);
    let mine = spawn_mine_listed(&desk, t0);
    let t1 = Instant::now();
    let report = desk.sync().await;
    let sync_time = t1.elapsed();
    progress.abort();
    let mine = match tokio::time::timeout(Duration::from_secs(30), mine).await {
        Ok(Ok(Ok(listed))) => Some(listed),
        Ok(Ok(Err(e))) => return Err(e.context("listing My open during the first sync")),
        Ok(Err(_)) | Err(_) => None,
    };
    let report = report.context("the initial Desk::sync")?;
    let total_sync = t0.elapsed();
    let (server_cpu, client_cpu) = cpu.since();
    srv.check_alive()?;
    say(&format!(
        "  Desk::login {:.2} s + Desk::sync {:.1} s = {:.1} s: {} pages, {} tickets, {} messages applied",
        login.as_secs_f64(),
        sync_time.as_secs_f64(),
        total_sync.as_secs_f64(),
        report.pages,
        report.tickets,
        report.messages
    ));
    if let (Some(s), Some(c)) = (server_cpu, client_cpu) {
        say(&format!(
            "  CPU during login + sync: server {s:.1} s, client (this process) {c:.1} s, over {:.1} s wall",
            total_sync.as_secs_f64()
        ));
    }
    let cache_path = bench_support::cache_path(&desk);
    let counts = table_counts(&desk).await?;
    let rows: i64 = counts.iter().map(|(_, n)| n).sum();
    say(&format!(
        "  cache {}: {} ({rows} rows), {:.0} MiB with its WAL",
        cache_path.display(),
        counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        file_mib(&cache_path)
    ));

    let baseline_path = dir.join("baseline.db");
    let baseline = bulk_load(&cache_path, &baseline_path).await?;
    say(&format!(
        "  SQLite bulk load of the same rows into a fresh cache schema (ATTACH + INSERT … SELECT *, one transaction, triggers and FTS included): {:.1} s",
        baseline.total.as_secs_f64()
    ));
    say(&format!(
        "    per table: {}",
        baseline
            .tables
            .iter()
            .map(|(t, d)| format!("{t} {:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let ratio = total_sync.as_secs_f64() / baseline.total.as_secs_f64().max(1e-9);
    let sync_verdict = format!("{} ≤ 2.0×", if ratio <= 2.0 { "PASS" } else { "MISS" });
    say(&format!(
        "  initial sync / bulk load = {ratio:.2}×  {sync_verdict}"
    ));
    let mine_line = match mine {
        Some((at, n)) => format!(
            "own open tickets listed {:.2} s after signing in ({n} rows of My open, the first sync still running): {} ≤ 3 s",
            at.as_secs_f64(),
            if at <= Duration::from_secs(3) {
                "PASS"
            } else {
                "MISS"
            }
        ),
        None => "own open tickets: no first-sync step listed them: MISS ≤ 3 s".to_owned(),
    };
    say(&format!("  {mine_line}"));
    let words = vocabulary(&baseline_path).await?;
    say(&format!(
        "  message vocabulary: most common {}; rare word for the search: {:?} ({} messages)",
        words
            .common
            .iter()
            .map(|(w, n)| format!("{w:?} ({n})"))
            .collect::<Vec<_>>()
            .join(", "),
        words.rare.0,
        words.rare.1
    ));

    // 4 (setup). tickets with 100 messages, written by another client.
    say("");
    say("== setup: tickets with 100 messages ==");
    let writer = Writer::login(&base_url, "agent2@demo.test").await?;
    let open = desk
        .tickets(&ListQuery {
            view: Some(View::AllOpen),
            limit: Some(200),
            ..ListQuery::default()
        })
        .await
        .context("listing open tickets")?;
    let mut candidates: Vec<(TicketId, String, i64)> = open
        .tickets
        .iter()
        .filter_map(|t| t.number.map(|n| (t.id, n.to_string(), t.message_count)))
        .collect();
    if candidates.len() < args.big_tickets + 10 {
        bail!(
            "only {} open tickets in the cache; the bench needs {}",
            candidates.len(),
            args.big_tickets + 10
        );
    }
    let live_tickets = candidates.split_off(args.big_tickets);
    let big = candidates;
    let mut mutations = Vec::new();
    for (id, _, have) in &big {
        for i in *have..100 {
            mutations.push(MutationOp::MessageSend(MessageSendArgs {
                message_id: MessageId::new(),
                ticket_id: *id,
                message_type: MessageType::Text,
                content: format!(
                    "Follow-up {i}: checked the order history and the courier's tracking again; \
                     the parcel is still marked as in transit, so I have asked the warehouse to \
                     confirm the dispatch and will update you as soon as they answer."
                ),
                content_url: None,
                metadata: None,
                parent_message_id: None,
                internal: i % 7 == 0,
                attachments: Vec::new(),
            }));
        }
    }
    let n_sent = mutations.len();
    let t = Instant::now();
    for chunk in mutations.chunks(500) {
        writer.push(chunk.to_vec()).await?;
    }
    say(&format!(
        "  agent2 (a second client, over POST /sync/v1/mutations) sent {n_sent} messages to {} open tickets in {:.1} s",
        big.len(),
        t.elapsed().as_secs_f64()
    ));
    let t = Instant::now();
    let r = desk.sync().await.context("the incremental Desk::sync")?;
    say(&format!(
        "  incremental Desk::sync of them: {:.2} s ({} pages, {} messages)",
        t.elapsed().as_secs_f64(),
        r.pages,
        r.messages
    ));
    for (_, key, _) in &big {
        let d = desk.ticket(key).await.context("opening a big ticket")?;
        say(&format!(
            "  ticket #{key}: {} messages, {} history entries, {} participants",
            d.conversation.len(),
            d.history.len(),
            d.participants.len()
        ));
    }

    let mut lines = Vec::new();
    let d = &desk;
    let budget = Budget {
        warmup: args.warmup,
        max: Duration::from_secs_f64(args.max_seconds.max(0.1)),
    };

    // 2. list views.
    say("");
    say("== list views (Desk::tickets, 50 rows) ==");
    let team = desk.view_counts().await.ok().and_then(|v| {
        v.into_iter()
            .find(|c| matches!(c.view, View::Team(_)))
            .map(|c| (c.view, c.label))
    });
    let mut views: Vec<(String, ListQuery)> = vec![
        (
            "my_open, updated desc".into(),
            lq(View::MyOpen, Sort::UpdatedDesc, 0),
        ),
        (
            "all_open, updated desc".into(),
            lq(View::AllOpen, Sort::UpdatedDesc, 0),
        ),
        (
            "unassigned, updated desc".into(),
            lq(View::Unassigned, Sort::UpdatedDesc, 0),
        ),
        (
            "tag:billing, updated desc".into(),
            lq(View::Tag("billing".into()), Sort::UpdatedDesc, 0),
        ),
        (
            "all_open, priority desc".into(),
            lq(View::AllOpen, Sort::PriorityDesc, 0),
        ),
        (
            "all_open, created asc, page 3".into(),
            lq(View::AllOpen, Sort::CreatedAsc, 100),
        ),
        (
            "all tickets, number desc".into(),
            ListQuery {
                sort: Sort::NumberDesc,
                ..ListQuery::default()
            },
        ),
        (
            "my_open + priority:high,urgent".into(),
            ListQuery {
                search: Some(
                    SearchQuery::parse("priority:high,urgent").context("parsing a filter")?,
                ),
                ..lq(View::MyOpen, Sort::UpdatedDesc, 0)
            },
        ),
    ];
    if let Some((view, label)) = team {
        views.push((
            format!("team {label}, updated desc"),
            lq(view, Sort::UpdatedDesc, 0),
        ));
    }
    let mut all_lists = Samples::default();
    for (name, q) in &views {
        let total = Cell::new(0);
        let s = measure(budget, args.iterations, || {
            let total = &total;
            async move {
                d.tickets(q).await.map(|p| {
                    total.set(p.total);
                    p.tickets.len()
                })
            }
        })
        .await;
        let total = total.get();
        say(&format!(
            "  {name:<34} total {total:>6}  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms",
            s.ms(0.5),
            s.ms(0.95),
            s.ms(0.99)
        ));
        all_lists.extend(&s);
        lines.push(Line {
            name: format!("list: {name}"),
            samples: s,
            target: Some((0.95, 5.0)),
        });
    }
    lines.push(Line {
        name: "list: all views together".into(),
        samples: all_lists,
        target: Some((0.95, 5.0)),
    });

    // 3. search.
    say("");
    say("== search (Desk::search, limit 50) ==");
    let queries = [
        "refund".to_string(),
        "status:open damaged".into(),
        words.rare.0.clone(),
        "refu".into(),
        "\"arrived damaged\"".into(),
        "assignee:me priority:high,urgent order".into(),
        "tag:billing charged twice".into(),
    ];
    let mut all_search = Samples::default();
    for text in &queries {
        let hits = Cell::new(0);
        let s = measure(budget, args.iterations, || {
            let hits = &hits;
            async move {
                d.search(text, 50).await.map(|h| {
                    hits.set(h.len());
                    h.len()
                })
            }
        })
        .await;
        let hits = hits.get();
        say(&format!(
            "  {:<40} hits {hits:>3}  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms",
            format!("{text:?}"),
            s.ms(0.5),
            s.ms(0.95),
            s.ms(0.99)
        ));
        all_search.extend(&s);
        lines.push(Line {
            name: format!("search: {text}"),
            samples: s,
            target: Some((0.95, 20.0)),
        });
    }
    lines.push(Line {
        name: "search: all queries together".into(),
        samples: all_search,
        target: Some((0.95, 20.0)),
    });

    // 4. open a ticket.
    say("");
    say("== open a ticket (Desk::ticket) ==");
    let mut i = 0;
    let s = measure(budget, args.opens, || {
        i += 1;
        let key = &big[i % big.len()].1;
        async move { d.ticket(key).await.map(|t| t.conversation.len()) }
    })
    .await;
    say(&format!(
        "  100 messages, {} tickets in turn: p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms",
        big.len(),
        s.ms(0.5),
        s.ms(0.95),
        s.ms(0.99)
    ));
    lines.push(Line {
        name: "open ticket: 100 messages".into(),
        samples: s,
        target: Some((0.95, 10.0)),
    });
    let demo_keys: Vec<String> = live_tickets.iter().map(|(_, k, _)| k.clone()).collect();
    let mut i = 0;
    let s = measure(budget, args.opens, || {
        i += 1;
        let key = &demo_keys[i % demo_keys.len()];
        async move { d.ticket(key).await.map(|t| t.conversation.len()) }
    })
    .await;
    say(&format!(
        "  demo tickets ({messages} messages each): p50 {:.2} ms  p95 {:.2} ms",
        s.ms(0.5),
        s.ms(0.95),
        messages = live_tickets.first().map(|t| t.2).unwrap_or(0)
    ));
    lines.push(Line {
        name: "open ticket: demo ticket".into(),
        samples: s,
        target: None,
    });

    // 5. server commit → visible in another online client's cache.
    say("");
    say("== live: a change by another client until visible in this client's cache ==");
    let live = live_propagation(args, &desk, &writer, &live_tickets).await;
    desk.stop().await;
    let (live, push_rtt) = live?;
    say(&format!(
        "  agent2 sends a message (POST /sync/v1/mutations, round trip p50 {:.1} ms); agent1's live desk (SSE signal → pull → apply) shows it: p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms",
        push_rtt.ms(0.5),
        live.ms(0.5),
        live.ms(0.95),
        live.ms(1.0)
    ));
    lines.push(Line {
        name: "live: commit → visible in other client".into(),
        samples: live,
        target: Some((0.5, 200.0)),
    });
    srv.check_alive()?;

    // Summary.
    say("");
    say("== summary ==");
    say(&format!(
        "  initial sync {:.1} s ({rows} rows) vs SQLite bulk load {:.1} s: {ratio:.2}×  {sync_verdict}",
        total_sync.as_secs_f64(),
        baseline.total.as_secs_f64()
    ));
    say(&format!("  {mine_line}"));
    table_header();
    for l in &lines {
        l.print();
    }
    if let Some(kb) = peak_rss_kib() {
        say(&format!(
            "  peak memory of this process (client core + bench): {:.0} MiB",
            kb as f64 / 1024.0
        ));
    }
    bench_support::close_cache(&desk).await;
    Ok(lines.iter().all(|l| l.samples.errors == 0))
}

fn lq(view: View, sort: Sort, offset: i64) -> ListQuery {
    ListQuery {
        view: Some(view),
        sort,
        limit: Some(50),
        offset,
        ..ListQuery::default()
    }
}

/// Warm-up calls and the time limit of one series.
#[derive(Clone, Copy)]
struct Budget {
    warmup: usize,
    max: Duration,
}

/// `budget.warmup` unmeasured calls, then `n` timed ones (fewer when the series runs
/// out of time: see [`Samples`]'s count in the table).
async fn measure<F, Fut, T>(budget: Budget, n: usize, mut f: F) -> Samples
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = outpost_core::Result<T>>,
{
    let mut s = Samples::default();
    let started = Instant::now();
    for _ in 0..budget.warmup {
        if let Err(e) = f().await {
            s.fail(e);
        }
        if started.elapsed() > budget.max / 4 {
            break;
        }
    }
    let started = Instant::now();
    for _ in 0..n {
        if s.d.len() >= 20 && started.elapsed() > budget.max {
            break;
        }
        let t = Instant::now();
        match f().await {
            Ok(_) => s.push(t.elapsed()),
            Err(e) => s.fail(e),
        }
    }
    s
}

/// Prints first-sync progress every 10 s.
fn spawn_progress(desk: &Desk, t0: Instant) -> tokio::task::JoinHandle<()> {
    let mut rx = desk.subscribe();
    tokio::spawn(async move {
        let mut last = Instant::now();
        loop {
            match rx.recv().await {
                Ok(DeskEvent::Progress {
                    tickets,
                    messages,
                    percent,
                    ..
                }) if last.elapsed() >= Duration::from_secs(10) => {
                    last = Instant::now();
                    say(&format!(
                        "    {:>5.0} s: {}{tickets} tickets, {messages} messages",
                        t0.elapsed().as_secs_f64(),
                        percent.map(|p| format!("{p}%, ")).unwrap_or_default()
                    ));
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return,
            }
        }
    })
}

/// Waits for the first first-sync step, then lists My open as the app's start view
/// does: when (since `t0`, before signing in) and how many rows it showed.
fn spawn_mine_listed(
    desk: &Desk,
    t0: Instant,
) -> tokio::task::JoinHandle<Result<(Duration, usize)>> {
    let mut rx = desk.subscribe();
    let desk = desk.clone();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(DeskEvent::Progress { .. }) => break,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => bail!("the desk closed before any progress: {e}"),
            }
        }
        let page = desk
            .tickets(&ListQuery {
                view: Some(View::MyOpen),
                limit: Some(50),
                ..ListQuery::default()
            })
            .await?;
        Ok((t0.elapsed(), page.tickets.len()))
    })
}

async fn table_counts(desk: &Desk) -> Result<Vec<(&'static str, i64)>> {
    bench_support::table_counts(desk)
        .await
        .context("counting the cache's rows")
}

fn file_mib(path: &Path) -> f64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(p).ok().map(|m| m.len())
        })
        .sum::<u64>() as f64
        / 1048576.0
}

struct BulkLoad {
    total: Duration,
    tables: Vec<(&'static str, Duration)>,
}

/// SQLite's own speed for the same rows: a fresh database with the cache schema (made
/// by `bench_support::create_empty_cache`, i.e. the same migrations), then, on one connection with the
/// cache's settings, `INSERT INTO main.t SELECT * FROM src.t` for every table from the
/// synced cache in one transaction.
async fn bulk_load(from: &Path, to: &Path) -> Result<BulkLoad> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = to.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    bench_support::create_empty_cache(to)
        .await
        .context("creating the baseline database")?;
    let opts = SqliteConnectOptions::from_str("sqlite://")?
        .filename(to)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(false)
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory");
    let mut conn = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .context("opening the baseline database")?;
    let from_s = from
        .to_str()
        .context("the cache path is not UTF-8")?
        .replace('\'', "''");
    conn.execute(AssertSqlSafe(format!("ATTACH DATABASE '{from_s}' AS src")))
        .await
        .context("attaching the synced cache")?;
    let mut tables = Vec::new();
    let t0 = Instant::now();
    conn.execute("BEGIN").await?;
    for t in TABLES {
        let t1 = Instant::now();
        conn.execute(AssertSqlSafe(format!(
            "INSERT INTO main.{t} SELECT * FROM src.{t}"
        )))
        .await
        .with_context(|| format!("bulk-loading {t}"))?;
        tables.push((*t, t1.elapsed()));
    }
    conn.execute("COMMIT").await?;
    let total = t0.elapsed();
    conn.execute("DETACH DATABASE src").await?;
    conn.close().await?;
    Ok(BulkLoad { total, tables })
}

struct Words {
    common: Vec<(String, i64)>,
    rare: (String, i64),
}

/// The most common message words and one rare word (in a few messages), from the
/// baseline copy's FTS index.
async fn vocabulary(db: &Path) -> Result<Words> {
    let opts = SqliteConnectOptions::from_str("sqlite://")?.filename(db);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    conn.execute("CREATE VIRTUAL TABLE temp.mvocab USING fts5vocab(main, messages_fts, row)")
        .await
        .context("creating an fts5vocab table")?;
    let rows = sqlx::query(
        "SELECT term, doc FROM temp.mvocab WHERE length(term) >= 5 AND term GLOB '[a-z]*' \
         ORDER BY doc DESC LIMIT 3",
    )
    .fetch_all(&mut conn)
    .await?;
    let common = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(String, i64)>>>()?;
    let rare = sqlx::query(
        "SELECT term, doc FROM temp.mvocab WHERE length(term) >= 6 AND term GLOB '[a-z]*' \
         AND term NOT GLOB '*[0-9]*' ORDER BY doc ASC, term LIMIT 1",
    )
    .fetch_optional(&mut conn)
    .await?;
    let rare = match rare {
        Some(r) => (r.try_get(0)?, r.try_get(1)?),
        None => ("zyzzyva".into(), 0),
    };
    conn.close().await?;
    Ok(Words { common, rare })
}

/// A second client that talks to the sync API directly.
struct Writer {
    srv: SyncClient,
    token: String,
    client_id: ClientId,
    seq: std::sync::atomic::AtomicI64,
}

impl Writer {
    async fn login(base: &str, email: &str) -> Result<Self> {
        let srv = SyncClient::new(base)?;
        let resp = srv
            .login(email, "outpost-demo", None)
            .await
            .with_context(|| format!("login as {email}"))?;
        Ok(Self {
            srv,
            token: resp.access_token,
            client_id: ClientId::new(),
            seq: std::sync::atomic::AtomicI64::new(0),
        })
    }

    async fn push(&self, ops: Vec<MutationOp>) -> Result<()> {
        let mutations = ops
            .into_iter()
            .map(|op| Mutation {
                seq: self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1,
                id: MutationId::new(),
                op,
                base: None,
            })
            .collect::<Vec<_>>();
        let n = mutations.len();
        let resp = self
            .srv
            .push(
                &self.token,
                &PushRequest {
                    client_id: self.client_id,
                    mutations,
                },
            )
            .await
            .context("POST /sync/v1/mutations")?;
        if resp.results.len() != n {
            bail!(
                "the server answered {} of {n} mutations",
                resp.results.len()
            );
        }
        if let Some(r) = resp
            .results
            .iter()
            .find(|r| !matches!(r.outcome, Outcome::Applied(_)))
        {
            bail!("a mutation was not applied: {:?}", r.outcome);
        }
        Ok(())
    }
}

/// Samples of commit-to-visible (and of the writer's push round trip).
async fn live_propagation(
    args: &Args,
    desk: &Desk,
    writer: &Writer,
    tickets: &[(TicketId, String, i64)],
) -> Result<(Samples, Samples)> {
    let mut events = desk.subscribe();
    desk.start();
    let t = Instant::now();
    while !desk.sync_state().online || desk.sync_state().syncing {
        if t.elapsed() > Duration::from_secs(60) {
            bail!(
                "the live engine did not come online within 60 s: {:?}",
                desk.sync_state().last_error
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the engine settle into waiting on the event stream.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut live = Samples::default();
    let mut rtt = Samples::default();
    let warmup = 5;
    for i in 0..args.live_samples + warmup {
        let (ticket, key, _) = &tickets[i % tickets.len()];
        while events.try_recv().is_ok() {}
        let message_id = MessageId::new();
        let op = MutationOp::MessageSend(MessageSendArgs {
            message_id,
            ticket_id: *ticket,
            message_type: MessageType::Text,
            content: format!("Live bench reply {i}: the replacement ships today."),
            content_url: None,
            metadata: None,
            parent_message_id: None,
            internal: false,
            attachments: Vec::new(),
        });
        let t0 = Instant::now();
        let pushed = writer.push(vec![op]).await;
        let push_time = t0.elapsed();
        if let Err(e) = pushed {
            live.fail(format!("{e:#}"));
            continue;
        }
        let deadline = t0 + Duration::from_secs(10);
        let visible = loop {
            if has_message(desk, key, message_id).await {
                break Some(t0.elapsed());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break None;
            }
            match tokio::time::timeout(left, events.recv()).await {
                Ok(Ok(DeskEvent::Changed { .. }))
                | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Ok(_)) => continue,
                Ok(Err(_)) => break None,
                Err(_) => {}
            }
        };
        if i >= warmup {
            match visible {
                Some(d) => {
                    live.push(d);
                    rtt.push(push_time);
                }
                None => live.fail(format!(
                    "message {message_id} on #{key} not visible after 10 s (sync state {:?})",
                    desk.sync_state()
                )),
            }
        }
        // Spread the samples out a little.
        tokio::time::sleep(Duration::from_millis(20 + (i as u64 * 37) % 60)).await;
    }
    Ok((live, rtt))
}

async fn has_message(desk: &Desk, key: &str, id: MessageId) -> bool {
    match desk.ticket(key).await {
        Ok(d) => d.conversation.iter().any(|m| m.id == id),
        Err(_) => false,
    }
}

/// Peak resident memory of this process (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
