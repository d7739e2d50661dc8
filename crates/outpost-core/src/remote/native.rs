//! The native Outpost sync protocol over HTTP: `/auth/v1` for sessions, `/sync/v1`
//! for the change feed, mutations and the live event stream (see docs/SYNC.md). Maps
//! transport failures and error bodies to [`CoreError`]s with stable codes.

use super::http::Http;
use super::{Api, Capabilities, PullMode, Pulled, Remote};
use crate::client::{LoginResponse, MeResponse};
use crate::error::{CoreError, Result};
use futures::StreamExt;
use futures::future::BoxFuture;
use outpost_domain::EmailAddress;
use outpost_domain::error::{ErrorBody, ErrorCode};
use outpost_domain::sync::{ChangesPage, PushRequest, PushResponse};
use std::time::Duration;
use tokio::sync::mpsc;

/// Everything the native protocol offers: a change feed with live signals, every
/// action, and per-field conflicts on edits.
const CAPABILITIES: Capabilities = Capabilities {
    api: Api::Native,
    pull: PullMode::ChangeFeed,
    actions: &outpost_domain::sync::MutationOp::NAMES,
    field_conflicts: true,
    vet: super::vet_nothing,
    create_fields: super::CREATE_FIELDS,
};

/// The Outpost server at one address, with one HTTP client (one connection pool) for
/// every request the desk makes. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct NativeRemote {
    http: Http,
}

impl NativeRemote {
    /// The server at `base` (normalized, see [`super::http::normalize_server`]).
    pub fn new(base: &str) -> Result<Self> {
        Ok(Self {
            http: Http::new(base)?,
        })
    }

    pub fn base(&self) -> &str {
        self.http.base()
    }

    fn url(&self, path: &str) -> String {
        self.http.url(path)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        self.http.send(rb, read_error).await
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T> {
        self.http.json(resp).await
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
            .send(
                self.http
                    .client()
                    .post(self.url("/auth/v1/login"))
                    .json(&body),
            )
            .await?;
        self.json(resp).await
    }

    /// Who the token belongs to.
    pub async fn me(&self, token: &str) -> Result<MeResponse> {
        let rb = self
            .http
            .client()
            .get(self.url("/auth/v1/me"))
            .bearer_auth(token);
        let resp = self.send(rb).await?;
        self.json(resp).await
    }

    /// Revoke the token on the server.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let rb = self
            .http
            .client()
            .post(self.url("/auth/v1/logout"))
            .bearer_auth(token);
        self.send(rb).await?;
        Ok(())
    }

    pub async fn pull(&self, token: &str, cursor: &str, limit: u32) -> Result<ChangesPage> {
        let rb = self
            .http
            .client()
            .get(self.url("/sync/v1/changes"))
            .query(&[("cursor", cursor), ("limit", &limit.to_string())])
            .timeout(Duration::from_secs(120))
            .bearer_auth(token);
        let resp = self.send(rb).await.map_err(|e| self.no_sync_api(e))?;
        self.json(resp).await
    }

    /// A 404 from the feed's fixed route: the server runs without the sync protocol
    /// (`serve --apis` without `native`), so it is a helpdesk for a connector.
    fn no_sync_api(&self, e: CoreError) -> CoreError {
        match e {
            CoreError::Server {
                status: 404, code, ..
            } => CoreError::Server {
                status: 404,
                code,
                message: format!(
                    "{} does not offer the Outpost sync API; sign in with --api ondi, \
                     sonzai, workspace or 29next (whichever API it offers) and an API token",
                    self.http.base()
                ),
            },
            other => other,
        }
    }

    /// The caller's own open tickets and what hangs off them, in feed format (sent
    /// before the full initial pull so the agent's own work is usable first). `None`
    /// from an older server without `scope`.
    pub async fn pull_mine(&self, token: &str) -> Result<Option<ChangesPage>> {
        let rb = self
            .http
            .client()
            .get(self.url("/sync/v1/changes"))
            .query(&[("cursor", "0"), ("scope", "mine")])
            .timeout(Duration::from_secs(120))
            .bearer_auth(token);
        let resp = match self.send(rb).await.map_err(|e| self.no_sync_api(e)) {
            Ok(r) => r,
            Err(CoreError::Server { status: 422, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        self.json(resp).await.map(Some)
    }

    pub async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        let rb = self
            .http
            .client()
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
            .client()
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
        self.http.base()
    }

    fn login<'a>(
        &'a self,
        email: &'a str,
        password: &'a str,
        tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<LoginResponse>> {
        Box::pin(NativeRemote::login(self, email, password, tenant))
    }

    fn me<'a>(
        &'a self,
        token: &'a str,
        _email: &'a EmailAddress,
    ) -> BoxFuture<'a, Result<MeResponse>> {
        // The server knows whose token it is.
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
    ) -> BoxFuture<'a, Result<Pulled>> {
        Box::pin(async move { Ok(NativeRemote::pull(self, token, cursor, limit).await?.into()) })
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

    fn traffic(&self) -> (u64, u64) {
        self.http.traffic()
    }

    fn events<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<mpsc::Receiver<()>>> {
        Box::pin(NativeRemote::events(self, token))
    }
}

fn find_event_end(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\n\n").map(|p| p + 2)
}

/// The Outpost server's error bodies ([`ErrorBody`]): a refused token is an expired
/// session, wrong credentials say so, an expired cursor asks for a re-bootstrap. The
/// OnDi family of the same server answers in the same format.
pub(crate) fn read_error(status: u16, body: &[u8]) -> CoreError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
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
