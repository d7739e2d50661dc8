//! Request extractors that turn every malformed input into an [`ApiError`] with a
//! stable code: bearer authentication, JSON bodies, query strings and path ids.

use crate::auth::Actor;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::tenant_param::TenantParam;
use crate::service;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use outpost_domain::ErrorCode;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// The authenticated caller. Rejects missing, malformed, unknown, revoked and expired
/// tokens with 401, callers over their rate limit with 429, and, on routes of a family
/// that takes a `tenant_id` parameter ([`TenantParam`]), another tenant's id with 403.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = header_token(
            parts,
            false,
            "missing Authorization: Bearer <token> header",
            "the Authorization header must be \"Bearer <token>\"",
        )?;
        actor_for(parts, state, token).await.map(Auth)
    }
}

/// Seed 002's authentication: the `authorization` header carries the API key itself
/// (`authorization: <key>`), as the seed says; `Bearer <key>` works too.
pub struct KeyAuth(pub Actor);

impl FromRequestParts<AppState> for KeyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = header_token(
            parts,
            true,
            "missing authorization header: send the API key (authorization: <key>)",
            "the authorization header must be the API key (or \"Bearer <key>\")",
        )?;
        actor_for(parts, state, token).await.map(KeyAuth)
    }
}

/// The token of the `Authorization` header: after `Bearer `, or (`bare_ok`) the whole
/// value. A missing header or a malformed value is 401 with the given message.
fn header_token<'a>(
    parts: &'a Parts,
    bare_ok: bool,
    missing: &'static str,
    malformed: &'static str,
) -> Result<&'a str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, missing))?;
    header
        .to_str()
        .ok()
        .and_then(|h| {
            match h
                .strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
            {
                Some(t) => Some(t),
                None if bare_ok => Some(h),
                None => None,
            }
        })
        .map(str::trim)
        .filter(|t| token_shaped(t))
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, malformed))
}

/// A token is one word of printable characters, at most 256 long.
fn token_shaped(t: &str) -> bool {
    !t.is_empty() && t.len() <= 256 && t.bytes().all(|b| b.is_ascii_graphic())
}

/// The caller a token names: unknown, revoked and expired tokens are 401, callers over
/// their rate limit 429, and, on routes of a family that takes a `tenant_id` parameter
/// ([`TenantParam`]), another tenant's id is 403.
async fn actor_for(parts: &Parts, state: &AppState, token: &str) -> Result<Actor, ApiError> {
    let hash = crate::auth::token_hash(token);
    let actor = match state.actors.get(&hash) {
        Some(actor) => actor,
        None => {
            let actor = service::auth::authenticate(&state.db, token).await?;
            state.actors.put(&actor);
            actor
        }
    };
    if let Err(wait) = state.limits.check_token(&actor.token_hash) {
        return Err(ApiError::rate_limited(wait));
    }
    TenantParam::check(parts, &actor)?;
    Ok(actor)
}

/// A JSON body: syntax errors are 400 `malformed_request`, unknown fields 400
/// `unknown_field`, wrong types or missing fields 422 `invalid_input`, bodies over the
/// limit 413. An empty body reads as `T::default()` where `T` allows it (`OrEmpty`).
pub struct ApiJson<T>(pub T);

/// The name serde puts between backticks in "missing field `x`" and "unknown field
/// `x`, expected …".
fn named_field(msg: &str) -> Option<&str> {
    let rest = msg
        .strip_prefix("missing field `")
        .or_else(|| msg.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

/// Where a serde error lies, as `prefix.path.to.field`.
fn location(prefix: &str, path: &str, msg: &str) -> String {
    let mut at = prefix.to_owned();
    let path = path.trim_start_matches('.');
    if !path.is_empty() {
        at.push('.');
        at.push_str(path);
    }
    if let Some(name) = named_field(msg)
        && !path.ends_with(name)
    {
        at.push('.');
        at.push_str(name);
    }
    at
}

/// The value at a serde path of a JSON document, or null.
fn value_at(bytes: &[u8], path: &str) -> serde_json::Value {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return serde_json::Value::Null;
    };
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let next = match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            Some(i) => i.parse::<usize>().ok().and_then(|i| v.get_mut(i)),
            None => v.get_mut(part),
        };
        v = match next {
            Some(n) => n.take(),
            None => return serde_json::Value::Null,
        };
    }
    v
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let field = location("body", &path, &msg);
        let at = if path == "." || path.is_empty() {
            String::new()
        } else {
            format!(" at {path}")
        };
        // A body that is not JSON at all is malformed, whatever its first fields say;
        // serde_json reports some type mismatches (a number where an enum goes) as
        // syntax errors, so a body that is valid JSON is judged on its shape.
        if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            return ApiError::new(
                ErrorCode::MalformedRequest,
                format!("the body is not valid JSON: {syntax}"),
            );
        }
        let value = value_at(bytes, &path);
        match inner.classify() {
            serde_json::error::Category::Data if msg.starts_with("unknown field") => {
                ApiError::new(ErrorCode::UnknownField, format!("{msg}{at}"))
            }
            _ => ApiError::new(ErrorCode::InvalidInput, format!("{msg}{at}")),
        }
        .at(field, value)
    })?;
    // Nothing but whitespace may follow the document.
    de.end().map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "the body exceeds {} bytes",
                    outpost_domain::values::limits::BODY_MAX_BYTES
                ),
            )
        } else {
            ApiError::new(
                ErrorCode::MalformedRequest,
                format!("could not read the body: {e}"),
            )
        }
    })
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::new(
                ErrorCode::MalformedRequest,
                "a JSON body is required",
            ));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Like [`ApiJson`] but an empty body means `T::default()` (e.g. close without a note).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// A query string: unknown parameters and bad values are 400/422 with the reason.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(ApiQuery)
            .map_err(|e| {
                let msg = e.inner().to_string();
                let at = location("query", &e.path().to_string(), &msg);
                let name = at.trim_start_matches("query.");
                let value = form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == name)
                    .map_or(serde_json::Value::Null, |(_, v)| v.into_owned().into());
                if msg.starts_with("unknown field") {
                    ApiError::new(
                        ErrorCode::UnknownField,
                        format!("unknown query parameter: {msg}"),
                    )
                } else {
                    ApiError::new(
                        ErrorCode::InvalidInput,
                        format!("query parameter {}: {msg}", e.path()),
                    )
                }
                .at(at, value)
            })
    }
}

/// Parses an id (`TicketId`, `ConversationId`, …) of a path or query parameter; a
/// non-UUID is 400 `invalid_id`.
pub fn parse_id<T: FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidId,
            format!("{what} must be a UUID, got {raw:?}"),
        )
    })
}

/// [`parse_id`] for a path parameter, naming it as `path.<name>`.
pub fn parse_path_id<T: FromStr>(raw: &str, name: &str) -> Result<T, ApiError> {
    parse_id(raw, name).map_err(|e| e.at(format!("path.{name}"), raw))
}
