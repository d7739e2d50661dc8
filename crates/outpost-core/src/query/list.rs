//! Ticket lists: a view narrowed by a search, sorted and paged, with the exact total.

use super::dto::{ListQuery, Sort, TicketPage, TicketSummary, View};
use super::rows::{parse_col, parse_time, team_ref, user_ref};
use crate::error::{CoreError, Result};
use crate::search::{AssigneeFilter, SearchQuery};
use outpost_domain::ids::UserId;
use outpost_domain::values::Status;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// Statuses of "My open", team and tag views: everything still waiting on someone.
pub const MY_OPEN_STATUSES: &[Status] = &[Status::New, Status::Open, Status::Pending];
/// Statuses of "Unassigned" and "All open": work nobody has parked yet.
pub const OPEN_STATUSES: &[Status] = &[Status::New, Status::Open];
/// Default page size of [`list_tickets`].
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size of [`list_tickets`] and [`search`].
pub const MAX_LIMIT: i64 = 500;

pub(super) fn push_statuses(qb: &mut QueryBuilder<Sqlite>, statuses: &[Status]) {
    qb.push(" AND t.status IN (");
    let mut sep = qb.separated(", ");
    for s in statuses {
        sep.push_bind(s.as_str());
    }
    qb.push(")");
}

/// Append ` AND …` conditions for `view` and `search` to a query over `tickets t`.
/// `me_str` is the signed-in user's id as stored.
pub(super) fn push_filters(
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

pub(super) fn push_search(qb: &mut QueryBuilder<Sqlite>, me: &str, q: &SearchQuery) -> Result<()> {
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

pub(super) fn push_search_filters(qb: &mut QueryBuilder<Sqlite>, me: &str, q: &SearchQuery) {
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
pub(super) fn push_summary_select(qb: &mut QueryBuilder<Sqlite>, me: &str) {
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

pub(super) fn summary_from_row(row: &SqliteRow, me: &str) -> Result<TicketSummary> {
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

pub(super) fn check_limit(limit: Option<i64>) -> Result<i64> {
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
pub(super) async fn list_tag_view(
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

pub(super) fn push_tag_statuses(qb: &mut QueryBuilder<Sqlite>, statuses: &[Status]) {
    qb.push(" AND tt.status IN (");
    let mut sep = qb.separated(", ");
    for s in statuses {
        sep.push_bind(s.as_str());
    }
    qb.push(")");
}

/// Above this many matches a list walks one of these indexes instead of sorting. Each
/// carries the status, so status views skip rows without reading them.
pub(super) const WALK_INDEX_ABOVE: i64 = 2000;
pub(super) const WALK_UPDATED: &str = "tickets_updated_status";
pub(super) const WALK_CREATED: &str = "tickets_created_status";
pub(super) const WALK_PRIORITY: &str = "tickets_priority_updated_status";

/// Summaries of the given ticket rows, in `sort` order.
pub(super) async fn summaries(
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

pub(super) async fn count(
    pool: &SqlitePool,
    me: &str,
    view: Option<&View>,
    search: Option<&SearchQuery>,
) -> Result<i64> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM tickets t WHERE 1");
    push_filters(&mut qb, me, view, search)?;
    Ok(qb.build_query_scalar().fetch_one(pool).await?)
}
