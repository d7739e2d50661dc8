//! The types the queries answer with: the CLI's `--json` output and the desktop app's
//! IPC types (exported to TypeScript behind the `specta` feature).

use crate::error::{CoreError, Result};
use crate::outbox::Delivery;
use crate::search::SearchQuery;
use chrono::{DateTime, Utc};
use outpost_domain::ids::{MessageId, TeamId, TicketId, UserId};
use outpost_domain::model::{Attachment, HistoryEntry, Ticket};
use outpost_domain::values::{MessageType, ParticipantRole, Priority, Status};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user as lists and detail views show them.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: UserId,
    pub name: String,
    pub email: String,
    /// `admin`, `agent`, `customer` or `bot`; `None` if the cached user has no role.
    pub role: Option<String>,
}

/// A team as lists and detail views show them.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRef {
    pub id: TeamId,
    pub name: String,
}

/// One row of a ticket list.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: TicketId,
    /// `None` for a ticket created offline that the server has not numbered yet.
    pub number: Option<i64>,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: String,
    pub channel: String,
    /// `None` only if the requester is not in the cache (yet).
    pub requester: Option<UserRef>,
    pub assignee: Option<UserRef>,
    pub team: Option<TeamRef>,
    /// Effective tag names, sorted.
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Messages in the cache, including ones sent locally and not confirmed yet.
    pub message_count: i64,
    /// Local changes to this ticket still waiting for the server (0: as the server
    /// has it).
    pub pending: i64,
    /// The agent is a participant of the conversation and has not read its latest
    /// message (written by someone else).
    pub unread: bool,
}

/// One page of a ticket list.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub tickets: Vec<TicketSummary>,
    /// Tickets matching the view and search, all pages together.
    pub total: i64,
}

/// A list the sidebar offers. The string form (`my_open`, `unassigned`, `all_open`,
/// `pending`, `solved`, `team:<uuid>`, `tag:<name>`, `search:<query>`) is stable: the
/// CLI takes it and the app stores it.
///
/// - `MyOpen`: assigned to me, status new, open or pending.
/// - `Unassigned`: no assignee, status new or open.
/// - `AllOpen`: status new or open.
/// - `Pending`: status pending. `Solved`: status solved.
/// - `Team(id)` / `Tag(name)`: the team's / tag's tickets with status new, open or
///   pending.
/// - `Search(query)`: a query in the [`crate::search`] language.
///
/// Closed (and on-hold) tickets are in no fixed view; `status:closed` finds them.
// Serialized as its string form, so TypeScript sees a string.
#[cfg_attr(feature = "specta", derive(specta::Type), specta(type = String))]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum View {
    MyOpen,
    Unassigned,
    AllOpen,
    Pending,
    Solved,
    Team(TeamId),
    Tag(String),
    Search(String),
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            View::MyOpen => f.write_str("my_open"),
            View::Unassigned => f.write_str("unassigned"),
            View::AllOpen => f.write_str("all_open"),
            View::Pending => f.write_str("pending"),
            View::Solved => f.write_str("solved"),
            View::Team(id) => write!(f, "team:{id}"),
            View::Tag(name) => write!(f, "tag:{name}"),
            View::Search(q) => write!(f, "search:{q}"),
        }
    }
}

impl FromStr for View {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "my_open" => View::MyOpen,
            "unassigned" => View::Unassigned,
            "all_open" => View::AllOpen,
            "pending" => View::Pending,
            "solved" => View::Solved,
            _ => {
                if let Some(id) = s.strip_prefix("team:") {
                    View::Team(id.parse().map_err(|_| {
                        CoreError::InvalidInput(format!("view {s:?}: team:<id> needs a team UUID"))
                    })?)
                } else if let Some(tag) = s.strip_prefix("tag:") {
                    View::Tag(
                        outpost_domain::values::parse_tag_name(tag)
                            .map_err(|e| CoreError::InvalidInput(format!("view {s:?}: {e}")))?,
                    )
                } else if let Some(q) = s.strip_prefix("search:") {
                    View::Search(q.to_owned())
                } else {
                    return Err(CoreError::InvalidInput(format!(
                        "unknown view {s:?}; valid views are my_open, unassigned, all_open, \
                         pending, solved, team:<id>, tag:<name>, search:<query>"
                    )));
                }
            }
        })
    }
}

impl Serialize for View {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for View {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A sidebar entry with its ticket count.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewCount {
    pub view: View,
    /// What the sidebar shows ("My open", the team's name, the saved search's name).
    pub label: String,
    pub count: i64,
}

/// Sort order of a ticket list. Every order ends with a stable tie-breaker.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Last updated first (the default; served by the `*_updated` indexes).
    #[default]
    UpdatedDesc,
    UpdatedAsc,
    CreatedDesc,
    CreatedAsc,
    /// Urgent first, then by last update.
    PriorityDesc,
    /// Unnumbered (created offline) first, then by number.
    NumberAsc,
    NumberDesc,
}

impl Sort {
    /// The `ORDER BY` clause over `tickets t`.
    pub(super) fn order_by(self) -> &'static str {
        match self {
            Sort::UpdatedDesc => " ORDER BY t.updated_at DESC, t.rowid",
            Sort::UpdatedAsc => " ORDER BY t.updated_at ASC, t.rowid DESC",
            Sort::CreatedDesc => " ORDER BY t.created_at DESC, t.rowid",
            Sort::CreatedAsc => " ORDER BY t.created_at ASC, t.rowid",
            Sort::PriorityDesc => " ORDER BY t.priority_rank, t.updated_at DESC, t.rowid",
            Sort::NumberAsc => " ORDER BY t.number ASC, t.rowid",
            Sort::NumberDesc => " ORDER BY t.number DESC, t.rowid",
        }
    }
}

