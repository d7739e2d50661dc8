//! Conflicts: every mutation the server refused becomes a visible record with the
//! choices that resolve it. The server decides, the agent sees; what the agent typed is
//! kept in the record (`payload`) until they choose.

use crate::error::{CoreError, Result};
use crate::outbox::{self, Enqueued};
use crate::remote::Capabilities;
use outpost_domain::ids::{MessageId, TicketId, UserId};
use outpost_domain::model::Ticket;
use outpost_domain::sync::{
    ConflictDetails, MessageSendArgs, MutationOp, Rejected, TicketCreateArgs, TicketRef,
};
use outpost_domain::time::{self, to_db};
use outpost_domain::values::Status;
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;

/// What kind of conflict a refusal is; decides the choices.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Someone else claimed (or holds) the ticket first.
    Claim,
    /// A field edit made against a value someone else changed since.
    Fields,
    /// A reply to a ticket that was closed meanwhile (the text is kept).
    ClosedReply,
    /// A status edit on a ticket that was closed meanwhile.
    TicketClosed,
    /// Any other refusal (permissions, invalid input, a ticket that is gone).
    Rejected,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Fields => "fields",
            Self::ClosedReply => "closed_reply",
            Self::TicketClosed => "ticket_closed",
            Self::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "claim" => Self::Claim,
            "fields" => Self::Fields,
            "closed_reply" => Self::ClosedReply,
            "ticket_closed" => Self::TicketClosed,
            _ => Self::Rejected,
        }
    }

    /// The resolutions the agent can choose, first one is the default.
    pub fn choices(self) -> &'static [&'static str] {
        match self {
            Self::Claim => &["dismiss"],
            Self::Fields => &["theirs", "mine"],
            Self::ClosedReply => &["reopen", "follow_up", "discard"],
            Self::TicketClosed => &["dismiss", "reopen"],
            Self::Rejected => &["dismiss", "retry"],
        }
    }
}

/// One conflict as shown to the agent.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConflictView {
    pub id: String,
    pub seq: i64,
    pub ticket_id: Option<TicketId>,
    pub ticket_number: Option<i64>,
    pub ticket_subject: Option<String>,
    pub kind: ConflictKind,
    /// The server's stable refusal code (`conflict`, `ticket_closed`, `forbidden`, …).
    pub code: String,
    /// A sentence for people, e.g. "#1042 was claimed by agent2@demo.test at 10:42".
    pub message: String,
    pub details: Option<ConflictDetails>,
    /// The refused mutation (`name` + `args`), including any text the agent typed.
    pub mutation: serde_json::Value,
    pub choices: Vec<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
}

fn kind_of(op: &MutationOp, rej: &Rejected) -> ConflictKind {
    let details = rej.conflict.as_ref();
    let closed = details.and_then(|d| d.ticket_status) == Some(Status::Closed);
    match op {
        MutationOp::TicketClaim(_) | MutationOp::TicketTakeover(_)
            if details.is_some_and(|d| d.holder.is_some()) =>
        {
            ConflictKind::Claim
        }
        MutationOp::TicketUpdate(_) if details.is_some_and(|d| !d.fields.is_empty()) => {
            ConflictKind::Fields
        }
        MutationOp::MessageSend(_) if closed => ConflictKind::ClosedReply,
        MutationOp::TicketUpdate(_) if closed => ConflictKind::TicketClosed,
        _ => ConflictKind::Rejected,
    }
}

