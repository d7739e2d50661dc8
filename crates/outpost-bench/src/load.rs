//! Load generator: `connections` workers, each with its own keep-alive connection,
//! send a request, wait for the whole response, and take the next one, for a warm-up
//! and then a measured window.
//!
//! - Closed loop ([`Pace::Closed`]): each worker sends its next request as soon as
//!   the last is answered, so the server sets the pace; this measures capacity. By
//!   Little's law its mean latency is `connections / throughput` whatever the server
//!   does per request.
//! - Open loop ([`Pace::Rate`]): requests fall due at a fixed rate, whatever the
//!   server's pace, and the first free worker takes each; a latency runs from when
//!   the request fell due, so waiting for a free connection counts and a server that
//!   falls behind cannot hide its backlog by slowing the load down. This measures the
//!   latency at a given load.
//!
//! Throughput counts the responses that arrive inside the window; the latency
//! distribution holds each of them plus the requests still in flight (or, open loop,
//! still queued) when the window closes, waited for up to a timeout, so a slow
//! server's tail is not hidden.

use crate::http::Conn;
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the workers request.
pub enum Scenario {
    /// `GET /messaging/support/tickets`: random page 1..=50, sometimes
    /// `assignment_scope=unassigned` or `search=refund`.
    List,
    /// `GET /api/v1/support/tickets` (seed 001), the same pages as [`Scenario::List`]
    /// by offset, sometimes `status=open` (unassigned new tickets, as often as `List`
    /// asks for those) or `type=billing` (a filter without an index of its own, as
    /// often as `List` searches).
    List001,
    /// `GET /api/v1/tickets/details` (seed 002), the same pages by `pageNumber`, ongoing
    /// tickets, sometimes `status=completed` or `search=refund` (subject or summary).
    List002,
    /// `GET /api/admin/tickets/` (seed 004), first pages with comments: mostly the
    /// filtered list `status=open&priority=high&tags=billing`, sometimes unfiltered or
    /// `filter_text=refund`.
    List004,
    /// `GET /sync/v1/changes` from a random cursor `EPOCH:SEQ`, `0 <= SEQ <= head`.
    Sync {
        epoch: String,
        head: i64,
        limit: u32,
    },
    /// `POST /messaging/conversations/{id}/messages` to a random open conversation.
    Send { conversations: Vec<String> },
    /// [`Scenario::List`] while the tenant is written to: one request in ten is a
    /// [`Scenario::Send`], so the log head moves and list pages must be read again.
    ListWhileSending { conversations: Vec<String> },
}

