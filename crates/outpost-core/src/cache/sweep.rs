//! The tickets a connector's full reconcile has carried so far (`sweep_seen`), and the
//! cached server tickets it has not (see [`crate::remote::Sweep`]).

use crate::error::Result;
use sqlx::SqliteConnection;

/// Forget the tickets of an earlier reconcile (a new one starts, or one ended).
pub(crate) async fn clear(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query("DELETE FROM sweep_seen").execute(conn).await?;
    Ok(())
}

/// Note tickets the reconcile carried.
pub(crate) async fn saw(conn: &mut SqliteConnection, ids: &[String]) -> Result<()> {
    for chunk in ids.chunks(500) {
        let mut q = sqlx::QueryBuilder::new("INSERT OR IGNORE INTO sweep_seen (ticket_id) ");
        q.push_values(chunk, |mut row, id| {
            row.push_bind(id);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Cached tickets the server numbered (so not one created here and still on its way)
/// that the reconcile did not carry.
pub(crate) async fn unseen(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM tickets WHERE number IS NOT NULL \
         AND id NOT IN (SELECT ticket_id FROM sweep_seen)",
    )
    .fetch_all(conn)
    .await?)
}