/// What [`list_tickets`] lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    /// `None`: every ticket (closed ones too).
    pub view: Option<View>,
    /// Further narrowing, ANDed with the view.
    pub search: Option<SearchQuery>,
    pub sort: Sort,
    /// Page size; `None` is [`DEFAULT_LIMIT`]; more than [`MAX_LIMIT`] is refused.
    pub limit: Option<i64>,
    pub offset: i64,
}

/// A message of the ticket detail.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: MessageId,
    /// `None` for messages without a sender (system) or a sender not cached.
    pub sender: Option<UserRef>,
    pub content: String,
    pub message_type: MessageType,
    /// An internal note (support users only).
    pub internal: bool,
    /// Written by the server (`message_type == system`).
    pub system: bool,
    /// The message this one answers in a thread.
    pub parent_message_id: Option<MessageId>,
    pub attachments: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
    /// `None`: confirmed by the server. Otherwise the agent's own unconfirmed message.
    pub delivery: Option<Delivery>,
    /// The last delivery error, for `failed` and `conflict`.
    pub delivery_error: Option<String>,
}

/// One audit-trail entry with the author resolved.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    #[serde(flatten)]
    pub entry: HistoryEntry,
    /// The author, if cached.
    pub changed_by_user: Option<UserRef>,
    /// `old_value` / `new_value` as people read them: the email of a user id
    /// (assignee, requester, responder changes); `None` when the raw value is fine.
    pub old_label: Option<String>,
    pub new_label: Option<String>,
}

/// A participant of the ticket's conversation.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParticipantView {
    pub user_id: UserId,
    /// `None` if the user is not cached.
    pub user: Option<UserRef>,
    pub role: ParticipantRole,
    pub last_read_message_id: Option<MessageId>,
}

/// A composer draft, one per ticket.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub ticket_id: TicketId,
    pub body: String,
    /// Drafted as an internal note rather than a public reply.
    pub internal: bool,
    pub updated_at: DateTime<Utc>,
}

/// Everything the ticket screen shows.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketDetail {
    /// The effective ticket. Its `number` is a 0 placeholder while unnumbered: use
    /// [`TicketDetail::number`]. Its `tag_ids` may lag pending tag changes: use
    /// [`TicketDetail::tags`].
    pub ticket: Ticket,
    pub number: Option<i64>,
    /// Effective tag names, sorted.
    pub tags: Vec<String>,
    pub requester: Option<UserRef>,
    pub assignee: Option<UserRef>,
    /// Who answers the chat (a bot or a person; seed 002), with `ticket.responder_kind`,
    /// `ticket.circumstance` and `ticket.responder_version` saying how.
    pub responder: Option<UserRef>,
    /// The name of the configured channel the ticket came through, if any.
    pub channel_name: Option<String>,
    pub team: Option<TeamRef>,
    /// Local changes to this ticket still waiting for the server.
    pub pending: i64,
    /// Messages oldest first. Threads: see [`MessageView::parent_message_id`].
    pub conversation: Vec<MessageView>,
    /// Audit trail, oldest first.
    pub history: Vec<HistoryView>,
    pub participants: Vec<ParticipantView>,
    pub draft: Option<Draft>,
}

/// Where a search hit matched.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchSource {
    /// Subject or description.
    Ticket,
    /// A message of its conversation.
    Message,
    /// No text in the query: matched by filters only.
    Filters,
}

/// A piece of a snippet; `hit` parts are the matched words. Kept as parts (not markup)
/// so the UI renders them as text.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// One search result.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub ticket: TicketSummary,
    pub matched: MatchSource,
    /// The best match in context; empty when matched by filters only.
    pub snippet: Vec<SnippetPart>,
}

/// A search kept in the sidebar.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub id: uuid::Uuid,
    pub name: String,
    /// In the [`crate::search`] language.
    pub query: String,
    pub created_at: DateTime<Utc>,
}

/// [`ListQuery`] as the desktop app sends it over IPC: the search as the agent typed
/// it (parsed here, so the one parser decides what it means). TypeScript knows it as
/// `ListQuery` (the container rename changes nothing in JSON).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename = "ListQuery")]
pub struct ListRequest {
    /// `None`: every ticket (closed ones too).
    pub view: Option<View>,
    /// In the [`crate::search`] language; blank means no narrowing.
    pub search: Option<String>,
    pub sort: Sort,
    pub limit: Option<i64>,
    pub offset: i64,
}

impl TryFrom<ListRequest> for ListQuery {
    type Error = CoreError;
    fn try_from(r: ListRequest) -> Result<Self> {
        let search = match r.search.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(SearchQuery::parse(text)?),
        };
        Ok(ListQuery {
            view: r.view,
            search,
            sort: r.sort,
            limit: r.limit,
            offset: r.offset,
        })
    }
}

/// Who and what can be picked in the assign and tag menus.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Support users (agents and admins), by name.
    pub agents: Vec<UserRef>,
    /// Teams, by name.
    pub teams: Vec<TeamRef>,
    /// Every tag name known to the cache (the tenant's tags and those on tickets),
    /// sorted.
    pub tags: Vec<String>,
}