impl Scenario {
    /// Method, path and body of the next request, and the status that answers it well.
    fn next(&self, rng: &mut StdRng) -> (Method, String, Option<Bytes>, StatusCode) {
        let (method, path, body) = self.request(rng);
        let expect = if method == Method::POST {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        (method, path, body, expect)
    }

    fn request(&self, rng: &mut StdRng) -> (Method, String, Option<Bytes>) {
        match self {
            Scenario::List => {
                let page = rng.random_range(1..=50);
                let mut path = format!("/messaging/support/tickets?page={page}&limit=20");
                let pick = rng.random_range(0..10);
                if pick < 2 {
                    path.push_str("&assignment_scope=unassigned");
                } else if pick == 2 {
                    path.push_str("&search=refund");
                }
                (Method::GET, path, None)
            }
            Scenario::List001 => {
                let offset = rng.random_range(0..50) * 20;
                let mut path = format!("/api/v1/support/tickets?offset={offset}&limit=20");
                let pick = rng.random_range(0..10);
                if pick < 2 {
                    path.push_str("&status=open");
                } else if pick == 2 {
                    path.push_str("&type=billing");
                }
                (Method::GET, path, None)
            }
            Scenario::List002 => {
                let page = rng.random_range(1..=50);
                let pick = rng.random_range(0..10);
                let status = if pick < 2 { "completed" } else { "ongoing" };
                let mut path = format!(
                    "/api/v1/tickets/details?status={status}&pageNumber={page}&pageSize=20"
                );
                if pick == 2 {
                    path.push_str("&search=refund");
                }
                (Method::GET, path, None)
            }
            Scenario::List004 => {
                let path = match rng.random_range(0..10) {
                    0..=6 => "/api/admin/tickets/?status=open&priority=high&tags=billing",
                    7 | 8 => "/api/admin/tickets/",
                    _ => "/api/admin/tickets/?filter_text=refund",
                };
                (Method::GET, path.to_owned(), None)
            }
            Scenario::Sync { epoch, head, limit } => {
                let seq = rng.random_range(0..=*head);
                let cursor: String =
                    form_urlencoded::byte_serialize(format!("{epoch}:{seq}").as_bytes()).collect();
                let path = format!("/sync/v1/changes?cursor={cursor}&limit={limit}");
                (Method::GET, path, None)
            }
            Scenario::ListWhileSending { conversations } => {
                if rng.random_range(0..10) == 0 {
                    Scenario::send(conversations, rng)
                } else {
                    Scenario::List.request(rng)
                }
            }
            Scenario::Send { conversations } => Scenario::send(conversations, rng),
        }
    }

    fn send(conversations: &[String], rng: &mut StdRng) -> (Method, String, Option<Bytes>) {
        let conv = &conversations[rng.random_range(0..conversations.len())];
        let path = format!("/messaging/conversations/{conv}/messages");
        let body = Bytes::from_static(br#"{"message_type":"text","content":"bench"}"#);
        (Method::POST, path, Some(body))
    }
}

pub struct LoadConfig {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// Who sets the pace of the requests (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    Closed,
    /// Requests per second, offered whatever the answers' pace.
    Rate(f64),
}

/// Where an open-loop worker takes its next request's due time from.
type Due = Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Instant>>>;

/// What one run measured.
#[derive(Default)]
pub struct LoadResult {
    /// Latencies of every measured request in microseconds, sorted: those answered
    /// inside the window and those still in flight at its end.
    pub latencies_us: Vec<u32>,
    /// Responses (any status) that arrived inside the window.
    pub completed: u64,
    /// Requests in flight when the window closed (answered or failed later).
    pub late: u64,
    pub ok: u64,
    /// Responses by unexpected status.
    pub bad_status: BTreeMap<u16, u64>,
    /// Connection failures, timeouts and similar.
    pub transport_errors: u64,
    /// One example of each kind of error, for the report.
    pub error_samples: Vec<String>,
    pub window: Duration,
    pub response_bytes: u64,
}

impl LoadResult {
    pub fn requests(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    /// Responses that arrived inside the window, per second.
    pub fn rate(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64()
    }

    pub fn errors(&self) -> u64 {
        self.bad_status.values().sum::<u64>() + self.transport_errors
    }

    /// Latency at quantile `q` (0..=1) in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = (q * self.latencies_us.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies_us.len()) - 1;
        f64::from(self.latencies_us[i]) / 1000.0
    }

    pub fn mean_ms(&self) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let sum: u64 = self.latencies_us.iter().map(|&l| u64::from(l)).sum();
        sum as f64 / self.latencies_us.len() as f64 / 1000.0
    }

    fn merge(&mut self, other: LoadResult) {
        self.latencies_us.extend(other.latencies_us);
        self.ok += other.ok;
        self.completed += other.completed;
        self.late += other.late;
        for (k, v) in other.bad_status {
            *self.bad_status.entry(k).or_default() += v;
        }
        self.transport_errors += other.transport_errors;
        self.response_bytes += other.response_bytes;
        for s in other.error_samples {
            if self.error_samples.len() < 5 && !self.error_samples.contains(&s) {
                self.error_samples.push(s);
            }
        }
    }
}

/// Runs the scenario against `addrs` (connection `i` goes to `addrs[i % len]`, as a
/// balancer spreading connections would) at `pace` and returns what the measured
/// window saw.
pub async fn run(
    addrs: &[SocketAddr],
    token: Arc<str>,
    scenario: Arc<Scenario>,
    cfg: &LoadConfig,
    pace: Pace,
) -> LoadResult {
    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let end = measure_from + cfg.duration;
    let due = match pace {
        Pace::Closed => None,
        Pace::Rate(rate) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(async move {
                let step = Duration::from_secs_f64(1.0 / rate.max(0.001));
                let mut at = start;
                while at < end {
                    tokio::time::sleep_until(at.into()).await;
                    if tx.send(at).is_err() {
                        break;
                    }
                    at += step;
                }
            });
            Some(Arc::new(tokio::sync::Mutex::new(rx)))
        }
    };
    let mut workers = Vec::with_capacity(cfg.connections);
    for i in 0..cfg.connections {
        let token = token.clone();
        let scenario = scenario.clone();
        let addr = addrs[i % addrs.len()];
        let due = due.clone();
        workers.push(tokio::spawn(async move {
            let window = Window { measure_from, end };
            worker(addr, &token, &scenario, window, due, i as u64).await
        }));
    }
    let mut total = LoadResult {
        window: cfg.duration,
        ..LoadResult::default()
    };
    for w in workers {
        match w.await {
            Ok(r) => total.merge(r),
            Err(e) => {
                total.transport_errors += 1;
                total.error_samples.push(format!("worker failed: {e}"));
            }
        }
    }
    total.latencies_us.sort_unstable();
    total
}

