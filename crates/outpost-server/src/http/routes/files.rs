//! `/files/v1`: upload a file to send with a message (native API), and download the
//! file of a message (every server: each API that shows attachments links here).
//! Downloads are never rendered by a browser: `nosniff`, a sandboxing CSP, and
//! `attachment` disposition for anything but common images.

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::KeyAuth;
use crate::service::files::{self, Download};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use outpost_api::files::{UploadedFile, percent_encode};
use outpost_domain::ErrorCode;
use outpost_domain::values::limits;
use utoipa::OpenApi;

/// The upload route's part of the OpenAPI document (`--apis native`).
#[derive(OpenApi)]
#[openapi(paths(upload))]
pub struct UploadApi;

/// The download routes' part of the OpenAPI document (every server).
#[derive(OpenApi)]
#[openapi(paths(download, download_named))]
pub struct DownloadApi;

/// `POST /files/v1`, with room for a file of [`limits::FILE_MAX_BYTES`] and its
/// multipart framing.
pub fn upload_router() -> Router<AppState> {
    Router::new().route(
        "/files/v1",
        post(upload).layer(DefaultBodyLimit::max(limits::FILE_MAX_BYTES + 64 * 1024)),
    )
}

/// `GET /files/v1/{id}` and `GET /files/v1/{id}/{name}`.
pub fn download_router() -> Router<AppState> {
    Router::new()
        .route("/files/v1/{id}", get(download))
        .route("/files/v1/{id}/{name}", get(download_named))
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("files are at most {} bytes", limits::FILE_MAX_BYTES),
    )
}

/// A form that ends too soon, is malformed or is too large.
fn field_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(ErrorCode::MalformedRequest, e.body_text())
    }
}

/// The file of a `multipart/form-data` body: its `file` part and that part's name.
async fn multipart_file(req: Request, state: &AppState) -> Result<(String, Vec<u8>), ApiError> {
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::new(ErrorCode::MalformedRequest, e.body_text()))?;
    while let Some(field) = form.next_field().await.map_err(field_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(field_error)?;
        return Ok((name, bytes.to_vec()));
    }
    Err(
        ApiError::new(ErrorCode::MissingField, "the form has no `file` part")
            .at("body.file", serde_json::Value::Null),
    )
}

/// The `name` parameter of a raw upload; no other parameter is known.
fn raw_name(query: Option<&str>) -> Result<String, ApiError> {
    let mut name = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*k {
            "name" => name = Some(v.into_owned()),
            other => {
                return Err(ApiError::new(
                    ErrorCode::UnknownField,
                    format!("unknown query parameter {other:?}; expected name"),
                )
                .at(format!("query.{other}"), v.into_owned()));
            }
        }
    }
    Ok(name.unwrap_or_default())
}

/// Upload a file to attach to a message: a `multipart/form-data` body with a `file`
/// part, or the bytes themselves with the name in `?name=`. The type is read from the
/// bytes; the name loses directories and unsafe characters. Put the answer's `url`
/// in a message's `attachments` (or `content_url`) to send it; until then only the
/// uploader can download it.
#[utoipa::path(post, path = "/files/v1", tag = "files", security(("bearer" = [])),
    params(("name" = Option<String>, Query, description = "File name of a raw (non-multipart) upload")),
    request_body(content = Vec<u8>, description = "The file: multipart/form-data with a `file` part, or raw bytes", content_type = "application/octet-stream"),
    responses(
        (status = 201, body = UploadedFile),
        (status = 401, body = outpost_domain::error::ErrorBody),
        (status = 403, description = "The token lacks tickets:write", body = outpost_domain::error::ErrorBody),
        (status = 413, body = outpost_domain::error::ErrorBody),
        (status = 503, description = "The file store is full; nothing was kept", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    RawQuery(query): RawQuery,
    req: Request,
) -> ApiResult<(StatusCode, Json<UploadedFile>)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (name, bytes) = if multipart {
        multipart_file(req, &state).await?
    } else {
        let name = raw_name(query.as_deref())?;
        let bytes = axum::body::to_bytes(req.into_body(), limits::FILE_MAX_BYTES)
            .await
            .map_err(|_| too_large())?;
        (name, bytes.to_vec())
    };
    let file = files::upload(&state.db, &actor, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(file)))
}

fn file_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidId, "a file id is a positive integer").at("path.id", raw)
    })
}

/// Types a browser may show in place: images that cannot run script.
fn shown_inline(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Types a browser would run script in: served as plain text (the API still reports
/// the real type).
fn active_content(mime: &str) -> bool {
    mime.contains("html")
        || mime.contains("xml")
        || mime.contains("javascript")
        || mime.contains("svg")
}

fn file_response(d: Download) -> Response {
    let ascii: String = d
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let encoded = percent_encode(&d.name);
    let disposition = if shown_inline(&d.mime) {
        "inline"
    } else {
        "attachment"
    };
    let mut res = Response::new(Body::from(d.bytes));
    let h = res.headers_mut();
    let served = if active_content(&d.mime) {
        HeaderValue::from_static("text/plain; charset=utf-8")
    } else {
        HeaderValue::from_str(&d.mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    h.insert(header::CONTENT_TYPE, served);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    res
}

/// Download a file: its bytes, for a caller who may see the message it was sent with
/// (or, before it is sent, for its uploader). Anyone else gets 404.
#[utoipa::path(get, path = "/files/v1/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The file's number")),
    responses(
        (status = 200, description = "The file's bytes, typed as sniffed at upload", content_type = "*/*", body = Vec<u8>),
        (status = 400, body = outpost_domain::error::ErrorBody),
        (status = 401, body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let d = files::download(&state.db, &actor, file_id(&id)?).await?;
    Ok(file_response(d))
}

/// Download a file by the URL messages carry (`/files/v1/{id}/{name}`); the name is
/// only there for people and tools that save the file.
#[utoipa::path(get, path = "/files/v1/{id}/{name}", tag = "files", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The file's number"),
        ("name" = String, Path, description = "The file's name (not checked)"),
    ),
    responses(
        (status = 200, description = "The file's bytes, typed as sniffed at upload", content_type = "*/*", body = Vec<u8>),
        (status = 400, body = outpost_domain::error::ErrorBody),
        (status = 401, body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
    ))]
pub async fn download_named(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path((id, _name)): Path<(String, String)>,
) -> ApiResult<Response> {
    download(State(state), KeyAuth(actor), Path(id)).await
}
