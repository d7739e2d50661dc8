//! The outbox: every local action is one SQLite transaction that writes the mutation
//! and its optimistic effect together (the cache is opened with `synchronous=FULL`, so
//! the commit survives power loss). Pending changes are never merged into the server
//! state: a ticket with pending changes keeps its server-confirmed state in
//! `ticket_base`, and its visible row is that base with the pending mutations replayed
//! on it ([`rebase`]). When the server answers, applied mutations stay replayed until
//! the pulled base contains their effect (so nothing flickers back), and rejected ones
//! simply stop being replayed and become a visible [conflict](crate::conflicts).

use crate::cache::apply::{self, MessageRow, TicketRow};
use crate::cache::{keys, state_get, state_set};
use crate::error::{CoreError, Result};
use outpost_domain::ids::{ConversationId, MessageId, MutationId, TicketId, TicketNumber, UserId};
use outpost_domain::lifecycle;
use outpost_domain::model::{Message, Ticket};
use outpost_domain::sync::{Applied, Mutation, MutationOp, MutationResult, Outcome};
use outpost_domain::time::{self, Timestamp, to_db};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};

/// Delivery state of one local change, as the agent sees it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Saved locally, not yet acknowledged by the server.
    Pending,
    /// The server applied it.
    Sent,
    /// The last attempt to send it failed (it is retried on its own; the error says
    /// why), or the server refused it for a reason other than a conflict.
    Failed,
    /// The server refused it because of someone else's change; see the conflict center.
    Conflict,
}

/// One outbox row.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub id: MutationId,
    pub name: String,
    pub ticket_id: Option<TicketId>,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivery: Delivery,
}

/// What [`enqueue`] recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Enqueued {
    pub seq: i64,
    pub mutation_id: MutationId,
    pub ticket_id: Option<TicketId>,
    /// For `message.send`: the message's id.
    pub message_id: Option<MessageId>,
}

/// The ticket a mutation acts on.
pub fn ticket_of(op: &MutationOp) -> Option<TicketId> {
    Some(match op {
        MutationOp::TicketCreate(a) => a.ticket_id,
        MutationOp::TicketUpdate(a) => a.ticket_id,
        MutationOp::TicketClaim(a)
        | MutationOp::TicketTakeover(a)
        | MutationOp::TicketReopen(a) => a.ticket_id,
        MutationOp::TicketAssign(a) => a.ticket_id,
        MutationOp::TicketClose(a) => a.ticket_id,
        MutationOp::TicketTagAdd(a) | MutationOp::TicketTagRemove(a) => a.ticket_id,
        MutationOp::MessageSend(a) => a.ticket_id,
        MutationOp::ConversationRead(_) => return None,
    })
}

/// Record a local action: the mutation and its optimistic effect, in the caller's
/// transaction. Fills in ids the server needs to see stable across retries (a new
/// ticket's conversation id).
pub async fn enqueue(
    conn: &mut SqliteConnection,
    me: UserId,
    mut op: MutationOp,
    base: Option<BTreeMap<String, i64>>,
) -> Result<Enqueued> {
    let seq: i64 = state_get(conn, keys::NEXT_SEQ)
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    state_set(conn, keys::NEXT_SEQ, &(seq + 1).to_string()).await?;
    if let MutationOp::TicketCreate(a) = &mut op
        && a.conversation_id.is_none()
    {
        a.conversation_id = Some(ConversationId::new());
    }
    let id = MutationId::new();
    let ticket_id = ticket_of(&op);
    let now = time::now();
    let args = serde_json::to_value(&op)?;
    let args = args.get("args").cloned().unwrap_or_default();
    sqlx::query(
        "INSERT INTO outbox (seq, id, name, args, base, ticket_id, state, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
    )
    .bind(seq)
    .bind(id.to_string())
    .bind(op.name())
    .bind(args.to_string())
    .bind(base.as_ref().map(serde_json::to_string).transpose()?)
    .bind(ticket_id.map(|t| t.to_string()))
    .bind(to_db(&now))
    .execute(&mut *conn)
    .await?;

    let mut message_id = None;
    match &op {
        MutationOp::MessageSend(a) => {
            let conversation = conversation_of(conn, a.ticket_id).await?;
            let msg = Message {
                id: a.message_id,
                conversation_id: conversation,
                ticket_id: a.ticket_id,
                sender_id: Some(me),
                message_type: a.message_type,
                content: a.content.clone(),
                content_url: a.content_url.clone(),
                metadata: a.metadata.clone(),
                parent_message_id: a.parent_message_id,
                internal: a.internal,
                attachments: a.attachments.clone(),
                created_at: now,
            };
            apply::write_message_rows(conn, &[MessageRow::from_message(&msg, Some(seq))?]).await?;
            message_id = Some(a.message_id);
        }
        MutationOp::ConversationRead(a) => {
            mark_read_locally(conn, me, a.conversation_id, a.message_id).await?;
        }
        _ => {}
    }
    if let Some(t) = ticket_id {
        rebase(conn, t, me).await?;
    }
    Ok(Enqueued {
        seq,
        mutation_id: id,
        ticket_id,
        message_id,
    })
}

