//! Live change signals across server processes: on PostgreSQL every commit NOTIFYs
//! `outpost_changes`, and each process LISTENs and re-announces to its SSE clients.

use crate::db::{Committed, Db};
use std::time::Duration;

/// Runs until the process ends, reconnecting after failures.
pub fn spawn_pg_listener(db: Db, url: String) {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(200);
        loop {
            match listen(&db, &url).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "change listener lost its connection; reconnecting");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    });
}

async fn listen(db: &Db, url: &str) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen("outpost_changes").await?;
    loop {
        let n = listener.recv().await?;
        if let Some((tenant, seq)) = n.payload().split_once(':')
            && let (Ok(tenant_id), Ok(seq)) = (tenant.parse(), seq.parse())
        {
            db.announce(Committed { tenant_id, seq });
        }
    }
}
