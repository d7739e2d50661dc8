//! Stable, machine-readable error codes. They cross HTTP and IPC unchanged; clients
//! branch on the code, never on the message text.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body is not valid JSON or not an object of the expected shape.
    MalformedRequest,
    /// A field has a wrong type or a value outside its allowed set or range.
    InvalidInput,
    /// A required field is missing or empty (e.g. a message without content).
    MissingField,
    /// The body carries a field the endpoint does not accept.
    UnknownField,
    /// A path or query id is not a UUID.
    InvalidId,
    /// No credentials, or credentials that are unknown, revoked or expired.
    Unauthenticated,
    /// Email and password do not match.
    InvalidCredentials,
    /// Authenticated, but the role, scope or support settings do not allow this.
    Forbidden,
    /// The caller is not a participant of the conversation.
    NotParticipant,
    /// The conversation is closed; nothing more can be posted.
    ConversationNotActive,
    /// The entity does not exist in the caller's tenant (or the caller may not see it).
    NotFound,
    /// The ticket is held by someone else (claims), or a field changed since the base.
    Conflict,
    /// The ticket is closed; status edits do not reopen it.
    TicketClosed,
    /// The `tenant_id` parameter names another tenant than the token's.
    TenantMismatch,
    /// The email exists in several tenants; the login must name one.
    TenantRequired,
    /// The sync cursor belongs to another epoch or is older than the server keeps.
    CursorExpired,
    /// Mutation sequence numbers went backwards inside one batch.
    SequenceError,
    /// The request body exceeds the documented size limit.
    PayloadTooLarge,
    /// Too many requests; retry after the time in `Retry-After`.
    RateLimited,
    /// The server failed; details are in its log, never in the response.
    Internal,
    /// The server is shutting down or its database is unreachable.
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::InvalidInput => "invalid_input",
            Self::MissingField => "missing_field",
            Self::UnknownField => "unknown_field",
            Self::InvalidId => "invalid_id",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotParticipant => "not_participant",
            Self::ConversationNotActive => "conversation_not_active",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TicketClosed => "ticket_closed",
            Self::TenantMismatch => "tenant_mismatch",
            Self::TenantRequired => "tenant_required",
            Self::CursorExpired => "cursor_expired",
            Self::SequenceError => "sequence_error",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The HTTP status this code is served with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::MalformedRequest
            | Self::MissingField
            | Self::UnknownField
            | Self::InvalidId
            | Self::TenantRequired
            | Self::SequenceError => 400,
            Self::InvalidInput => 422,
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::Forbidden
            | Self::NotParticipant
            | Self::ConversationNotActive
            | Self::TenantMismatch => 403,
            Self::NotFound => 404,
            Self::Conflict | Self::TicketClosed => 409,
            Self::CursorExpired => 410,
            Self::PayloadTooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every 4xx/5xx response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation; may change between versions.
    pub message: String,
    /// Structured context (e.g. the current holder of a claimed ticket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_code_equals_as_str() {
        for code in [
            ErrorCode::NotFound,
            ErrorCode::ConversationNotActive,
            ErrorCode::RateLimited,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "wire form and as_str must agree");
        }
    }
}