/// Record a refused mutation; returns the conflict's id.
pub async fn record(
    conn: &mut SqliteConnection,
    seq: i64,
    op: &MutationOp,
    rej: &Rejected,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let kind = kind_of(op, rej);
    let message = human_message(conn, op, rej).await?;
    sqlx::query(
        "INSERT INTO conflicts (id, seq, ticket_id, kind, code, message, details, payload, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(seq)
    .bind(outbox::ticket_of(op).map(|t| t.to_string()))
    .bind(kind.as_str())
    .bind(rej.code.as_str())
    .bind(message)
    .bind(
        rej.conflict
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?,
    )
    .bind(serde_json::to_string(op)?)
    .bind(to_db(&time::now()))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// "#1042 was claimed by agent2@demo.test at 10:42" rather than the server's generic text
/// when the cache knows enough.
async fn human_message(
    conn: &mut SqliteConnection,
    op: &MutationOp,
    rej: &Rejected,
) -> Result<String> {
    if let Some(holder) = rej.conflict.as_ref().and_then(|c| c.holder.as_ref()) {
        let number = match outbox::ticket_of(op) {
            Some(t) => ticket_number(conn, t).await?,
            None => None,
        };
        let label = number
            .map(|n| format!("#{n}"))
            .unwrap_or_else(|| "The ticket".into());
        return Ok(format!(
            "{label} was claimed by {} at {}",
            holder.email,
            holder.since.format("%H:%M")
        ));
    }
    Ok(rej.message.clone())
}

async fn ticket_number(conn: &mut SqliteConnection, t: TicketId) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT number FROM tickets WHERE id = ?")
            .bind(t.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}

/// Conflicts, newest first; `open_only` leaves out resolved ones.
pub async fn list(conn: &mut SqliteConnection, open_only: bool) -> Result<Vec<ConflictView>> {
    let rows = sqlx::query(
        "SELECT c.id, c.seq, c.ticket_id, c.kind, c.code, c.message, c.details, c.payload, \
         c.created_at, c.resolved_at, c.resolution, t.number, t.subject \
         FROM conflicts c LEFT JOIN tickets t ON t.id = c.ticket_id \
         WHERE (? = 0 OR c.resolved_at IS NULL) ORDER BY c.created_at DESC, c.seq DESC",
    )
    .bind(open_only as i64)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(view).collect()
}

fn view(r: sqlx::sqlite::SqliteRow) -> Result<ConflictView> {
    let kind = ConflictKind::parse(r.get("kind"));
    let details: Option<String> = r.get("details");
    let payload: String = r.get("payload");
    let ticket: Option<String> = r.get("ticket_id");
    let resolved_at: Option<String> = r.get("resolved_at");
    Ok(ConflictView {
        id: r.get("id"),
        seq: r.get("seq"),
        ticket_id: ticket.and_then(|t| t.parse().ok()),
        ticket_number: r.get("number"),
        ticket_subject: r.get("subject"),
        kind,
        code: r.get("code"),
        message: r.get("message"),
        details: details.as_deref().map(serde_json::from_str).transpose()?,
        mutation: serde_json::from_str(&payload)?,
        choices: if resolved_at.is_some() {
            Vec::new()
        } else {
            kind.choices().iter().map(|c| (*c).to_owned()).collect()
        },
        created_at: r.get("created_at"),
        resolved_at,
        resolution: r.get("resolution"),
    })
}

/// Number of conflicts waiting for the agent.
pub async fn open_count(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Find a conflict by full id or unique prefix (the CLI shows short ids).
async fn find(conn: &mut SqliteConnection, key: &str) -> Result<ConflictView> {
    let rows = sqlx::query(
        "SELECT c.id, c.seq, c.ticket_id, c.kind, c.code, c.message, c.details, c.payload, \
         c.created_at, c.resolved_at, c.resolution, t.number, t.subject \
         FROM conflicts c LEFT JOIN tickets t ON t.id = c.ticket_id \
         WHERE c.id = ? OR (length(?) >= 6 AND substr(c.id, 1, length(?)) = ?) \
            OR CAST(c.seq AS TEXT) = ?",
    )
    .bind(key)
    .bind(key)
    .bind(key)
    .bind(key)
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    match rows.len() {
        0 => Err(CoreError::not_found("conflict", key)),
        1 => view(rows.into_iter().next().expect("one row")),
        _ => Err(CoreError::InvalidInput(format!(
            "conflict id {key:?} is ambiguous; give more characters"
        ))),
    }
}

/// Apply the agent's choice. Returns the new outbox entries it queued (if any).
pub async fn resolve(
    conn: &mut SqliteConnection,
    me: UserId,
    caps: &Capabilities,
    key: &str,
    choice: &str,
) -> Result<Vec<Enqueued>> {
    let c = find(conn, key).await?;
    if c.resolved_at.is_some() {
        return Err(CoreError::InvalidInput(format!(
            "conflict {} is already resolved ({})",
            c.id,
            c.resolution.as_deref().unwrap_or("-")
        )));
    }
    let choices = c.kind.choices();
    if !choices.contains(&choice) {
        return Err(CoreError::InvalidInput(format!(
            "unknown choice {choice:?} for a {} conflict; choose one of: {}",
            c.kind.as_str(),
            choices.join(", ")
        )));
    }
    let op: MutationOp = serde_json::from_value(c.mutation.clone())?;
    let mut queued = Vec::new();
    match (c.kind, choice) {
        (ConflictKind::Fields, "mine") => {
            let MutationOp::TicketUpdate(_) = &op else {
                return Err(CoreError::Protocol(
                    "fields conflict on a non-update".into(),
                ));
            };
            queued.push(queue(conn, me, caps, op.clone(), true).await?);
        }
        (ConflictKind::ClosedReply, "reopen") => {
            let MutationOp::MessageSend(args) = &op else {
                return Err(CoreError::Protocol(
                    "closed-reply conflict on a non-send".into(),
                ));
            };
            drop_local_message(conn, args.message_id).await?;
            queued.push(
                queue(
                    conn,
                    me,
                    caps,
                    MutationOp::TicketReopen(TicketRef {
                        ticket_id: args.ticket_id,
                    }),
                    false,
                )
                .await?,
            );
            queued.push(queue(conn, me, caps, op.clone(), false).await?);
        }
        (ConflictKind::ClosedReply, "follow_up") => {
            let MutationOp::MessageSend(args) = &op else {
                return Err(CoreError::Protocol(
                    "closed-reply conflict on a non-send".into(),
                ));
            };
            drop_local_message(conn, args.message_id).await?;
            let original = load_ticket(conn, args.ticket_id).await?;
            let new_ticket = TicketId::new();
            let subject = original
                .as_ref()
                .map(|t| format!("Follow-up: {}", t.subject))
                .unwrap_or_else(|| "Follow-up".into());
            queued.push(
                queue(
                    conn,
                    me,
                    caps,
                    MutationOp::TicketCreate(TicketCreateArgs {
                        ticket_id: new_ticket,
                        conversation_id: None,
                        subject,
                        description: String::new(),
                        priority: original.as_ref().map(|t| t.priority),
                        ticket_type: original.as_ref().map(|t| t.ticket_type.clone()),
                        channel: None,
                        requester_id: original.as_ref().map(|t| t.requester_id),
                        assignee_id: Some(me),
                        team_id: original.as_ref().and_then(|t| t.team_id),
                        tags: Vec::new(),
                        related_order_id: original
                            .as_ref()
                            .and_then(|t| t.related_order_id.clone()),
                        related_delivery_id: original
                            .as_ref()
                            .and_then(|t| t.related_delivery_id.clone()),
                        follow_up_of: Some(args.ticket_id),
                    }),
                    false,
                )
                .await?,
            );
            let send = MessageSendArgs {
                message_id: MessageId::new(),
                ticket_id: new_ticket,
                parent_message_id: None,
                ..args.clone()
            };
            queued.push(queue(conn, me, caps, MutationOp::MessageSend(send), false).await?);
        }
        (ConflictKind::ClosedReply, "discard") => {
            if let MutationOp::MessageSend(args) = &op {
                drop_local_message(conn, args.message_id).await?;
            }
        }
        (ConflictKind::TicketClosed, "reopen") => {
            if let Some(t) = outbox::ticket_of(&op) {
                queued.push(
                    queue(
                        conn,
                        me,
                        caps,
                        MutationOp::TicketReopen(TicketRef { ticket_id: t }),
                        false,
                    )
                    .await?,
                );
                queued.push(queue(conn, me, caps, op.clone(), true).await?);
            }
        }
        (ConflictKind::Rejected, "retry") => {
            if let MutationOp::MessageSend(args) = &op {
                drop_local_message(conn, args.message_id).await?;
            }
            queued.push(queue(conn, me, caps, op.clone(), true).await?);
        }
        // "theirs", "dismiss": the optimistic effect is already rolled back.
        _ => {
            if let MutationOp::MessageSend(args) = &op
                && c.kind != ConflictKind::ClosedReply
            {
                drop_local_message(conn, args.message_id).await?;
            }
        }
    }
    sqlx::query("UPDATE conflicts SET resolved_at = ?, resolution = ? WHERE id = ?")
        .bind(to_db(&time::now()))
        .bind(choice)
        .bind(&c.id)
        .execute(&mut *conn)
        .await?;
    Ok(queued)
}

/// Queue one mutation of a resolution, refused up front if the remote does not take it
/// (the whole resolution rolls back with the caller's transaction). `with_base`: an
/// edit carries the field versions it was made against, when the remote checks them.
async fn queue(
    conn: &mut SqliteConnection,
    me: UserId,
    caps: &Capabilities,
    op: MutationOp,
    with_base: bool,
) -> Result<Enqueued> {
    caps.check(&op)?;
    let base = if with_base && caps.field_conflicts {
        edit_base(conn, &op).await?
    } else {
        None
    };
    outbox::enqueue(conn, me, op, base).await
}

/// The `base` of a field edit: the server-confirmed versions of exactly the fields
/// it changes (`None` for other mutations).
pub async fn edit_base(
    conn: &mut SqliteConnection,
    op: &MutationOp,
) -> Result<Option<BTreeMap<String, i64>>> {
    let MutationOp::TicketUpdate(a) = op else {
        return Ok(None);
    };
    let edited = edited_fields(a);
    Ok(Some(
        current_field_versions(conn, a.ticket_id)
            .await?
            .into_iter()
            .filter(|(k, _)| edited.contains(&k.as_str()))
            .collect(),
    ))
}

fn edited_fields(a: &outpost_domain::sync::TicketUpdateArgs) -> Vec<&'static str> {
    let mut f = Vec::new();
    if a.subject.is_some() {
        f.push("subject");
    }
    if a.description.is_some() {
        f.push("description");
    }
    if a.status.is_some() {
        f.push("status");
    }
    if a.priority.is_some() {
        f.push("priority");
    }
    if a.ticket_type.is_some() {
        f.push("type");
    }
    f
}

/// The unconfirmed local copy of a refused message leaves the conversation (its text
/// lives on in the conflict record or in the new send).
async fn drop_local_message(conn: &mut SqliteConnection, id: MessageId) -> Result<()> {
    sqlx::query("DELETE FROM messages WHERE id = ? AND local_seq IS NOT NULL")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The server-confirmed ticket (its base if it has pending changes).
pub async fn load_base(conn: &mut SqliteConnection, ticket: TicketId) -> Result<Option<Ticket>> {
    let id = ticket.to_string();
    let shadow: Option<Option<String>> =
        sqlx::query_scalar("SELECT data FROM ticket_base WHERE id = ?")
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?;
    let json = match shadow {
        Some(d) => d,
        None => {
            sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    Ok(json.as_deref().map(serde_json::from_str).transpose()?)
}

async fn load_ticket(conn: &mut SqliteConnection, ticket: TicketId) -> Result<Option<Ticket>> {
    let json: Option<String> = sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
        .bind(ticket.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(json.as_deref().map(serde_json::from_str).transpose()?)
}

/// Field versions of the server-confirmed state: the `base` of a new edit.
pub async fn current_field_versions(
    conn: &mut SqliteConnection,
    ticket: TicketId,
) -> Result<BTreeMap<String, i64>> {
    Ok(load_base(conn, ticket)
        .await?
        .map(|t| t.field_versions)
        .unwrap_or_default())
}
