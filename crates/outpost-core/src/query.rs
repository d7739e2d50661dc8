//! Offline reads of the local cache (ticket lists, views and their counts, ticket
//! detail, full-text search) and the small local-only writes that go with them
//! (drafts, saved searches). Every read sees the effective state: server base plus
//! pending local changes, as the `tickets` table holds it.
//!
//! The DTOs here are the CLI's `--json` output and the desktop app's IPC types.

use crate::error::{CoreError, Result};
use crate::search::{AssigneeFilter, SearchQuery};
use chrono::{DateTime, Utc};
use outpost_domain::ids::{MessageId, TeamId, TicketId, UserId};
use outpost_domain::model::{Attachment, Conversation, HistoryEntry, Message, Ticket};
use outpost_domain::values::{EmailAddress, MessageType, ParticipantRole, Priority, Status};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqliteExecutor, SqlitePool};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// Statuses of "My open", team and tag views: everything still waiting on someone.
pub const MY_OPEN_STATUSES: &[Status] = &[Status::New, Status::Open, Status::Pending];
/// Statuses of "Unassigned" and "All open": work nobody has parked yet.
pub const OPEN_STATUSES: &[Status] = &[Status::New, Status::Open];
/// Default page size of [`list_tickets`].
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size of [`list_tickets`] and [`search`].
pub const MAX_LIMIT: i64 = 500;

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
    fn order_by(self) -> &'static str {
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

use crate::conflicts::ConflictKind;
/// How far a message the agent sent has got (the same states as every outbox entry).
pub use crate::outbox::Delivery;
use crate::outbox::OutboxState;

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

fn push_statuses(qb: &mut QueryBuilder<Sqlite>, statuses: &[Status]) {
    qb.push(" AND t.status IN (");
    let mut sep = qb.separated(", ");
    for s in statuses {
        sep.push_bind(s.as_str());
    }
    qb.push(")");
}

/// Append ` AND …` conditions for `view` and `search` to a query over `tickets t`.
/// `me_str` is the signed-in user's id as stored.
fn push_filters(
    qb: &mut QueryBuilder<Sqlite>,
    me: &str,
    view: Option<&View>,
    search: Option<&SearchQuery>,
) -> Result<()> {
    match view {
        None => {}
        Some(View::MyOpen) => {
            qb.push(" AND t.assignee_id = ").push_bind(me.to_owned());
            push_statuses(qb, MY_OPEN_STATUSES);
        }
        Some(View::Unassigned) => {
            qb.push(" AND t.assignee_id IS NULL");
            push_statuses(qb, OPEN_STATUSES);
        }
        Some(View::AllOpen) => push_statuses(qb, OPEN_STATUSES),
        Some(View::Pending) => push_statuses(qb, &[Status::Pending]),
        Some(View::Solved) => push_statuses(qb, &[Status::Solved]),
        Some(View::Team(id)) => {
            qb.push(" AND t.team_id = ").push_bind(id.to_string());
            push_statuses(qb, MY_OPEN_STATUSES);
        }
        Some(View::Tag(name)) => {
            qb.push(" AND t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ")
                .push_bind(name.clone())
                .push(")");
            push_statuses(qb, MY_OPEN_STATUSES);
        }
        Some(View::Search(text)) => push_search(qb, me, &SearchQuery::parse(text)?)?,
    }
    if let Some(q) = search {
        push_search(qb, me, q)?;
    }
    Ok(())
}

fn push_search(qb: &mut QueryBuilder<Sqlite>, me: &str, q: &SearchQuery) -> Result<()> {
    push_search_filters(qb, me, q);
    // The full match set, so `total` is exact; [`search`] is the fast path for typing.
    if let Some(m) = q.fts_match(false) {
        qb.push(" AND (t.rowid IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ")
            .push_bind(m.clone())
            .push(
                ") OR t.id IN (SELECT m.ticket_id FROM messages_fts \
                 JOIN messages m ON m.rowid = messages_fts.rowid WHERE messages_fts MATCH ",
            )
            .push_bind(m)
            .push("))");
    }
    Ok(())
}

fn push_search_filters(qb: &mut QueryBuilder<Sqlite>, me: &str, q: &SearchQuery) {
    if !q.statuses.is_empty() {
        push_statuses(qb, &q.statuses);
    }
    match &q.assignee {
        None => {}
        Some(AssigneeFilter::Me) => {
            qb.push(" AND t.assignee_id = ").push_bind(me.to_owned());
        }
        Some(AssigneeFilter::None) => {
            qb.push(" AND t.assignee_id IS NULL");
        }
        Some(AssigneeFilter::Email(e)) => {
            qb.push(" AND t.assignee_id IN (SELECT id FROM users WHERE email = ")
                .push_bind(e.as_str().to_owned())
                .push(")");
        }
    }
    for tag in &q.tags {
        qb.push(" AND t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ")
            .push_bind(tag.clone())
            .push(")");
    }
    if !q.priorities.is_empty() {
        qb.push(" AND t.priority IN (");
        let mut sep = qb.separated(", ");
        for p in &q.priorities {
            sep.push_bind(p.as_str());
        }
        qb.push(")");
    }
    if !q.types.is_empty() {
        qb.push(" AND t.type IN (");
        let mut sep = qb.separated(", ");
        for t in &q.types {
            sep.push_bind(t.as_str().to_owned());
        }
        qb.push(")");
    }
    if !q.teams.is_empty() {
        qb.push(" AND t.team_id IN (SELECT id FROM teams WHERE lower(name) IN (");
        let mut sep = qb.separated(", ");
        for t in &q.teams {
            sep.push_bind(t.to_lowercase());
        }
        qb.push("))");
    }
    if let Some(e) = &q.requester {
        qb.push(" AND t.requester_id IN (SELECT id FROM users WHERE email = ")
            .push_bind(e.as_str().to_owned())
            .push(")");
    }
    if let Some(n) = q.number {
        qb.push(" AND t.number = ").push_bind(n);
    }
}

/// Columns of [`TicketSummary`] over `tickets t`; binds `me` once (for `unread`).
fn push_summary_select(qb: &mut QueryBuilder<Sqlite>, me: &str) {
    qb.push(
        "SELECT t.id, t.number, t.subject, t.status, t.priority, t.type, t.channel, \
         t.created_at, t.updated_at, t.pending, \
         t.requester_id, ru.name AS r_name, ru.email AS r_email, \
         json_extract(ru.data, '$.role') AS r_role, \
         t.assignee_id, au.name AS a_name, au.email AS a_email, \
         json_extract(au.data, '$.role') AS a_role, \
         t.team_id, tm.name AS team_name, \
         (SELECT group_concat(tag, char(31)) FROM \
            (SELECT tag FROM ticket_tags WHERE ticket_id = t.id ORDER BY tag)) AS tags, \
         (SELECT COUNT(*) FROM messages WHERE ticket_id = t.id) AS message_count, \
         (SELECT id || char(31) || coalesce(sender_id, '') FROM messages \
            WHERE ticket_id = t.id ORDER BY created_at DESC, rowid DESC LIMIT 1) AS last_message, \
         (SELECT coalesce(json_extract(p.value, '$.last_read_message_id'), '') \
            FROM conversations c, json_each(c.data, '$.participants') p \
            WHERE c.id = t.conversation_id AND json_extract(p.value, '$.user_id') = ",
    )
    .push_bind(me.to_owned())
    .push(
        " LIMIT 1) AS my_last_read \
         FROM tickets t \
         LEFT JOIN users ru ON ru.id = t.requester_id \
         LEFT JOIN users au ON au.id = t.assignee_id \
         LEFT JOIN teams tm ON tm.id = t.team_id",
    );
}

fn parse_col<T: FromStr>(row: &SqliteRow, col: &str) -> Result<T> {
    let s: String = row.try_get(col)?;
    s.parse()
        .map_err(|_| CoreError::Protocol(format!("cached {col} {s:?} is not valid")))
}

fn parse_time(row: &SqliteRow, col: &str) -> Result<DateTime<Utc>> {
    let s: String = row.try_get(col)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CoreError::Protocol(format!("cached {col} {s:?} is not a time")))
}

