//! Seed 002 under `/api/v1/tickets`: a workspace's chat tickets with their owner,
//! responder, team and channel, and the writes a chat tool makes (open a ticket for a
//! chat, complete, take over, reassign, tag). The `authorization` header carries the
//! API key itself ([`KeyAuth`](crate::http::extract::KeyAuth)); errors are the usual
//! JSON body with a stable code. Types and status mapping: `outpost_api::workspace`.

pub mod tickets;

use crate::http::AppState;
use axum::Router;
use axum::routing::{delete, get, patch, post};
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        tickets::details,
        tickets::list,
        tickets::create,
        tickets::complete,
        tickets::takeover,
        tickets::assignee,
        tickets::add_tag,
        tickets::remove_tag,
    ),
    modifiers(&ApiKeyHeader)
)]
pub struct WorkspaceApi;

/// The seed's security scheme: the API key in the `authorization` header.
struct ApiKeyHeader;

impl utoipa::Modify for ApiKeyHeader {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "workspace_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "authorization",
                "The API key itself (`authorization: <key>`); `Bearer <key>` works too. \
                 Keys are made with `outpost-server admin api-key create`.",
            ))),
        );
    }
}

/// Tickets, their details and their writes. (The router names the ticket `{id}` in
/// every path: its matcher takes one name per position; the document keeps the seed's
/// `ticketId` for the tag routes.)
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets", post(tickets::create))
        .route("/api/v1/tickets/details", get(tickets::list))
        .route("/api/v1/tickets/{id}/details", get(tickets::details))
        .route("/api/v1/tickets/{id}/complete", patch(tickets::complete))
        .route("/api/v1/tickets/{id}/takeover", patch(tickets::takeover))
        .route("/api/v1/tickets/{id}/assignee", patch(tickets::assignee))
        .route("/api/v1/tickets/{id}/tags", post(tickets::add_tag))
        .route(
            "/api/v1/tickets/{id}/tags/{tagId}",
            delete(tickets::remove_tag),
        )
}
