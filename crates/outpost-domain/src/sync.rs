//! Wire formats of the sync protocol (`/sync/v1/*`): the change feed (pull), intent
//! mutations (push) and their results. See `docs/SYNC.md`.

use crate::error::ErrorCode;
use crate::ids::*;
use crate::model::*;
use crate::values::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A position in a tenant's change log, bound to the server epoch it was issued in.
///
/// Text form: `<epoch>:<seq>`; the empty string or `0` means "from the beginning".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub epoch: Option<String>,
    pub seq: i64,
}

impl Cursor {
    pub const START: Cursor = Cursor {
        epoch: None,
        seq: 0,
    };

    pub fn new(epoch: impl Into<String>, seq: i64) -> Self {
        Self {
            epoch: Some(epoch.into()),
            seq,
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.epoch {
            Some(e) => write!(f, "{e}:{}", self.seq),
            None => write!(f, "0"),
        }
    }
}

impl FromStr for Cursor {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s == "0" {
            return Ok(Cursor::START);
        }
        let bad = || InvalidValue::new("cursor", "not a cursor issued by this server");
        let (epoch, seq) = s.rsplit_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        if epoch.is_empty() || seq < 0 || !epoch.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Cursor::new(epoch, seq))
    }
}

/// The kinds of entity carried by the change feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Ticket,
    Message,
    Conversation,
    User,
    Team,
    Tag,
    History,
    Channel,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ticket => "ticket",
            Self::Message => "message",
            Self::Conversation => "conversation",
            Self::User => "user",
            Self::Team => "team",
            Self::Tag => "tag",
            Self::History => "history",
            Self::Channel => "channel",
        }
    }
}

impl FromStr for EntityKind {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "ticket" => Self::Ticket,
            "message" => Self::Message,
            "conversation" => Self::Conversation,
            "user" => Self::User,
            "team" => Self::Team,
            "tag" => Self::Tag,
            "history" => Self::History,
            "channel" => Self::Channel,
            _ => return Err(InvalidValue::new("entity", format!("unknown entity {s:?}"))),
        })
    }
}

/// The current state of one entity, or its removal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "entity", content = "data", rename_all = "snake_case")]
pub enum Change {
    Ticket(Box<Ticket>),
    Message(Message),
    Conversation(Conversation),
    User(User),
    Team(Team),
    Tag(Tag),
    History(HistoryEntry),
    Channel(ChannelInfo),
    /// The entity was deleted (or is no longer visible to the caller).
    Tombstone(Tombstone),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tombstone {
    pub kind: EntityKind,
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
}

/// One entry of the change feed: the change and its position in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub change: Change,
}

/// `GET /sync/v1/changes` response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangesPage {
    /// Identifies the server's database lifetime; a new epoch invalidates old cursors.
    pub epoch: String,
    /// Pass this back to get the next page.
    pub cursor: String,
    /// More changes are waiting after `cursor`.
    pub has_more: bool,
    pub changes: Vec<ChangeEntry>,
    /// The cursor at the end of the feed when this page was read. A client catching up
    /// shows how far it is from `cursor` (sequence numbers only grow); absent where the
    /// source cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
}

impl ChangesPage {
    /// How far `cursor` is along the feed from its start to `head`, as a whole percent
    /// (100 once nothing is left); `None` without a head or with cursors that do not
    /// parse.
    pub fn percent_done(&self) -> Option<u8> {
        if !self.has_more {
            return Some(100);
        }
        let at: Cursor = self.cursor.parse().ok()?;
        let head: Cursor = self.head.as_deref()?.parse().ok()?;
        if head.seq <= 0 {
            return None;
        }
        // Below 100 while more pages wait, whatever the rounding.
        Some((at.seq.clamp(0, head.seq) * 100 / head.seq).min(99) as u8)
    }
}

/// `POST /sync/v1/mutations` request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub client_id: ClientId,
    pub mutations: Vec<Mutation>,
}

/// One intent mutation. `seq` increases by client; the server applies each
/// `(client_id, seq)` once and answers retries with the stored result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    pub seq: i64,
    pub id: MutationId,
    #[serde(flatten)]
    pub op: MutationOp,
    /// For `ticket.update`: the field versions the client's edit was made against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BTreeMap<String, i64>>,
}