/// The team in columns `id` and `name` of `row`; `None` when the id is null (a team
/// not cached yet keeps an empty name).
fn team_ref(row: &SqliteRow, id: &str, name: &str) -> Result<Option<TeamRef>> {
    let Some(id) = row.try_get::<Option<String>, _>(id)? else {
        return Ok(None);
    };
    Ok(Some(TeamRef {
        id: id
            .parse()
            .map_err(|_| CoreError::Protocol(format!("cached team id {id:?}")))?,
        name: row.try_get::<Option<String>, _>(name)?.unwrap_or_default(),
    }))
}

fn user_ref(
    row: &SqliteRow,
    id: &str,
    name: &str,
    email: &str,
    role: &str,
) -> Result<Option<UserRef>> {
    let Some(id) = row.try_get::<Option<String>, _>(id)? else {
        return Ok(None);
    };
    let Some(name) = row.try_get::<Option<String>, _>(name)? else {
        return Ok(None);
    };
    Ok(Some(UserRef {
        id: id
            .parse()
            .map_err(|_| CoreError::Protocol(format!("cached user id {id:?}")))?,
        name,
        email: row.try_get::<Option<String>, _>(email)?.unwrap_or_default(),
        role: row.try_get(role)?,
    }))
}

fn summary_from_row(row: &SqliteRow, me: &str) -> Result<TicketSummary> {
    let tags: Option<String> = row.try_get("tags")?;
    let last_message: Option<String> = row.try_get("last_message")?;
    let my_last_read: Option<String> = row.try_get("my_last_read")?;
    let unread = match (my_last_read, last_message) {
        (Some(read), Some(last)) => {
            let (last_id, sender) = last.split_once('\u{1f}').unwrap_or((last.as_str(), ""));
            sender != me && read != last_id
        }
        _ => false,
    };
    let team = team_ref(row, "team_id", "team_name")?;
    Ok(TicketSummary {
        id: parse_col(row, "id")?,
        number: row.try_get("number")?,
        subject: row.try_get("subject")?,
        status: parse_col(row, "status")?,
        priority: parse_col(row, "priority")?,
        ticket_type: row.try_get("type")?,
        channel: row.try_get("channel")?,
        requester: user_ref(row, "requester_id", "r_name", "r_email", "r_role")?,
        assignee: user_ref(row, "assignee_id", "a_name", "a_email", "a_role")?,
        team,
        tags: tags
            .map(|t| t.split('\u{1f}').map(str::to_owned).collect())
            .unwrap_or_default(),
        created_at: parse_time(row, "created_at")?,
        updated_at: parse_time(row, "updated_at")?,
        message_count: row.try_get("message_count")?,
        pending: row.try_get("pending")?,
        unread,
    })
}

fn check_limit(limit: Option<i64>) -> Result<i64> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(CoreError::InvalidInput(format!(
            "limit {n} is out of range; use 1 to {MAX_LIMIT}"
        ))),
    }
}

/// One page of tickets of a view, narrowed by a search, in the requested order, with
/// the total count of matches.
///
/// Filters and sort use the `tickets_*_updated` indexes; free text in `search` is
/// matched against the full FTS match set (exact total), which is slower for very
/// common words than [`search`].
#[tracing::instrument(skip_all, fields(view = ?q.view))]
pub async fn list_tickets(pool: &SqlitePool, me: UserId, q: &ListQuery) -> Result<TicketPage> {
    let limit = check_limit(q.limit)?;
    if q.offset < 0 {
        return Err(CoreError::InvalidInput(
            "offset must not be negative".into(),
        ));
    }
    let me = me.to_string();
    if let (Some(View::Tag(tag)), None) = (&q.view, &q.search) {
        return list_tag_view(pool, &me, tag, q.sort, limit, q.offset).await;
    }
    let total = count(pool, &me, q.view.as_ref(), q.search.as_ref()).await?;
    if total == 0 || q.offset >= total {
        return Ok(TicketPage {
            tickets: Vec::new(),
            total,
        });
    }

    // Pick the page's rows first (rowids only), then build the summaries of just those:
    // the summary columns are subqueries, and SQLite fills them before sorting.
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT t.rowid FROM tickets t");
    // Many matches sorted by update time: walk the update-time index newest first and
    // stop after the page, instead of sorting every match. Few matches: let SQLite
    // fetch them through the filter's index and sort them.
    let walkable = total > WALK_INDEX_ABOVE
        && q.search.as_ref().is_none_or(|s| s.text.is_empty())
        && !matches!(q.view, Some(View::Search(_)));
    match q.sort {
        Sort::UpdatedDesc | Sort::UpdatedAsc if walkable => {
            qb.push(" INDEXED BY ").push(WALK_UPDATED);
        }
        Sort::CreatedDesc | Sort::CreatedAsc if walkable => {
            qb.push(" INDEXED BY ").push(WALK_CREATED);
        }
        Sort::PriorityDesc if walkable => {
            qb.push(" INDEXED BY ").push(WALK_PRIORITY);
        }
        Sort::NumberAsc | Sort::NumberDesc if walkable => {
            qb.push(" INDEXED BY tickets_number");
        }
        _ => {}
    }
    qb.push(" WHERE 1");
    push_filters(&mut qb, &me, q.view.as_ref(), q.search.as_ref())?;
    qb.push(q.sort.order_by());
    qb.push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    let rowids: Vec<i64> = qb.build_query_scalar().fetch_all(pool).await?;
    let tickets = summaries(pool, &me, &rowids, q.sort).await?;
    Ok(TicketPage { tickets, total })
}

/// A tag view straight from `ticket_tags`' (tag, status, updated_at) index: counted and
/// paged without reading ticket rows.
async fn list_tag_view(
    pool: &SqlitePool,
    me: &str,
    tag: &str,
    sort: Sort,
    limit: i64,
    offset: i64,
) -> Result<TicketPage> {
    let tag = outpost_domain::values::parse_tag_name(tag)
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM ticket_tags tt WHERE tt.tag = ");
    qb.push_bind(tag.clone());
    push_tag_statuses(&mut qb, MY_OPEN_STATUSES);
    let total: i64 = qb.build_query_scalar().fetch_one(pool).await?;
    if total == 0 || offset >= total {
        return Ok(TicketPage {
            tickets: Vec::new(),
            total,
        });
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT t.rowid FROM ticket_tags tt CROSS JOIN tickets t ON t.id = tt.ticket_id \
         WHERE tt.tag = ",
    );
    qb.push_bind(tag);
    push_tag_statuses(&mut qb, MY_OPEN_STATUSES);
    qb.push(match sort {
        Sort::UpdatedDesc => " ORDER BY tt.updated_at DESC, tt.ticket_id".to_owned(),
        other => other.order_by().to_owned(),
    });
    qb.push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rowids: Vec<i64> = qb.build_query_scalar().fetch_all(pool).await?;
    let tickets = summaries(pool, me, &rowids, sort).await?;
    Ok(TicketPage { tickets, total })
}

fn push_tag_statuses(qb: &mut QueryBuilder<Sqlite>, statuses: &[Status]) {
    qb.push(" AND tt.status IN (");
    let mut sep = qb.separated(", ");
    for s in statuses {
        sep.push_bind(s.as_str());
    }
    qb.push(")");
}

/// Above this many matches a list walks one of these indexes instead of sorting. Each
/// carries the status, so status views skip rows without reading them.
const WALK_INDEX_ABOVE: i64 = 2000;
const WALK_UPDATED: &str = "tickets_updated_status";
const WALK_CREATED: &str = "tickets_created_status";
const WALK_PRIORITY: &str = "tickets_priority_updated_status";

/// Summaries of the given ticket rows, in `sort` order.
async fn summaries(
    pool: &SqlitePool,
    me: &str,
    rowids: &[i64],
    sort: Sort,
) -> Result<Vec<TicketSummary>> {
    if rowids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new("");
    push_summary_select(&mut qb, me);
    qb.push(" WHERE t.rowid IN (SELECT value FROM json_each(")
        .push_bind(serde_json::to_string(rowids)?)
        .push("))")
        .push(sort.order_by());
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter().map(|r| summary_from_row(r, me)).collect()
}

