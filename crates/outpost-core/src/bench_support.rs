//! What `outpost-bench` needs beyond [`Desk`] to measure the client core: the cache's
//! file, its row counts, an empty cache with the same schema, and a raw sync client for
//! a second writer. Not part of the API the CLI and the app use; nothing here changes
//! what a desk does.

use crate::Desk;
use crate::cache::Cache;
use crate::error::Result;
use std::path::{Path, PathBuf};

/// A raw client of the native sync protocol: the benchmark's second writer pushes
/// mutations with it directly, as another device would.
pub use crate::remote::native::NativeRemote as SyncClient;

/// The tables of server state the benchmark counts and bulk-copies, in copy order.
pub const SERVER_TABLES: &[&str] = &[
    "users",
    "teams",
    "tags",
    "tickets",
    "ticket_tags",
    "conversations",
    "messages",
    "history",
];

/// The desk's cache database file (its WAL sits next to it).
pub fn cache_path(desk: &Desk) -> PathBuf {
    desk.cache().path().to_path_buf()
}

/// Rows in each of [`SERVER_TABLES`].
pub async fn table_counts(desk: &Desk) -> Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::with_capacity(SERVER_TABLES.len());
    for t in SERVER_TABLES {
        // The names are the constants above, never input.
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {t}")))
            .fetch_one(desk.cache().reader())
            .await?;
        out.push((*t, n));
    }
    Ok(out)
}

/// Close the desk's cache (flushes and checkpoints it), e.g. before measuring its files.
pub async fn close_cache(desk: &Desk) {
    desk.cache().close().await;
}

/// Create an empty cache database at `path` with the cache's schema (the same
/// migrations a profile gets), then close it.
pub async fn create_empty_cache(path: &Path) -> Result<()> {
    Cache::open(path).await?.close().await;
    Ok(())
}

/// Requests the desk's remote has sent and the answer bytes it received since it was
/// opened (a connector's poll cost).
pub fn traffic(desk: &Desk) -> (u64, u64) {
    desk.inner.remote.traffic()
}
