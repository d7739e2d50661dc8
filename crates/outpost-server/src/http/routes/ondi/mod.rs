//! Seeds 000 and 003 under `/messaging`: the support queue ([`support`]) and
//! conversation messages ([`messages`]). Types and status mapping:
//! `outpost_api::ondi`.

pub mod messages;
pub mod support;

use crate::http::AppState;
use crate::http::paging::{PagingRules, Position};
use crate::http::tenant_param::TenantParam;
use axum::Router;
use axum::routing::{get, post};
use outpost_domain::values::limits;
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    support::list,
    support::get,
    support::assign_to_me,
    support::close,
    messages::list,
    messages::send,
))]
pub struct OndiApi;

/// The support queue and conversation messages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messaging/support/tickets", get(support::list))
        .route("/messaging/support/tickets/{id}", get(support::get))
        .route(
            "/messaging/support/tickets/{id}/assign-to-me",
            post(support::assign_to_me),
        )
        .route(
            "/messaging/support/tickets/{id}/close",
            post(support::close),
        )
        .route(
            "/messaging/conversations/{id}/messages",
            get(messages::list).post(messages::send),
        )
        // Both seeds take an optional `tenant_id` that must name the token's tenant.
        .route_layer(TenantParam::layer())
}

/// Seeds 000 and 003 page with `page` (from 1) and `limit` (default 20).
pub struct OndiPaging;

impl PagingRules for OndiPaging {
    const POSITION: Position = Position::Page {
        name: "page",
        max: 1_000_000,
    };
    const LIMIT: &'static str = "limit";
    const DEFAULT_LIMIT: i64 = 20;
    const MAX_LIMIT: i64 = limits::PAGE_MAX;
}