async fn conversation_of(conn: &mut SqliteConnection, ticket: TicketId) -> Result<ConversationId> {
    let data: Option<String> = sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
        .bind(ticket.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let data = data.ok_or_else(|| CoreError::not_found("ticket", ticket.to_string()))?;
    let t: Ticket = serde_json::from_str(&data)?;
    Ok(t.conversation_id)
}

async fn mark_read_locally(
    conn: &mut SqliteConnection,
    me: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<()> {
    let data: Option<String> = sqlx::query_scalar("SELECT data FROM conversations WHERE id = ?")
        .bind(conversation.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(data) = data else { return Ok(()) };
    let mut c: outpost_domain::model::Conversation = serde_json::from_str(&data)?;
    for p in &mut c.participants {
        if p.user_id == me {
            p.last_read_message_id = Some(message);
        }
    }
    sqlx::query("UPDATE conversations SET data = ? WHERE id = ?")
        .bind(serde_json::to_string(&c)?)
        .bind(conversation.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A live (still replayed) outbox entry of one ticket.
struct Live {
    op: MutationOp,
    /// The server's answer, once applied (a created ticket's number).
    result: Option<Applied>,
    created_at: Timestamp,
}

/// Parse a stored outbox row back into its operation.
pub fn parse_op(name: &str, args: &str) -> Result<MutationOp> {
    let v = serde_json::json!({ "name": name, "args": serde_json::from_str::<serde_json::Value>(args)? });
    Ok(serde_json::from_value(v)?)
}

/// Recompute the visible row of `ticket` from its server base and the outbox entries
/// still replayed on it; settle applied entries whose effect the base now contains.
pub async fn rebase(conn: &mut SqliteConnection, ticket: TicketId, me: UserId) -> Result<()> {
    let id = ticket.to_string();
    let shadow: Option<Option<String>> =
        sqlx::query_scalar("SELECT data FROM ticket_base WHERE id = ?")
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?;
    let base_json: Option<String> = match &shadow {
        Some(d) => d.clone(),
        None => {
            sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    let base: Option<Ticket> = base_json.as_deref().map(serde_json::from_str).transpose()?;

    let rows = sqlx::query(
        "SELECT seq, name, args, state, applied_version, result, created_at FROM outbox \
         WHERE ticket_id = ? AND state IN ('pending', 'applied') ORDER BY seq",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?;
    let mut live = Vec::with_capacity(rows.len());
    let mut settled = Vec::new();
    for r in rows {
        let seq: i64 = r.get("seq");
        let op = parse_op(r.get("name"), r.get("args"))?;
        let state: String = r.get("state");
        let applied_version: Option<i64> = r.get("applied_version");
        let result: Option<String> = r.get("result");
        let result: Option<Applied> = result
            .as_deref()
            .and_then(|s| serde_json::from_str::<MutationResult>(s).ok())
            .and_then(|r| match r.outcome {
                Outcome::Applied(a) => Some(a),
                Outcome::Rejected(_) => None,
            });
        if state == "applied" && in_base(conn, &op, seq, applied_version, base.as_ref()).await? {
            settled.push(seq);
            continue;
        }
        let created_at: String = r.get("created_at");
        live.push(Live {
            op,
            result,
            created_at: time::parse(&created_at).unwrap_or_else(|_| time::now()),
        });
    }
    for seq in &settled {
        sqlx::query("UPDATE outbox SET state = 'done', settled_at = ? WHERE seq = ?")
            .bind(to_db(&time::now()))
            .bind(seq)
            .execute(&mut *conn)
            .await?;
    }

    let names = apply::tag_names(conn).await?;
    let base_tags: BTreeSet<String> = base
        .as_ref()
        .map(|t| {
            t.tag_ids
                .iter()
                .filter_map(|i| names.get(&i.to_string()).cloned())
                .collect()
        })
        .unwrap_or_default();

    if live.is_empty() {
        sqlx::query("DELETE FROM ticket_base WHERE id = ?")
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        match &base {
            Some(t) => {
                let row =
                    TicketRow::with_tags(t, Some(t.number.0), 0, base_tags.into_iter().collect())?;
                apply::write_ticket_rows(conn, &[row]).await?;
            }
            None => apply::delete_ticket_row(conn, &id).await?,
        }
        return Ok(());
    }

    if shadow.is_none() {
        sqlx::query("INSERT INTO ticket_base (id, data) VALUES (?, ?)")
            .bind(&id)
            .bind(&base_json)
            .execute(&mut *conn)
            .await?;
    }
    let mut number = base.as_ref().map(|t| t.number.0);
    let mut t = base;
    let mut tags = base_tags;
    for e in &live {
        if let (MutationOp::TicketCreate(_), Some(a)) = (&e.op, &e.result)
            && number.is_none()
        {
            number = a.ticket_number.map(|n| n.0);
        }
        fold(&mut t, &mut tags, &e.op, me, e.created_at);
    }
    match t {
        Some(t) => {
            let row =
                TicketRow::with_tags(&t, number, live.len() as i64, tags.into_iter().collect())?;
            apply::write_ticket_rows(conn, &[row]).await?;
        }
        None => apply::delete_ticket_row(conn, &id).await?,
    }
    Ok(())
}

/// Does the server state `base` already contain the effect of this applied mutation?
async fn in_base(
    conn: &mut SqliteConnection,
    op: &MutationOp,
    seq: i64,
    applied_version: Option<i64>,
    base: Option<&Ticket>,
) -> Result<bool> {
    Ok(match op {
        MutationOp::MessageSend(_) => {
            // Confirmed once the server's copy replaced ours (local_seq cleared).
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE local_seq = ?")
                .bind(seq)
                .fetch_one(&mut *conn)
                .await?;
            n == 0
        }
        MutationOp::ConversationRead(_) => true,
        _ => match (base, applied_version) {
            (Some(b), Some(v)) => b.version >= v,
            (Some(_), None) => true,
            (None, _) => false,
        },
    })
}

/// The optimistic effect of one mutation: the server's own lifecycle rules
/// ([`lifecycle`]), so the ticket the agent sees is the ticket the server will send
/// back, up to the server's bookkeeping (number, version, timestamps' exact values).
/// A mutation the rules refuse has no effect here, as it will have none there.
pub fn fold(
    t: &mut Option<Ticket>,
    tags: &mut BTreeSet<String>,
    op: &MutationOp,
    me: UserId,
    at: Timestamp,
) {
    // The desk is a support tool: its user always acts from the support side.
    let by = lifecycle::Actor::support(me);
    if let MutationOp::TicketCreate(a) = op {
        if t.is_some() {
            return;
        }
        // Numbered by the server; tags are kept by name until the server has ids.
        if let Ok(created) = lifecycle::new_ticket(a, by, TicketNumber(0), Vec::new(), at) {
            *t = Some(created);
            tags.extend(a.tags.iter().cloned());
        }
        return;
    }
    let Some(current) = t.as_ref() else { return };
    let next = match op {
        MutationOp::TicketCreate(_) | MutationOp::ConversationRead(_) => return,
        MutationOp::TicketUpdate(a) => lifecycle::Edit::parse(a)
            .ok()
            .and_then(|e| lifecycle::edit(current, &e, at).ok())
            .map(|e| {
                if e.closes {
                    lifecycle::close(&e.ticket, at)
                } else {
                    e.ticket
                }
            }),
        MutationOp::TicketClaim(_) => lifecycle::claim(current, by, at).ok(),
        MutationOp::TicketTakeover(_) => lifecycle::takeover(current, by, at).ok(),
        MutationOp::TicketAssign(a) => Some(lifecycle::assign(current, a, at)),
        MutationOp::TicketClose(_) => Some(lifecycle::close(current, at)),
        MutationOp::TicketReopen(_) => Some(lifecycle::reopen(current, at)),
        MutationOp::TicketTagAdd(a) => {
            tags.insert(a.tag.trim().to_lowercase());
            Some(current.clone())
        }
        MutationOp::TicketTagRemove(a) => {
            tags.remove(&a.tag.trim().to_lowercase());
            Some(current.clone())
        }
        MutationOp::MessageSend(a) => {
            lifecycle::message_posted(current, lifecycle::Side::Support, a.internal, at).ok()
        }
    };
    if let Some(mut next) = next {
        next.updated_at = at;
        *t = Some(next);
    }
}

/// The oldest pending mutations, in seq order, ready to push.
pub async fn pending_batch(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<Mutation>> {
    let rows = sqlx::query(
        "SELECT seq, id, name, args, base FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let base: Option<String> = r.get("base");
            let id: String = r.get("id");
            Ok(Mutation {
                seq: r.get("seq"),
                id: id
                    .parse()
                    .map_err(|_| CoreError::Protocol(format!("bad mutation id {id}")))?,
                op: parse_op(r.get("name"), r.get("args"))?,
                base: base.as_deref().map(serde_json::from_str).transpose()?,
            })
        })
        .collect()
}

/// Note a failed push attempt on the given mutations (shown as "failed, retrying").
pub async fn note_failure(conn: &mut SqliteConnection, seqs: &[i64], error: &str) -> Result<()> {
    for seq in seqs {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? \
             WHERE seq = ? AND state = 'pending'",
        )
        .bind(error)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What recording a push's results did.
#[derive(Debug, Default, Clone)]
pub struct Recorded {
    pub applied: usize,
    pub rejected: usize,
    /// Conflicts created (their ids).
    pub conflicts: Vec<String>,
    pub tickets: Vec<TicketId>,
}

/// Store the server's answers: applied entries wait for the pull that carries their
/// effect; rejected ones stop being replayed and become conflicts.
pub async fn record_results(
    conn: &mut SqliteConnection,
    me: UserId,
    results: &[MutationResult],
) -> Result<Recorded> {
    let mut out = Recorded::default();
    for r in results {
        let row = sqlx::query("SELECT name, args, ticket_id, state FROM outbox WHERE seq = ?")
            .bind(r.seq)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { continue };
        let state: String = row.get("state");
        if state != "pending" {
            continue;
        }
        let result_json = serde_json::to_string(r)?;
        let ticket: Option<String> = row.get("ticket_id");
        match &r.outcome {
            Outcome::Applied(a) => {
                // A read marker has no ticket state to wait for: settled at once.
                let name: String = row.get("name");
                let state = if name == "conversation.read" {
                    "done"
                } else {
                    "applied"
                };
                sqlx::query(
                    "UPDATE outbox SET state = ?, applied_version = ?, result = ?, \
                     last_error = NULL WHERE seq = ?",
                )
                .bind(state)
                .bind(a.version)
                .bind(&result_json)
                .bind(r.seq)
                .execute(&mut *conn)
                .await?;
                out.applied += 1;
            }
            Outcome::Rejected(rej) => {
                sqlx::query(
                    "UPDATE outbox SET state = 'rejected', result = ?, settled_at = ? WHERE seq = ?",
                )
                .bind(&result_json)
                .bind(to_db(&time::now()))
                .bind(r.seq)
                .execute(&mut *conn)
                .await?;
                let op = parse_op(row.get("name"), row.get("args"))?;
                let id = crate::conflicts::record(conn, r.seq, &op, rej).await?;
                out.conflicts.push(id);
                out.rejected += 1;
            }
        }
        if let Some(t) = ticket.and_then(|t| t.parse::<TicketId>().ok())
            && !out.tickets.contains(&t)
        {
            out.tickets.push(t);
        }
    }
    for t in out.tickets.clone() {
        rebase(conn, t, me).await?;
    }
    Ok(out)
}

/// Re-run [`rebase`] for every ticket that still has live outbox entries (after a
/// re-bootstrap replaced the server state).
pub async fn rebase_all(conn: &mut SqliteConnection, me: UserId) -> Result<()> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT ticket_id FROM outbox \
         WHERE ticket_id IS NOT NULL AND state IN ('pending', 'applied')",
    )
    .fetch_all(&mut *conn)
    .await?;
    for id in ids {
        if let Ok(t) = id.parse::<TicketId>() {
            rebase(conn, t, me).await?;
        }
    }
    Ok(())
}

/// Tickets with applied mutations whose effect the pulled base does not show yet.
pub async fn awaiting_base(conn: &mut SqliteConnection) -> Result<Vec<TicketId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT ticket_id FROM outbox WHERE state = 'applied' AND ticket_id IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.iter().filter_map(|t| t.parse().ok()).collect())
}

/// Whether a claim, takeover, assignment or creation of mine on `ticket` is still on
/// its way (so an assignment to me is my own doing, not news).
pub async fn assignment_in_flight(conn: &mut SqliteConnection, ticket: TicketId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE ticket_id = ? AND state IN ('pending', 'applied') \
         AND name IN ('ticket.claim', 'ticket.takeover', 'ticket.assign', 'ticket.create')",
    )
    .bind(ticket.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Number of changes not yet acknowledged by the server.
pub async fn pending_count(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'pending'")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The delivery state of an outbox row.
pub fn delivery_of(state: &str, attempts: i64, conflict: bool) -> Delivery {
    match state {
        "pending" if attempts > 0 => Delivery::Failed,
        "pending" => Delivery::Pending,
        "rejected" if conflict => Delivery::Conflict,
        "rejected" => Delivery::Failed,
        _ => Delivery::Sent,
    }
}

/// Recent outbox entries, newest first (the delivery log).
pub async fn recent(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<OutboxEntry>> {
    let rows = sqlx::query(
        "SELECT o.seq, o.id, o.name, o.ticket_id, o.state, o.attempts, o.last_error, \
         o.created_at, (SELECT kind FROM conflicts c WHERE c.seq = o.seq) AS kind \
         FROM outbox o ORDER BY o.seq DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let state: String = r.get("state");
            let attempts: i64 = r.get("attempts");
            let kind: Option<String> = r.get("kind");
            let id: String = r.get("id");
            let ticket: Option<String> = r.get("ticket_id");
            Ok(OutboxEntry {
                seq: r.get("seq"),
                id: id
                    .parse()
                    .map_err(|_| CoreError::Protocol(format!("bad mutation id {id}")))?,
                name: r.get("name"),
                ticket_id: ticket.and_then(|t| t.parse().ok()),
                delivery: delivery_of(&state, attempts, kind.is_some_and(|k| k != "rejected")),
                state,
                attempts,
                last_error: r.get("last_error"),
                created_at: r.get("created_at"),
            })
        })
        .collect()
}
