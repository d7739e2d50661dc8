//! Composer drafts, one per ticket; local only, never synced.

use super::dto::Draft;
use super::rows::parse_time;
use crate::error::Result;
use outpost_domain::ids::TicketId;
use sqlx::{Row, SqliteConnection, SqliteExecutor};

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
