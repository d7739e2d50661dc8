//! The errors of seed 001: RFC 9457 `application/problem+json` bodies in the seed's
//! `ErrorModel` shape, whatever the status (400 to 500).

use serde::{Deserialize, Serialize};

/// The media type of every error this family returns.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem: what went wrong, with the offending fields or parameters in `errors`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorModel {
    /// `/api/v1/schemas/ErrorModel.json`.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The HTTP reason phrase of `status` (e.g. "Unprocessable Entity").
    pub title: String,
    /// The HTTP status code, repeated.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// The fields or parameters at fault, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
    /// The error's stable code as a URN (`urn:outpost:error:<code>`); clients branch
    /// on it, never on `detail`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The request path that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

/// One field or parameter at fault.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Where: `body.title`, `query.limit`, `path.ticketId`, `header.Authorization`.
    pub location: String,
    /// What is wrong with it.
    pub message: String,
    /// The value received, when there was one.
    #[serde(default)]
    pub value: serde_json::Value,
}

impl ErrorModel {
    /// The `type` URN of a stable error code.
    pub fn type_of(code: &str) -> String {
        format!("urn:outpost:error:{code}")
    }

    /// The stable code carried in `type`, if it is one of Outpost's.
    pub fn code(&self) -> Option<&str> {
        self.error_type
            .as_deref()
            .and_then(|t| t.strip_prefix("urn:outpost:error:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_round_trips_through_type() {
        let p = ErrorModel {
            schema: None,
            title: "Not Found".into(),
            status: 404,
            detail: "ticket not found".into(),
            errors: Vec::new(),
            error_type: Some(ErrorModel::type_of("not_found")),
            instance: None,
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "urn:outpost:error:not_found");
        assert!(v.get("errors").is_none());
        let back: ErrorModel = serde_json::from_value(v).unwrap();
        assert_eq!(back.code(), Some("not_found"));
    }
}
