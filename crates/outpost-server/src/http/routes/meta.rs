//! `/openapi.json` and `/healthz`: served by every server, whatever `--apis` says.

use crate::http::AppState;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use std::sync::Arc;
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(openapi, healthz))]
pub struct MetaApi;

/// The OpenAPI document this server serves, rendered once at start.
#[derive(Clone)]
struct Document(Arc<str>);

/// The meta routes, serving `document` (the OpenAPI JSON of the families on).
pub fn router(document: String) -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route_layer(Extension(Document(document.into())))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi(Extension(Document(doc)): Extension<Document>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.to_string(),
    )
}

/// Liveness probe for load balancers; `ok` when the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "The server is up", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}
