//! The growth table (`--growth 10000,100000,1000000`): what one request costs as the
//! tenant grows. For each size and engine, a demo database with that many tickets per
//! tenant (and `--growth-messages` messages each), one server, one connection, and
//! round after round of the same probes, one at a time: a send, then the list's first
//! page, a filtered page, a deep page, a search and a sync page. The send moves the
//! log head, so every read of the round misses the page memo and reads the database:
//! this is the cost of a read, not of a memoized answer.
//!
//! A probe stays flat or grows logarithmically when its median at the largest size is
//! within [`FLAT_FACTOR`] of the smallest (a B-tree walk of 1M rows is about 1.5 times
//! one of 10k; a scan is 100 times).

use crate::http::Conn;
use crate::server::{PgDb, Server, SqliteDb};
use crate::{login, open_conversations, say, sync_head};
use anyhow::{Result, bail};
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use std::path::Path;
use std::time::Instant;

/// Largest-to-smallest median ratio still called flat (or logarithmic).
const FLAT_FACTOR: f64 = 3.0;

/// The probes of a round, in order.
const PROBES: [&str; 6] = ["send", "list", "filtered", "deep", "search", "sync"];

/// How deep the deep page is: page 251 of 20 (offset 5 000), the same at every size,
/// so its cost shows how an offset is paid, not how far the data goes.
const DEEP_PAGE: u32 = 251;

pub struct GrowthArgs<'a> {
    pub bin: &'a Path,
    pub sizes: &'a [u64],
    pub messages: u64,
    pub rounds: usize,
    pub fresh: bool,
    pub pg_url: &'a str,
}

/// Latencies (ms) of each probe at one size, sorted.
struct Measured {
    engine: &'static str,
    size: u64,
    probes: Vec<Vec<f64>>,
}

impl Measured {
    fn quantile(&self, probe: usize, q: f64) -> f64 {
        let v = &self.probes[probe];
        if v.is_empty() {
            return f64::NAN;
        }
        let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    }
}

pub async fn run(args: &GrowthArgs<'_>, engines: &[&'static str]) -> Result<()> {
    say("outpost-bench --growth: the cost of one request as the tenant grows");
    say(&format!(
        "  sizes {:?} tickets per tenant x {} messages each; {} rounds of {} one at a time on one connection, each round after a send (so no read is answered from the page memo)",
        args.sizes,
        args.messages,
        args.rounds,
        PROBES.join(", ")
    ));
    let mut all = Vec::new();
    for &engine in engines {
        for &size in args.sizes {
            say("");
            say(&format!("== {engine}, {size} tickets =="));
            all.push(measure(args, engine, size).await?);
        }
    }
    summary(&all, engines);
    Ok(())
}

async fn measure(args: &GrowthArgs<'_>, engine: &'static str, size: u64) -> Result<Measured> {
    match engine {
        "sqlite" => {
            let db = SqliteDb::prepare(args.bin, size, args.messages, args.fresh).await?;
            probe_server(args, engine, size, &db.url).await
        }
        _ => {
            let db = PgDb::prepare(args.pg_url, args.bin, size, args.messages, args.fresh).await?;
            let result = probe_server(args, engine, size, &db.url).await;
            if let Err(e) = db.drop_db().await {
                say(&format!("  could not drop database {}: {e:#}", db.name));
            }
            result
        }
    }
}

async fn probe_server(
    args: &GrowthArgs<'_>,
    engine: &'static str,
    size: u64,
    url: &str,
) -> Result<Measured> {
    let started = Instant::now();
    let mut srv = Server::start(args.bin, url, engine, &[]).await?;
    say(&format!("  server {}", srv.up_line(started.elapsed())));
    let result = probe(args, engine, size, &srv).await;
    srv.check_alive()?;
    srv.stop().await?;
    result
}

async fn probe(
    args: &GrowthArgs<'_>,
    engine: &'static str,
    size: u64,
    srv: &Server,
) -> Result<Measured> {
    let mut conn = Conn::connect(srv.addr).await?;
    let token = login(&mut conn).await?;
    let conversations = open_conversations(&mut conn, &token, 200).await?;
    if conversations.is_empty() {
        bail!("no open conversation to post to");
    }
    let (epoch, head) = sync_head(&mut conn, &token).await?;
    let cursor: String =
        form_urlencoded::byte_serialize(format!("{epoch}:{}", head / 2).as_bytes()).collect();
    let mut out = Measured {
        engine,
        size,
        probes: vec![Vec::with_capacity(args.rounds); PROBES.len()],
    };
    let warmup = args.rounds / 10 + 1;
    for round in 0..warmup + args.rounds {
        let conv = &conversations[round % conversations.len()];
        let send = format!("/messaging/conversations/{conv}/messages");
        let requests: [(Method, String, StatusCode); 6] = [
            (Method::POST, send, StatusCode::CREATED),
            (
                Method::GET,
                "/messaging/support/tickets?page=1&limit=20".into(),
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/messaging/support/tickets?assignment_scope=unassigned&page=1&limit=20".into(),
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/messaging/support/tickets?page={DEEP_PAGE}&limit=20"),
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/messaging/support/tickets?search=refund&page=1&limit=20".into(),
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/sync/v1/changes?cursor={cursor}&limit=500"),
                StatusCode::OK,
            ),
        ];
        for (i, (method, path, expect)) in requests.into_iter().enumerate() {
            let body = (method == Method::POST)
                .then(|| Bytes::from_static(br#"{"message_type":"text","content":"growth"}"#));
            let t0 = Instant::now();
            let (status, resp) = conn.request(method, &path, Some(&token), body).await?;
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            if status != expect {
                bail!(
                    "{path}: {status}: {}",
                    String::from_utf8_lossy(&resp[..resp.len().min(300)])
                );
            }
            if round >= warmup {
                out.probes[i].push(ms);
            }
        }
    }
    for v in &mut out.probes {
        v.sort_by(f64::total_cmp);
    }
    for (i, name) in PROBES.iter().enumerate() {
        say(&format!(
            "  {engine} {size:>8} {name:<8} p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
            out.quantile(i, 0.5),
            out.quantile(i, 0.95),
            out.quantile(i, 1.0)
        ));
    }
    Ok(out)
}

fn summary(all: &[Measured], engines: &[&'static str]) {
    say("");
    say("== growth (p50 / p95 ms of one request) ==");
    for &engine in engines {
        let rows: Vec<&Measured> = all.iter().filter(|m| m.engine == engine).collect();
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            continue;
        };
        let mut head = format!("  {:<8} {:<8}", "engine", "probe");
        for m in &rows {
            head.push_str(&format!(" {:>17}", format!("{} tickets", m.size)));
        }
        head.push_str("  verdict");
        say(&head);
        for (i, name) in PROBES.iter().enumerate() {
            let mut line = format!("  {engine:<8} {name:<8}");
            for m in &rows {
                line.push_str(&format!(
                    " {:>17}",
                    format!("{:.2} / {:.2}", m.quantile(i, 0.5), m.quantile(i, 0.95))
                ));
            }
            let ratio = last.quantile(i, 0.5) / first.quantile(i, 0.5);
            let verdict = if rows.len() < 2 {
                "(one size)".to_owned()
            } else if ratio <= FLAT_FACTOR {
                format!("flat: x{ratio:.1} from {} to {}", first.size, last.size)
            } else {
                format!("GROWS: x{ratio:.1} from {} to {}", first.size, last.size)
            };
            line.push_str(&format!("  {verdict}"));
            say(&line);
        }
    }
}
