//! A fault-injecting HTTP/1.1 proxy for the client core's integration tests.
//!
//! [`FaultProxy`] listens on `127.0.0.1:0` and forwards every request to an upstream
//! `outpost-server`. Per request it can inject a [`Fault`], decided at run time by a
//! [`FaultPlan`] (a fixed fault, a closure over [`RequestInfo`], a script, or seeded
//! random faults) and by one-shot rules ([`FaultProxy::fault_next`]), which take
//! precedence over the plan. [`FaultProxy::set_offline`] simulates the network going
//! down: new connections are closed at once and every open one (a long-lived
//! `GET /sync/v1/events` stream included) is cut.
//!
//! It works at the TCP level: it parses each request head (`httparse`), reads the
//! request body (`Content-Length` or chunked), opens a **fresh upstream connection per
//! request** (sent with `connection: close`), and relays the response head and body,
//! chunk by chunk as they arrive (Server-Sent Events are streamed, never buffered).
//!
//! **Keep-alive**: the client side is persistent. A client may send any number of
//! requests over one connection; the proxy keeps the connection open after each
//! response unless the client asked for `Connection: close`, the fault closes it
//! (`DropResponse`, `ResetMidBody`, `Refuse`), or the upstream response has no length
//! (then the proxy answers `connection: close`). Pipelining is not supported (the proxy
//! answers one request at a time, as reqwest/hyper use it).
//!
//! If the upstream cannot be reached the client connection is closed without a
//! response (as if the network were down).

#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The JSON body of an injected `503`.
pub const INJECTED_ERROR_BODY: &str = r#"{"code":"internal","message":"injected"}"#;

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward it and relay the response unchanged.
    None,
    /// Forward it, wait for the upstream response head (so the server has finished
    /// the handler, committed), then close the client connection without sending
    /// anything: the "lost response after commit" case.
    DropResponse,
    /// Forward it, send the status line, the headers and only part of the body (half
    /// of it; for a streamed body, half of what arrived first), then close the
    /// connection. The client's `send()` succeeds, reading the body fails. For a
    /// response with an empty or one-byte body only half of the head is sent (then
    /// `send()` fails).
    ResetMidBody,
    /// Do not forward; answer `503` with [`INJECTED_ERROR_BODY`] (keep-alive).
    ServerError,
    /// Wait, then forward normally.
    Delay(Duration),
    /// Do not forward; close the client connection at once (network down).
    Refuse,
}

impl Fault {
    /// The counter kind of an injected fault (`None` for [`Fault::None`]).
    pub fn kind(&self) -> Option<FaultKind> {
        match self {
            Fault::None => None,
            Fault::DropResponse => Some(FaultKind::DropResponse),
            Fault::ResetMidBody => Some(FaultKind::ResetMidBody),
            Fault::ServerError => Some(FaultKind::ServerError),
            Fault::Delay(_) => Some(FaultKind::Delay),
            Fault::Refuse => Some(FaultKind::Refuse),
        }
    }
}

/// Fault kinds, for the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    DropResponse,
    ResetMidBody,
    ServerError,
    Delay,
    /// Per-request [`Fault::Refuse`] and connections refused while offline.
    Refuse,
}

/// One request as the plan sees it.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// 0-based number of the request over the proxy's lifetime.
    pub index: u64,
    /// 0-based number of the request among those with the same `path`.
    pub path_index: u64,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query, e.g. `/sync/v1/changes`.
    pub path: String,
    /// The query without `?`, if any.
    pub query: Option<String>,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The request body as received (raw chunked framing if it was chunked).
    pub body: Vec<u8>,
}

impl RequestInfo {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is `method path` (`method` `"*"` or `""` matches any method).
    pub fn is(&self, method: &str, path: &str) -> bool {
        method_matches(method, &self.method) && self.path == path
    }
}

fn method_matches(pattern: &str, method: &str) -> bool {
    pattern.is_empty() || pattern == "*" || pattern.eq_ignore_ascii_case(method)
}

type Decide = Box<dyn FnMut(&RequestInfo) -> Fault + Send>;

/// Decides the fault for each request (not consulted for requests matched by a
/// one-shot rule of [`FaultProxy::fault_next`]). Runs under the proxy's lock, in the
/// order the requests arrive.
pub struct FaultPlan {
    decide: Decide,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan::none()
    }
}

