//! Signals across server processes on one PostgreSQL database: every commit NOTIFYs
//! `outpost_changes` and each process re-announces it to its SSE clients; every token
//! revocation NOTIFYs `outpost_tokens` and each process evicts the token from its cache.
//!
//! NOTIFY reaches only a connection that is listening at that moment. So a process
//! listens before it serves anything ([`start_pg_listener`] returns once it does), and
//! after its listening connection was lost and made again it forgets every cached
//! token ([`Revoked::All`]) and tells its live clients to pull ([`Feed::Missed`](crate::db::Feed::Missed)): a
//! revocation or a commit may have come while nobody listened.

use crate::db::{Committed, Db, Revoked};
use sqlx::postgres::{PgListener, PgNotification};
use std::time::Duration;

const CHANNELS: [&str; 2] = ["outpost_changes", "outpost_tokens"];

/// Listen on `url`'s database, then follow it in a task until the process ends. Fails
/// when the first connection or `LISTEN` fails: a process that cannot listen would keep
/// honouring tokens another process revoked.
pub async fn start_pg_listener(db: Db, url: &str) -> Result<(), sqlx::Error> {
    let listener = listen(url).await?;
    tokio::spawn(follow(db, listener, url.to_owned()));
    Ok(())
}

async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen_all(CHANNELS).await?;
    Ok(listener)
}

async fn follow(db: Db, mut listener: PgListener, url: String) {
    loop {
        let why = match listener.try_recv().await {
            Ok(Some(n)) => {
                on_notification(&db, &n);
                continue;
            }
            Ok(None) => "lost its connection".to_owned(),
            Err(e) => e.to_string(),
        };
        // A new connection, then a fresh token cache and the clients told to pull.
        tracing::warn!("change listener stopped listening ({why}); listening again");
        listener = listen_again(&db, &url).await;
    }
}

/// A new listening connection, retried with a growing pause; then every cached token
/// is forgotten and every live client told to pull: what was revoked or committed
/// while nobody listened is not known.
async fn listen_again(db: &Db, url: &str) -> PgListener {
    let mut backoff = Duration::from_millis(200);
    loop {
        match listen(url).await {
            Ok(listener) => {
                db.announce_revoked(Revoked::All);
                db.announce_missed();
                tracing::info!(
                    "change listener listening again; the token cache starts afresh and live clients pull"
                );
                return listener;
            }
            Err(e) => {
                tracing::warn!(error = %e, "change listener cannot listen; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

fn on_notification(db: &Db, n: &PgNotification) {
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
