//! Conversations, participants and messages.

use crate::db::{
    WriteTx, get_bool, get_id, get_json, get_opt_id, get_opt_time, get_parsed, get_time,
};
use crate::error::StoreError;
use crate::store::attachments::{self, AttachmentRow};
use crate::store::counters::{self, Counter};
use crate::store::push_id_list;
use crate::store::sql::Sql;
use outpost_api::files::file_number;
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_conversation(
    conn: &mut AnyConnection,
    tenant: TenantId,
    c: &Conversation,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO conversations (id, tenant_id, ticket_id, status, last_message_at, version, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.id.to_string())
    .bind(tenant.to_string())
    .bind(c.ticket_id.to_string())
    .bind(c.status.as_str())
    .bind(c.last_message_at.as_ref().map(time::to_db))
    .bind(c.version)
    .bind(time::to_db(&c.created_at))
    .execute(&mut *conn)
    .await?;
    for p in &c.participants {
        upsert_participant(conn, c.id, p.user_id, p.role, &p.joined_at).await?;
    }
    Ok(())
}

/// Bulk insert of conversations and their participants (demo data, imports).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_conversations_many(
    conn: &mut AnyConnection,
    tenant: TenantId,
    cs: &[Conversation],
) -> Result<(), StoreError> {
    for chunk in cs.chunks(1000) {
        let mut qb = Sql::new(
            "INSERT INTO conversations (id, tenant_id, ticket_id, status, last_message_at, version, created_at) ",
        );
        qb.push_values(chunk, |mut b, c| {
            b.push_bind(c.id.to_string())
                .push_bind(tenant.to_string())
                .push_bind(c.ticket_id.to_string())
                .push_bind(c.status.as_str())
                .push_bind(c.last_message_at.as_ref().map(time::to_db))
                .push_bind(c.version)
                .push_bind(time::to_db(&c.created_at));
        });
        qb.execute(&mut *conn).await?;
    }
    let parts: Vec<(ConversationId, &Participant)> = cs
        .iter()
        .flat_map(|c| c.participants.iter().map(move |p| (c.id, p)))
        .collect();
    for chunk in parts.chunks(1000) {
        let mut qb = Sql::new(
            "INSERT INTO participants (conversation_id, user_id, role, last_read_message_id, joined_at) ",
        );
        qb.push_values(chunk, |mut b, (cid, p)| {
            b.push_bind(cid.to_string())
                .push_bind(p.user_id.to_string())
                .push_bind(p.role.as_str())
                .push_bind(p.last_read_message_id.map(|m| m.to_string()))
                .push_bind(time::to_db(&p.joined_at));
        });
        qb.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds a participant, or raises an existing member to `role` when it is `admin`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upsert_participant(
    conn: &mut AnyConnection,
    conv: ConversationId,
    user: UserId,
    role: ParticipantRole,
    now: &Timestamp,
) -> Result<(), StoreError> {
    let sql = match role {
        ParticipantRole::Admin => {
            "INSERT INTO participants (conversation_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (conversation_id, user_id) DO UPDATE SET role = excluded.role"
        }
        ParticipantRole::Member => {
            "INSERT INTO participants (conversation_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (conversation_id, user_id) DO NOTHING"
        }
    };
    sqlx::query(sql)
        .bind(conv.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .bind(time::to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn participant_role(
    conn: &mut AnyConnection,
    conv: ConversationId,
    user: UserId,
) -> Result<Option<ParticipantRole>, StoreError> {
    let row =
        sqlx::query("SELECT role FROM participants WHERE conversation_id = $1 AND user_id = $2")
            .bind(conv.to_string())
            .bind(user.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(row.as_ref().map(|r| get_parsed(r, "role")).transpose()?)
}

/// Moves the participant's read marker; false when the user is not a participant.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_last_read(
    conn: &mut AnyConnection,
    conv: ConversationId,
    user: UserId,
    msg: MessageId,
) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE participants SET last_read_message_id = $1 WHERE conversation_id = $2 AND user_id = $3")
        .bind(msg.to_string())
        .bind(conv.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets the conversation status and bumps its version.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_status(
    conn: &mut AnyConnection,
    tenant: TenantId,
    conv: ConversationId,
    status: ConversationStatus,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE conversations SET status = $1, version = version + 1 WHERE tenant_id = $2 AND id = $3")
        .bind(status.as_str())
        .bind(tenant.to_string())
        .bind(conv.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Records activity: new last message time and a version bump.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn touch(
    conn: &mut AnyConnection,
    tenant: TenantId,
    conv: ConversationId,
    last_message_at: Option<&Timestamp>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET version = version + 1, last_message_at = COALESCE($1, last_message_at) \
         WHERE tenant_id = $2 AND id = $3",
    )
    .bind(last_message_at.map(time::to_db))
    .bind(tenant.to_string())
    .bind(conv.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `user` takes part in conversation `conv`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn is_participant(
    conn: &mut AnyConnection,
    conv: ConversationId,
    user: UserId,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM participants WHERE conversation_id = $1 AND user_id = $2",
    )
    .bind(conv.to_string())
    .bind(user.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_conversation(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ConversationId,
) -> Result<Option<Conversation>, StoreError> {
    Ok(get_conversations(conn, tenant, &[id]).await?.pop())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_conversations(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[ConversationId],
) -> Result<Vec<Conversation>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = Sql::new(
        "SELECT id, ticket_id, status, last_message_at, version, created_at FROM conversations WHERE tenant_id = ",
    );
    qb.push_bind(tenant.to_string()).push(" AND id IN ");
    push_id_list(&mut qb, ids);
    let rows = qb.fetch_all(&mut *conn).await?;
    let mut convs = rows
        .iter()
        .map(|r| {
            Ok(Conversation {
                id: get_id(r, "id")?,
                ticket_id: get_id(r, "ticket_id")?,
                status: get_parsed(r, "status")?,
                participants: Vec::new(),
                last_message_at: get_opt_time(r, "last_message_at")?,
                created_at: get_time(r, "created_at")?,
                version: r.try_get("version")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    if convs.is_empty() {
        return Ok(convs);
    }
    let found: Vec<ConversationId> = convs.iter().map(|c| c.id).collect();
    let mut qb = Sql::new(
        "SELECT conversation_id, user_id, role, last_read_message_id, joined_at FROM participants WHERE conversation_id IN ",
    );
    push_id_list(&mut qb, &found);
    qb.push(" ORDER BY joined_at, user_id");
    let rows = qb.fetch_all(conn).await?;
    let mut by_conv: HashMap<ConversationId, Vec<Participant>> = HashMap::new();
    for r in &rows {
        by_conv
            .entry(get_id(r, "conversation_id")?)
            .or_default()
            .push(Participant {
                user_id: get_id(r, "user_id")?,
                role: get_parsed(r, "role")?,
                last_read_message_id: get_opt_id(r, "last_read_message_id")?,
                joined_at: get_time(r, "joined_at")?,
            });
    }
    for c in &mut convs {
        c.participants = by_conv.remove(&c.id).unwrap_or_default();
    }
    Ok(convs)
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, ticket_id, sender_id, message_type, content, content_url, metadata, \
     parent_message_id, internal, attachments, created_at";

fn message_from_row(r: &AnyRow) -> Result<Message, sqlx::Error> {
    let metadata: Option<String> = r.try_get("metadata")?;
    Ok(Message {
        id: get_id(r, "id")?,
        conversation_id: get_id(r, "conversation_id")?,
        ticket_id: get_id(r, "ticket_id")?,
        sender_id: get_opt_id(r, "sender_id")?,
        message_type: get_parsed(r, "message_type")?,
        content: r.try_get("content")?,
        content_url: r.try_get("content_url")?,
        metadata: metadata
            .map(|m| serde_json::from_str(&m))
            .transpose()
            .map_err(|e| sqlx::Error::ColumnDecode {
                index: "metadata".into(),
                source: Box::new(e),
            })?,
        parent_message_id: get_opt_id(r, "parent_message_id")?,
        internal: get_bool(r, "internal")?,
        attachments: get_json(r, "attachments")?,
        created_at: get_time(r, "created_at")?,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_message(tx: &mut WriteTx, m: &Message) -> Result<(), StoreError> {
    insert_messages(tx, std::slice::from_ref(m)).await
}

/// Inserts messages with the tenant's next message numbers, and records their
/// attachments: an uploaded file (a `/files/v1/…` URL) is linked to its message, a
/// link to a file kept elsewhere gets a row of its own. An upload that is no longer
/// unsent is a [`StoreError::Conflict`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_messages(tx: &mut WriteTx, ms: &[Message]) -> Result<(), StoreError> {
    if ms.is_empty() {
        return Ok(());
    }
    let tenant = tx.tenant_id();
    let len = i64::try_from(ms.len()).unwrap_or(i64::MAX);
    let first = counters::take(tx, Counter::Message, len).await?;
    let conn = tx.conn();
    for (c, chunk) in ms.chunks(1000).enumerate() {
        let base = first + (c * 1000) as i64;
        let mut qb = Sql::new(format!(
            "INSERT INTO messages (tenant_id, number, {MESSAGE_COLUMNS}) "
        ));
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, m)| {
            b.push_bind(tenant.to_string())
                .push_bind(base + i as i64)
                .push_bind(m.id.to_string())
                .push_bind(m.conversation_id.to_string())
                .push_bind(m.ticket_id.to_string())
                .push_bind(m.sender_id.map(|s| s.to_string()))
                .push_bind(m.message_type.as_str())
                .push_bind(m.content.clone())
                .push_bind(m.content_url.clone())
                .push_bind(m.metadata.as_ref().map(|v| v.to_string()))
                .push_bind(m.parent_message_id.map(|p| p.to_string()))
                .push_bind(m.internal)
                .push_bind(serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".into()))
                .push_bind(time::to_db(&m.created_at));
        });
        qb.execute(&mut *conn).await?;
    }
    record_attachments(conn, tenant, ms).await
}

async fn record_attachments(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ms: &[Message],
) -> Result<(), StoreError> {
    let mut links = Vec::new();
    for m in ms {
        for (position, a) in m.attachments.iter().enumerate() {
            let position = position as i64;
            match file_number(&a.url) {
                Some(number) => {
                    if !attachments::link(conn, tenant, number, m.id, position).await? {
                        return Err(StoreError::Conflict(format!(
                            "file {number} is not an unsent upload of this tenant"
                        )));
                    }
                }
                None => links.push((m, position, a)),
            }
        }
    }
    if links.is_empty() {
        return Ok(());
    }
    let first = attachments::reserve_numbers(conn, tenant, links.len() as i64).await?;
    let rows: Vec<AttachmentRow> = links
        .into_iter()
        .zip(first..)
        .map(|((m, position, a), number)| AttachmentRow {
            number,
            message_id: Some(m.id),
            position,
            name: a.name.clone(),
            mime: a.mime.clone(),
            size: a.size,
            sha256: None,
            link: Some(a.url.clone()),
            uploaded_by: m.sender_id,
            created_at: m.created_at,
        })
        .collect();
    attachments::insert(conn, tenant, &rows).await
}

/// A message by id, in any conversation of the tenant.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_message(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: MessageId,
) -> Result<Option<Message>, StoreError> {
    Ok(get_messages(conn, tenant, &[id]).await?.pop())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_messages(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[MessageId],
) -> Result<Vec<Message>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = Sql::new(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = "
    ));
    qb.push_bind(tenant.to_string()).push(" AND id IN ");
    push_id_list(&mut qb, ids);
    let rows = qb.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?)
}

/// Filters of a conversation's message list.
#[derive(Clone, Debug, Default)]
pub struct MessageFilter {
    pub include_internal: bool,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// One page of a conversation, newest first, and the total matching.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_messages(
    conn: &mut AnyConnection,
    tenant: TenantId,
    conv: ConversationId,
    f: &MessageFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Message>, i64), StoreError> {
    fn push_where(qb: &mut Sql, tenant: TenantId, conv: ConversationId, f: &MessageFilter) {
        qb.push(" WHERE conversation_id = ")
            .push_bind(conv.to_string());
        qb.push(" AND tenant_id = ").push_bind(tenant.to_string());
        if !f.include_internal {
            qb.push(" AND internal = ").push_bind(false);
        }
        if let Some(from) = &f.from {
            qb.push(" AND created_at >= ").push_bind(time::to_db(from));
        }
        if let Some(to) = &f.to {
            qb.push(" AND created_at <= ").push_bind(time::to_db(to));
        }
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM messages");
    push_where(&mut count, tenant, conv, f);
    let total: i64 = count.fetch_scalar(&mut *conn).await?;
    if total == 0 || offset >= total {
        return Ok((Vec::new(), total));
    }
    let mut qb = Sql::new(format!("SELECT {MESSAGE_COLUMNS} FROM messages"));
    push_where(&mut qb, tenant, conv, f);
    qb.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows = qb.fetch_all(conn).await?;
    Ok((
        rows.iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// The users taking part in some conversations (each once, in no particular order).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn participant_ids(
    conn: &mut AnyConnection,
    convs: &[ConversationId],
) -> Result<Vec<UserId>, StoreError> {
    let mut out = Vec::new();
    for chunk in convs.chunks(500) {
        let mut qb =
            Sql::new("SELECT DISTINCT user_id FROM participants WHERE conversation_id IN ");
        push_id_list(&mut qb, chunk);
        for r in qb.fetch_all(&mut *conn).await? {
            out.push(get_id(&r, "user_id")?);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The ids and senders of every message of some conversations; internal notes only
/// with `include_internal`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn message_refs(
    conn: &mut AnyConnection,
    tenant: TenantId,
    convs: &[ConversationId],
    include_internal: bool,
) -> Result<Vec<(MessageId, Option<UserId>)>, StoreError> {
    let mut out = Vec::new();
    for chunk in convs.chunks(500) {
        let mut qb = Sql::new("SELECT id, sender_id FROM messages WHERE conversation_id IN ");
        push_id_list(&mut qb, chunk);
        qb.push(" AND tenant_id = ").push_bind(tenant.to_string());
        if !include_internal {
            qb.push(" AND internal = ").push_bind(false);
        }
        for r in qb.fetch_all(&mut *conn).await? {
            out.push((get_id(&r, "id")?, get_opt_id(&r, "sender_id")?));
        }
    }
    Ok(out)
}

/// How many comments (messages with a sender: not system messages) each of some
/// conversations holds; internal notes only with `include_internal`. Conversations
/// without any are absent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn comment_counts(
    conn: &mut AnyConnection,
    tenant: TenantId,
    convs: &[ConversationId],
    include_internal: bool,
) -> Result<HashMap<ConversationId, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in convs.chunks(500) {
        let mut qb = Sql::new(
            "SELECT conversation_id, COUNT(*) AS n FROM messages WHERE conversation_id IN ",
        );
        push_id_list(&mut qb, chunk);
        qb.push(" AND tenant_id = ").push_bind(tenant.to_string());
        qb.push(" AND sender_id IS NOT NULL");
        if !include_internal {
            qb.push(" AND internal = ").push_bind(false);
        }
        qb.push(" GROUP BY conversation_id");
        for r in qb.fetch_all(&mut *conn).await? {
            out.insert(get_id(&r, "conversation_id")?, r.try_get::<i64, _>("n")?);
        }
    }
    Ok(out)
}

/// A conversation's comments (messages with a sender), oldest first; internal notes
/// only with `include_internal`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn comments(
    conn: &mut AnyConnection,
    tenant: TenantId,
    conv: ConversationId,
    include_internal: bool,
) -> Result<Vec<Message>, StoreError> {
    let mut qb = Sql::new(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = "
    ));
    qb.push_bind(conv.to_string())
        .push(" AND tenant_id = ")
        .push_bind(tenant.to_string())
        .push(" AND sender_id IS NOT NULL");
    if !include_internal {
        qb.push(" AND internal = ").push_bind(false);
    }
    qb.push(" ORDER BY created_at, id");
    let rows = qb.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?)
}

/// The comments seed 004 shows of some conversations (text, image and file messages,
/// internal notes included) with the tenant's message numbers, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn numbered_comments(
    conn: &mut AnyConnection,
    tenant: TenantId,
    convs: &[ConversationId],
) -> Result<Vec<(i64, Message)>, StoreError> {
    let mut out = Vec::new();
    for chunk in convs.chunks(500) {
        let mut qb = Sql::new(format!(
            "SELECT number, {MESSAGE_COLUMNS} FROM messages WHERE conversation_id IN "
        ));
        push_id_list(&mut qb, chunk);
        qb.push(" AND tenant_id = ")
            .push_bind(tenant.to_string())
            .push(" AND message_type IN (");
        let mut sep = qb.separated(", ");
        for t in [MessageType::Text, MessageType::Image, MessageType::File] {
            sep.push_bind(t.as_str());
        }
        sep.push_unseparated(") ORDER BY conversation_id, created_at, id");
        for r in qb.fetch_all(&mut *conn).await? {
            out.push((r.try_get::<i64, _>("number")?, message_from_row(&r)?));
        }
    }
    Ok(out)
}