async fn count(
    pool: &SqlitePool,
    me: &str,
    view: Option<&View>,
    search: Option<&SearchQuery>,
) -> Result<i64> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM tickets t WHERE 1");
    push_filters(&mut qb, me, view, search)?;
    Ok(qb.build_query_scalar().fetch_one(pool).await?)
}

/// Counts for the sidebar: the five fixed views, each team and each tag with at least
/// one ticket in its view (see [`View`]), then each saved search (a saved search that
/// no longer parses counts 0).
#[tracing::instrument(skip_all)]
pub async fn view_counts(pool: &SqlitePool, me: UserId) -> Result<Vec<ViewCount>> {
    let me_s = me.to_string();
    let mut out = Vec::new();
    for (view, label) in [
        (View::MyOpen, "My open"),
        (View::Unassigned, "Unassigned"),
        (View::AllOpen, "All open"),
        (View::Pending, "Pending"),
        (View::Solved, "Solved"),
    ] {
        let count = count(pool, &me_s, Some(&view), None).await?;
        out.push(ViewCount {
            view,
            label: label.into(),
            count,
        });
    }

    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT tm.id, tm.name, COUNT(t.id) FROM teams tm \
         JOIN tickets t ON t.team_id = tm.id WHERE 1",
    );
    push_statuses(&mut qb, MY_OPEN_STATUSES);
    qb.push(" GROUP BY tm.id ORDER BY lower(tm.name)");
    for row in qb.build().fetch_all(pool).await? {
        let id: String = row.try_get(0)?;
        out.push(ViewCount {
            view: View::Team(
                id.parse()
                    .map_err(|_| CoreError::Protocol(format!("cached team id {id:?}")))?,
            ),
            label: row.try_get(1)?,
            count: row.try_get(2)?,
        });
    }

    let mut qb = QueryBuilder::<Sqlite>::new("SELECT tt.tag, COUNT(*) FROM ticket_tags tt WHERE 1");
    push_tag_statuses(&mut qb, MY_OPEN_STATUSES);
    qb.push(" GROUP BY tt.tag ORDER BY tt.tag");
    for row in qb.build().fetch_all(pool).await? {
        let tag: String = row.try_get(0)?;
        out.push(ViewCount {
            view: View::Tag(tag.clone()),
            label: tag,
            count: row.try_get(1)?,
        });
    }

    for saved in list_saved_searches(pool).await? {
        let view = View::Search(saved.query.clone());
        let count = match count(pool, &me_s, Some(&view), None).await {
            Ok(n) => n,
            Err(CoreError::InvalidInput(e)) => {
                tracing::warn!(search = %saved.name, error = %e, "saved search does not parse");
                0
            }
            Err(e) => return Err(e),
        };
        out.push(ViewCount {
            view,
            label: saved.name,
            count,
        });
    }
    Ok(out)
}

enum TicketKey {
    Number(i64),
    Id(TicketId),
}

fn parse_ticket_key(key: &str) -> Result<TicketKey> {
    let k = key.trim();
    let digits = k.strip_prefix('#').unwrap_or(k);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits
            .parse()
            .map(TicketKey::Number)
            .map_err(|_| CoreError::InvalidInput(format!("ticket number {key:?} is too large")));
    }
    k.parse().map(TicketKey::Id).map_err(|_| {
        CoreError::InvalidInput(format!(
            "{key:?} is not a ticket: give a number (1042 or #1042) or a ticket id (UUID)"
        ))
    })
}

/// The ticket a key names: a number (`1042`, `#1042`) or a ticket id (UUID).
/// [`CoreError::NotFound`] if the cache has no such ticket.
pub async fn resolve_ticket<'c>(ex: impl SqliteExecutor<'c>, key: &str) -> Result<TicketId> {
    let id: Option<String> = match parse_ticket_key(key)? {
        TicketKey::Number(n) => {
            sqlx::query_scalar("SELECT id FROM tickets WHERE number = ?")
                .bind(n)
                .fetch_optional(ex)
                .await?
        }
        TicketKey::Id(id) => {
            sqlx::query_scalar("SELECT id FROM tickets WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(ex)
                .await?
        }
    };
    let id = id.ok_or_else(|| CoreError::not_found("ticket", key.trim()))?;
    id.parse()
        .map_err(|_| CoreError::Protocol(format!("cached ticket id {id:?}")))
}

/// A cached user by email (case-insensitive). [`CoreError::NotFound`] if absent.
pub async fn resolve_user_by_email<'c>(
    ex: impl SqliteExecutor<'c>,
    email: &str,
) -> Result<UserRef> {
    let e = EmailAddress::parse(email).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let row = sqlx::query(
        "SELECT id, name, email, json_extract(data, '$.role') AS role FROM users \
         WHERE email = ? LIMIT 1",
    )
    .bind(e.as_str())
    .fetch_optional(ex)
    .await?
    .ok_or_else(|| CoreError::not_found("user", e.as_str()))?;
    user_ref(&row, "id", "name", "email", "role")?
        .ok_or_else(|| CoreError::not_found("user", e.as_str()))
}

async fn users_by_id(pool: &SqlitePool, ids: &HashSet<UserId>) -> Result<HashMap<UserId, UserRef>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = sqlx::query(
        "SELECT id, name, email, json_extract(data, '$.role') AS role FROM users \
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(serde_json::to_string(&ids)?)
    .fetch_all(pool)
    .await?;
    let mut out = HashMap::new();
    for row in &rows {
        if let Some(u) = user_ref(row, "id", "name", "email", "role")? {
            out.insert(u.id, u);
        }
    }
    Ok(out)
}

