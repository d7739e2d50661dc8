//! Signals across server processes on one PostgreSQL database: every commit NOTIFYs
//! `outpost_changes` and each process re-announces it to its SSE clients; every token
//! revocation NOTIFYs `outpost_tokens` and each process evicts the token from its cache.

use crate::db::{Committed, Db, Revoked};
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
    listener
        .listen_all(["outpost_changes", "outpost_tokens"])
        .await?;
    loop {
        let n = listener.recv().await?;
        if n.channel() == "outpost_tokens" {
            if let Some(r) = Revoked::parse(n.payload()) {
                db.announce_revoked(r);
            }
        } else if let Some((tenant, seq)) = n.payload().split_once(':')
            && let (Ok(tenant_id), Ok(seq)) = (tenant.parse(), seq.parse())
        {
            db.announce(Committed { tenant_id, seq });
        }
    }
}
