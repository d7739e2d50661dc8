//! The HTTP plumbing every remote shares: one client (one connection pool) per desk,
//! the server's normalized address, transport failures as [`CoreError::Unreachable`],
//! and answers decoded into the caller's types ([`CoreError::Protocol`] when they do
//! not decode). What an error *body* means is each API's own business: the caller
//! passes its reading of one ([`ErrorReader`]).

use crate::error::{CoreError, Result};
use std::time::Duration;

/// How many `429`s in a row one request waits out before the answer is the caller's.
pub const PATIENCE: u32 = 30;

/// An answer's status and body.
pub type Body = (u16, Vec<u8>);

/// How one API's error answers become [`CoreError`]s: the HTTP status and the body.
pub type ErrorReader = fn(u16, &[u8]) -> CoreError;

/// The server at one address with its HTTP client. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct Http {
    base: String,
    client: reqwest::Client,
    traffic: std::sync::Arc<Traffic>,
}

/// Requests sent and answer bytes received, since the remote was opened (what a poll
/// costs; `outpost-client-bench` reads it).
#[derive(Debug, Default)]
pub struct Traffic {
    requests: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
}

impl Traffic {
    /// `(requests, answer bytes)`.
    pub fn read(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.requests.load(Relaxed), self.bytes.load(Relaxed))
    }

    fn add(&self, requests: u64, bytes: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.requests.fetch_add(requests, Relaxed);
        self.bytes.fetch_add(bytes, Relaxed);
    }
}

impl Http {
    /// The server at `base` (normalized, see [`normalize_server`]).
    pub fn new(base: &str) -> Result<Self> {
        let base = normalize_server(base)?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("outpost/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Protocol(e.to_string()))?;
        Ok(Self {
            base,
            client,
            traffic: Default::default(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn traffic(&self) -> (u64, u64) {
        self.traffic.read()
    }

    pub fn unreachable(&self, e: reqwest::Error) -> CoreError {
        CoreError::Unreachable {
            server: self.base.clone(),
            reason: short_reason(&e),
        }
    }

    /// Send; any answer comes back, only a transport failure is an error. A `429` (the
    /// server's rate limit refused the request before doing anything) is waited out as
    /// its `Retry-After` says and sent again, up to [`PATIENCE`] times: a reconcile of a
    /// large helpdesk runs at the pace the server allows instead of failing.
    pub async fn exchange(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let mut waited = 0;
        loop {
            let Some(again) = rb.try_clone() else {
                self.traffic.add(1, 0);
                return rb.send().await.map_err(|e| self.unreachable(e));
            };
            self.traffic.add(1, 0);
            let resp = again.send().await.map_err(|e| self.unreachable(e))?;
            if resp.status() != reqwest::StatusCode::TOO_MANY_REQUESTS || waited >= PATIENCE {
                return Ok(resp);
            }
            let secs = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1)
                .clamp(1, 30);
            waited += 1;
            tracing::debug!(secs, waited, "rate limited; waiting before sending again");
            tokio::time::sleep(Duration::from_secs(secs)).await;
        }
    }

    /// Send; a non-2xx answer is the error `errors` reads from it.
    pub async fn send(
        &self,
        rb: reqwest::RequestBuilder,
        errors: ErrorReader,
    ) -> Result<reqwest::Response> {
        let resp = self.exchange(rb).await?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let (status, body) = self.body(resp).await?;
        Err(errors(status, &body))
    }

    /// The status and the whole body of an answer.
    pub async fn body(&self, resp: reqwest::Response) -> Result<Body> {
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        self.traffic.add(0, bytes.len() as u64);
        Ok((status, bytes.to_vec()))
    }

    /// Decode a successful answer.
    pub async fn json<T: serde::de::DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T> {
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        self.traffic.add(0, bytes.len() as u64);
        decode(&bytes)
    }
}

/// Decode an answer's body as `T`.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| CoreError::Protocol(e.to_string()))
}

/// A short reason for a transport failure ("timed out", "connection refused or no
/// route", else the innermost cause).
pub fn short_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    if e.is_connect() {
        return "connection refused or no route".into();
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s = inner.to_string();
        src = inner.source();
    }
    s
}

/// `https://desk.example.com/` → `https://desk.example.com`; rejects what is not an
/// http(s) URL.
pub fn normalize_server(s: &str) -> Result<String> {
    let s = s.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(s)
        .map_err(|e| CoreError::InvalidInput(format!("server URL {s:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CoreError::InvalidInput(format!(
            "server URL {s:?} must start with http:// or https://"
        )));
    }
    Ok(s.to_owned())
}
