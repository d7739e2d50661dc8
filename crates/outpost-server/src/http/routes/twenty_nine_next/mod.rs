//! Seed 004 (29next admin API) under `/api/admin/tickets/`: a store's staff list
//! tickets with rich filters in cursor pages. Every request carries
//! `X-29next-API-Version: unstable` and a bearer token with `tickets:read`; errors are
//! the usual JSON body with a stable code. Types and value mappings:
//! `outpost_api::twenty_nine_next`.

pub mod tickets;

use crate::http::AppState;
use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(tickets::list),
    components(schemas(outpost_api::twenty_nine_next::ApiVersion))
)]
pub struct TwentyNineNextApi;

/// `GET /api/admin/tickets/` (and without the trailing slash).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/tickets/", get(tickets::list))
        .route("/api/admin/tickets", get(tickets::list))
}