/// The mutation name and its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "name", content = "args")]
pub enum MutationOp {
    #[serde(rename = "ticket.create")]
    TicketCreate(TicketCreateArgs),
    #[serde(rename = "ticket.update")]
    TicketUpdate(TicketUpdateArgs),
    #[serde(rename = "ticket.claim")]
    TicketClaim(TicketRef),
    #[serde(rename = "ticket.assign")]
    TicketAssign(TicketAssignArgs),
    #[serde(rename = "ticket.takeover")]
    TicketTakeover(TicketRef),
    #[serde(rename = "ticket.close")]
    TicketClose(TicketCloseArgs),
    #[serde(rename = "ticket.reopen")]
    TicketReopen(TicketRef),
    #[serde(rename = "ticket.tag_add")]
    TicketTagAdd(TicketTagArgs),
    #[serde(rename = "ticket.tag_remove")]
    TicketTagRemove(TicketTagArgs),
    #[serde(rename = "message.send")]
    MessageSend(MessageSendArgs),
    #[serde(rename = "conversation.read")]
    ConversationRead(ConversationReadArgs),
}

impl MutationOp {
    /// The wire name of every kind, in declaration order (what [`MutationOp::name`]
    /// returns), for code that lists kinds: a remote's accepted actions, tests.
    pub const NAMES: [&'static str; 11] = [
        "ticket.create",
        "ticket.update",
        "ticket.claim",
        "ticket.assign",
        "ticket.takeover",
        "ticket.close",
        "ticket.reopen",
        "ticket.tag_add",
        "ticket.tag_remove",
        "message.send",
        "conversation.read",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Self::TicketCreate(_) => "ticket.create",
            Self::TicketUpdate(_) => "ticket.update",
            Self::TicketClaim(_) => "ticket.claim",
            Self::TicketAssign(_) => "ticket.assign",
            Self::TicketTakeover(_) => "ticket.takeover",
            Self::TicketClose(_) => "ticket.close",
            Self::TicketReopen(_) => "ticket.reopen",
            Self::TicketTagAdd(_) => "ticket.tag_add",
            Self::TicketTagRemove(_) => "ticket.tag_remove",
            Self::MessageSend(_) => "message.send",
            Self::ConversationRead(_) => "conversation.read",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketRef {
    pub ticket_id: TicketId,
}

/// Create a ticket; the client chooses the ids so it can show the ticket at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCreateArgs {
    pub ticket_id: TicketId,
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default, rename = "type")]
    pub ticket_type: Option<TicketType>,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Defaults to the caller.
    #[serde(default)]
    pub requester_id: Option<UserId>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub related_order_id: Option<String>,
    #[serde(default)]
    pub related_delivery_id: Option<String>,
    #[serde(default)]
    pub follow_up_of: Option<TicketId>,
}

/// Scalar field edits; only the fields present change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdateArgs {
    pub ticket_id: TicketId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<TicketType>,
}

/// Assign to an agent and/or a team; `null` clears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketAssignArgs {
    pub ticket_id: TicketId,
    /// Absent: unchanged; `null`: unassign.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<UserId>)]
    pub assignee_id: Option<Option<UserId>>,
    /// Absent: unchanged; `null`: no team.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<TeamId>)]
    pub team_id: Option<Option<TeamId>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCloseArgs {
    pub ticket_id: TicketId,
    #[serde(default)]
    pub note: Option<String>,
}

/// Tags are addressed by name; adding an unknown name creates the tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketTagArgs {
    pub ticket_id: TicketId,
    pub tag: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageSendArgs {
    /// Client-generated; a retried send with the same id never makes a second message.
    pub message_id: MessageId,
    pub ticket_id: TicketId,
    #[serde(default = "default_message_type")]
    pub message_type: MessageType,
    pub content: String,
    #[serde(default)]
    pub content_url: Option<String>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    #[serde(default)]
    pub parent_message_id: Option<MessageId>,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

fn default_message_type() -> MessageType {
    MessageType::Text
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationReadArgs {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
}

/// `POST /sync/v1/mutations` response: one result per mutation, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MutationResult {
    pub seq: i64,
    pub id: MutationId,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What happened to a mutation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Applied(Applied),
    Rejected(Rejected),
}

/// The new state a mutation produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applied {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<TicketId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<TicketNumber>,
    /// The ticket's version after the mutation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
}

