//! Applying pages of the server's change feed to the cache.
//!
//! A page is applied inside the caller's transaction (which also stores the cursor),
//! so a crash leaves either the whole page and its cursor or neither. Rows are written
//! with multi-row upserts (one statement per few hundred rows, prepared once per
//! shape), which keeps the per-statement cost of the async driver off the per-row path.
//!
//! Tickets with pending local changes are not overwritten: their new server state goes
//! to `ticket_base`, and the caller replays the outbox on it (see `crate::outbox`).

use crate::error::Result;
use outpost_domain::model::{
    ChannelInfo, Conversation, HistoryEntry, Message, Tag, Team, Ticket, User,
};
use outpost_domain::sync::{Change, ChangeEntry, EntityKind};
use outpost_domain::time::to_db;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row statement. SQLite allows 32766 bound values; the widest row here
/// has 17 columns.
const CHUNK: usize = 400;

/// What a page changed, for events and for the replay of pending changes.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    pub tickets: usize,
    pub messages: usize,
    pub other: usize,
    pub tombstones: usize,
    /// Tickets whose server state changed (for the UI to refresh).
    pub changed_tickets: Vec<uuid::Uuid>,
    /// Tickets with pending changes whose base moved: replay their outbox.
    pub rebase: Vec<uuid::Uuid>,
    /// Messages confirmed by the server that were sent from this client.
    pub confirmed_messages: usize,
}

/// Apply one page of changes. Does not touch the cursor (the caller stores it in the
/// same transaction).
pub async fn apply_page(conn: &mut SqliteConnection, changes: &[ChangeEntry]) -> Result<Applied> {
    let mut out = Applied::default();
    let mut tickets: Vec<&Ticket> = Vec::new();
    let mut messages: Vec<&Message> = Vec::new();
    let mut conversations: Vec<&Conversation> = Vec::new();
    let mut users: Vec<&User> = Vec::new();
    let mut teams: Vec<&Team> = Vec::new();
    let mut tags: Vec<&Tag> = Vec::new();
    let mut history: Vec<&HistoryEntry> = Vec::new();
    let mut channels: Vec<&ChannelInfo> = Vec::new();
    let mut tombstones: Vec<(EntityKind, uuid::Uuid)> = Vec::new();
    for entry in changes {
        match &entry.change {
            Change::Ticket(t) => tickets.push(t),
            Change::Message(m) => messages.push(m),
            Change::Conversation(c) => conversations.push(c),
            Change::User(u) => users.push(u),
            Change::Team(t) => teams.push(t),
            Change::Tag(t) => tags.push(t),
            Change::History(h) => history.push(h),
            Change::Channel(c) => channels.push(c),
            Change::Tombstone(t) => tombstones.push((t.kind, t.id)),
        }
    }
    out.other = conversations.len()
        + users.len()
        + teams.len()
        + tags.len()
        + history.len()
        + channels.len();
    out.tombstones = tombstones.len();

    // Tags first: ticket rows store tag names.
    if !tags.is_empty() {
        rename_tags(conn, &tags).await?;
        upsert_simple(
            conn,
            "tags",
            &tags
                .iter()
                .map(|t| (t.id.to_string(), t.name.clone(), serde_json::to_string(t)))
                .collect::<Vec<_>>(),
        )
        .await?;
    }
    if !users.is_empty() {
        upsert_users(conn, &users).await?;
    }
    if !teams.is_empty() {
        upsert_simple(
            conn,
            "teams",
            &teams
                .iter()
                .map(|t| (t.id.to_string(), t.name.clone(), serde_json::to_string(t)))
                .collect::<Vec<_>>(),
        )
        .await?;
    }
    if !channels.is_empty() {
        upsert_simple(
            conn,
            "channels",
            &channels
                .iter()
                .map(|c| (c.id.to_string(), c.name.clone(), serde_json::to_string(c)))
                .collect::<Vec<_>>(),
        )
        .await?;
    }
    if !tickets.is_empty() {
        apply_tickets(conn, &tickets, &mut out).await?;
    }
    if !conversations.is_empty() {
        upsert_conversations(conn, &conversations).await?;
    }
    if !messages.is_empty() {
        out.confirmed_messages = upsert_messages(conn, &messages).await?;
        out.messages = messages.len();
    }
    if !history.is_empty() {
        upsert_history(conn, &history).await?;
    }
    for (kind, id) in tombstones {
        remove(conn, kind, id, &mut out).await?;
    }
    Ok(out)
}

