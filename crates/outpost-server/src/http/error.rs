//! The one error type of the HTTP layer: maps service errors to a status and a JSON
//! body with a stable code. Internal failures are logged, never shown.

use crate::error::Error;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use outpost_domain::ErrorCode;
use outpost_domain::error::ErrorBody;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<serde_json::Value>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(ErrorCode::RateLimited, "too many requests; slow down")
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Refused {
                code,
                message,
                details,
            } => Self {
                code,
                message,
                details,
                retry_after: None,
            },
            other => {
                let code = other.code();
                tracing::error!(error = %other, "request failed");
                let message = match code {
                    ErrorCode::Unavailable => {
                        "the server is busy or its database is unreachable; retry shortly"
                    }
                    _ => "the server failed to handle this request; it has been logged",
                };
                Self::new(code, message)
            }
        }
    }
}

impl From<outpost_domain::values::InvalidValue> for ApiError {
    fn from(e: outpost_domain::values::InvalidValue) -> Self {
        Self::new(ErrorCode::InvalidInput, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            code: self.code,
            message: self.message,
            details: self.details,
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.code == ErrorCode::Unauthenticated {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
