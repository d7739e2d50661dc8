//! Entities as they cross the wire (sync feed, API responses) and sit in caches.

use crate::ids::*;
use crate::values::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A tenant's support settings (seed 000).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupportSettings {
    /// Only these users may work the support queue.
    pub support_user_ids: Vec<UserId>,
}

/// A tenant (workspace).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    /// Short unique name used at login (`demo`, `acme`).
    pub slug: String,
    pub name: String,
    pub support: SupportSettings,
    pub created_at: DateTime<Utc>,
}

/// A user as other users see them (no secrets).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: EmailAddress,
    pub name: String,
    pub picture: Option<String>,
    pub role: Role,
    /// Elevated support users may filter the queue by `assigned_to` (seed 000).
    pub elevated: bool,
    /// Listed in the tenant's `support_user_ids`.
    pub support: bool,
    /// Blocked by the tenant: an external chat owner (a customer) whose chats are not
    /// answered (seed 002 `isOwnerBlocked`).
    #[serde(default)]
    pub blocked: bool,
    pub version: i64,
}

/// A ticketing team (seed 002).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub picture: Option<String>,
    pub member_ids: Vec<UserId>,
    pub version: i64,
}

/// A tag; seed 002 addresses tags by id, seed 004 by name.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    pub version: i64,
}

/// A channel the tenant receives tickets through: a chat widget on a site, a support
/// inbox, a storefront form (seed 002 `channelId`/`channelName`/`channelType`). Its
/// type is the ticket's [`Channel`] kind.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelInfo {
    pub id: ChannelId,
    pub name: String,
    #[serde(rename = "type")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub channel_type: Channel,
    pub version: i64,
}

/// The published version of a bot responder that answered a chat (seed 002
/// `responderVersionId`/`responderVersionNumber`). Versions are immutable: an id names
/// one number forever.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResponderVersion {
    pub id: ResponderVersionId,
    pub number: i64,
}

/// The fields of a ticket whose edits are versioned one by one for conflict detection.
pub const VERSIONED_FIELDS: &[&str] = &[
    "subject",
    "description",
    "status",
    "priority",
    "type",
    "assignee_id",
    "team_id",
    "responder_id",
];

/// A ticket with everything an agent's list and detail views need.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub subject: String,
    pub description: String,
    pub summary: Option<String>,
    pub status: Status,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    // A plain string in TypeScript: `Channel` is a name the Tauri IPC runtime uses.
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub channel: Channel,
    /// The configured channel the ticket came through, when the tenant has one for it.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    pub requester_id: UserId,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub responder_id: Option<UserId>,
    pub responder_kind: Option<ResponderKind>,
    pub circumstance: Option<Circumstance>,
    /// The bot version answering the chat (a bot responder only).
    #[serde(default)]
    pub responder_version: Option<ResponderVersion>,
    pub related_order_id: Option<String>,
    pub related_delivery_id: Option<String>,
    pub products: Vec<i64>,
    pub tag_ids: Vec<TagId>,
    pub conversation_id: ConversationId,
    /// The ticket this one follows up (a reply to a closed ticket becomes a follow-up).
    pub follow_up_of: Option<TicketId>,
    pub message_count: i64,
    pub pending_message_count: i64,
    /// Soft-removed: the ticket's chat was removed; hidden from lists unless asked for.
    pub removed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ongoing_at: Option<DateTime<Utc>>,
    pub solved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The last time the assignee read the ticket's conversation (seed 002).
    #[serde(default)]
    pub last_viewed_at: Option<DateTime<Utc>>,
    /// Bumped by every change; the sync cursor orders changes, this names a state.
    pub version: i64,
    /// For each field in [`VERSIONED_FIELDS`], the ticket version that last changed it.
    pub field_versions: BTreeMap<String, i64>,
}

/// A conversation participant.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Participant {
    pub user_id: UserId,
    pub role: ParticipantRole,
    pub last_read_message_id: Option<MessageId>,
    pub joined_at: DateTime<Utc>,
}

/// The conversation of a ticket.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub ticket_id: TicketId,
    pub status: ConversationStatus,
    pub participants: Vec<Participant>,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// A file attached to a message.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    pub url: String,
    pub size: i64,
    pub mime: String,
}

/// A message in a conversation.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub ticket_id: TicketId,
    pub sender_id: Option<UserId>,
    pub message_type: MessageType,
    pub content: String,
    pub content_url: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub parent_message_id: Option<MessageId>,
    /// Internal notes are visible to support users only, never to customers.
    pub internal: bool,
    pub attachments: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
}

/// One audit-trail entry: every change to a ticket writes one per field.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub id: HistoryId,
    pub ticket_id: TicketId,
    pub field_changed: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}
