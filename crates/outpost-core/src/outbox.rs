//! The outbox: every local action is one SQLite transaction that writes the mutation
//! and its optimistic effect together (the cache is opened with `synchronous=FULL`, so
//! the commit survives power loss). Pending changes are never merged into the server
//! state: a ticket with pending changes keeps its server-confirmed state in
//! `ticket_base`, and its visible row is that base with the pending mutations replayed
//! on it ([`rebase`]). When the server answers, applied mutations stay replayed until
//! the pulled base contains their effect (so nothing flickers back), and rejected ones
//! simply stop being replayed and become a visible [conflict](crate::conflicts).

use crate::cache::apply::{self, MessageRow, TicketRow};
use crate::cache::outbox::{self as store, NewEntry};
use crate::conflicts::ConflictKind;
use crate::error::{CoreError, Result};
use outpost_domain::ids::{ConversationId, MessageId, MutationId, TicketId, TicketNumber, UserId};
use outpost_domain::lifecycle;
use outpost_domain::model::{Message, Ticket};
use outpost_domain::sync::{Applied, Mutation, MutationOp, MutationResult, Outcome};
use outpost_domain::time::{self, Timestamp, to_db};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
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

pub use crate::cache::outbox::OutboxState;

impl Delivery {
    /// The one rule for what the agent is told about a local change: `failed_attempt`
    /// when a push of it failed (it is retried), `conflict` the kind of the conflict it
    /// became once refused. A refusal is a conflict unless it is the catch-all
    /// [`ConflictKind::Rejected`] (permissions, input: failed for good; the conflict
    /// center still lists it).
    pub fn of(state: OutboxState, failed_attempt: bool, conflict: Option<ConflictKind>) -> Self {
        match state {
            OutboxState::Pending if failed_attempt => Self::Failed,
            OutboxState::Pending => Self::Pending,
            OutboxState::Rejected if conflict == Some(ConflictKind::Rejected) => Self::Failed,
            OutboxState::Rejected => Self::Conflict,
            OutboxState::Applied | OutboxState::Done => Self::Sent,
        }
    }
}

/// One outbox row.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub id: MutationId,
    pub name: String,
    pub ticket_id: Option<TicketId>,
    pub state: OutboxState,
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
    let seq = store::next_seq(conn).await?;
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
    store::insert(
        conn,
        NewEntry {
            seq,
            id,
            name: op.name(),
            args: args.to_string(),
            base: base.as_ref().map(serde_json::to_string).transpose()?,
            ticket_id,
            created_at: to_db(&now),
        },
    )
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
    let data = store::ticket_data(conn, &ticket.to_string()).await?;
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
    let Some(data) = store::conversation_data(conn, conversation).await? else {
        return Ok(());
    };
    let mut c: outpost_domain::model::Conversation = serde_json::from_str(&data)?;
    for p in &mut c.participants {
        if p.user_id == me {
            p.last_read_message_id = Some(message);
        }
    }
    store::set_conversation_data(conn, conversation, &serde_json::to_string(&c)?).await
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
    let shadow = store::base_row(conn, &id).await?;
    let base_json: Option<String> = match &shadow {
        Some(d) => d.clone(),
        None => store::ticket_data(conn, &id).await?,
    };
    let base: Option<Ticket> = base_json.as_deref().map(serde_json::from_str).transpose()?;

    let rows = store::live_of_ticket(conn, &id).await?;
    let mut live = Vec::with_capacity(rows.len());
    let mut settled = Vec::new();
    for r in rows {
        let seq = r.seq;
        let op = parse_op(&r.name, &r.args)?;
        let applied_version = r.applied_version;
        let result: Option<Applied> = r
            .result
            .as_deref()
            .and_then(|s| serde_json::from_str::<MutationResult>(s).ok())
            .and_then(|r| match r.outcome {
                Outcome::Applied(a) => Some(a),
                Outcome::Rejected(_) => None,
            });
        if r.state == OutboxState::Applied
            && in_base(conn, &op, seq, applied_version, base.as_ref()).await?
        {
            settled.push(seq);
            continue;
        }
        live.push(Live {
            op,
            result,
            created_at: time::parse(&r.created_at).unwrap_or_else(|_| time::now()),
        });
    }
    for seq in &settled {
        store::settle(conn, *seq).await?;
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
        store::delete_base(conn, &id).await?;
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
        store::insert_base(conn, &id, base_json.as_deref()).await?;
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
            store::local_messages(conn, seq).await? == 0
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
    store::pending(conn, limit)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Mutation {
                seq: r.seq,
                id: parse_mutation_id(&r.id)?,
                op: parse_op(&r.name, &r.args)?,
                base: r.base.as_deref().map(serde_json::from_str).transpose()?,
            })
        })
        .collect()
}

