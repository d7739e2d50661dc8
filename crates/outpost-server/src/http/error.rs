//! The one error type of the HTTP layer: maps service errors to a status and a JSON
//! body with a stable code. Internal failures are logged, never shown. A family with
//! its own error format (seed 001's problem+json) re-renders the response from the
//! [`ApiError`] every error response carries as an extension.

use crate::error::Error;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use outpost_domain::ErrorCode;
use outpost_domain::error::ErrorBody;

#[derive(Clone, Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<serde_json::Value>,
    pub retry_after: Option<u64>,
    /// The field or parameter at fault, when one is (boxed: most errors have none).
    pub at: Option<Box<ErrorAt>>,
}

/// Where in the request an error lies: `body.title`, `query.limit`, `path.ticketId`,
/// and the value found there.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorAt {
    pub location: String,
    pub value: serde_json::Value,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            retry_after: None,
            at: None,
        }
    }

    /// Names the field or parameter at fault.
    pub fn at(mut self, location: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.at = Some(Box::new(ErrorAt {
            location: location.into(),
            value: value.into(),
        }));
        self
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(ErrorCode::RateLimited, "too many requests; slow down")
        }
    }
}

/// A refused query string: an unknown parameter is `unknown_field`, a missing or bad
/// value `invalid_input`, each naming `query.<parameter>` and the value given.
impl From<outpost_api::query::QueryError> for ApiError {
    fn from(e: outpost_api::query::QueryError) -> Self {
        use outpost_api::query::QueryErrorKind;
        let code = match e.kind {
            QueryErrorKind::Unknown => ErrorCode::UnknownField,
            QueryErrorKind::Missing | QueryErrorKind::Invalid => ErrorCode::InvalidInput,
        };
        let value = e.value.map_or(serde_json::Value::Null, Into::into);
        ApiError::new(code, e.message).at(format!("query.{}", e.param), value)
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
                at: None,
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
            message: self.message.clone(),
            details: self.details.clone(),
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
        resp.extensions_mut().insert(self);
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
