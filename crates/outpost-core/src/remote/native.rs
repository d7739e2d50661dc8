//! The native Outpost sync protocol over HTTP: `/auth/v1` for sessions, `/sync/v1`
//! for the change feed, mutations and the live event stream (see docs/SYNC.md). Maps
//! transport failures and error bodies to [`CoreError`]s with stable codes.

use super::{Capabilities, PullMode, Remote};
use crate::client::{LoginResponse, MeResponse};
use crate::error::{CoreError, Result};
use futures::StreamExt;
use futures::future::BoxFuture;
use outpost_domain::error::{ErrorBody, ErrorCode};
use outpost_domain::sync::{ChangesPage, PushRequest, PushResponse};
use std::time::Duration;
use tokio::sync::mpsc;

/// Everything the native protocol offers: a change feed with live signals, every
/// action, and per-field conflicts on edits.
const CAPABILITIES: Capabilities = Capabilities {
    api: "the Outpost sync API",
    pull: PullMode::ChangeFeed,
    actions: &outpost_domain::sync::MutationOp::NAMES,
    field_conflicts: true,
};

/// The Outpost server at one address, with one HTTP client (one connection pool) for
/// every request the desk makes. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct NativeRemote {
    base: String,
    http: reqwest::Client,
}

impl NativeRemote {
    /// The server at `base` (normalized, see [`normalize_server`]).
    pub fn new(base: &str) -> Result<Self> {
        let base = normalize_server(base)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("outpost/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Protocol(e.to_string()))?;
        Ok(Self { base, http })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn unreachable(&self, e: reqwest::Error) -> CoreError {
        CoreError::Unreachable {
            server: self.base.clone(),
            reason: short_reason(&e),
        }
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let resp = rb.send().await.map_err(|e| self.unreachable(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.error_from(resp).await)
    }

    async fn error_from(&self, resp: reqwest::Response) -> CoreError {
        let status = resp.status().as_u16();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return self.unreachable(e),
        };
        let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
        match (status, parsed) {
            (401, Some(b)) if b.code == ErrorCode::InvalidCredentials => CoreError::Server {
                status,
                code: b.code,
                message: "wrong email or password".into(),
            },
            (401, _) => CoreError::SessionExpired,
            (410, _) => CoreError::CursorExpired,
            (_, Some(b)) => CoreError::Server {
                status,
                code: b.code,
                message: b.message,
            },
            (_, None) => CoreError::Server {
                status,
                code: if status >= 500 {
                    ErrorCode::Internal
                } else {
                    ErrorCode::MalformedRequest
                },
                message: format!("the server answered HTTP {status}"),
            },
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T> {
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        serde_json::from_slice(&bytes).map_err(|e| CoreError::Protocol(e.to_string()))
    }

    pub async fn login(
        &self,
        email: &str,
        password: &str,
        tenant: Option<&str>,
    ) -> Result<LoginResponse> {
        let body = outpost_api::auth::LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            tenant: tenant.map(str::to_owned),
        };
        let resp = self
            .send(self.http.post(self.url("/auth/v1/login")).json(&body))
            .await?;
        self.json(resp).await
    }

    /// Who the token belongs to.
    pub async fn me(&self, token: &str) -> Result<MeResponse> {
        let rb = self.http.get(self.url("/auth/v1/me")).bearer_auth(token);
        let resp = self.send(rb).await?;
        self.json(resp).await
    }

    /// Revoke the token on the server.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let rb = self
            .http
            .post(self.url("/auth/v1/logout"))
            .bearer_auth(token);
        self.send(rb).await?;
        Ok(())
    }

    pub async fn pull(&self, token: &str, cursor: &str, limit: u32) -> Result<ChangesPage> {
        let rb = self
            .http
            .get(self.url("/sync/v1/changes"))
            .query(&[("cursor", cursor), ("limit", &limit.to_string())])
            .timeout(Duration::from_secs(120))
            .bearer_auth(token);
        let resp = self.send(rb).await?;
        self.json(resp).await
    }

    /// The caller's own open tickets and what hangs off them, in feed format (sent
    /// before the full initial pull so the agent's own work is usable first). `None`
    /// from an older server without `scope`.
    pub async fn pull_mine(&self, token: &str) -> Result<Option<ChangesPage>> {
        let rb = self
            .http
            .get(self.url("/sync/v1/changes"))
            .query(&[("cursor", "0"), ("scope", "mine")])
            .timeout(Duration::from_secs(120))
            .bearer_auth(token);
        let resp = match self.send(rb).await {
            Ok(r) => r,
            Err(CoreError::Server { status: 422, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        self.json(resp).await.map(Some)
    }

    pub async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        let rb = self
            .http
            .post(self.url("/sync/v1/mutations"))
            .json(req)
            .timeout(Duration::from_secs(120))
            .bearer_auth(token);
        let resp = self.send(rb).await?;
        self.json(resp).await
    }

    /// Open the live event stream. Each `changes` event sends `()` on the returned
    /// channel; the channel closes when the stream ends or fails.
    pub async fn events(&self, token: &str) -> Result<mpsc::Receiver<()>> {
        let rb = self
            .http
            .get(self.url("/sync/v1/events"))
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .bearer_auth(token);
        let resp = self.send(rb).await?;
        let (tx, rx) = mpsc::channel(16);
        let mut body = resp.bytes_stream();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            // Heartbeats arrive every 15 s; silence for much longer means a dead link.
            while let Ok(Some(Ok(chunk))) =
                tokio::time::timeout(Duration::from_secs(45), body.next()).await
            {
                buf.extend_from_slice(&chunk);
                while let Some(end) = find_event_end(&buf) {
                    let event: Vec<u8> = buf.drain(..end).collect();
                    let text = String::from_utf8_lossy(&event);
                    if text.lines().any(|l| l.trim() == "event: changes")
                        && tx.try_send(()).is_err()
                        && tx.is_closed()
                    {
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }
}

impl Remote for NativeRemote {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    fn server(&self) -> &str {
        &self.base
    }

    fn login<'a>(
        &'a self,
        email: &'a str,
        password: &'a str,
        tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<LoginResponse>> {
        Box::pin(NativeRemote::login(self, email, password, tenant))
    }

    fn me<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<MeResponse>> {
        Box::pin(NativeRemote::me(self, token))
    }

    fn logout<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(NativeRemote::logout(self, token))
    }

    fn pull<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<ChangesPage>> {
        Box::pin(NativeRemote::pull(self, token, cursor, limit))
    }

    fn pull_mine<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<ChangesPage>>> {
        Box::pin(NativeRemote::pull_mine(self, token))
    }

    fn push<'a>(
        &'a self,
        token: &'a str,
        req: &'a PushRequest,
    ) -> BoxFuture<'a, Result<PushResponse>> {
        Box::pin(NativeRemote::push(self, token, req))
    }

    fn events<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<mpsc::Receiver<()>>> {
        Box::pin(NativeRemote::events(self, token))
    }
}

fn find_event_end(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\n\n").map(|p| p + 2)
}

fn short_reason(e: &reqwest::Error) -> String {
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