/// The ticket screen: the effective ticket, its conversation in time order with the
/// delivery state of the agent's unconfirmed messages, history, participants and the
/// draft. `key` as in [`resolve_ticket`].
#[tracing::instrument(skip(pool, _me))]
pub async fn ticket_detail(pool: &SqlitePool, _me: UserId, key: &str) -> Result<TicketDetail> {
    let id = resolve_ticket(pool, key).await?;
    let id_s = id.to_string();
    let row = sqlx::query(
        "SELECT t.number, t.pending, t.data, tm.name AS team_name FROM tickets t \
         LEFT JOIN teams tm ON tm.id = t.team_id WHERE t.id = ?",
    )
    .bind(&id_s)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| CoreError::not_found("ticket", key.trim()))?;
    let ticket: Ticket = serde_json::from_str(row.try_get::<&str, _>("data")?)?;
    let number: Option<i64> = row.try_get("number")?;
    let pending: i64 = row.try_get("pending")?;
    let team = ticket.team_id.map(|tid| TeamRef {
        id: tid,
        name: row
            .try_get::<Option<String>, _>("team_name")
            .ok()
            .flatten()
            .unwrap_or_default(),
    });

    let tags: Vec<String> =
        sqlx::query_scalar("SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag")
            .bind(&id_s)
            .fetch_all(pool)
            .await?;

    let message_rows = sqlx::query(
        "SELECT m.data, m.local_seq, o.state, o.attempts, o.last_error, \
         (SELECT c.kind FROM conflicts c WHERE c.seq = m.local_seq) AS kind FROM messages m \
         LEFT JOIN outbox o ON o.seq = m.local_seq \
         WHERE m.ticket_id = ? ORDER BY m.created_at, m.rowid",
    )
    .bind(&id_s)
    .fetch_all(pool)
    .await?;
    let mut messages = Vec::with_capacity(message_rows.len());
    for r in &message_rows {
        let m: Message = serde_json::from_str(r.try_get::<&str, _>("data")?)?;
        let local: Option<i64> = r.try_get("local_seq")?;
        let state: Option<String> = r.try_get("state")?;
        let attempts: Option<i64> = r.try_get("attempts")?;
        let last_error: Option<String> = r.try_get("last_error")?;
        let kind: Option<String> = r.try_get("kind")?;
        let state = state.as_deref().map(OutboxState::parse).transpose()?;
        let delivery = local.map(|_| match state {
            Some(state) => Delivery::of(
                state,
                attempts.unwrap_or(0) > 0,
                kind.as_deref().map(ConflictKind::parse),
            ),
            // The outbox row is gone: nothing says it failed.
            None => Delivery::Pending,
        });
        let delivery_error = match delivery {
            Some(Delivery::Failed | Delivery::Conflict) => last_error,
            _ => None,
        };
        messages.push((m, delivery, delivery_error));
    }

    let history_rows: Vec<String> =
        sqlx::query_scalar("SELECT data FROM history WHERE ticket_id = ? ORDER BY created_at, id")
            .bind(&id_s)
            .fetch_all(pool)
            .await?;
    let history: Vec<HistoryEntry> = history_rows
        .iter()
        .map(|d| serde_json::from_str(d))
        .collect::<std::result::Result<_, _>>()?;

    let conversation: Option<String> =
        sqlx::query_scalar("SELECT data FROM conversations WHERE id = ?")
            .bind(ticket.conversation_id.to_string())
            .fetch_optional(pool)
            .await?;
    let conversation: Option<Conversation> = conversation
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?;
    let participants = conversation.map(|c| c.participants).unwrap_or_default();

    let mut ids: HashSet<UserId> = HashSet::new();
    ids.insert(ticket.requester_id);
    ids.extend(ticket.assignee_id);
    ids.extend(messages.iter().filter_map(|(m, _, _)| m.sender_id));
    ids.extend(history.iter().filter_map(|h| h.changed_by));
    let user_valued = |h: &HistoryEntry| {
        matches!(
            h.field_changed.as_str(),
            "assignee_id" | "requester_id" | "responder_id"
        )
    };
    for h in history.iter().filter(|h| user_valued(h)) {
        for v in [&h.old_value, &h.new_value].into_iter().flatten() {
            if let Ok(u) = v.parse::<UserId>() {
                ids.insert(u);
            }
        }
    }
    ids.extend(participants.iter().map(|p| p.user_id));
    let users = users_by_id(pool, &ids).await?;
    let user = |id: Option<UserId>| id.and_then(|id| users.get(&id).cloned());

    let draft = get_draft(pool, id).await?;
    Ok(TicketDetail {
        number,
        tags,
        requester: user(Some(ticket.requester_id)),
        assignee: user(ticket.assignee_id),
        team,
        pending,
        conversation: messages
            .into_iter()
            .map(|(m, delivery, delivery_error)| MessageView {
                id: m.id,
                sender: user(m.sender_id),
                system: m.message_type == MessageType::System,
                content: m.content,
                message_type: m.message_type,
                internal: m.internal,
                parent_message_id: m.parent_message_id,
                attachments: m.attachments,
                created_at: m.created_at,
                delivery,
                delivery_error,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|entry| {
                let label = |v: &Option<String>| {
                    v.as_deref()
                        .filter(|_| user_valued(&entry))
                        .and_then(|v| v.parse::<UserId>().ok())
                        .and_then(|u| users.get(&u))
                        .map(|u| u.email.clone())
                };
                HistoryView {
                    changed_by_user: user(entry.changed_by),
                    old_label: label(&entry.old_value),
                    new_label: label(&entry.new_value),
                    entry,
                }
            })
            .collect(),
        participants: participants
            .into_iter()
            .map(|p| ParticipantView {
                user: user(Some(p.user_id)),
                user_id: p.user_id,
                role: p.role,
                last_read_message_id: p.last_read_message_id,
            })
            .collect(),
        draft,
        ticket,
    })
}

const HIT_OPEN: &str = "\u{2}";
const HIT_CLOSE: &str = "\u{3}";

fn snippet_parts(s: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (before, after) = rest.split_once(HIT_OPEN).unwrap_or((rest, ""));
        if !before.is_empty() {
            parts.push(SnippetPart {
                text: before.to_owned(),
                hit: false,
            });
        }
        if after.is_empty() {
            break;
        }
        let (hit, tail) = after.split_once(HIT_CLOSE).unwrap_or((after, ""));
        if !hit.is_empty() {
            parts.push(SnippetPart {
                text: hit.to_owned(),
                hit: true,
            });
        }
        rest = tail;
    }
    parts
}

/// How many message matches (newest first) [`search`] reads per result wanted.
const MESSAGE_SCAN_FACTOR: i64 = 20;
/// How many ticket (subject/description) matches [`search`] reads per result wanted.
const TICKET_SCAN_FACTOR: i64 = 4;