impl std::fmt::Debug for FaultPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaultPlan")
    }
}

impl FaultPlan {
    /// No faults: every request is forwarded.
    pub fn none() -> FaultPlan {
        FaultPlan::from_fn(|_| Fault::None)
    }

    /// The same fault for every request.
    pub fn always(fault: Fault) -> FaultPlan {
        FaultPlan::from_fn(move |_| fault)
    }

    /// Any (stateful) closure.
    pub fn from_fn(f: impl FnMut(&RequestInfo) -> Fault + Send + 'static) -> FaultPlan {
        FaultPlan {
            decide: Box::new(f),
        }
    }

    /// Successive requests (of any path) get these faults, then `None`.
    pub fn sequence(faults: impl IntoIterator<Item = Fault>) -> FaultPlan {
        let mut faults: VecDeque<Fault> = faults.into_iter().collect();
        FaultPlan::from_fn(move |_| faults.pop_front().unwrap_or(Fault::None))
    }

    /// Successive requests matching `method path` (`"*"` = any method) get these
    /// faults, then `None`; other requests are never faulted.
    pub fn on(method: &str, path: &str, faults: impl IntoIterator<Item = Fault>) -> FaultPlan {
        let (method, path) = (method.to_owned(), path.to_owned());
        let mut faults: VecDeque<Fault> = faults.into_iter().collect();
        FaultPlan::from_fn(move |r| {
            if r.is(&method, &path) {
                faults.pop_front().unwrap_or(Fault::None)
            } else {
                Fault::None
            }
        })
    }

    /// Seeded random faults: the same seed and the same request order give the same
    /// faults.
    pub fn random(cfg: RandomFaults) -> FaultPlan {
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        FaultPlan::from_fn(move |r| {
            if !cfg.paths.is_empty() && !cfg.paths.iter().any(|p| r.path.starts_with(p.as_str())) {
                return Fault::None;
            }
            let x: f64 = rng.random();
            let mut acc = 0.0;
            for (p, fault) in [
                (cfg.drop_response, Fault::DropResponse),
                (cfg.reset_mid_body, Fault::ResetMidBody),
                (cfg.server_error, Fault::ServerError),
                (cfg.refuse, Fault::Refuse),
            ] {
                acc += p;
                if x < acc {
                    return fault;
                }
            }
            acc += cfg.delay;
            if x < acc {
                let max = u64::try_from(cfg.max_delay.as_millis()).unwrap_or(u64::MAX);
                return Fault::Delay(Duration::from_millis(rng.random_range(0..=max)));
            }
            Fault::None
        })
    }
}

/// Probabilities (each 0.0–1.0, summing to at most 1.0) of the seeded random plan.
#[derive(Clone, Debug)]
pub struct RandomFaults {
    pub seed: u64,
    pub drop_response: f64,
    pub reset_mid_body: f64,
    pub server_error: f64,
    pub refuse: f64,
    pub delay: f64,
    /// Delays are uniform in `0..=max_delay` (millisecond steps).
    pub max_delay: Duration,
    /// Path prefixes that may be faulted; empty means every path. (Leave out
    /// `/sync/v1/events` to keep the live stream alone.)
    pub paths: Vec<String>,
}

impl Default for RandomFaults {
    fn default() -> Self {
        RandomFaults {
            seed: 0,
            drop_response: 0.0,
            reset_mid_body: 0.0,
            server_error: 0.0,
            refuse: 0.0,
            delay: 0.0,
            max_delay: Duration::from_millis(200),
            paths: Vec::new(),
        }
    }
}

/// One entry of the request log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub index: u64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub fault: Fault,
}

/// Counters (a snapshot from [`FaultProxy::stats`]).
#[derive(Clone, Debug, Default)]
pub struct ProxyStats {
    /// Requests seen per path (faulted ones included).
    pub requests: BTreeMap<String, u64>,
    /// Requests seen per (method, path).
    pub requests_by_method: BTreeMap<(String, String), u64>,
    /// Requests sent upstream per path (not `ServerError`/`Refuse`).
    pub forwarded: BTreeMap<String, u64>,
    /// Injected faults per kind.
    pub faults: BTreeMap<FaultKind, u64>,
    /// Client connections accepted and served.
    pub connections: u64,
    /// Connections closed at accept because the proxy was offline.
    pub refused_connections: u64,
    /// Open connections cut by `set_offline(true)` / `cut_connections()`.
    pub cut_connections: u64,
    /// Every request in arrival order.
    pub log: Vec<RequestRecord>,
}

