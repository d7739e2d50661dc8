//! Storage of the outbox (`outbox`) and of the server state kept apart for tickets with
//! pending changes (`ticket_base`). The rules (what an entry does to a ticket, when it
//! is settled) are in [`crate::outbox`]; this module only reads and writes rows.

use crate::error::{CoreError, Result};
use outpost_domain::ids::{ConversationId, MutationId, TicketId};
use outpost_domain::time::{self, to_db};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};
use std::fmt;

/// Where an outbox entry is in its life.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Saved locally, not yet answered by the server (sent again on the next pass).
    Pending,
    /// The server applied it; still replayed until a pulled base shows its effect.
    Applied,
    /// Applied and settled: the server state contains its effect.
    Done,
    /// The server refused it; no longer replayed (see the conflict center).
    Rejected,
}

impl OutboxState {
    /// The value stored in `outbox.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Done => "done",
            Self::Rejected => "rejected",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "applied" => Self::Applied,
            "done" => Self::Done,
            "rejected" => Self::Rejected,
            other => {
                return Err(CoreError::CacheCorrupt(format!(
                    "unknown outbox state {other:?}"
                )));
            }
        })
    }
}

impl fmt::Display for OutboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hand out the next outbox seq (never reused, even after a re-bootstrap).
pub(crate) async fn next_seq(conn: &mut SqliteConnection) -> Result<i64> {
    let seq: i64 = super::state_get(conn, super::keys::NEXT_SEQ)
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    super::state_set(conn, super::keys::NEXT_SEQ, &(seq + 1).to_string()).await?;
    Ok(seq)
}

/// A new pending entry.
pub(crate) struct NewEntry<'a> {
    pub seq: i64,
    pub id: MutationId,
    pub name: &'a str,
    pub args: String,
    pub base: Option<String>,
    pub ticket_id: Option<TicketId>,
    pub created_at: String,
}

pub(crate) async fn insert(conn: &mut SqliteConnection, e: NewEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (seq, id, name, args, base, ticket_id, state, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.seq)
    .bind(e.id.to_string())
    .bind(e.name)
    .bind(e.args)
    .bind(e.base)
    .bind(e.ticket_id.map(|t| t.to_string()))
    .bind(OutboxState::Pending.as_str())
    .bind(e.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry still replayed on its ticket (pending or applied), in seq order.
pub(crate) struct LiveRow {
    pub seq: i64,
    pub name: String,
    pub args: String,
    pub state: OutboxState,
    pub applied_version: Option<i64>,
    pub result: Option<String>,
    pub created_at: String,
}

pub(crate) async fn live_of_ticket(
    conn: &mut SqliteConnection,
    ticket: &str,
) -> Result<Vec<LiveRow>> {
    let rows = sqlx::query(
        "SELECT seq, name, args, state, applied_version, result, created_at FROM outbox \
         WHERE ticket_id = ? AND state IN ('pending', 'applied') ORDER BY seq",
    )
    .bind(ticket)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(LiveRow {
                seq: r.get("seq"),
                name: r.get("name"),
                args: r.get("args"),
                state: OutboxState::parse(r.get("state"))?,
                applied_version: r.get("applied_version"),
                result: r.get("result"),
                created_at: r.get("created_at"),
            })
        })
        .collect()
}

/// An applied entry whose effect the server state now shows.
pub(crate) async fn settle(conn: &mut SqliteConnection, seq: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET state = 'done', settled_at = ? WHERE seq = ?")
        .bind(to_db(&time::now()))
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A pending entry as pushed.
pub(crate) struct PendingRow {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub args: String,
    pub base: Option<String>,
}

/// The oldest pending entries, in seq order.
pub(crate) async fn pending(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<PendingRow>> {
    let rows = sqlx::query(
        "SELECT seq, id, name, args, base FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PendingRow {
            seq: r.get("seq"),
            id: r.get("id"),
            name: r.get("name"),
            args: r.get("args"),
            base: r.get("base"),
        })
        .collect())
}

/// Note a failed push attempt on the given entries (shown as "failed, retrying").
pub(crate) async fn note_failure(
    conn: &mut SqliteConnection,
    seqs: &[i64],
    error: &str,
) -> Result<()> {
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

/// An entry the server just answered.
pub(crate) struct AnsweredRow {
    pub name: String,
    pub args: String,
    pub ticket_id: Option<String>,
    pub state: OutboxState,
}

pub(crate) async fn answered(conn: &mut SqliteConnection, seq: i64) -> Result<Option<AnsweredRow>> {
    let row = sqlx::query("SELECT name, args, ticket_id, state FROM outbox WHERE seq = ?")
        .bind(seq)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(AnsweredRow {
            name: r.get("name"),
            args: r.get("args"),
            ticket_id: r.get("ticket_id"),
            state: OutboxState::parse(r.get("state"))?,
        })
    })
    .transpose()
}