fn parse_mutation_id(id: &str) -> Result<MutationId> {
    id.parse()
        .map_err(|_| CoreError::CacheCorrupt(format!("bad mutation id {id}")))
}

/// Note a failed push attempt on the given mutations (shown as "failed, retrying").
pub async fn note_failure(conn: &mut SqliteConnection, seqs: &[i64], error: &str) -> Result<()> {
    store::note_failure(conn, seqs, error).await
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
        let Some(row) = store::answered(conn, r.seq).await? else {
            continue;
        };
        if row.state != OutboxState::Pending {
            continue;
        }
        let result_json = serde_json::to_string(r)?;
        let ticket = row.ticket_id;
        match &r.outcome {
            Outcome::Applied(a) => {
                // A read marker has no ticket state to wait for: settled at once.
                let state = if row.name == "conversation.read" {
                    OutboxState::Done
                } else {
                    OutboxState::Applied
                };
                store::mark_applied(conn, r.seq, state, a.version, &result_json).await?;
                // An API without client ids answers with its own: the local copy
                // takes it, so the server's copy replaces it when pulled.
                match parse_op(&row.name, &row.args)? {
                    MutationOp::MessageSend(sent) => {
                        if let Some(server) = a.message_id.filter(|s| *s != sent.message_id) {
                            store::adopt_message_id(conn, r.seq, &server.to_string()).await?;
                        }
                    }
                    MutationOp::TicketCreate(created) => {
                        if let Some(server) = a.ticket_id.filter(|s| *s != created.ticket_id) {
                            let local = created.ticket_id.to_string();
                            store::adopt_ticket_id(conn, &local, &server.to_string()).await?;
                            if !out.tickets.contains(&server) {
                                out.tickets.push(server);
                            }
                        }
                    }
                    _ => {}
                }
                out.applied += 1;
            }
            Outcome::Rejected(rej) => {
                store::mark_rejected(conn, r.seq, &result_json).await?;
                let op = parse_op(&row.name, &row.args)?;
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
    for id in store::live_tickets(conn).await? {
        if let Ok(t) = id.parse::<TicketId>() {
            rebase(conn, t, me).await?;
        }
    }
    Ok(())
}

/// Tickets with applied mutations whose effect the pulled base does not show yet.
pub async fn awaiting_base(conn: &mut SqliteConnection) -> Result<Vec<TicketId>> {
    let ids = store::applied_tickets(conn).await?;
    Ok(ids.iter().filter_map(|t| t.parse().ok()).collect())
}

/// Whether a claim, takeover, assignment or creation of mine on `ticket` is still on
/// its way (so an assignment to me is my own doing, not news).
pub async fn assignment_in_flight(conn: &mut SqliteConnection, ticket: TicketId) -> Result<bool> {
    store::assignment_in_flight(conn, ticket).await
}

/// Number of changes not yet acknowledged by the server.
pub async fn pending_count(conn: &mut SqliteConnection) -> Result<i64> {
    store::pending_count(conn).await
}

/// Recent outbox entries, newest first (the delivery log).
pub async fn recent(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<OutboxEntry>> {
    store::recent(conn, limit)
        .await?
        .into_iter()
        .map(|r| {
            let conflict = r.conflict_kind.as_deref().map(ConflictKind::parse);
            Ok(OutboxEntry {
                seq: r.seq,
                id: parse_mutation_id(&r.id)?,
                name: r.name,
                ticket_id: r.ticket_id.and_then(|t| t.parse().ok()),
                delivery: Delivery::of(r.state, r.attempts > 0, conflict),
                state: r.state,
                attempts: r.attempts,
                last_error: r.last_error,
                created_at: r.created_at,
            })
        })
        .collect()
}
