//! Seed 001 under `/api/v1/support/tickets`: support tickets with comments and history
//! ([`tickets`]), and the JSON Schemas their `$schema` fields name ([`schemas`]). Every
//! error of this family is a problem+json `ErrorModel`
//! ([`crate::http::problem`]). Types and status mapping: `outpost_api::sonzai`.

pub mod schemas;
pub mod tickets;

use crate::http::AppState;
use crate::http::paging::{PagingRules, Position};
use axum::Router;
use axum::routing::{get, post};
use outpost_domain::values::limits;
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        tickets::list,
        tickets::create,
        tickets::get,
        tickets::close,
        tickets::comment,
        schemas::get,
    ),
    components(schemas(outpost_api::sonzai::problem::ErrorModel))
)]
pub struct SonzaiApi;

/// Support tickets, their comments and closing.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/support/tickets",
            get(tickets::list).post(tickets::create),
        )
        .route("/api/v1/support/tickets/{ticketId}", get(tickets::get))
        .route(
            "/api/v1/support/tickets/{ticketId}/close",
            post(tickets::close),
        )
        .route(
            "/api/v1/support/tickets/{ticketId}/comments",
            post(tickets::comment),
        )
        .route("/api/v1/schemas/{file}", get(schemas::get))
}

/// Seed 001 pages with `offset` (from 0) and `limit` (default 20, at most 100).
pub struct SonzaiPaging;

impl PagingRules for SonzaiPaging {
    const POSITION: Position = Position::Offset {
        name: "offset",
        max: 1_000_000_000,
    };
    const LIMIT: &'static str = "limit";
    const DEFAULT_LIMIT: i64 = 20;
    const MAX_LIMIT: i64 = limits::PAGE_MAX;
}