/// The measured window.
#[derive(Clone, Copy)]
struct Window {
    measure_from: Instant,
    end: Instant,
}

/// A single request may not take longer than this; it counts as an error then.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

async fn worker(
    addr: SocketAddr,
    token: &str,
    scenario: &Scenario,
    window: Window,
    due: Option<Due>,
    seed: u64,
) -> LoadResult {
    let Window { measure_from, end } = window;
    let mut rng = StdRng::seed_from_u64(0x6f75_7470_6f73_7400 ^ seed);
    let mut out = LoadResult::default();
    let mut conn: Option<Conn> = None;
    let sample = |out: &mut LoadResult, s: String| {
        if out.error_samples.len() < 5 && !out.error_samples.contains(&s) {
            out.error_samples.push(s);
        }
    };
    loop {
        // Open loop: the next due request (those due before the window closed are
        // all taken, however late); closed loop: now, until the window closes.
        let fell_due = match &due {
            Some(q) => match q.lock().await.recv().await {
                Some(at) => Some(at),
                None => break,
            },
            None => None,
        };
        let now = Instant::now();
        if fell_due.is_none() && now >= end {
            break;
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::connect(addr).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    if now >= measure_from {
                        out.transport_errors += 1;
                        sample(&mut out, format!("{e:#}"));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let (method, path, body, expect) = scenario.next(&mut rng);
        let t0 = fell_due.unwrap_or_else(Instant::now);
        let res =
            tokio::time::timeout(REQUEST_TIMEOUT, c.request(method, &path, Some(token), body))
                .await;
        let t1 = Instant::now();
        // Closed loop: answered inside the window, or still in flight when it closed.
        // Open loop: fell due inside the window (answered in it, or late).
        let (in_window, late) = match fell_due {
            None => (t1 >= measure_from && t1 <= end, t0 < end && t1 > end),
            Some(at) => {
                let measured = at >= measure_from && at < end;
                (measured && t1 <= end, measured && t1 > end)
            }
        };
        if !(in_window || late) {
            if !matches!(res, Ok(Ok(_))) {
                conn = None;
            }
            continue;
        }
        if in_window {
            out.completed += 1;
        } else {
            out.late += 1;
        }
        let us = (t1 - t0).as_micros().min(u128::from(u32::MAX)) as u32;
        match res {
            Ok(Ok((status, body))) => {
                out.latencies_us.push(us);
                out.response_bytes += body.len() as u64;
                if status == expect {
                    out.ok += 1;
                } else {
                    *out.bad_status.entry(status.as_u16()).or_default() += 1;
                    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                    sample(&mut out, format!("{status} on {path}: {text}"));
                }
            }
            Ok(Err(e)) => {
                out.latencies_us.push(us);
                out.transport_errors += 1;
                sample(&mut out, format!("{e:#}"));
                conn = None;
            }
            Err(_) => {
                out.latencies_us.push(us);
                out.transport_errors += 1;
                sample(&mut out, format!("no response within {REQUEST_TIMEOUT:?}"));
                conn = None;
            }
        }
    }
    out
}