/// The server applied the entry (`state`: applied, or done when there is nothing to
/// wait for).
pub(crate) async fn mark_applied(
    conn: &mut SqliteConnection,
    seq: i64,
    state: OutboxState,
    version: Option<i64>,
    result: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET state = ?, applied_version = ?, result = ?, \
         last_error = NULL WHERE seq = ?",
    )
    .bind(state.as_str())
    .bind(version)
    .bind(result)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn mark_rejected(
    conn: &mut SqliteConnection,
    seq: i64,
    result: &str,
) -> Result<()> {
    sqlx::query("UPDATE outbox SET state = 'rejected', result = ?, settled_at = ? WHERE seq = ?")
        .bind(result)
        .bind(to_db(&time::now()))
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Tickets with entries still replayed on them.
pub(crate) async fn live_tickets(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT ticket_id FROM outbox \
         WHERE ticket_id IS NOT NULL AND state IN ('pending', 'applied')",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Tickets with applied entries not settled yet.
pub(crate) async fn applied_tickets(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT ticket_id FROM outbox WHERE state = 'applied' AND ticket_id IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether a claim, takeover, assignment or creation on `ticket` is still live.
pub(crate) async fn assignment_in_flight(
    conn: &mut SqliteConnection,
    ticket: TicketId,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE ticket_id = ? AND state IN ('pending', 'applied') \
         AND name IN ('ticket.claim', 'ticket.takeover', 'ticket.assign', 'ticket.create')",
    )
    .bind(ticket.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

pub(crate) async fn pending_count(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'pending'")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// One row of the delivery log, with the kind of the conflict it became (if any).
pub(crate) struct LogRow {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub ticket_id: Option<String>,
    pub state: OutboxState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub conflict_kind: Option<String>,
}

/// Recent entries, newest first.
pub(crate) async fn recent(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<LogRow>> {
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
            Ok(LogRow {
                seq: r.get("seq"),
                id: r.get("id"),
                name: r.get("name"),
                ticket_id: r.get("ticket_id"),
                state: OutboxState::parse(r.get("state"))?,
                attempts: r.get("attempts"),
                last_error: r.get("last_error"),
                created_at: r.get("created_at"),
                conflict_kind: r.get("kind"),
            })
        })
        .collect()
}

/// Messages still shown as this client's unconfirmed copy of entry `seq`.
pub(crate) async fn local_messages(conn: &mut SqliteConnection, seq: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE local_seq = ?")
            .bind(seq)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The server gave the message entry `seq` sent an id of its own (an API without
/// client ids): the local copy takes that id, so the server's row replaces it when it
/// is pulled, or leaves if the server's row is here already.
pub(crate) async fn adopt_message_id(
    conn: &mut SqliteConnection,
    seq: i64,
    server_id: &str,
) -> Result<()> {
    let pulled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE id = ? AND local_seq IS NULL")
            .bind(server_id)
            .fetch_one(&mut *conn)
            .await?;
    if pulled > 0 {
        sqlx::query("DELETE FROM messages WHERE local_seq = ?")
            .bind(seq)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query(
            "UPDATE messages SET id = ?1, data = json_set(data, '$.id', ?1) WHERE local_seq = ?2",
        )
        .bind(server_id)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The server gave a ticket created here an id of its own (an API without client
/// ids): every pending change, draft, conflict and unconfirmed message of the local id
/// moves to the server's, and the local rows built from the old id go (the caller
/// rebuilds the ticket from its base and outbox under the new id).
pub(crate) async fn adopt_ticket_id(
    conn: &mut SqliteConnection,
    local: &str,
    server: &str,
) -> Result<()> {
    let statements = [
        "UPDATE outbox SET ticket_id = ?2, args = replace(args, ?1, ?2) WHERE ticket_id = ?1",
        "UPDATE conflicts SET ticket_id = ?2 WHERE ticket_id = ?1",
        "UPDATE OR REPLACE drafts SET ticket_id = ?2 WHERE ticket_id = ?1",
        "UPDATE messages SET ticket_id = ?2, data = json_set(data, '$.ticket_id', ?2) \
         WHERE ticket_id = ?1 AND local_seq IS NOT NULL",
        "UPDATE OR IGNORE ticket_base SET id = ?2 WHERE id = ?1",
        "DELETE FROM ticket_base WHERE id = ?1",
        "DELETE FROM ticket_tags WHERE ticket_id = ?1",
        "DELETE FROM conversations WHERE ticket_id = ?1",
        "DELETE FROM tickets WHERE id = ?1",
    ];
    for sql in statements {
        sqlx::query(sql)
            .bind(local)
            .bind(server)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The unconfirmed local copy of a message leaves the conversation.
pub(crate) async fn drop_local_message(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM messages WHERE id = ? AND local_seq IS NOT NULL")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The kept server state of a ticket with pending changes: `None` when the ticket has
/// no base row, `Some(None)` when the server does not know the ticket yet.
pub(crate) async fn base_row(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<Option<String>>> {
    Ok(
        sqlx::query_scalar("SELECT data FROM ticket_base WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

pub(crate) async fn insert_base(
    conn: &mut SqliteConnection,
    id: &str,
    data: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO ticket_base (id, data) VALUES (?, ?)")
        .bind(id)
        .bind(data)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn delete_base(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM ticket_base WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The visible ticket's JSON.
pub(crate) async fn ticket_data(conn: &mut SqliteConnection, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The server-confirmed ticket's JSON: its base if it has pending changes, else the
/// visible row.
pub(crate) async fn confirmed_ticket_data(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<String>> {
    match base_row(conn, id).await? {
        Some(d) => Ok(d),
        None => ticket_data(conn, id).await,
    }
}

pub(crate) async fn conversation_data(
    conn: &mut SqliteConnection,
    id: ConversationId,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT data FROM conversations WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

pub(crate) async fn set_conversation_data(
    conn: &mut SqliteConnection,
    id: ConversationId,
    data: &str,
) -> Result<()> {
    sqlx::query("UPDATE conversations SET data = ? WHERE id = ?")
        .bind(data)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
