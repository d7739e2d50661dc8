//! `/auth/v1/*`: login, logout, me. Served by every server, whatever `--apis` says:
//! every family's bearer tokens come from `POST /auth/v1/login` (or from an API key,
//! which needs shell access to the server: `outpost-server admin api-key create`), so
//! a seed-only server still lets a client sign in as it would against a full one.

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, Auth};
use crate::http::tenant_param::TenantParam;
use crate::service;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use outpost_api::auth::{LoginRequest, LoginResponse, MeResponse};
use outpost_domain::ErrorCode;
use std::net::SocketAddr;
use utoipa::OpenApi;

/// This family's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(login, logout, me))]
pub struct AuthApi;

/// `/auth/v1/login`, `/auth/v1/logout`, `/auth/v1/me`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/v1/login", post(login))
        .route("/auth/v1/logout", post(logout))
        .route("/auth/v1/me", get(me))
        // The native routes refused another tenant's `tenant_id` before the families
        // were split, and tests/api/security.rs pins it; it stays theirs.
        .route_layer(TenantParam::layer())
}

/// Exchange email and password for a bearer token.
#[utoipa::path(post, path = "/auth/v1/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, description = "Email exists in several tenants (tenant_required) or malformed body", body = outpost_domain::error::ErrorBody),
        (status = 401, description = "Wrong email or password", body = outpost_domain::error::ErrorBody),
        (status = 429, description = "Too many attempts", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    if req.email.len() > 254 || req.password.len() > 1024 {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "email or password is incorrect",
        ));
    }
    state
        .limits
        .login_per_address
        .check(&addr.ip().to_string())
        .map_err(ApiError::rate_limited)?;
    state
        .limits
        .login_per_account
        .check(&req.email.trim().to_lowercase())
        .map_err(ApiError::rate_limited)?;
    let out =
        service::auth::login(&state.db, &req.email, &req.password, req.tenant.as_deref()).await?;
    Ok(Json(LoginResponse {
        access_token: out.token,
        token_type: "Bearer".into(),
        expires_at: out.expires_at,
        user: out.user,
        tenant_id: out.tenant_id,
    }))
}

/// Revoke the token used for this request.
#[utoipa::path(post, path = "/auth/v1/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Token revoked"), (status = 401, body = outpost_domain::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<StatusCode> {
    service::auth::logout(&state.db, &actor).await?;
    state.actors.evict(&actor.token_hash);
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user and their tenant.
#[utoipa::path(get, path = "/auth/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = outpost_domain::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<MeResponse>> {
    let (user, tenant) = service::auth::me(&state.db, &actor).await?;
    Ok(Json(MeResponse { user, tenant }))
}