/// Tag id → name for every cached tag.
pub async fn tag_names(conn: &mut SqliteConnection) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM tags")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Ids of tickets that currently have a server base kept apart (pending changes).
pub async fn shadowed(conn: &mut SqliteConnection) -> Result<HashSet<String>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT id FROM ticket_base")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}

async fn apply_tickets(
    conn: &mut SqliteConnection,
    tickets: &[&Ticket],
    out: &mut Applied,
) -> Result<()> {
    let shadow = shadowed(conn).await?;
    let names = tag_names(conn).await?;
    let mut direct: Vec<&Ticket> = Vec::with_capacity(tickets.len());
    for t in tickets {
        let id = t.id.to_string();
        out.changed_tickets.push(t.id.as_uuid());
        if shadow.contains(&id) {
            sqlx::query("UPDATE ticket_base SET data = ? WHERE id = ?")
                .bind(serde_json::to_string(t)?)
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            out.rebase.push(t.id.as_uuid());
        } else {
            direct.push(t);
        }
    }
    out.tickets = tickets.len();
    for chunk in direct.chunks(CHUNK) {
        let rows: Vec<TicketRow> = chunk
            .iter()
            .map(|t| TicketRow::from_ticket(t, Some(t.number.0), 0, &names))
            .collect::<Result<_>>()?;
        write_ticket_rows(conn, &rows).await?;
    }
    Ok(())
}

/// One effective ticket row, ready to write.
#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: String,
    pub number: Option<i64>,
    pub subject: String,
    pub description: String,
    pub status: &'static str,
    pub priority: &'static str,
    pub priority_rank: i64,
    pub ticket_type: String,
    pub channel: String,
    pub requester_id: String,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub responder_kind: Option<&'static str>,
    pub conversation_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub pending: i64,
    pub data: String,
    pub tags: Vec<String>,
}

impl TicketRow {
    /// `names` maps tag ids to names; the row's tags are those names.
    pub fn from_ticket(
        t: &Ticket,
        number: Option<i64>,
        pending: i64,
        names: &HashMap<String, String>,
    ) -> Result<Self> {
        let tags = t
            .tag_ids
            .iter()
            .filter_map(|id| names.get(&id.to_string()).cloned())
            .collect();
        Self::with_tags(t, number, pending, tags)
    }

    pub fn with_tags(
        t: &Ticket,
        number: Option<i64>,
        pending: i64,
        tags: Vec<String>,
    ) -> Result<Self> {
        Ok(Self {
            id: t.id.to_string(),
            number,
            subject: t.subject.clone(),
            description: t.description.clone(),
            status: t.status.as_str(),
            priority: t.priority.as_str(),
            priority_rank: priority_rank(t.priority),
            ticket_type: t.ticket_type.to_string(),
            channel: t.channel.to_string(),
            requester_id: t.requester_id.to_string(),
            assignee_id: t.assignee_id.map(|u| u.to_string()),
            team_id: t.team_id.map(|u| u.to_string()),
            responder_kind: t.responder_kind.map(|k| k.as_str()),
            conversation_id: t.conversation_id.to_string(),
            created_at: to_db(&t.created_at),
            updated_at: to_db(&t.updated_at),
            pending,
            data: serde_json::to_string(t)?,
            tags,
        })
    }
}