/// Instant search: tickets whose subject, description or messages match the free text
/// and which pass every filter, last updated first, each with a snippet of its best
/// match (subject/description before messages). Without free text, the filters alone
/// list tickets (as [`list_tickets`]).
///
/// Approach (bounded work for common words over 1M messages): both FTS tables are read
/// in rowid order newest first with a LIMIT, so SQLite stops after the first matches
/// instead of materializing every one: at most `limit × 4` tickets from `tickets_fts` and
/// `limit × 20` messages from `messages_fts`, each joined to its ticket with the filters
/// applied. The distinct tickets found are then ordered by `updated_at` and cut to
/// `limit`. The trade-off: for a word matching more than that many rows, older matches
/// are left out (the most recent ones are what an agent looks for); `list_tickets` with
/// a search gives the exhaustive list and count. The last word is matched as a prefix
/// while the agent is typing ([`SearchQuery::last_word_open`]).
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &SqlitePool,
    me: UserId,
    q: &SearchQuery,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let limit = check_limit(Some(limit))?;
    let me_s = me.to_string();
    let Some(fts) = q.fts_match(true) else {
        let page = list_tickets(
            pool,
            me,
            &ListQuery {
                search: Some(q.clone()),
                limit: Some(limit),
                ..ListQuery::default()
            },
        )
        .await?;
        return Ok(page
            .tickets
            .into_iter()
            .map(|ticket| SearchHit {
                ticket,
                matched: MatchSource::Filters,
                snippet: Vec::new(),
            })
            .collect());
    };

    // Candidates, cheapest first: the newest FTS matches are taken into a materialized
    // list (FTS5 walks its rowids newest first and stops at the LIMIT), and only then
    // joined to tickets with the filters — never an FTS lookup per ticket row.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "WITH hits AS MATERIALIZED (SELECT rowid AS r FROM tickets_fts WHERE tickets_fts MATCH ",
    );
    qb.push_bind(fts.clone())
        .push(" ORDER BY rowid DESC LIMIT ")
        .push_bind(limit * TICKET_SCAN_FACTOR)
        .push(") SELECT t.rowid FROM hits CROSS JOIN tickets t ON t.rowid = hits.r WHERE 1");
    push_search_filters(&mut qb, &me_s, q);
    let by_ticket: Vec<i64> = qb.build_query_scalar().fetch_all(pool).await?;

    let mut qb = QueryBuilder::<Sqlite>::new(
        "WITH hits AS MATERIALIZED (SELECT rowid AS r FROM messages_fts WHERE messages_fts MATCH ",
    );
    qb.push_bind(fts.clone())
        .push(" ORDER BY rowid DESC LIMIT ")
        .push_bind(limit * MESSAGE_SCAN_FACTOR)
        .push(
            ") SELECT t.rowid, max(m.rowid) FROM hits CROSS JOIN messages m ON m.rowid = hits.r \
             CROSS JOIN tickets t ON t.id = m.ticket_id WHERE 1",
        );
    push_search_filters(&mut qb, &me_s, q);
    qb.push(" GROUP BY t.rowid");
    let by_message: Vec<(i64, i64)> = qb.build_query_as().fetch_all(pool).await?;

    let mut candidates: Vec<i64> = by_ticket.clone();
    let ticket_hit: HashSet<i64> = by_ticket.into_iter().collect();
    let mut message_of: HashMap<i64, i64> = HashMap::new();
    for (t, m) in by_message {
        if !ticket_hit.contains(&t) {
            candidates.push(t);
        }
        message_of.insert(t, m);
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // The newest-updated `limit` of them.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT t.rowid FROM tickets t WHERE t.rowid IN (SELECT value FROM json_each(",
    );
    qb.push_bind(serde_json::to_string(&candidates)?)
        .push("))")
        .push(Sort::UpdatedDesc.order_by())
        .push(" LIMIT ")
        .push_bind(limit);
    let page: Vec<i64> = qb.build_query_scalar().fetch_all(pool).await?;

    // Snippets for the page only: subject/description when the ticket text matched,
    // else its newest matching message.
    let mut snippets: HashMap<i64, (MatchSource, String)> = HashMap::new();
    let words: Vec<String> = q
        .text
        .iter()
        .flat_map(|t| t.text().split_whitespace().map(str::to_lowercase))
        .collect();
    let prefix_last = q.last_word_open;
    let ticket_rows: Vec<i64> = page
        .iter()
        .copied()
        .filter(|r| ticket_hit.contains(r))
        .collect();
    if !ticket_rows.is_empty() {
        // Snippets are cut from the stored text here rather than with FTS5's
        // snippet(): next to a MATCH, a prefix query ("refu"*) costs a merge of every
        // matching term's doclist per row.
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT rowid, subject || ' — ' || description FROM tickets \
             WHERE rowid IN (SELECT value FROM json_each(",
        );
        qb.push_bind(serde_json::to_string(&ticket_rows)?)
            .push("))");
        for (r, snip) in qb.build_query_as::<(i64, String)>().fetch_all(pool).await? {
            snippets.insert(
                r,
                (
                    MatchSource::Ticket,
                    make_snippet(&snip, &words, prefix_last),
                ),
            );
        }
    }
    let message_rows: Vec<(i64, i64)> = page
        .iter()
        .filter(|r| !ticket_hit.contains(r))
        .filter_map(|r| message_of.get(r).map(|m| (*r, *m)))
        .collect();
    if !message_rows.is_empty() {
        let rows: Vec<i64> = message_rows.iter().map(|(_, m)| *m).collect();
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT rowid, content FROM messages WHERE rowid IN (SELECT value FROM json_each(",
        );
        qb.push_bind(serde_json::to_string(&rows)?).push("))");
        let by_msg: HashMap<i64, String> = qb
            .build_query_as::<(i64, String)>()
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
        for (t, m) in message_rows {
            if let Some(text) = by_msg.get(&m) {
                snippets.insert(
                    t,
                    (
                        MatchSource::Message,
                        make_snippet(text, &words, prefix_last),
                    ),
                );
            }
        }
    }

    let tickets = summaries(pool, &me_s, &page, Sort::UpdatedDesc).await?;
    let rowid_of: HashMap<String, i64> = {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT id, rowid FROM tickets WHERE rowid IN (SELECT value FROM json_each(",
        );
        qb.push_bind(serde_json::to_string(&page)?).push("))");
        qb.build_query_as::<(String, i64)>()
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect()
    };
    Ok(tickets
        .into_iter()
        .map(|ticket| {
            let (matched, snip) = rowid_of
                .get(&ticket.id.to_string())
                .and_then(|r| snippets.remove(r))
                .unwrap_or((MatchSource::Filters, String::new()));
            SearchHit {
                ticket,
                matched,
                snippet: snippet_parts(&snip),
            }
        })
        .collect())
}

/// A window of about 16 words around the first word matching a search term, with
/// the matches marked by `HIT_OPEN`/`HIT_CLOSE` (as FTS5's snippet() would), "…" where
/// text was cut. Matching is case-insensitive on whole words; the last term may match
/// as a prefix while the agent is still typing it.
fn make_snippet(text: &str, terms: &[String], prefix_last: bool) -> String {
    const WINDOW: usize = 16;
    let words: Vec<&str> = text.split_whitespace().collect();
    let is_hit = |w: &str| {
        let w: String = w
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        !w.is_empty()
            && terms.iter().enumerate().any(|(i, t)| {
                let t: String = t.chars().filter(|c| c.is_alphanumeric()).collect();
                !t.is_empty()
                    && (w == t || (prefix_last && i + 1 == terms.len() && w.starts_with(&t)))
            })
    };
    let first = words.iter().position(|w| is_hit(w)).unwrap_or(0);
    let start = first.saturating_sub(WINDOW / 4);
    let end = (start + WINDOW).min(words.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for (i, w) in words[start..end].iter().enumerate() {
        if i > 0 || start > 0 {
            out.push(' ');
        }
        if is_hit(w) {
            out.push_str(HIT_OPEN);
            out.push_str(w);
            out.push_str(HIT_CLOSE);
        } else {
            out.push_str(w);
        }
    }
    if end < words.len() {
        out.push_str(" …");
    }
    out
}

/// The draft of a ticket, if any.
pub async fn get_draft<'c>(ex: impl SqliteExecutor<'c>, ticket: TicketId) -> Result<Option<Draft>> {
    let row = sqlx::query("SELECT body, internal, updated_at FROM drafts WHERE ticket_id = ?")
        .bind(ticket.to_string())
        .fetch_optional(ex)
        .await?;
    row.map(|r| {
        Ok(Draft {
            ticket_id: ticket,
            body: r.try_get("body")?,
            internal: r.try_get("internal")?,
            updated_at: parse_time(&r, "updated_at")?,
        })
    })
    .transpose()
}

/// Keep the composer's text for a ticket (replaces the previous draft). An empty body
/// clears the draft.
pub async fn save_draft(
    conn: &mut SqliteConnection,
    ticket: TicketId,
    body: &str,
    internal: bool,
) -> Result<Option<Draft>> {
    if body.trim().is_empty() {
        clear_draft(conn, ticket).await?;
        return Ok(None);
    }
    let now = outpost_domain::time::now();
    sqlx::query(
        "INSERT INTO drafts (ticket_id, body, internal, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body, \
         internal = excluded.internal, updated_at = excluded.updated_at",
    )
    .bind(ticket.to_string())
    .bind(body)
    .bind(internal)
    .bind(outpost_domain::time::to_db(&now))
    .execute(conn)
    .await?;
    Ok(Some(Draft {
        ticket_id: ticket,
        body: body.to_owned(),
        internal,
        updated_at: now,
    }))
}

/// Drop a ticket's draft (after sending, or on request). No draft is not an error.
pub async fn clear_draft(conn: &mut SqliteConnection, ticket: TicketId) -> Result<()> {
    sqlx::query("DELETE FROM drafts WHERE ticket_id = ?")
        .bind(ticket.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

fn check_saved(name: &str, query: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CoreError::InvalidInput(
            "a saved search needs a name of 1-100 characters".into(),
        ));
    }
    SearchQuery::parse(query)?;
    Ok(name.to_owned())
}

/// Saved searches, by name.
pub async fn list_saved_searches<'c>(ex: impl SqliteExecutor<'c>) -> Result<Vec<SavedSearch>> {
    let rows = sqlx::query(
        "SELECT id, name, query, created_at FROM saved_searches ORDER BY lower(name), id",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SavedSearch {
                id: parse_col(r, "id")?,
                name: r.try_get("name")?,
                query: r.try_get("query")?,
                created_at: parse_time(r, "created_at")?,
            })
        })
        .collect()
}

/// Save a search (the query must parse).
pub async fn create_saved_search(
    conn: &mut SqliteConnection,
    name: &str,
    query: &str,
) -> Result<SavedSearch> {
    let name = check_saved(name, query)?;
    let saved = SavedSearch {
        id: uuid::Uuid::now_v7(),
        name,
        query: query.trim().to_owned(),
        created_at: outpost_domain::time::now(),
    };
    sqlx::query("INSERT INTO saved_searches (id, name, query, created_at) VALUES (?, ?, ?, ?)")
        .bind(saved.id.to_string())
        .bind(&saved.name)
        .bind(&saved.query)
        .bind(outpost_domain::time::to_db(&saved.created_at))
        .execute(conn)
        .await?;
    Ok(saved)
}

/// Rename a saved search or change its query. [`CoreError::NotFound`] if absent.
pub async fn update_saved_search(
    conn: &mut SqliteConnection,
    id: uuid::Uuid,
    name: &str,
    query: &str,
) -> Result<()> {
    let name = check_saved(name, query)?;
    let done = sqlx::query("UPDATE saved_searches SET name = ?, query = ? WHERE id = ?")
        .bind(name)
        .bind(query.trim())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::not_found("saved search", id.to_string()));
    }
    Ok(())
}

