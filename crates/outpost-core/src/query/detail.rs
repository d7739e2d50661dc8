//! The ticket screen: the ticket, its conversation with delivery states, history,
//! participants and draft.

use super::drafts::get_draft;
use super::dto::{HistoryView, MessageView, ParticipantView, TeamRef, TicketDetail};
use super::resolve::{resolve_ticket, users_by_id};
use crate::conflicts::ConflictKind;
use crate::error::{CoreError, Result};
use crate::outbox::{Delivery, OutboxState};
use outpost_domain::ids::UserId;
use outpost_domain::model::{Conversation, HistoryEntry, Message, Ticket};
use outpost_domain::values::MessageType;
use sqlx::{Row, SqlitePool};
use std::collections::HashSet;

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
    ids.extend(ticket.responder_id);
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

    let channel_name: Option<String> = match ticket.channel_id {
        Some(c) => {
            sqlx::query_scalar("SELECT name FROM channels WHERE id = ?")
                .bind(c.to_string())
                .fetch_optional(pool)
                .await?
        }
        None => None,
    };

    let draft = get_draft(pool, id).await?;
    Ok(TicketDetail {
        number,
        tags,
        requester: user(Some(ticket.requester_id)),
        assignee: user(ticket.assignee_id),
        responder: user(ticket.responder_id),
        channel_name,
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