struct OnceRule {
    method: String,
    path: String,
    fault: Fault,
}

struct State {
    plan: FaultPlan,
    once: VecDeque<OnceRule>,
    stats: ProxyStats,
    next_index: u64,
    path_seen: HashMap<String, u64>,
}

struct Shared {
    upstream: SocketAddr,
    offline: AtomicBool,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    open: AtomicUsize,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn decide(&self, req: &Request) -> Fault {
        let mut st = self.state();
        let index = st.next_index;
        st.next_index += 1;
        let seen = st.path_seen.entry(req.path.clone()).or_insert(0);
        let path_index = *seen;
        *seen += 1;
        let info = RequestInfo {
            index,
            path_index,
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req
                .headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: req.body.clone(),
        };
        let once = st.once.iter().position(|r| info.is(&r.method, &r.path));
        let fault = match once.and_then(|i| st.once.remove(i)) {
            Some(rule) => rule.fault,
            None => (st.plan.decide)(&info),
        };
        let stats = &mut st.stats;
        *stats.requests.entry(info.path.clone()).or_default() += 1;
        *stats
            .requests_by_method
            .entry((info.method.clone(), info.path.clone()))
            .or_default() += 1;
        if let Some(kind) = fault.kind() {
            *stats.faults.entry(kind).or_default() += 1;
        }
        stats.log.push(RequestRecord {
            index,
            method: info.method,
            path: info.path,
            query: info.query,
            fault,
        });
        fault
    }

    fn cut_all(&self) {
        self.cut.send_modify(|g| *g += 1);
    }
}

