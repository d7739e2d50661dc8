//! Conflicts: every mutation the server refused becomes a visible record with the
//! choices that resolve it. The server decides, the agent sees; what the agent typed is
//! kept in the record (`payload`) until they choose.

use crate::cache::conflicts::{self as store, ConflictRow, NewConflict};
use crate::cache::outbox as outbox_store;
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
use sqlx::SqliteConnection;
use std::collections::BTreeMap;
use std::fmt;

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

    /// The stored kind; anything unknown is the catch-all.
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "claim" => Self::Claim,
            "fields" => Self::Fields,
            "closed_reply" => Self::ClosedReply,
            "ticket_closed" => Self::TicketClosed,
            _ => Self::Rejected,
        }
    }

    /// The resolutions the agent can choose, first one is the default.
    pub fn choices(self) -> &'static [ConflictChoice] {
        type C = ConflictChoice;
        match self {
            Self::Claim => &[C::Dismiss],
            Self::Fields => &[C::Theirs, C::Mine],
            Self::ClosedReply => &[C::Reopen, C::FollowUp, C::Discard],
            Self::TicketClosed => &[C::Dismiss, C::Reopen],
            Self::Rejected => &[C::Dismiss, C::Retry],
        }
    }
}

/// How the agent resolves a conflict; each kind offers some of these
/// ([`ConflictKind::choices`]).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// Accept the refusal; nothing is sent again.
    Dismiss,
    /// Keep the other agent's values (a field conflict).
    Theirs,
    /// Send my edit again against the server's current values.
    Mine,
    /// Reopen the ticket, then send the reply or edit again.
    Reopen,
    /// Send the reply as a new follow-up ticket.
    FollowUp,
    /// Drop the reply.
    Discard,
    /// Send the refused change again unchanged.
    Retry,
}

impl ConflictChoice {
    /// The spelling the CLI takes and the cache stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismiss => "dismiss",
            Self::Theirs => "theirs",
            Self::Mine => "mine",
            Self::Reopen => "reopen",
            Self::FollowUp => "follow_up",
            Self::Discard => "discard",
            Self::Retry => "retry",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Dismiss,
            Self::Theirs,
            Self::Mine,
            Self::Reopen,
            Self::FollowUp,
            Self::Discard,
            Self::Retry,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ConflictChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for ConflictChoice {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<&str> for ConflictChoice {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
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
    pub choices: Vec<ConflictChoice>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolution: Option<ConflictChoice>,
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
        MutationOp::TicketUpdate(_) | MutationOp::TicketClose(_) if closed => {
            ConflictKind::TicketClosed
        }
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
    store::insert(
        conn,
        NewConflict {
            id: &id,
            seq,
            ticket_id: outbox::ticket_of(op).map(|t| t.to_string()),
            kind: kind.as_str(),
            code: rej.code.as_str(),
            message,
            details: rej
                .conflict
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            payload: serde_json::to_string(op)?,
            created_at: to_db(&time::now()),
        },
    )
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
            Some(t) => store::ticket_number(conn, &t.to_string()).await?,
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

/// Conflicts, newest first; `open_only` leaves out resolved ones.
pub async fn list(conn: &mut SqliteConnection, open_only: bool) -> Result<Vec<ConflictView>> {
    store::list(conn, open_only)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

fn view(r: ConflictRow) -> Result<ConflictView> {
    let kind = ConflictKind::parse(&r.kind);
    let resolution = r
        .resolution
        .as_deref()
        .map(|s| {
            ConflictChoice::parse(s)
                .ok_or_else(|| CoreError::CacheCorrupt(format!("unknown resolution {s:?}")))
        })
        .transpose()?;
    Ok(ConflictView {
        id: r.id,
        seq: r.seq,
        ticket_id: r.ticket_id.and_then(|t| t.parse().ok()),
        ticket_number: r.number,
        ticket_subject: r.subject,
        kind,
        code: r.code,
        message: r.message,
        details: r.details.as_deref().map(serde_json::from_str).transpose()?,
        mutation: serde_json::from_str(&r.payload)?,
        choices: if r.resolved_at.is_some() {
            Vec::new()
        } else {
            kind.choices().to_vec()
        },
        created_at: r.created_at,
        resolved_at: r.resolved_at,
        resolution,
    })
}

/// Number of conflicts waiting for the agent.
pub async fn open_count(conn: &mut SqliteConnection) -> Result<i64> {
    store::open_count(conn).await
}

/// Find a conflict by full id or unique prefix (the CLI shows short ids).
async fn find(conn: &mut SqliteConnection, key: &str) -> Result<ConflictView> {
    let rows = store::matching(conn, key).await?;
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
            c.resolution.map_or("-", ConflictChoice::as_str)
        )));
    }
    let choices = c.kind.choices();
    let Some(choice) = choices.iter().copied().find(|c| c.as_str() == choice) else {
        let names: Vec<&str> = choices.iter().map(|c| c.as_str()).collect();
        return Err(CoreError::InvalidInput(format!(
            "unknown choice {choice:?} for a {} conflict; choose one of: {}",
            c.kind.as_str(),
            names.join(", ")
        )));
    };
    let op: MutationOp = serde_json::from_value(c.mutation.clone())?;
    let mut queued = Vec::new();
    match (c.kind, choice) {
        (ConflictKind::Fields, ConflictChoice::Mine) => {
            let MutationOp::TicketUpdate(_) = &op else {
                return Err(CoreError::CacheCorrupt(
                    "fields conflict on a non-update".into(),
                ));
            };
            queued.push(queue(conn, me, caps, op.clone(), true).await?);
        }
        (ConflictKind::ClosedReply, ConflictChoice::Reopen) => {
            let MutationOp::MessageSend(args) = &op else {
                return Err(CoreError::CacheCorrupt(
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
        (ConflictKind::ClosedReply, ConflictChoice::FollowUp) => {
            let MutationOp::MessageSend(args) = &op else {
                return Err(CoreError::CacheCorrupt(
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
        (ConflictKind::ClosedReply, ConflictChoice::Discard) => {
            if let MutationOp::MessageSend(args) = &op {
                drop_local_message(conn, args.message_id).await?;
            }
        }
        (ConflictKind::TicketClosed, ConflictChoice::Reopen) => {
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
        (ConflictKind::Rejected, ConflictChoice::Retry) => {
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
    store::mark_resolved(conn, &c.id, &to_db(&time::now()), choice.as_str()).await?;
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
    outbox_store::drop_local_message(conn, &id.to_string()).await
}

/// The server-confirmed ticket (its base if it has pending changes).
pub async fn load_base(conn: &mut SqliteConnection, ticket: TicketId) -> Result<Option<Ticket>> {
    let json = outbox_store::confirmed_ticket_data(conn, &ticket.to_string()).await?;
    Ok(json.as_deref().map(serde_json::from_str).transpose()?)
}

async fn load_ticket(conn: &mut SqliteConnection, ticket: TicketId) -> Result<Option<Ticket>> {
    let json = outbox_store::ticket_data(conn, &ticket.to_string()).await?;
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