/// Sort key of "most urgent first".
pub fn priority_rank(p: outpost_domain::values::Priority) -> i64 {
    use outpost_domain::values::Priority;
    match p {
        Priority::Urgent => 0,
        Priority::High => 1,
        Priority::Medium => 2,
        Priority::Low => 3,
    }
}

/// Upsert effective ticket rows and replace their tags.
pub async fn write_ticket_rows(conn: &mut SqliteConnection, rows: &[TicketRow]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO tickets (id, number, subject, description, status, priority, \
             priority_rank, type, channel, requester_id, assignee_id, team_id, responder_kind, conversation_id, \
             created_at, updated_at, pending, data) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(&r.id)
                .push_bind(r.number)
                .push_bind(&r.subject)
                .push_bind(&r.description)
                .push_bind(r.status)
                .push_bind(r.priority)
                .push_bind(r.priority_rank)
                .push_bind(&r.ticket_type)
                .push_bind(&r.channel)
                .push_bind(&r.requester_id)
                .push_bind(&r.assignee_id)
                .push_bind(&r.team_id)
                .push_bind(r.responder_kind)
                .push_bind(&r.conversation_id)
                .push_bind(&r.created_at)
                .push_bind(&r.updated_at)
                .push_bind(r.pending)
                .push_bind(&r.data);
        });
        qb.push(
            " ON CONFLICT (id) DO UPDATE SET number = excluded.number, \
             subject = excluded.subject, description = excluded.description, \
             status = excluded.status, priority = excluded.priority, \
             priority_rank = excluded.priority_rank, type = excluded.type, \
             channel = excluded.channel, requester_id = excluded.requester_id, \
             assignee_id = excluded.assignee_id, team_id = excluded.team_id, \
             responder_kind = excluded.responder_kind, \
             conversation_id = excluded.conversation_id, created_at = excluded.created_at, \
             updated_at = excluded.updated_at, pending = excluded.pending, data = excluded.data",
        );
        qb.build().execute(&mut *conn).await?;

        let mut del: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM ticket_tags WHERE ticket_id IN (");
        let mut sep = del.separated(", ");
        for r in chunk {
            sep.push_bind(&r.id);
        }
        del.push(")");
        del.build().execute(&mut *conn).await?;

        let pairs: Vec<(&TicketRow, &str)> = chunk
            .iter()
            .flat_map(|r| r.tags.iter().map(move |t| (r, t.as_str())))
            .collect();
        for part in pairs.chunks(CHUNK * 2) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag, status, updated_at) ",
            );
            qb.push_values(part, |mut b, (r, tag)| {
                b.push_bind(&r.id)
                    .push_bind(*tag)
                    .push_bind(r.status)
                    .push_bind(&r.updated_at);
            });
            qb.build().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// A connector numbers tickets the way its API lets it (a place in a list), and a
