//! Seed 000: the shared support queue under `/messaging/support/tickets`.

use chrono::{DateTime, Utc};
use outpost_domain::*;
use serde::{Deserialize, Serialize};

/// A user as shown next to a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: UserId,
    pub email: EmailAddress,
    pub name: String,
    pub picture: Option<String>,
    pub role: Role,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            picture: u.picture.clone(),
            role: u.role,
        }
    }
}

/// A row of the support queue. Named `QueueTicket` in the OpenAPI document, where
/// `SupportTicket` is seed 001's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = QueueTicket))]
pub struct SupportTicket {
    pub id: TicketId,
    /// Per-tenant ticket number (#1042).
    pub number: i64,
    pub tenant_id: TenantId,
    pub subject: String,
    pub description: String,
    pub summary: Option<String>,
    pub status: Status,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    /// Origin of the ticket: customer_portal, storefront, restaurant, email, …
    pub source: Channel,
    pub related_order_id: Option<String>,
    pub related_delivery_id: Option<String>,
    pub requester: Option<UserSummary>,
    pub assigned_to: Option<UserId>,
    /// Present when the ticket is assigned.
    pub assigned_to_user: Option<UserSummary>,
    pub team_id: Option<TeamId>,
    pub tag_ids: Vec<TagId>,
    pub conversation_id: ConversationId,
    pub message_count: i64,
    pub pending_message_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub solved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportTicketList {
    pub tickets: Vec<SupportTicket>,
    pub page: i64,
    pub limit: i64,
    pub total: i64,
    pub total_pages: i64,
    pub has_more: bool,
}

/// The conversation summary of a ticket detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub participants: Vec<ParticipantSummary>,
    pub message_count: i64,
    pub last_message_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantSummary {
    pub user: Option<UserSummary>,
    pub user_id: UserId,
    pub role: ParticipantRole,
    pub last_read_message_id: Option<MessageId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportTicketDetail {
    #[serde(flatten)]
    pub ticket: SupportTicket,
    pub conversation: ConversationSummary,
    pub tags: Vec<Tag>,
    pub team: Option<Team>,
}

/// The query of `GET /messaging/support/tickets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Tenant context; must match the token's tenant.
    #[cfg_attr(feature = "openapi", param(value_type = Option<uuid::Uuid>))]
    pub tenant_id: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Page size, 1–100 (default 20); larger values are refused with 422.
    pub limit: Option<i64>,
    /// Ticket origin: customer_portal, storefront, restaurant, email, …
    pub source: Option<String>,
    /// Only tickets about this order.
    pub order_id: Option<String>,
    /// Case-insensitive substring of the subject.
    pub search: Option<String>,
    /// `claimed` or `unassigned`.
    pub assignment_scope: Option<String>,
    /// Only tickets assigned to this user (elevated support users only).
    #[cfg_attr(feature = "openapi", param(value_type = Option<uuid::Uuid>))]
    pub assigned_to: Option<String>,
    /// Comma-separated canonical statuses (new, open, pending, on_hold, solved, closed).
    pub status: Option<String>,
}

/// The query of the routes that take nothing but the tenant context.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct TenantQuery {
    /// Tenant context; must match the token's tenant.
    #[cfg_attr(feature = "openapi", param(value_type = Option<uuid::Uuid>))]
    pub tenant_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    #[serde(default)]
    pub metadata: Option<CloseMetadata>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseMetadata {
    /// Shown in the system message posted to the conversation.
    #[serde(default)]
    pub note: Option<String>,
}
