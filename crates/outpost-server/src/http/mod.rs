//! HTTP adapters: extract, call one service function, return. Route families:
//! `/auth/v1` (login), `/messaging/…` (seeds 000 and 003), `/sync/v1` (native sync),
//! `/openapi.json`.

pub mod actors;
pub mod auth;
pub mod error;
pub mod extract;
pub mod messaging;
pub mod ratelimit;
pub mod support;
pub mod sync;

use crate::db::Db;
use crate::http::error::ApiError;
use crate::http::ratelimit::Limits;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use outpost_domain::ErrorCode;
use outpost_domain::values::limits;
use std::sync::Arc;
use tokio::sync::watch;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/v1/login", post(auth::login))
        .route("/auth/v1/logout", post(auth::logout))
        .route("/auth/v1/me", get(auth::me))
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
            get(messaging::list).post(messaging::send),
        )
        .route("/sync/v1/changes", get(sync::changes))
        .route("/sync/v1/mutations", post(sync::mutations))
        .route("/sync/v1/events", get(sync::events))
        .route("/openapi.json", get(openapi))
        .route("/healthz", get(healthz));
    api.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits::BODY_MAX_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::new(
                ErrorCode::Internal,
                "the server failed to handle this request; it has been logged",
            )
            .into_response()
        }))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
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

/// Documents the error responses every route can give, so each operation lists them
/// without repeating them in every annotation.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            Ref, RefOr, ResponseBuilder, content::ContentBuilder, header::HeaderBuilder,
        };
        let error = |desc: &str| {
            ResponseBuilder::new().description(desc).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = matches!(
                path.as_str(),
                "/auth/v1/login" | "/openapi.json" | "/healthz"
            );
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let r = &mut op.responses.responses;
                if !public || path == "/auth/v1/login" {
                    r.entry("400".into()).or_insert_with(|| {
                        RefOr::T(error("Malformed JSON, unknown field or parameter, or an id that is not a UUID").build())
                    });
                    r.entry("422".into()).or_insert_with(|| {
                        RefOr::T(error("A value of the wrong type or out of range").build())
                    });
                    r.entry("429".into()).or_insert_with(|| {
                        RefOr::T(
                            error("Rate limited; retry after the seconds in Retry-After")
                                .header(
                                    "Retry-After",
                                    HeaderBuilder::new()
                                        .schema(utoipa::openapi::schema::Object::with_type(
                                            utoipa::openapi::schema::Type::Integer,
                                        ))
                                        .build(),
                                )
                                .build(),
                        )
                    });
                }
                if !public {
                    r.entry("401".into()).or_insert_with(|| {
                        RefOr::T(error("Missing, unknown, revoked or expired token").build())
                    });
                    r.entry("403".into()).or_insert_with(|| {
                        RefOr::T(error("Role, scope or tenant does not allow this").build())
                    });
                }
                if op.request_body.is_some() {
                    r.entry("413".into())
                        .or_insert_with(|| RefOr::T(error("The body exceeds 1 MiB").build()));
                }
                r.entry("500".into()).or_insert_with(|| {
                    RefOr::T(error("Server failure (details only in the server log)").build())
                });
            }
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token from POST /auth/v1/login, or an API key"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Outpost server API", description = "Helpdesk seed APIs (000 support tickets, 003 messages), the native sync protocol and authentication. Every error body is `ErrorBody` with a stable `code`. Request bodies are limited to 1 MiB (413 payload_too_large); list `limit` values above their documented maximum are refused with 422."),
    paths(
        auth::login, auth::logout, auth::me,
        support::list, support::get, support::assign_to_me, support::close,
        messaging::list, messaging::send,
        sync::changes, sync::mutations, sync::events,
        openapi, healthz,
    ),
    components(schemas(outpost_domain::error::ErrorBody, outpost_domain::ErrorCode)),
    modifiers(&BearerAuth, &CommonErrors),
)]
pub struct ApiDoc;

/// The OpenAPI document, pretty-printed (as committed at docs/openapi.json).
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

/// Liveness probe for load balancers; `ok` when the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "The server is up", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}
