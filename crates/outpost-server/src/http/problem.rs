//! Errors as RFC 9457 problems (`application/problem+json`, seed 001's `ErrorModel`)
//! for the families that answer that way. Every error response the HTTP layer makes
//! carries its [`ApiError`]; [`render`], as a family's `map_response` layer, re-renders
//! those responses, keeping the status
//! and headers (`WWW-Authenticate`, `Retry-After`).

use crate::http::error::ApiError;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use outpost_api::sonzai::problem::{CONTENT_TYPE, ErrorDetail, ErrorModel};
use outpost_api::sonzai::schema_url;

/// The problem a refused request is answered with.
pub fn problem_of(e: &ApiError, status: StatusCode, instance: &str) -> ErrorModel {
    ErrorModel {
        schema: Some(schema_url("ErrorModel")),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: e.message.clone(),
        errors: e
            .at
            .iter()
            .map(|at| ErrorDetail {
                location: at.location.clone(),
                message: e.message.clone(),
                value: at.value.clone(),
            })
            .collect(),
        error_type: Some(ErrorModel::type_of(e.code.as_str())),
        instance: Some(instance.to_owned()),
    }
}

/// Turns an error response into a problem; other responses pass unchanged.
pub async fn render(uri: Uri, resp: Response) -> Response {
    let Some(e) = resp.extensions().get::<ApiError>().cloned() else {
        return resp;
    };
    let status = resp.status();
    let problem = problem_of(&e, status, uri.path());
    let (mut parts, _) = resp.into_parts();
    let mut out = axum::Json(problem).into_response();
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    parts.headers.remove(header::CONTENT_LENGTH);
    *out.headers_mut() = parts.headers;
    *out.status_mut() = status;
    out.extensions_mut().insert(e);
    out
}