/// Delete a saved search. [`CoreError::NotFound`] if absent.
pub async fn delete_saved_search(conn: &mut SqliteConnection, id: uuid::Uuid) -> Result<()> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = ?")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::not_found("saved search", id.to_string()));
    }
    Ok(())
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

/// The cached agents, teams and tags.
pub async fn directory(pool: &SqlitePool) -> Result<Directory> {
    let rows = sqlx::query(
        "SELECT id, name, email, json_extract(data, '$.role') AS role FROM users \
         WHERE json_extract(data, '$.role') IN ('agent', 'admin') \
         ORDER BY name COLLATE NOCASE, email",
    )
    .fetch_all(pool)
    .await?;
    let mut agents = Vec::with_capacity(rows.len());
    for row in &rows {
        agents.extend(user_ref(row, "id", "name", "email", "role")?);
    }
    let rows = sqlx::query("SELECT id, name FROM teams ORDER BY name COLLATE NOCASE")
        .fetch_all(pool)
        .await?;
    let mut teams = Vec::with_capacity(rows.len());
    for row in &rows {
        teams.extend(team_ref(row, "id", "name")?);
    }
    // A tag can be on tickets before the tag list itself is pulled (and vice versa).
    let tags = sqlx::query_scalar(
        "SELECT name FROM tags UNION SELECT DISTINCT tag FROM ticket_tags ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    Ok(Directory {
        agents,
        teams,
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use outpost_domain::ids::{ConversationId, TicketNumber};
    use outpost_domain::model::User;
    use outpost_domain::values::{Channel, Role, TicketType};

    struct World {
        _dir: tempfile::TempDir,
        cache: Cache,
        me: UserId,
        other: UserId,
    }

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::minutes(min)
    }

    async fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db")).await.unwrap();
        let w = World {
            _dir: dir,
            cache,
            me: UserId::new(),
            other: UserId::new(),
        };
        w.user(w.me, "me@demo.test", "Me Agent", Role::Agent).await;
        w.user(w.other, "agent2@demo.test", "Agent Two", Role::Agent)
            .await;
        w
    }

    impl World {
        async fn exec(&self, sql: &str, binds: Vec<Option<String>>) {
            let mut tx = self.cache.write().await.unwrap();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
            for b in binds {
                q = q.bind(b);
            }
            q.execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }

        async fn user(&self, id: UserId, email: &str, name: &str, role: Role) {
            let u = User {
                id,
                email: EmailAddress::parse(email).unwrap(),
                name: name.into(),
                picture: None,
                role,
                elevated: false,
                support: true,
                version: 1,
            };
            self.exec(
                "INSERT INTO users (id, email, name, data) VALUES (?, ?, ?, ?)",
                vec![
                    Some(id.to_string()),
                    Some(email.into()),
                    Some(name.into()),
                    Some(serde_json::to_string(&u).unwrap()),
                ],
            )
            .await;
        }

        #[allow(clippy::too_many_arguments)]
        async fn ticket(
            &self,
            number: Option<i64>,
            subject: &str,
            status: Status,
            priority: Priority,
            assignee: Option<UserId>,
            team: Option<TeamId>,
            tags: &[&str],
            updated_min: i64,
        ) -> Ticket {
            let t = Ticket {
                id: TicketId::new(),
                number: TicketNumber(number.unwrap_or(0)),
                subject: subject.into(),
                description: format!("description of {subject}"),
                summary: None,
                status,
                priority,
                ticket_type: TicketType::parse("question").unwrap(),
                channel: Channel::parse("email").unwrap(),
                requester_id: self.other,
                assignee_id: assignee,
                team_id: team,
                responder_id: None,
                responder_kind: None,
                circumstance: None,
                related_order_id: None,
                related_delivery_id: None,
                products: vec![],
                tag_ids: vec![],
                conversation_id: ConversationId::new(),
                follow_up_of: None,
                message_count: 0,
                pending_message_count: 0,
                removed: false,
                created_at: at(0),
                updated_at: at(updated_min),
                ongoing_at: None,
                solved_at: None,
                closed_at: None,
                version: 1,
                field_versions: Default::default(),
            };
            let s = |v: &dyn ToString| Some(v.to_string());
            self.exec(
                "INSERT INTO tickets (id, number, subject, description, status, priority, type, \
                 channel, requester_id, assignee_id, team_id, conversation_id, created_at, \
                 updated_at, pending, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                vec![
                    s(&t.id),
                    number.map(|n| n.to_string()),
                    s(&t.subject),
                    s(&t.description),
                    s(&t.status),
                    s(&t.priority),
                    s(&t.ticket_type),
                    s(&t.channel),
                    s(&t.requester_id),
                    t.assignee_id.map(|a| a.to_string()),
                    t.team_id.map(|a| a.to_string()),
                    s(&t.conversation_id),
                    Some(outpost_domain::time::to_db(&t.created_at)),
                    Some(outpost_domain::time::to_db(&t.updated_at)),
                    Some(serde_json::to_string(&t).unwrap()),
                ],
            )
            .await;
            self.exec(
                "UPDATE tickets SET priority_rank = CASE priority WHEN 'urgent' THEN 0 \
                 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END WHERE id = ?",
                vec![s(&t.id)],
            )
            .await;
            for tag in tags {
                self.exec(
                    "INSERT INTO ticket_tags (ticket_id, tag, status, updated_at) \
                     VALUES (?, ?, ?, ?)",
                    vec![
                        s(&t.id),
                        s(tag),
                        Some(t.status.as_str().to_owned()),
                        Some(outpost_domain::time::to_db(&t.updated_at)),
                    ],
                )
                .await;
            }
            t
        }

        async fn message(
            &self,
            t: &Ticket,
            content: &str,
            min: i64,
            local_seq: Option<i64>,
        ) -> Message {
            let m = Message {
                id: MessageId::new(),
                conversation_id: t.conversation_id,
                ticket_id: t.id,
                sender_id: Some(self.me),
                message_type: MessageType::Text,
                content: content.into(),
                content_url: None,
                metadata: None,
                parent_message_id: None,
                internal: false,
                attachments: vec![],
                created_at: at(min),
            };
            self.exec(
                "INSERT INTO messages (id, ticket_id, conversation_id, sender_id, internal, \
                 created_at, local_seq, content, data) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                vec![
                    Some(m.id.to_string()),
                    Some(t.id.to_string()),
                    Some(t.conversation_id.to_string()),
                    Some(self.me.to_string()),
                    Some(outpost_domain::time::to_db(&m.created_at)),
                    local_seq.map(|s| s.to_string()),
                    Some(content.into()),
                    Some(serde_json::to_string(&m).unwrap()),
                ],
            )
            .await;
            m
        }

        fn pool(&self) -> &SqlitePool {
            self.cache.reader()
        }

        async fn list(&self, view: Option<View>, search: &str, sort: Sort) -> Vec<Option<i64>> {
            let page = list_tickets(
                self.pool(),
                self.me,
                &ListQuery {
                    view,
                    search: Some(SearchQuery::parse(search).unwrap()),
                    sort,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(
                page.total as usize,
                page.tickets.len(),
                "one page holds all"
            );
            page.tickets.iter().map(|t| t.number).collect()
        }
    }

    /// #1 new mine, #2 open unassigned, #3 pending mine, #4 solved, #5 closed,
    /// #6 open other's (team, billing), unnumbered: new unassigned.
    async fn seeded() -> (World, TeamId) {
        let w = world().await;
        let team = TeamId::new();
        w.exec(
            "INSERT INTO teams (id, name, data) VALUES (?, 'Tier 2', '{}')",
            vec![Some(team.to_string())],
        )
        .await;
        let me = Some(w.me);
        use Priority::*;
        use Status::*;
        w.ticket(
            Some(1),
            "Refund for order",
            New,
            High,
            me,
            None,
            &["billing"],
            1,
        )
        .await;
        w.ticket(Some(2), "Login broken", Open, Low, None, None, &[], 2)
            .await;
        w.ticket(
            Some(3),
            "Waiting on customer",
            Pending,
            Medium,
            me,
            None,
            &[],
            3,
        )
        .await;
        w.ticket(
            Some(4),
            "Solved thing",
            Solved,
            Low,
            me,
            None,
            &["billing"],
            4,
        )
        .await;
        w.ticket(Some(5), "Closed thing", Closed, Low, None, None, &[], 5)
            .await;
        w.ticket(
            Some(6),
            "Invoice wrong",
            Open,
            Urgent,
            Some(w.other),
            Some(team),
            &["billing", "vip"],
            6,
        )
        .await;
        w.ticket(None, "Created offline", New, Medium, None, None, &[], 7)
            .await;
        (w, team)
    }

    #[tokio::test]
    async fn walk_indexes_exist_and_cover_the_status_filter() {
        let w = world().await;
        for (index, sort) in [
            (WALK_UPDATED, Sort::UpdatedDesc),
            (WALK_UPDATED, Sort::UpdatedAsc),
            (WALK_CREATED, Sort::CreatedAsc),
            (WALK_PRIORITY, Sort::PriorityDesc),
        ] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT t.rowid FROM tickets t INDEXED BY {index} \
                 WHERE t.status IN ('new', 'open'){} LIMIT 50 OFFSET 30000",
                sort.order_by()
            );
            let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(w.cache.reader())
                .await
                .unwrap_or_else(|e| panic!("{index}: {e}"))
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            assert!(
                plan.iter()
                    .any(|d| d.contains(&format!("COVERING INDEX {index}"))),
                "{index} ({sort:?}) must answer the status filter by itself: {plan:?}"
            );
        }
    }

    #[tokio::test]
    async fn fixed_views_follow_their_definitions() {
        let (w, team) = seeded().await;
        let s = Sort::UpdatedDesc;
        assert_eq!(
            w.list(Some(View::MyOpen), "", s).await,
            vec![Some(3), Some(1)]
        );
        assert_eq!(
            w.list(Some(View::Unassigned), "", s).await,
            vec![None, Some(2)]
        );
        assert_eq!(
            w.list(Some(View::AllOpen), "", s).await,
            vec![None, Some(6), Some(2), Some(1)],
            "all open = new + open, pending excluded"
        );
        assert_eq!(w.list(Some(View::Pending), "", s).await, vec![Some(3)]);
        assert_eq!(w.list(Some(View::Solved), "", s).await, vec![Some(4)]);
        assert_eq!(w.list(Some(View::Team(team)), "", s).await, vec![Some(6)]);
        assert_eq!(
            w.list(Some(View::Tag("billing".into())), "", s).await,
            vec![Some(6), Some(1)],
            "solved billing ticket is not in the tag view"
        );
        assert_eq!(
            w.list(None, "status:closed", s).await,
            vec![Some(5)],
            "closed tickets only through search"
        );
    }

    #[tokio::test]
    async fn filters_and_sorts_combine() {
        let (w, _) = seeded().await;
        assert_eq!(
            w.list(None, "tag:billing tag:vip", Sort::UpdatedDesc).await,
            vec![Some(6)]
        );
        assert_eq!(
            w.list(None, "assignee:agent2@demo.test", Sort::UpdatedDesc)
                .await,
            vec![Some(6)]
        );
        assert_eq!(
            w.list(None, "team:\"tier 2\"", Sort::UpdatedDesc).await,
            vec![Some(6)]
        );
        assert_eq!(w.list(None, "#3", Sort::UpdatedDesc).await, vec![Some(3)]);
        assert_eq!(
            w.list(None, "priority:high,urgent", Sort::PriorityDesc)
                .await,
            vec![Some(6), Some(1)]
        );
        assert_eq!(
            w.list(Some(View::AllOpen), "assignee:none", Sort::NumberAsc)
                .await,
            vec![None, Some(2)],
            "unnumbered first"
        );
        assert_eq!(
            w.list(Some(View::MyOpen), "", Sort::UpdatedAsc).await,
            vec![Some(1), Some(3)]
        );
        assert_eq!(
            w.list(None, "requester:agent2@demo.test refund", Sort::UpdatedDesc)
                .await,
            vec![Some(1)],
            "free text via FTS plus filter"
        );

        let page = list_tickets(
            w.pool(),
            w.me,
            &ListQuery {
                limit: Some(2),
                offset: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(page.total, 7, "total counts every page");
        assert_eq!(page.tickets.len(), 2);
        let summary = &w.list(Some(View::MyOpen), "", Sort::UpdatedDesc).await;
        assert_eq!(summary.len(), 2);
        let bad = list_tickets(
            w.pool(),
            w.me,
            &ListQuery {
                limit: Some(501),
                ..Default::default()
            },
        )
        .await;
        assert!(matches!(bad, Err(CoreError::InvalidInput(_))));
    }

    #[tokio::test]
    async fn summary_carries_people_tags_and_team() {
        let (w, team) = seeded().await;
        let page = list_tickets(
            w.pool(),
            w.me,
            &ListQuery {
                search: Some(SearchQuery::parse("#6").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let t = &page.tickets[0];
        assert_eq!(t.tags, vec!["billing", "vip"]);
        assert_eq!(t.assignee.as_ref().unwrap().email, "agent2@demo.test");
        assert_eq!(t.requester.as_ref().unwrap().name, "Agent Two");
        assert_eq!(t.team.as_ref().unwrap().id, team);
        assert_eq!(t.team.as_ref().unwrap().name, "Tier 2");
        let json = serde_json::to_value(t).unwrap();
        assert_eq!(json["type"], "question", "wire name of the type field");
    }

    #[tokio::test]
    async fn view_counts_cover_fixed_views_teams_tags_and_saved_searches() {
        let (w, team) = seeded().await;
        {
            let mut tx = w.cache.write().await.unwrap();
            create_saved_search(&mut tx, "Urgent", "priority:urgent")
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let counts = view_counts(w.pool(), w.me).await.unwrap();
        let get = |v: View| counts.iter().find(|c| c.view == v).map(|c| c.count);
        assert_eq!(get(View::MyOpen), Some(2));
        assert_eq!(get(View::Unassigned), Some(2));
        assert_eq!(get(View::AllOpen), Some(4));
        assert_eq!(get(View::Pending), Some(1));
        assert_eq!(get(View::Solved), Some(1));
        assert_eq!(get(View::Team(team)), Some(1));
        assert_eq!(get(View::Tag("billing".into())), Some(2));
        assert_eq!(get(View::Tag("vip".into())), Some(1));
        assert_eq!(get(View::Search("priority:urgent".into())), Some(1));
        assert_eq!(counts.last().unwrap().label, "Urgent");
    }

    #[tokio::test]
    async fn view_string_forms_round_trip() {
        for v in [
            View::MyOpen,
            View::Unassigned,
            View::AllOpen,
            View::Pending,
            View::Solved,
            View::Team(TeamId::new()),
            View::Tag("billing".into()),
            View::Search("status:open refund".into()),
        ] {
            let s = v.to_string();
            assert_eq!(s.parse::<View>().unwrap(), v, "{s}");
            assert_eq!(
                serde_json::to_value(&v).unwrap(),
                serde_json::Value::String(s)
            );
        }
        assert_eq!(View::MyOpen.to_string(), "my_open");
        assert!(matches!(
            "mine".parse::<View>(),
            Err(CoreError::InvalidInput(_))
        ));
    }

    #[tokio::test]
    async fn search_matches_messages_and_tickets_with_snippets_and_filters() {
        let (w, _) = seeded().await;
        let t2 = list_tickets(
            w.pool(),
            w.me,
            &ListQuery {
                search: Some(SearchQuery::parse("#2").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .tickets
        .remove(0);
        let t2 = ticket_detail(w.pool(), w.me, &t2.id.to_string())
            .await
            .unwrap()
            .ticket;
        w.message(&t2, "customer asks about a refund of the invoice", 10, None)
            .await;

        let hits = search(w.pool(), w.me, &SearchQuery::parse("refund").unwrap(), 50)
            .await
            .unwrap();
        let numbers: Vec<_> = hits.iter().map(|h| h.ticket.number).collect();
        assert_eq!(numbers, vec![Some(2), Some(1)], "newest updated first");
        assert_eq!(hits[0].matched, MatchSource::Message);
        assert_eq!(hits[1].matched, MatchSource::Ticket);
        assert!(
            hits[0].snippet.iter().any(|p| p.hit && p.text == "refund"),
            "snippet marks the hit: {:?}",
            hits[0].snippet
        );

        let hits = search(w.pool(), w.me, &SearchQuery::parse("refu").unwrap(), 50)
            .await
            .unwrap();
        assert_eq!(hits.len(), 2, "last word is a prefix while typing");

        let hits = search(
            w.pool(),
            w.me,
            &SearchQuery::parse("refund assignee:me").unwrap(),
            50,
        )
        .await
        .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].ticket.number, Some(1));

        let hits = search(
            w.pool(),
            w.me,
            &SearchQuery::parse("status:pending").unwrap(),
            50,
        )
        .await
        .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].matched, MatchSource::Filters);
    }

    #[tokio::test]
    async fn fts_syntax_from_the_agent_never_errors_or_injects() {
        let (w, _) = seeded().await;
        for input in [
            "\"",
            "*",
            "NEAR(",
            "refund OR login",
            "NEAR(refund order)",
            "refund\"",
            "\"refund",
            "subject : x",
            "refund*",
            "^refund",
            "AND",
            "-refund",
            "(",
            "{subject description}",
            "'; DROP TABLE tickets; --",
        ] {
            let q = SearchQuery::parse(input).unwrap();
            let hits = search(w.pool(), w.me, &q, 50).await;
            assert!(hits.is_ok(), "{input:?} must not be an FTS error: {hits:?}");
            let page = list_tickets(
                w.pool(),
                w.me,
                &ListQuery {
                    search: Some(q),
                    ..Default::default()
                },
            )
            .await;
            assert!(page.is_ok(), "{input:?} in list: {page:?}");
        }
        let hits = search(
            w.pool(),
            w.me,
            &SearchQuery::parse("refund OR login").unwrap(),
            50,
        )
        .await
        .unwrap();
        assert!(hits.is_empty(), "OR is a word to match, not an operator");
    }

    #[tokio::test]
    async fn detail_orders_messages_and_reports_delivery() {
        let (w, _) = seeded().await;
        let id = resolve_ticket(w.pool(), "#1").await.unwrap();
        let t = ticket_detail(w.pool(), w.me, "1").await.unwrap().ticket;
        assert_eq!(t.id, id);
        w.exec(
            "INSERT INTO outbox (seq, id, name, args, ticket_id, state, attempts, last_error, created_at) VALUES \
             (1, 'a', 'message.send', '{}', ?, 'pending', 0, NULL, '2026-11-22T10:00:00Z'), \
             (2, 'b', 'message.send', '{}', ?, 'pending', 2, 'connection reset', '2026-11-22T10:00:00Z'), \
             (3, 'c', 'message.send', '{}', ?, 'rejected', 1, 'ticket closed', '2026-11-22T10:00:00Z'), \
             (4, 'd', 'message.send', '{}', ?, 'applied', 1, NULL, '2026-11-22T10:00:00Z')",
            vec![Some(id.to_string()); 4],
        )
        .await;
        w.message(&t, "third", 30, Some(1)).await;
        w.message(&t, "first", 10, None).await;
        w.message(&t, "fourth", 40, Some(2)).await;
        w.message(&t, "second", 20, Some(4)).await;
        w.message(&t, "fifth", 50, Some(3)).await;

        let d = ticket_detail(w.pool(), w.me, &id.to_string())
            .await
            .unwrap();
        let texts: Vec<_> = d.conversation.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, vec!["first", "second", "third", "fourth", "fifth"]);
        let del: Vec<_> = d.conversation.iter().map(|m| m.delivery).collect();
        assert_eq!(
            del,
            vec![
                None,
                Some(Delivery::Sent),
                Some(Delivery::Pending),
                Some(Delivery::Failed),
                Some(Delivery::Conflict)
            ]
        );
        assert_eq!(
            d.conversation[3].delivery_error.as_deref(),
            Some("connection reset")
        );
        assert_eq!(
            d.conversation[0].sender.as_ref().unwrap().email,
            "me@demo.test"
        );
        assert_eq!(d.tags, vec!["billing"]);
        assert_eq!(d.number, Some(1));
        assert_eq!(d.assignee.unwrap().id, w.me);

        assert!(matches!(
            ticket_detail(w.pool(), w.me, "#999").await,
            Err(CoreError::NotFound { .. })
        ));
        assert!(matches!(
            ticket_detail(w.pool(), w.me, &TicketId::new().to_string()).await,
            Err(CoreError::NotFound { .. })
        ));
        assert!(matches!(
            resolve_ticket(w.pool(), "ticket-one").await,
            Err(CoreError::InvalidInput(_))
        ));
        assert_eq!(
            resolve_user_by_email(w.pool(), "Agent2@Demo.test")
                .await
                .unwrap()
                .id,
            w.other
        );
    }

    #[tokio::test]
    async fn drafts_and_saved_searches_round_trip() {
        let (w, _) = seeded().await;
        let id = resolve_ticket(w.pool(), "#2").await.unwrap();
        let mut tx = w.cache.write().await.unwrap();
        save_draft(&mut tx, id, "hello", false).await.unwrap();
        save_draft(&mut tx, id, "hello again", true).await.unwrap();
        tx.commit().await.unwrap();
        let d = ticket_detail(w.pool(), w.me, "#2")
            .await
            .unwrap()
            .draft
            .unwrap();
        assert_eq!((d.body.as_str(), d.internal), ("hello again", true));

        let mut tx = w.cache.write().await.unwrap();
        clear_draft(&mut tx, id).await.unwrap();
        assert!(
            create_saved_search(&mut tx, "Bad", "stauts:open")
                .await
                .is_err(),
            "an unparsable query is not saved"
        );
        let s = create_saved_search(&mut tx, "Mine", "assignee:me")
            .await
            .unwrap();
        update_saved_search(&mut tx, s.id, "Mine urgent", "assignee:me priority:urgent")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(get_draft(w.pool(), id).await.unwrap(), None);
        let all = list_saved_searches(w.pool()).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].name, "Mine urgent");
        let mut tx = w.cache.write().await.unwrap();
        delete_saved_search(&mut tx, s.id).await.unwrap();
        assert!(matches!(
            delete_saved_search(&mut tx, s.id).await,
            Err(CoreError::NotFound { .. })
        ));
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn directory_lists_agents_teams_and_tags() {
        let (w, team) = seeded().await;
        w.user(UserId::new(), "ann@customer.test", "Ann", Role::Customer)
            .await;
        w.exec(
            "INSERT INTO tags (id, name, data) VALUES (?, 'unused', '{}')",
            vec![Some(uuid::Uuid::new_v4().to_string())],
        )
        .await;
        let d = directory(w.pool()).await.unwrap();
        let emails: Vec<&str> = d.agents.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails, vec!["agent2@demo.test", "me@demo.test"]);
        assert_eq!(
            d.teams,
            vec![TeamRef {
                id: team,
                name: "Tier 2".into()
            }]
        );
        assert_eq!(d.tags, vec!["billing", "unused", "vip"]);
    }

    #[test]
    fn list_request_parses_its_search() {
        let q = ListQuery::try_from(ListRequest {
            view: Some(View::MyOpen),
            search: Some("tag:billing refund".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(q.view, Some(View::MyOpen));
        assert_eq!(q.search.unwrap().tags, vec!["billing"]);
        let blank = ListQuery::try_from(ListRequest {
            search: Some("  ".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(blank.search, None);
        assert!(matches!(
            ListQuery::try_from(ListRequest {
                search: Some("stauts:open".into()),
                ..Default::default()
            }),
            Err(CoreError::InvalidInput(_))
        ));
        let wire: ListRequest =
            serde_json::from_str(r#"{"view":"tag:vip","sort":"priority_desc"}"#).unwrap();
        assert_eq!(wire.view, Some(View::Tag("vip".into())));
        assert_eq!(wire.sort, Sort::PriorityDesc);
    }
}
