//! The database handle: one storage layer over two engines (embedded SQLite, the
//! default, and PostgreSQL for scale) through sqlx's `Any` driver, so every query is
//! written once and the same test suite runs against both. Pools and the epoch live
//! here; [`WriteTx`] (the change log), [`HeadMemo`] (list totals and pages) and row decoding in
//! their own modules.

mod decode;
mod memo;
mod write;

pub use decode::{
    get_bool, get_id, get_json, get_opt_id, get_opt_parsed, get_opt_time, get_parsed, get_time,
};
pub use memo::{HeadMemo, Pages, Rendering, Totals};
pub use write::WriteTx;

use crate::error::StoreError;
use crate::files::{BlobStore, DatabaseBlobs, DiskBlobs};
use outpost_domain::{TenantId, UserId, time};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/server-sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/server-postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A committed batch of changes to one tenant's log, announced to live listeners.
#[derive(Clone, Debug)]
pub struct Committed {
    pub tenant_id: TenantId,
    pub seq: i64,
}

/// What a process's commit feed tells its live listeners (the sync SSE stream).
#[derive(Clone, Debug)]
pub enum Feed {
    /// A commit, made in this process or (PostgreSQL NOTIFY) by another one.
    Committed(Committed),
    /// Commits of any tenant may have been missed: the PostgreSQL listener lost its
    /// connection for a while (events.rs). Every listener should pull.
    Missed,
}

/// A revocation every server process must honour at once, not when its token cache
/// (see `http::actors`) expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// One token, by hash (logout).
    Token(String),
    /// Every token of a user (password change).
    User(UserId),
    /// Any token may have been revoked: a process's listener lost its connection for a
    /// while (events.rs). Cached tokens are all checked again.
    All,
}

impl Revoked {
    fn payload(&self) -> String {
        match self {
            Revoked::Token(hash) => format!("token:{hash}"),
            Revoked::User(u) => format!("user:{u}"),
            Revoked::All => "all:".to_owned(),
        }
    }

    /// Reads a NOTIFY payload made by [`Revoked::payload`].
    pub fn parse(payload: &str) -> Option<Revoked> {
        match payload.split_once(':')? {
            ("token", hash) => Some(Revoked::Token(hash.to_owned())),
            ("user", id) => id.parse::<Uuid>().ok().map(|u| Revoked::User(u.into())),
            ("all", "") => Some(Revoked::All),
            _ => None,
        }
    }
}

/// Database handle shared by every request.
#[derive(Clone)]
pub struct Db {
    engine: Engine,
    read: AnyPool,
    /// SQLite allows one writer; funnelling writes through a one-connection pool turns
    /// lock contention (and its SQLITE_BUSY upgrade failures) into an orderly queue.
    /// On PostgreSQL this is the same pool as `read`.
    write: AnyPool,
    /// PostgreSQL only: a few connections for the numbers drawn outside a writing
    /// transaction (see `store::counters`), with `synchronous_commit` off: the
    /// transaction that uses a number flushes the WAL, this one's commit included.
    numbers: Option<AnyPool>,
    committed: broadcast::Sender<Feed>,
    revoked: broadcast::Sender<Revoked>,
    totals: Arc<Totals>,
    pages: Arc<Pages>,
    /// Attachment bytes (see [`crate::files`]).
    blobs: Arc<dyn BlobStore>,
}

