//! `/sync/v1/*`: the desktop app's native protocol (see docs/SYNC.md).

use crate::db::Feed;
use crate::http::AppState;
use crate::http::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, Auth};
use crate::http::tenant_param::TenantParam;
use crate::service::sync;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::stream::{self, Stream, StreamExt};
use outpost_api::sync::{
    ChangesPage, ChangesQuery, ChangesScope, ChangesSignal, PushRequest, PushResponse,
};
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(changes, mutations, events))]
pub struct SyncApi;

/// `/sync/v1/changes`, `/sync/v1/mutations`, `/sync/v1/events`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync/v1/changes", get(changes))
        .route("/sync/v1/mutations", post(mutations))
        .route("/sync/v1/events", get(events))
        // The native routes refused another tenant's `tenant_id` before the families
        // were split, and tests/api/security.rs pins it; it stays theirs.
        .route_layer(TenantParam::layer())
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
                Ok(Feed::Committed(c)) if c.tenant_id == tenant => Some(signal(
                    outpost_domain::sync::Cursor::new(epoch, c.seq).to_string(),
                )),
                Ok(Feed::Committed(_)) => None,
                // Missed signals: the client pulls anyway, so send one without a precise cursor.
                Ok(Feed::Missed) | Err(_) => Some(signal(String::new())),
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
