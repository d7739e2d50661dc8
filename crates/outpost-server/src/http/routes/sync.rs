//! `/sync/v1/*`: the desktop app's native protocol (see docs/SYNC.md).

use crate::http::AppState;
use crate::http::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, Auth};
use crate::service::sync;
use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream, StreamExt};
use outpost_domain::sync::{ChangesPage, ChangesSignal, PushRequest, PushResponse};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::{IntoParams, ToSchema};

/// What a pull covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangesScope {
    /// The whole change feed the caller may see.
    #[default]
    All,
    /// Before the initial sync: the current state of the caller's own open tickets
    /// (assigned to them; new, open, pending; at most 500) and what hangs off them.
    Mine,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Cursor from the previous page; `0` or absent to start from the beginning.
    pub cursor: Option<String>,
    /// Page size, 1–5000 (default 1000).
    pub limit: Option<i64>,
    /// `all` (default): the change feed after `cursor`. `mine`: one page with the
    /// current state of the caller's own open tickets (assigned to them, status new,
    /// open or pending, at most 500, most recently updated first), their
    /// conversations, messages and history, the users they reference and all teams
    /// and tags, filtered like the feed, each with its feed `seq`; only with cursor `0`
    /// or empty (otherwise 422). The answer's `cursor` is `0` and `has_more` false:
    /// apply it, then pull from `0` as usual.
    #[param(inline)]
    pub scope: Option<ChangesScope>,
}

/// Pull the caller's change feed after a cursor, in commit order (or, with
/// `scope=mine` and cursor `0`, the caller's own open tickets first).
#[utoipa::path(get, path = "/sync/v1/changes", tag = "sync", params(ChangesQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = ChangesPage),
        (status = 410, description = "Cursor from another epoch: re-bootstrap from 0", body = outpost_domain::error::ErrorBody),
        (status = 422, body = outpost_domain::error::ErrorBody),
    ))]
pub async fn changes(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> ApiResult<Json<ChangesPage>> {
    let cursor = q.cursor.as_deref().unwrap_or("0");
    let limit = q.limit.unwrap_or(sync::DEFAULT_PAGE);
    let page = match q.scope.unwrap_or_default() {
        ChangesScope::All => sync::pull(&state.db, &actor, cursor, limit).await?,
        ChangesScope::Mine => sync::pull_mine(&state.db, &actor, cursor, limit).await?,
    };
    Ok(Json(page))
}

/// Push intent mutations; each `(client_id, seq)` is applied exactly once.
#[utoipa::path(post, path = "/sync/v1/mutations", tag = "sync", request_body = PushRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "One result per mutation, in order", body = PushResponse),
        (status = 400, description = "Malformed body or sequence error", body = outpost_domain::error::ErrorBody),
        (status = 403, description = "client_id of another account, or missing tickets:write", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn mutations(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(req): ApiJson<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    Ok(Json(sync::push(&state.db, &actor, &req).await?))
}

/// Server-sent events: a `changes` event with the latest cursor whenever the caller's
/// tenant log grows (and once at connect); comment heartbeats every 15 s.
#[utoipa::path(get, path = "/sync/v1/events", tag = "sync", security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of `changes` events with a ChangesSignal payload", body = ChangesSignal, content_type = "text/event-stream")))]
pub async fn events(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let tenant = actor.tenant_id;
    // Subscribe before reading the head so no commit falls between the two.
    let rx = state.db.subscribe();
    let head = sync::head_cursor(&state.db, tenant).await?;
    let epoch = head
        .parse::<outpost_domain::sync::Cursor>()
        .ok()
        .and_then(|c| c.epoch)
        .unwrap_or_default();
    let first = stream::once(async move { signal(head) });
    let live = BroadcastStream::new(rx).filter_map(move |item| {
        let epoch = epoch.clone();
        async move {
            match item {
                Ok(c) if c.tenant_id == tenant => Some(signal(
                    outpost_domain::sync::Cursor::new(epoch, c.seq).to_string(),
                )),
                Ok(_) => None,
                // Missed signals: the client pulls anyway, so send one without a precise cursor.
                Err(_) => Some(signal(String::new())),
            }
        }
    });
    let mut shutdown = state.shutdown.clone();
    let stream = first.chain(live).take_until(async move {
        let _ = shutdown.wait_for(|s| *s).await;
    });
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("heartbeat"),
    ))
}

fn signal(cursor: String) -> Result<Event, Infallible> {
    let data = serde_json::to_string(&ChangesSignal { cursor }).unwrap_or_else(|_| "{}".into());
    Ok(Event::default().event("changes").data(data))
}