/// number can move to another ticket when tickets leave: the tickets of `changes` take
/// their numbers from whichever cached ticket held them before.
pub async fn free_numbers(conn: &mut SqliteConnection, changes: &[ChangeEntry]) -> Result<()> {
    for c in changes {
        if let Change::Ticket(t) = &c.change {
            sqlx::query("UPDATE tickets SET number = NULL WHERE number = ? AND id <> ?")
                .bind(t.number.0)
                .bind(t.id.to_string())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Delete an effective ticket row and its tags (not its base).
pub async fn delete_ticket_row(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM tickets WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A renamed tag renames it on every ticket that carries it.
async fn rename_tags(conn: &mut SqliteConnection, tags: &[&Tag]) -> Result<()> {
    for t in tags {
        let old: Option<String> = sqlx::query_scalar("SELECT name FROM tags WHERE id = ?")
            .bind(t.id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(old) = old
            && old != t.name
        {
            sqlx::query("UPDATE OR IGNORE ticket_tags SET tag = ? WHERE tag = ?")
                .bind(&t.name)
                .bind(&old)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

async fn upsert_simple(
    conn: &mut SqliteConnection,
    table: &'static str,
    rows: &[(String, String, serde_json::Result<String>)],
) -> Result<()> {
    let mut ready = Vec::with_capacity(rows.len());
    for (id, name, data) in rows {
        let data = match data {
            Ok(d) => d.clone(),
            Err(e) => return Err(crate::CoreError::Protocol(e.to_string())),
        };
        ready.push((id, name, data));
    }
    for chunk in ready.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("INSERT INTO {table} (id, name, data) "));
        qb.push_values(chunk, |mut b, (id, name, data)| {
            b.push_bind(*id).push_bind(*name).push_bind(data);
        });
        qb.push(" ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_users(conn: &mut SqliteConnection, users: &[&User]) -> Result<()> {
    for chunk in users.chunks(CHUNK) {
        let rows: Vec<(String, String, String, String)> = chunk
            .iter()
            .map(|u| {
                Ok((
                    u.id.to_string(),
                    u.email.to_string(),
                    u.name.clone(),
                    serde_json::to_string(u)?,
                ))
            })
            .collect::<Result<_>>()?;
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO users (id, email, name, data) ");
        qb.push_values(&rows, |mut b, r| {
            b.push_bind(&r.0)
                .push_bind(&r.1)
                .push_bind(&r.2)
                .push_bind(&r.3);
        });
        qb.push(
            " ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name, \
             data = excluded.data",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_conversations(conn: &mut SqliteConnection, convs: &[&Conversation]) -> Result<()> {
    for chunk in convs.chunks(CHUNK) {
        let rows: Vec<(String, String, &'static str, String)> = chunk
            .iter()
            .map(|c| {
                Ok((
                    c.id.to_string(),
                    c.ticket_id.to_string(),
                    c.status.as_str(),
                    serde_json::to_string(c)?,
                ))
            })
            .collect::<Result<_>>()?;
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO conversations (id, ticket_id, status, data) ");
        qb.push_values(&rows, |mut b, r| {
            b.push_bind(&r.0)
                .push_bind(&r.1)
                .push_bind(r.2)
                .push_bind(&r.3);
        });
        qb.push(
            " ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id, \
             status = excluded.status, data = excluded.data",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Returns how many of the messages were this client's unconfirmed sends.
async fn upsert_messages(conn: &mut SqliteConnection, msgs: &[&Message]) -> Result<usize> {
    let mut confirmed = 0;
    for chunk in msgs.chunks(CHUNK) {
        let rows: Vec<MessageRow> = chunk
            .iter()
            .map(|m| MessageRow::from_message(m, None))
            .collect::<Result<_>>()?;
        let mut probe: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT count(*) FROM messages WHERE local_seq IS NOT NULL AND id IN (",
        );
        let mut sep = probe.separated(", ");
        for r in &rows {
            sep.push_bind(&r.id);
        }
        probe.push(")");
        let n: i64 = probe.build_query_scalar().fetch_one(&mut *conn).await?;
        confirmed += n as usize;
        write_message_rows(conn, &rows).await?;
    }
    Ok(confirmed)
}

/// One message row, ready to write.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: String,
    pub ticket_id: String,
    pub conversation_id: String,
    pub sender_id: Option<String>,
    pub internal: bool,
    pub created_at: String,
    pub local_seq: Option<i64>,
    pub content: String,
    pub data: String,
}

impl MessageRow {
    pub fn from_message(m: &Message, local_seq: Option<i64>) -> Result<Self> {
        Ok(Self {
            id: m.id.to_string(),
            ticket_id: m.ticket_id.to_string(),
            conversation_id: m.conversation_id.to_string(),
            sender_id: m.sender_id.map(|u| u.to_string()),
            internal: m.internal,
            created_at: to_db(&m.created_at),
            local_seq,
            content: m.content.clone(),
            data: serde_json::to_string(m)?,
        })
    }
}

/// Upsert message rows. A server row replaces a local one with the same id (the send
/// was confirmed), clearing `local_seq`.
pub async fn write_message_rows(conn: &mut SqliteConnection, rows: &[MessageRow]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO messages (id, ticket_id, conversation_id, sender_id, internal, \
             created_at, local_seq, content, data) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(&r.id)
                .push_bind(&r.ticket_id)
                .push_bind(&r.conversation_id)
                .push_bind(&r.sender_id)
                .push_bind(r.internal)
                .push_bind(&r.created_at)
                .push_bind(r.local_seq)
                .push_bind(&r.content)
                .push_bind(&r.data);
        });
        qb.push(
            " ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id, \
             conversation_id = excluded.conversation_id, sender_id = excluded.sender_id, \
             internal = excluded.internal, created_at = excluded.created_at, \
             local_seq = excluded.local_seq, content = excluded.content, data = excluded.data",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_history(conn: &mut SqliteConnection, rows: &[&HistoryEntry]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let rows: Vec<(String, String, String, String)> = chunk
            .iter()
            .map(|h| {
                Ok((
                    h.id.to_string(),
                    h.ticket_id.to_string(),
                    to_db(&h.created_at),
                    serde_json::to_string(h)?,
                ))
            })
            .collect::<Result<_>>()?;
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO history (id, ticket_id, created_at, data) ");
        qb.push_values(&rows, |mut b, r| {
            b.push_bind(&r.0)
                .push_bind(&r.1)
                .push_bind(&r.2)
                .push_bind(&r.3);
        });
        qb.push(
            " ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id, \
             created_at = excluded.created_at, data = excluded.data",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn remove(
    conn: &mut SqliteConnection,
    kind: EntityKind,
    id: uuid::Uuid,
    out: &mut Applied,
) -> Result<()> {
    let id_s = id.to_string();
    match kind {
        EntityKind::Ticket => {
            // The ticket is gone (or no longer visible): drop it with everything hanging
            // off it. Its pending outbox entries stay; the server will refuse them and
            // they surface as conflicts.
            for sql in [
                "DELETE FROM messages WHERE ticket_id = ? AND local_seq IS NULL",
                "DELETE FROM conversations WHERE ticket_id = ?",
                "DELETE FROM history WHERE ticket_id = ?",
                "DELETE FROM ticket_base WHERE id = ?",
            ] {
                sqlx::query(sql).bind(&id_s).execute(&mut *conn).await?;
            }
            delete_ticket_row(conn, &id_s).await?;
            out.changed_tickets.push(id);
        }
        EntityKind::Message => {
            sqlx::query("DELETE FROM messages WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
        EntityKind::Conversation => {
            sqlx::query("DELETE FROM conversations WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
        EntityKind::User => {
            sqlx::query("DELETE FROM users WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
        EntityKind::Team => {
            sqlx::query("DELETE FROM teams WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
        EntityKind::Channel => {
            sqlx::query("DELETE FROM channels WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
        EntityKind::Tag => {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM tags WHERE id = ?")
                .bind(&id_s)
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(name) = name {
                sqlx::query("DELETE FROM ticket_tags WHERE tag = ?")
                    .bind(&name)
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query("DELETE FROM tags WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
        EntityKind::History => {
            sqlx::query("DELETE FROM history WHERE id = ?")
                .bind(&id_s)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Drop every server-confirmed row (re-bootstrap after an epoch change or an expired
/// cursor). The outbox, conflicts, drafts, saved searches and unconfirmed local
/// messages stay; the caller replays the outbox once the new state is pulled.
pub async fn wipe_server_state(conn: &mut SqliteConnection) -> Result<()> {
    for sql in [
        "DELETE FROM ticket_tags",
        "DELETE FROM tickets",
        "DELETE FROM ticket_base",
        "DELETE FROM messages WHERE local_seq IS NULL",
        "DELETE FROM conversations",
        "DELETE FROM users",
        "DELETE FROM teams",
        "DELETE FROM tags",
        "DELETE FROM history",
        "DELETE FROM channels",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}