/// The proxy. Dropping it stops accepting and cuts every open connection.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:0` in front of `upstream`. Needs a tokio runtime.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fault proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (cut, _) = watch::channel(0u64);
        let shared = Arc::new(Shared {
            upstream,
            offline: AtomicBool::new(false),
            cut,
            open: AtomicUsize::new(0),
            state: Mutex::new(State {
                plan: FaultPlan::none(),
                once: VecDeque::new(),
                stats: ProxyStats::default(),
                next_index: 0,
                path_seen: HashMap::new(),
            }),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        FaultProxy {
            addr,
            shared,
            accept,
        }
    }

    /// Like [`start`](Self::start), with the upstream as a base URL
    /// (`http://127.0.0.1:PORT`, an optional trailing `/`).
    pub async fn start_url(upstream_base: &str) -> FaultProxy {
        let hostport = upstream_base
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let upstream: SocketAddr = hostport
            .parse()
            .unwrap_or_else(|_| panic!("upstream must be http://IP:PORT, got {upstream_base}"));
        FaultProxy::start(upstream).await
    }

    /// The proxy's listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the base URL to give the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// Replaces the plan (for requests whose head arrives from now on).
    pub fn set_plan(&self, plan: FaultPlan) {
        self.shared.state().plan = plan;
    }

    /// Back to no faults; also drops pending one-shot rules.
    pub fn clear_faults(&self) {
        let mut st = self.shared.state();
        st.plan = FaultPlan::none();
        st.once.clear();
    }

    /// One-shot rule: the next request matching `method path` (`"*"` = any method;
    /// the path without query) gets `fault`, bypassing the plan. Rules queue up and
    /// each is used once, first added first.
    pub fn fault_next(&self, method: &str, path: &str, fault: Fault) {
        self.shared.state().once.push_back(OnceRule {
            method: method.to_owned(),
            path: path.to_owned(),
            fault,
        });
    }

    /// Simulates the network going down (`true`): every open connection is cut at
    /// once and new ones are closed right after accept, until `set_offline(false)`.
    pub fn set_offline(&self, offline: bool) {
        self.shared.offline.store(offline, Ordering::SeqCst);
        if offline {
            self.shared.cut_all();
        }
    }

    pub fn is_offline(&self) -> bool {
        self.shared.offline.load(Ordering::SeqCst)
    }

    /// Cuts every open connection (a network blip) without going offline.
    pub fn cut_connections(&self) {
        self.shared.cut_all();
    }

    /// Client connections open right now.
    pub fn open_connections(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// Requests seen on `path` (any method; faulted ones included).
    pub fn requests(&self, path: &str) -> u64 {
        self.shared
            .state()
            .stats
            .requests
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen as `method path`.
    pub fn requests_to(&self, method: &str, path: &str) -> u64 {
        self.shared
            .state()
            .stats
            .requests_by_method
            .iter()
            .filter(|((m, p), _)| p == path && method_matches(method, m))
            .map(|(_, n)| *n)
            .sum()
    }

    /// Requests on `path` that were sent upstream.
    pub fn forwarded(&self, path: &str) -> u64 {
        self.shared
            .state()
            .stats
            .forwarded
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// All requests seen.
    pub fn total_requests(&self) -> u64 {
        self.shared.state().stats.log.len() as u64
    }

    /// Faults of this kind injected so far.
    pub fn faults(&self, kind: FaultKind) -> u64 {
        self.shared
            .state()
            .stats
            .faults
            .get(&kind)
            .copied()
            .unwrap_or(0)
    }

    /// A snapshot of every counter and the request log.
    pub fn stats(&self) -> ProxyStats {
        self.shared.state().stats.clone()
    }

    /// The request log (arrival order).
    pub fn log(&self) -> Vec<RequestRecord> {
        self.shared.state().stats.log.clone()
    }

    /// Zeroes the counters and the log (`RequestInfo::index`/`path_index` go on).
    pub fn reset_stats(&self) {
        self.shared.state().stats = ProxyStats::default();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.cut_all();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Subscribe before looking at `offline`: `set_offline(true)` stores the flag
        // and then bumps `cut`, so a connection that saw `false` still gets cut.
        let mut cut = shared.cut.subscribe();
        if shared.offline.load(Ordering::SeqCst) {
            let mut st = shared.state();
            st.stats.refused_connections += 1;
            *st.stats.faults.entry(FaultKind::Refuse).or_default() += 1;
            drop(st);
            drop(stream);
            continue;
        }
        shared.state().stats.connections += 1;
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut stream = stream;
            shared.open.fetch_add(1, Ordering::SeqCst);
            tokio::select! {
                _ = serve_conn(&mut stream, &shared) => {}
                _ = cut.changed() => {
                    // Counted before the socket closes, so a client that sees the
                    // cut also sees it in the stats.
                    shared.state().stats.cut_connections += 1;
                }
            }
            shared.open.fetch_sub(1, Ordering::SeqCst);
            drop(stream);
        });
    }
}

const MAX_HEAD: usize = 64 * 1024;

struct Request {
    method: String,
    target: String,
    path: String,
    query: Option<String>,
    /// Original names.
    headers: Vec<(String, String)>,
    /// Raw body bytes (framing kept when chunked).
    body: Vec<u8>,
    wants_close: bool,
}

impl Request {
    fn upstream_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target).into_bytes();
        for (n, v) in &self.headers {
            if is_hop_by_hop(n) {
                continue;
            }
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

fn is_hop_by_hop(name: &str) -> bool {
    ["connection", "keep-alive", "proxy-connection"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn has_token(headers: &[(String, String)], name: &str, token: &str) -> bool {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads a message head (up to and including the empty line). `Ok(None)` on a clean
/// EOF before any byte.
async fn read_head<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        let n = r.read_until(b'\n', &mut head).await?;
        if n == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        let line = &head[start..];
        if line == b"\r\n" || line == b"\n" {
            if start == 0 {
                head.clear(); // stray empty line before a message
                continue;
            }
            return Ok(Some(head));
        }
        if head.len() > MAX_HEAD {
            return Err(invalid("message head too large"));
        }
    }
}

fn parse_headers(raw: &[httparse::Header<'_>]) -> io::Result<Vec<(String, String)>> {
    raw.iter()
        .map(|h| {
            let v = std::str::from_utf8(h.value).map_err(|_| invalid("non-UTF-8 header"))?;
            Ok((h.name.to_owned(), v.to_owned()))
        })
        .collect()
}

fn content_length(headers: &[(String, String)]) -> io::Result<Option<u64>> {
    header(headers, "content-length")
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| invalid("bad content-length"))
        })
        .transpose()
}

async fn read_request<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<Option<Request>> {
    let Some(head) = read_head(r).await? else {
        return Ok(None);
    };
    let mut hs = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut hs);
    match req.parse(&head).map_err(|e| invalid(e.to_string()))? {
        httparse::Status::Complete(_) => {}
        httparse::Status::Partial => return Err(invalid("partial request head")),
    }
    let method = req.method.unwrap_or_default().to_owned();
    let target = req.path.unwrap_or_default().to_owned();
    let http10 = req.version == Some(0);
    let headers = parse_headers(req.headers)?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.clone(), None),
    };
    let mut body = Vec::new();
    if has_token(&headers, "transfer-encoding", "chunked") {
        read_chunked_raw(r, &mut body).await?;
    } else if let Some(n) = content_length(&headers)? {
        body.resize(
            usize::try_from(n).map_err(|_| invalid("body too large"))?,
            0,
        );
        r.read_exact(&mut body).await?;
    }
    let wants_close = has_token(&headers, "connection", "close")
        || (http10 && !has_token(&headers, "connection", "keep-alive"));
    Ok(Some(Request {
        method,
        target,
        path,
        query,
        headers,
        body,
        wants_close,
    }))
}

