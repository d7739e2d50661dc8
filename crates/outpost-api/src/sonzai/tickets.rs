//! Seed 001's tickets: the list rows, the ticket with its comments, its history, and
//! the bodies of create and comment. Field names and shapes are the seed's.

use crate::sonzai::SonzaiStatus;
use chrono::{DateTime, Utc};
use outpost_domain::*;
use serde::{Deserialize, Serialize};

/// The query of `GET /api/v1/support/tickets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct TicketListQuery {
    /// Items per page, 1–100 (default 20); other values are refused with 422.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<i64>,
    /// Items to skip (default 0, at most 1 000 000 000).
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 1_000_000_000))]
    pub offset: Option<i64>,
    /// Only tickets in this status.
    pub status: Option<SonzaiStatus>,
    /// Only tickets of this type (support, bug, feature_request, billing, …).
    #[serde(rename = "type")]
    pub ticket_type: Option<String>,
}

/// Who wrote a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthorType {
    /// The tenant's agents, admins and bots.
    Staff,
    /// The people the tickets are for.
    Customer,
}

impl AuthorType {
    pub fn of(role: Role) -> Self {
        match role {
            Role::Customer => Self::Customer,
            Role::Admin | Role::Agent | Role::Bot => Self::Staff,
        }
    }
}

/// A row of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketListItem {
    pub ticket_id: TicketId,
    pub title: String,
    pub status: SonzaiStatus,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    /// The requester's email.
    pub created_by_email: Option<EmailAddress>,
    /// The assignee's email; null while nobody holds the ticket.
    pub assigned_to_email: Option<EmailAddress>,
    /// Comments the caller can see (customers: public ones only).
    pub comment_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/v1/support/tickets`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketListResponse {
    #[serde(rename = "$schema", default)]
    pub schema: String,
    /// True exactly when tickets follow this page.
    pub has_more: bool,
    pub tickets: Vec<TicketListItem>,
    /// How many tickets match the filters.
    pub total: i64,
}

/// A comment: a message of the ticket's conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportTicketComment {
    #[serde(rename = "$schema", default)]
    pub schema: String,
    pub comment_id: MessageId,
    pub ticket_id: TicketId,
    pub author_id: UserId,
    pub author_email: Option<EmailAddress>,
    pub author_type: AuthorType,
    pub content: String,
    /// An internal note: staff only, never shown to customers.
    pub is_internal: bool,
    pub created_at: DateTime<Utc>,
}

/// A ticket with the comments the caller can see, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportTicket {
    #[serde(rename = "$schema", default)]
    pub schema: String,
    pub ticket_id: TicketId,
    pub tenant_id: TenantId,
    pub title: String,
    pub description: String,
    pub status: SonzaiStatus,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    /// The requester.
    pub created_by: UserId,
    pub created_by_email: Option<EmailAddress>,
    /// The assignee; null while nobody holds the ticket.
    pub assigned_to: Option<UserId>,
    pub assigned_to_email: Option<EmailAddress>,
    pub comment_count: i64,
    pub comments: Vec<SupportTicketComment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the ticket was solved, or closed without being solved first.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One change of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketHistoryEntry {
    pub history_id: HistoryId,
    pub ticket_id: TicketId,
    /// `created`, `title`, `description`, `status`, `priority`, `type`,
    /// `assigned_to`, `team_id`, `tags`, …
    pub field_changed: String,
    /// Statuses in this family's names (`open`, `in_progress`, …).
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Null for changes the server made on its own.
    pub changed_by: Option<UserId>,
    pub changed_by_email: Option<EmailAddress>,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/support/tickets/{ticketId}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketDetailResponse {
    #[serde(rename = "$schema", default)]
    pub schema: String,
    /// Oldest first.
    pub history: Vec<TicketHistoryEntry>,
    pub ticket: SupportTicket,
}

/// `POST /api/v1/support/tickets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    /// 1–250 characters.
    pub title: String,
    /// Up to 64 KiB; empty when absent.
    #[serde(default)]
    pub description: String,
    /// Default `support`.
    #[serde(rename = "type", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ticket_type: Option<TicketType>,
}

/// `POST /api/v1/support/tickets/{ticketId}/comments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCommentRequest {
    /// Up to 64 KiB, not blank.
    pub content: String,
    /// Staff only: an internal note customers never see.
    #[serde(default)]
    pub is_internal: bool,
}
