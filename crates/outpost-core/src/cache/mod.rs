//! The local cache: one SQLite file per profile (`cache.db`), WAL mode, one writer
//! connection and a few readers. Schema in `migrations/client-cache/`.

use crate::error::Result;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub mod apply;
pub(crate) mod conflicts;
pub(crate) mod outbox;
pub(crate) mod sweep;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/client-cache");

/// Keys of `sync_state`.
pub mod keys {
    /// `epoch:seq` of the last page applied.
    pub const CURSOR: &str = "cursor";
    /// The server epoch the cached state belongs to.
    pub const EPOCH: &str = "epoch";
    /// This installation's sync client id (chosen once, kept across re-bootstraps).
    pub const CLIENT_ID: &str = "client_id";
    /// The next outbox seq to hand out (never reused).
    pub const NEXT_SEQ: &str = "next_seq";
    /// `done` once the first full pull finished.
    pub const BOOTSTRAP: &str = "bootstrap";
    /// RFC 3339 time of the last successful pull that reached the head.
    pub const LAST_SYNC_AT: &str = "last_sync_at";
    /// `done` once the agent's own open tickets were fetched ahead of the first pull.
    pub const MINE_FIRST: &str = "mine_first";
    /// The signed-in user's id (set at login, kept for offline reads).
    pub const USER_ID: &str = "user_id";
}

/// Reader connections: one per core, between 2 and 4. More readers than cores run no
/// query sooner, and each holds its own page cache.
fn reader_count() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4) as u32)
}

/// Handle to a profile's cache database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Cache {
    /// The single writer: SQLite allows one writer at a time, and a pool of one avoids
    /// `SQLITE_BUSY` on lock upgrades between our own connections.
    writer: SqlitePool,
    readers: SqlitePool,
    path: PathBuf,
}

impl Cache {
    /// Open (creating if needed) and migrate the cache at `path`.
    pub async fn open(path: &Path) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(crate::CoreError::Storage)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Outbox commits must survive power loss: FULL syncs the WAL on every commit.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(false)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            .optimize_on_close(true, None);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts.clone())
            .await?;
        MIGRATIONS.run(&writer).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(reader_count())
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            // Readers keep 8 MiB of page cache each (the writer 64): a long scroll
            // touches every page of the walk once, and the start-up's view counts
            // walk whole indexes, so larger caches only held pages read once. 16 MiB
            // each made the app process 22 MiB larger idle (make bench-app, 100k);
            // lists and searches in make bench-client kept their times.
            .connect_with(opts.read_only(true).pragma("cache_size", "-8192"))
            .await?;
        Ok(Self {
            writer,
            readers,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Pool for reads (sees committed state only).
    pub fn reader(&self) -> &SqlitePool {
        &self.readers
    }

    /// Begin a write transaction on the single writer connection. `BEGIN IMMEDIATE`,
    /// so the write lock is taken up front and never upgraded mid-transaction.
    pub async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.readers.close().await;
    }
}

/// Cached tickets and messages, for the status line (kept by triggers in
/// `cache_totals`, so reading them touches one page).
pub async fn counts(conn: &mut SqliteConnection) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT n FROM cache_totals WHERE name = 'tickets'), \
                (SELECT n FROM cache_totals WHERE name = 'messages')",
    )
    .fetch_one(conn)
    .await?)
}

/// Read one `sync_state` value.
pub async fn state_get(conn: &mut SqliteConnection, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM sync_state WHERE key = ?")
            .bind(key)
            .fetch_optional(conn)
            .await?,
    )
}

/// Write one `sync_state` value (inside the caller's transaction).
pub async fn state_set(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_state (key, value) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn state_delete(conn: &mut SqliteConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM sync_state WHERE key = ?")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