/// Reads a whole chunked body, keeping the framing.
async fn read_chunked_raw<R: AsyncBufRead + Unpin>(r: &mut R, out: &mut Vec<u8>) -> io::Result<()> {
    loop {
        let size = read_chunk_size_line(r, out).await?;
        if size == 0 {
            read_trailers(r, out).await?;
            return Ok(());
        }
        let start = out.len();
        out.resize(start + size + 2, 0);
        r.read_exact(&mut out[start..]).await?;
    }
}

async fn read_line<R: AsyncBufRead + Unpin>(r: &mut R, out: &mut Vec<u8>) -> io::Result<usize> {
    let start = out.len();
    let n = r.read_until(b'\n', out).await?;
    if n == 0 || out.last() != Some(&b'\n') {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(start)
}

/// Reads a chunk-size line into `out` and returns the size.
async fn read_chunk_size_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    out: &mut Vec<u8>,
) -> io::Result<usize> {
    let start = read_line(r, out).await?;
    let line = std::str::from_utf8(&out[start..]).map_err(|_| invalid("bad chunk size"))?;
    let hex = line.split(';').next().unwrap_or("").trim();
    usize::from_str_radix(hex, 16).map_err(|_| invalid(format!("bad chunk size {hex:?}")))
}

/// Reads trailer lines up to and including the final empty line.
async fn read_trailers<R: AsyncBufRead + Unpin>(r: &mut R, out: &mut Vec<u8>) -> io::Result<()> {
    loop {
        let start = read_line(r, out).await?;
        if &out[start..] == b"\r\n" || &out[start..] == b"\n" {
            return Ok(());
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

struct ResponseHead {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
}

impl ResponseHead {
    fn framing(&self, method: &str) -> io::Result<Framing> {
        if method.eq_ignore_ascii_case("HEAD")
            || (100..200).contains(&self.status)
            || self.status == 204
            || self.status == 304
        {
            return Ok(Framing::Empty);
        }
        if has_token(&self.headers, "transfer-encoding", "chunked") {
            return Ok(Framing::Chunked);
        }
        Ok(match content_length(&self.headers)? {
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        })
    }

    fn client_bytes(&self, close: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason).into_bytes();
        for (n, v) in &self.headers {
            if is_hop_by_hop(n) {
                continue;
            }
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if close {
            out.extend_from_slice(b"connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

/// Reads the upstream response head, skipping interim `1xx` responses.
async fn read_response_head<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<ResponseHead> {
    loop {
        let head = read_head(r)
            .await?
            .ok_or(io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let mut hs = [httparse::EMPTY_HEADER; 128];
        let mut resp = httparse::Response::new(&mut hs);
        match resp.parse(&head).map_err(|e| invalid(e.to_string()))? {
            httparse::Status::Complete(_) => {}
            httparse::Status::Partial => return Err(invalid("partial response head")),
        }
        let status = resp.code.unwrap_or(502);
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        return Ok(ResponseHead {
            status,
            reason: resp.reason.unwrap_or("").to_owned(),
            headers: parse_headers(resp.headers)?,
        });
    }
}

async fn serve_conn(stream: &mut TcpStream, shared: &Shared) -> io::Result<()> {
    let (rd, mut wr) = stream.split();
    let mut rd = BufReader::new(rd);
    loop {
        let Some(req) = read_request(&mut rd).await? else {
            return Ok(());
        };
        let fault = shared.decide(&req);
        match fault {
            Fault::Refuse => return Ok(()),
            Fault::ServerError => {
                write_injected_503(&mut wr, req.wants_close).await?;
                if req.wants_close {
                    return Ok(());
                }
                continue;
            }
            Fault::Delay(d) => tokio::time::sleep(d).await,
            Fault::None | Fault::DropResponse | Fault::ResetMidBody => {}
        }
        let Ok(upstream) = TcpStream::connect(shared.upstream).await else {
            return Ok(()); // upstream unreachable: the client sees the network fail
        };
        let _ = upstream.set_nodelay(true);
        *shared
            .state()
            .stats
            .forwarded
            .entry(req.path.clone())
            .or_default() += 1;
        let (urd, mut uwr) = upstream.into_split();
        let mut urd = BufReader::new(urd);
        uwr.write_all(&req.upstream_bytes()).await?;
        let head = read_response_head(&mut urd).await?;
        let framing = head.framing(&req.method)?;
        match fault {
            // The handler has run (the response head exists): hang up silently.
            Fault::DropResponse => return Ok(()),
            Fault::ResetMidBody => {
                reset_mid_body(&head, framing, &mut urd, &mut wr).await?;
                return Ok(());
            }
            _ => {}
        }
        let close = req.wants_close || framing == Framing::UntilClose;
        wr.write_all(&head.client_bytes(close)).await?;
        let relayed = tokio::select! {
            r = relay_body(framing, &mut urd, &mut wr) => r.map(|()| true),
            () = client_gone(&mut rd) => Ok(false),
        };
        if !relayed? || close {
            let _ = wr.shutdown().await;
            return Ok(());
        }
    }
}

async fn write_injected_503<W: AsyncWrite + Unpin>(w: &mut W, close: bool) -> io::Result<()> {
    let resp = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{}\r\n{}",
        INJECTED_ERROR_BODY.len(),
        if close { "connection: close\r\n" } else { "" },
        INJECTED_ERROR_BODY
    );
    w.write_all(resp.as_bytes()).await
}

/// Resolves when the client closes its side (or errors); never when it sends data.
async fn client_gone<R: AsyncBufRead + Unpin>(r: &mut R) {
    match r.fill_buf().await {
        Ok(b) if !b.is_empty() => std::future::pending::<()>().await,
        _ => {}
    }
}

/// Copies one response body, as it arrives.
async fn relay_body<R, W>(framing: Framing, r: &mut R, w: &mut W) -> io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    match framing {
        Framing::Empty => Ok(()),
        Framing::Length(n) => copy_exact(r, w, n).await,
        Framing::UntilClose => {
            tokio::io::copy_buf(r, w).await?;
            Ok(())
        }
        Framing::Chunked => loop {
            let mut line = Vec::new();
            let size = read_chunk_size_line(r, &mut line).await?;
            w.write_all(&line).await?;
            if size == 0 {
                let mut trailers = Vec::new();
                read_trailers(r, &mut trailers).await?;
                w.write_all(&trailers).await?;
                return Ok(());
            }
            copy_exact(r, w, size as u64 + 2).await?;
        },
    }
}

async fn copy_exact<R, W>(r: &mut R, w: &mut W, mut n: u64) -> io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    while n > 0 {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let take = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
        w.write_all(&buf[..take]).await?;
        r.consume(take);
        n -= take as u64;
    }
    Ok(())
}

async fn reset_mid_body<R, W>(
    head: &ResponseHead,
    framing: Framing,
    r: &mut R,
    w: &mut W,
) -> io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let head_bytes = head.client_bytes(false);
    match framing {
        Framing::Length(n) if n >= 2 => {
            let mut body = vec![0; usize::try_from(n).map_err(|_| invalid("body too large"))?];
            r.read_exact(&mut body).await?;
            w.write_all(&head_bytes).await?;
            w.write_all(&body[..body.len() / 2]).await?;
        }
        Framing::Chunked | Framing::UntilClose => {
            w.write_all(&head_bytes).await?;
            let first = r.fill_buf().await?;
            w.write_all(&first[..first.len() / 2]).await?;
        }
        Framing::Empty | Framing::Length(_) => {
            w.write_all(&head_bytes[..head_bytes.len() / 2]).await?;
        }
    }
    w.flush().await?;
    // Give the bytes a moment to leave before the close, so the client reads the head.
    tokio::time::sleep(Duration::from_millis(20)).await;
    w.shutdown().await
}