impl Db {
    /// Connects, applies pending migrations and reads (or creates) the server epoch.
    #[tracing::instrument(skip_all, fields(engine))]
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
                redact(url)
            )));
        };
        tracing::Span::current().record("engine", tracing::field::debug(engine));
        let options =
            AnyConnectOptions::from_str(url).map_err(|e| StoreError::Config(e.to_string()))?;
        let (read, write, numbers) = match engine {
            Engine::Sqlite => {
                if !url.contains("mode=") && !url.contains(":memory:") {
                    return Err(StoreError::Config(
                        "SQLite URLs must say how to open the file, e.g. sqlite:///path/outpost.db?mode=rwc".into(),
                    ));
                }
                let write = sqlite_pool(1).connect_with(options.clone()).await?;
                // WAL lets readers run beside the writer; it is a property of the file.
                sqlx::query("PRAGMA journal_mode = WAL")
                    .execute(&write)
                    .await?;
                SQLITE_MIGRATIONS.run(&write).await?;
                // Four readers: more only contend for SQLite's page-cache locks on small machines.
                let read = sqlite_pool(4).connect_with(options).await?;
                (read, write, None)
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(32)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                let numbers = AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("SET synchronous_commit = off")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                (pool.clone(), pool, Some(numbers))
            }
        };
        let (committed, _) = broadcast::channel(1024);
        let (revoked, _) = broadcast::channel(1024);
        let blobs: Arc<dyn BlobStore> = match sqlite_files_dir(url) {
            Some(dir) if engine == Engine::Sqlite => Arc::new(DiskBlobs::new(dir)),
            _ => Arc::new(DatabaseBlobs::new(write.clone())),
        };
        let db = Db {
            engine,
            read,
            write,
            numbers,
            committed,
            revoked,
            // One entry per tenant and distinct filter.
            totals: Arc::new(Totals::new(10_000)),
            // A 20-ticket page with its people is about 20 KB, a seed 004 page of 50
            // tickets with their comments about 70 KB: 10-35 MB when full.
            pages: Arc::new(Pages::new(500)),
            blobs,
        };
        db.epoch().await?;
        Ok(db)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Keeps attachment bytes in `dir` instead of the default store (a directory
    /// beside an SQLite file; the database itself on PostgreSQL).
    pub fn use_files_dir(&mut self, dir: impl Into<PathBuf>) {
        self.use_blobs(Arc::new(DiskBlobs::new(dir)));
    }

    /// Keeps attachment bytes in `blobs` (any [`BlobStore`], e.g. an object store).
    pub fn use_blobs(&mut self, blobs: Arc<dyn BlobStore>) {
        self.blobs = blobs;
    }

    /// Where attachment bytes are kept.
    pub fn blobs(&self) -> &dyn BlobStore {
        &*self.blobs
    }

    /// Memoized list totals (see [`HeadMemo`]).
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Memoized list pages (see [`HeadMemo`]).
    pub fn pages(&self) -> &Pages {
        &self.pages
    }

    /// Pool for reads (and read-only transactions).
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for numbers drawn outside a writing transaction (PostgreSQL only).
    pub fn numbers(&self) -> Option<&AnyPool> {
        self.numbers.as_ref()
    }

    /// Starts a write transaction whose changes land in `tenant`'s change log.
    pub async fn write(&self, tenant_id: TenantId) -> Result<WriteTx, StoreError> {
        WriteTx::begin(self, tenant_id).await
    }

    /// Starts a write transaction that touches no tenant's log (e.g. creating a tenant).
    pub async fn write_untracked(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// Subscribes to commits, for live events.
    pub fn subscribe(&self) -> broadcast::Receiver<Feed> {
        self.committed.subscribe()
    }

    /// Announces a commit (made here, or by another server process: NOTIFY).
    pub fn announce(&self, c: Committed) {
        let _ = self.committed.send(Feed::Committed(c));
    }

    /// Announces that commits may have been missed (see [`Feed::Missed`]).
    pub fn announce_missed(&self) {
        let _ = self.committed.send(Feed::Missed);
    }

    /// Tells every server process on this database (this one at once, the others
    /// through PostgreSQL NOTIFY) that tokens were revoked; call after the commit.
    pub async fn revoked(&self, r: Revoked) -> Result<(), StoreError> {
        self.announce_revoked(r.clone());
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT pg_notify('outpost_tokens', $1)")
                .bind(r.payload())
                .execute(&self.write)
                .await?;
        }
        Ok(())
    }

    /// Subscribes to revocations, for the token cache.
    pub fn subscribe_revoked(&self) -> broadcast::Receiver<Revoked> {
        self.revoked.subscribe()
    }

    /// Announces a revocation in this process (also made by another process: NOTIFY).
    pub fn announce_revoked(&self, r: Revoked) {
        let _ = self.revoked.send(r);
    }

    /// Starts a new epoch: every client cursor issued so far becomes invalid and
    /// clients re-bootstrap. Used after restoring a backup.
    pub async fn rotate_epoch(&self) -> Result<String, StoreError> {
        let epoch = Uuid::new_v4().simple().to_string();
        sqlx::query("UPDATE server_meta SET epoch = $1 WHERE id = 1")
            .bind(&epoch)
            .execute(&self.write)
            .await?;
        Ok(epoch)
    }

    /// The database lifetime id carried in every cursor, created on first use. Read
    /// from the database each time, so a rotation by another process is seen at once.
    pub async fn epoch(&self) -> Result<String, StoreError> {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT epoch FROM server_meta WHERE id = 1")
                .fetch_optional(&self.write)
                .await?;
        if let Some(e) = existing {
            return Ok(e);
        }
        let epoch = Uuid::new_v4().simple().to_string();
        sqlx::query("INSERT INTO server_meta (id, epoch, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
            .bind(&epoch)
            .bind(time::to_db(&time::now()))
            .execute(&self.write)
            .await?;
        let e: String = sqlx::query_scalar("SELECT epoch FROM server_meta WHERE id = 1")
            .fetch_one(&self.write)
            .await?;
        Ok(e)
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
        if let Some(n) = &self.numbers {
            n.close().await;
        }
    }
}

/// `PATH.files` beside the database file of an `sqlite://PATH?…` URL; none for an
/// in-memory database.
fn sqlite_files_dir(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?
        .split('?')
        .next()?;
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(format!("{path}.files")))
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| {
            Box::pin(async move {
                // busy_timeout: wait for the writer instead of failing at once;
                // synchronous=NORMAL is durable in WAL mode except for the last commits
                // before a power cut, the usual server trade-off.
                for pragma in [
                    "PRAGMA busy_timeout = 10000",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA synchronous = NORMAL",
                    "PRAGMA cache_size = -65536",
                ] {
                    sqlx::query(pragma).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
}

/// A URL without its password, for error messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
