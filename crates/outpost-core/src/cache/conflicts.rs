//! Storage of conflict records (`conflicts`): what the server refused, with the text the
//! agent typed, until they choose a resolution. The rules are in [`crate::conflicts`].

use crate::error::Result;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

/// A new conflict record.
pub(crate) struct NewConflict<'a> {
    pub id: &'a str,
    pub seq: i64,
    pub ticket_id: Option<String>,
    pub kind: &'a str,
    pub code: &'a str,
    pub message: String,
    pub details: Option<String>,
    pub payload: String,
    pub created_at: String,
}

pub(crate) async fn insert(conn: &mut SqliteConnection, c: NewConflict<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO conflicts (id, seq, ticket_id, kind, code, message, details, payload, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(c.id)
    .bind(c.seq)
    .bind(c.ticket_id)
    .bind(c.kind)
    .bind(c.code)
    .bind(c.message)
    .bind(c.details)
    .bind(c.payload)
    .bind(c.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A stored conflict with its ticket's number and subject.
pub(crate) struct ConflictRow {
    pub id: String,
    pub seq: i64,
    pub ticket_id: Option<String>,
    pub kind: String,
    pub code: String,
    pub message: String,
    pub details: Option<String>,
    pub payload: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
    pub number: Option<i64>,
    pub subject: Option<String>,
}

fn row(r: SqliteRow) -> ConflictRow {
    ConflictRow {
        id: r.get("id"),
        seq: r.get("seq"),
        ticket_id: r.get("ticket_id"),
        kind: r.get("kind"),
        code: r.get("code"),
        message: r.get("message"),
        details: r.get("details"),
        payload: r.get("payload"),
        created_at: r.get("created_at"),
        resolved_at: r.get("resolved_at"),
        resolution: r.get("resolution"),
        number: r.get("number"),
        subject: r.get("subject"),
    }
}

/// Conflicts, newest first; `open_only` leaves out resolved ones.
pub(crate) async fn list(conn: &mut SqliteConnection, open_only: bool) -> Result<Vec<ConflictRow>> {
    let rows = sqlx::query(
        "SELECT c.id, c.seq, c.ticket_id, c.kind, c.code, c.message, c.details, c.payload, \
         c.created_at, c.resolved_at, c.resolution, t.number, t.subject \
         FROM conflicts c LEFT JOIN tickets t ON t.id = c.ticket_id \
         WHERE (? = 0 OR c.resolved_at IS NULL) ORDER BY c.created_at DESC, c.seq DESC",
    )
    .bind(open_only as i64)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(row).collect())
}

/// Conflicts matching a full id, an id prefix of six characters or more, or a seq.
pub(crate) async fn matching(conn: &mut SqliteConnection, key: &str) -> Result<Vec<ConflictRow>> {
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
    Ok(rows.into_iter().map(row).collect())
}

pub(crate) async fn open_count(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")
            .fetch_one(&mut *conn)
            .await?,
    )
}

pub(crate) async fn mark_resolved(
    conn: &mut SqliteConnection,
    id: &str,
    resolved_at: &str,
    resolution: &str,
) -> Result<()> {
    sqlx::query("UPDATE conflicts SET resolved_at = ?, resolution = ? WHERE id = ?")
        .bind(resolved_at)
        .bind(resolution)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The cached number of a ticket (none before the server numbered it).
pub(crate) async fn ticket_number(conn: &mut SqliteConnection, id: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT number FROM tickets WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}