/// Why a mutation was not applied; its optimistic effect must be rolled back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rejected {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<ConflictDetails>,
}

/// What the agent needs to see and resolve a conflict.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConflictDetails {
    /// For a lost claim: who holds the ticket now, and since when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
    /// For a field edit: each field someone else changed since the base.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldConflict>,
    /// The ticket's state now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_status: Option<Status>,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Holder {
    pub user_id: UserId,
    pub email: EmailAddress,
    pub name: String,
    pub since: DateTime<Utc>,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldConflict {
    pub field: String,
    pub base_version: i64,
    pub current_version: i64,
    pub current_value: serde_json::Value,
    pub changed_by: Option<UserId>,
    pub changed_by_email: Option<EmailAddress>,
    pub changed_at: Option<DateTime<Utc>>,
}

/// Payload of the `changes` event on `GET /sync/v1/events`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangesSignal {
    pub cursor: String,
}

/// Distinguishes "absent" from `null` for optional fields that can be cleared.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_text_form_round_trips() {
        let c = Cursor::new("0a1b", 42);
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        assert_eq!("".parse::<Cursor>().unwrap(), Cursor::START);
        assert!("zz:1".parse::<Cursor>().is_err(), "epoch must be hex");
        assert!("ab:-1".parse::<Cursor>().is_err());
    }

    #[test]
    fn mutation_wire_form_is_name_args_base() {
        let json = serde_json::json!({
            "seq": 3,
            "id": "0190a0c4-7b3e-7d0e-8a4e-3f2f6c1a9b10",
            "name": "ticket.update",
            "args": {"ticket_id": "0190a0c4-7b3e-7d0e-8a4e-3f2f6c1a9b11", "status": "pending"},
            "base": {"status": 7}
        });
        let m: Mutation = serde_json::from_value(json.clone()).unwrap();
        assert!(matches!(&m.op, MutationOp::TicketUpdate(a) if a.status == Some(Status::Pending)));
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json,
            "serialization is the inverse"
        );
    }

    #[test]
    fn assign_distinguishes_absent_from_null() {
        let a: TicketAssignArgs = serde_json::from_str(
            r#"{"ticket_id":"0190a0c4-7b3e-7d0e-8a4e-3f2f6c1a9b11","assignee_id":null}"#,
        )
        .unwrap();
        assert_eq!(a.assignee_id, Some(None), "null means unassign");
        assert_eq!(a.team_id, None, "absent means unchanged");
    }

    #[test]
    fn unknown_mutation_fields_are_refused() {
        let r = serde_json::from_str::<TicketRef>(
            r#"{"ticket_id":"0190a0c4-7b3e-7d0e-8a4e-3f2f6c1a9b11","tenant_id":"x"}"#,
        );
        assert!(r.is_err(), "mass-assignment of tenant_id must not parse");
    }

    fn page(cursor: &str, head: Option<&str>, has_more: bool) -> ChangesPage {
        ChangesPage {
            epoch: "ab".into(),
            cursor: cursor.into(),
            has_more,
            changes: Vec::new(),
            head: head.map(Into::into),
        }
    }

    #[test]
    fn percent_done_is_the_cursor_against_the_head() {
        assert_eq!(
            page("ab:250", Some("ab:1000"), true).percent_done(),
            Some(25)
        );
        assert_eq!(
            page("ab:999", Some("ab:1000"), true).percent_done(),
            Some(99),
            "below 100 while pages wait"
        );
        assert_eq!(
            page("ab:1200", Some("ab:1000"), true).percent_done(),
            Some(99),
            "a head read before the page's own changes"
        );
        assert_eq!(
            page("ab:1000", Some("ab:1000"), false).percent_done(),
            Some(100)
        );
        assert_eq!(page("ab:10", None, true).percent_done(), None, "no head");
        assert_eq!(
            page("ab:10", Some("0"), true).percent_done(),
            None,
            "an empty feed"
        );
        assert_eq!(
            page("poll-7", Some("ab:10"), true).percent_done(),
            None,
            "not a cursor of this server"
        );
    }
}
