//! HTTP adapters: extract, call one service function, return. Routes come in families
//! (`routes/`), each with its own router and OpenAPI part, merged in [`FAMILIES`]:
//! `auth` (`/auth/v1`, every server), file downloads (`/files/v1/{id}`, every
//! server), file uploads and `sync` (`POST /files/v1`, `/sync/v1`, `--apis native`), `ondi`
//! (seeds 000 and 003 under `/messaging`, `--apis ondi`), `sonzai` (seed 001 under
//! `/api/v1/support/tickets`, `--apis sonzai`), `workspace` (seed 002 under
//! `/api/v1/tickets`, `--apis workspace`), `twenty_nine_next` (seed 004 under
//! `/api/admin/tickets/`, `--apis 29next`), plus `meta` (`/openapi.json`, `/healthz`,
//! every server).

pub mod actors;
pub mod base_url;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod paging;
pub mod problem;
pub mod ratelimit;
pub mod routes;
pub mod tenant_param;

use crate::apis::{Api, Apis};
use crate::db::Db;
use crate::http::error::ApiError;
use crate::http::ratelimit::Limits;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::{Json, Router};
use outpost_domain::ErrorCode;
use outpost_domain::values::limits;
use std::sync::Arc;
use tokio::sync::watch;
use utoipa::OpenApi;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub limits: Arc<Limits>,
    /// Recently resolved tokens (see [`actors::ActorCache`]).
    pub actors: Arc<actors::ActorCache>,
    /// Flips to true on shutdown so long-lived streams (SSE) end.
    pub shutdown: watch::Receiver<bool>,
}

/// A route family: its routes and its part of the OpenAPI document.
pub struct Family {
    /// The `--apis` family that turns it on; `None` for those every server offers.
    pub api: Option<Api>,
    /// The family's routes, with its own layers (e.g. [`tenant_param::TenantParam`]).
    pub router: fn() -> Router<AppState>,
    /// The family's part of the OpenAPI document.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// How the family's errors look.
    pub errors: ErrorFormat,
}

/// The body of a family's error responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    /// `application/json` [`ErrorBody`](outpost_domain::error::ErrorBody) with a
    /// stable `code`.
    Json,
    /// `application/problem+json` (RFC 9457) in seed 001's `ErrorModel`, the stable
    /// code in `type` ([`problem`]).
    Problem,
}

/// Every route family, merged here and nowhere else. The meta routes are not listed:
/// every server has them, and they serve the document made from these.
pub const FAMILIES: &[Family] = &[
    Family {
        api: None,
        router: routes::auth::router,
        openapi: routes::auth::AuthApi::openapi,
        errors: ErrorFormat::Json,
    },
    Family {
        api: None,
        router: routes::files::download_router,
        openapi: routes::files::DownloadApi::openapi,
        errors: ErrorFormat::Json,
    },
    Family {
        api: Some(Api::Native),
        router: routes::files::upload_router,
        openapi: routes::files::UploadApi::openapi,
        errors: ErrorFormat::Json,
    },
    Family {
        api: Some(Api::Native),
        router: routes::sync::router,
        openapi: routes::sync::SyncApi::openapi,
        errors: ErrorFormat::Json,
    },
    Family {
        api: Some(Api::Ondi),
        router: routes::ondi::router,
        openapi: routes::ondi::OndiApi::openapi,
        errors: ErrorFormat::Json,
    },
    Family {
        api: Some(Api::Sonzai),
        router: routes::sonzai::router,
        openapi: routes::sonzai::SonzaiApi::openapi,
        errors: ErrorFormat::Problem,
    },
    Family {
        api: Some(Api::Workspace),
        router: routes::workspace::router,
        openapi: routes::workspace::WorkspaceApi::openapi,
        errors: ErrorFormat::Json,
    },
    Family {
        api: Some(Api::TwentyNineNext),
        router: routes::twenty_nine_next::router,
        openapi: routes::twenty_nine_next::TwentyNineNextApi::openapi,
        errors: ErrorFormat::Json,
    },
];

/// The families a server offering `apis` serves.
pub fn families(apis: Apis) -> impl Iterator<Item = &'static Family> {
    FAMILIES
        .iter()
        .filter(move |f| f.api.is_none_or(|a| apis.contains(a)))
}

/// The routes of the families in `apis`; every other path is a 404 with an
/// [`ErrorBody`](outpost_domain::error::ErrorBody).
pub fn router(state: AppState, apis: Apis) -> Router {
    let mut app = routes::meta::router(openapi::document_json(apis));
    for family in families(apis) {
        let routes = (family.router)();
        app = app.merge(match family.errors {
            ErrorFormat::Json => routes,
            // Panics are caught inside the problem layer, so they are problems too.
            ErrorFormat::Problem => routes
                .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                    panic_response,
                ))
                .layer(axum::middleware::map_response(problem::render)),
        });
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits::BODY_MAX_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The full OpenAPI document (every family), pretty-printed, as committed at
/// docs/openapi.json.
pub fn openapi_json() -> String {
    openapi::document_json(Apis::all())
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    ApiError::new(
        ErrorCode::Internal,
        "the server failed to handle this request; it has been logged",
    )
    .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see /openapi.json")
}

async fn method_not_allowed() -> impl IntoResponse {
    let body = outpost_domain::error::ErrorBody {
        code: ErrorCode::InvalidInput,
        message: "method not allowed on this route; see /openapi.json".into(),
        details: None,
    };
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, Json(body))
}
