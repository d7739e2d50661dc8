//! Seed 003: conversation messages under `/messaging/conversations/{id}/messages`.

use crate::ondi::support::UserSummary;
use chrono::{DateTime, Utc};
use outpost_domain::*;
use serde::{Deserialize, Serialize};

/// A message with its sender.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub ticket_id: TicketId,
    pub message_type: MessageType,
    pub content: String,
    pub content_url: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub parent_message_id: Option<MessageId>,
    /// Internal note (support users only).
    pub internal: bool,
    pub attachments: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
    pub sender_id: Option<UserId>,
    /// Absent for system messages.
    pub sender: Option<UserSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageList {
    /// Newest first.
    pub messages: Vec<MessageView>,
    pub page: i64,
    pub limit: i64,
    pub total: i64,
    pub has_more: bool,
}

/// The query of `GET /messaging/conversations/{id}/messages`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Tenant context; must match the token's tenant.
    #[cfg_attr(feature = "openapi", param(value_type = Option<uuid::Uuid>))]
    pub tenant_id: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20).
    pub limit: Option<i64>,
    /// `from,to` in RFC 3339 (e.g. `2023-01-01T00:00:00Z,2023-01-02T00:00:00Z`); either side may be empty.
    pub timestamp_range: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// Client-generated id; resending the same id returns the stored message.
    #[serde(default)]
    pub id: Option<MessageId>,
    /// text (default), image or file; `html` and `system` are reserved for the server.
    #[serde(default)]
    pub message_type: Option<MessageType>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub content_url: Option<String>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    #[serde(default)]
    pub parent_message_id: Option<MessageId>,
    /// Internal note, visible to support users only.
    #[serde(default)]
    pub internal: Option<bool>,
    #[serde(default)]
    pub attachments: Option<Vec<Attachment>>,
}
