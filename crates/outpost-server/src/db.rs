//! The database handle: one storage layer over two engines (embedded SQLite, the
//! default, and PostgreSQL for scale) through sqlx's `Any` driver, so every query is
//! written once and the same test suite runs against both.

use crate::error::StoreError;
use outpost_domain::sync::EntityKind;
use outpost_domain::{TenantId, time};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Row, Transaction};
use std::collections::HashMap;
use std::str::FromStr;
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

/// Database handle shared by every request.
#[derive(Clone)]
pub struct Db {
    engine: Engine,
    read: AnyPool,
    /// SQLite allows one writer; funnelling writes through a one-connection pool turns
    /// lock contention (and its SQLITE_BUSY upgrade failures) into an orderly queue.
    /// On PostgreSQL this is the same pool as `read`.
    write: AnyPool,
    committed: broadcast::Sender<Committed>,
    totals: std::sync::Arc<Totals>,
}

/// Totals of list queries, memoized per tenant log head: every write to a tenant moves
/// its head, so a total stays exact until the tenant's next commit. Counting 100k rows
/// on every page request was the list endpoint's main cost.
/// A tenant and a normalized filter.
type TotalKey = (TenantId, String);

#[derive(Default)]
pub struct Totals {
    /// Key -> (log head it was counted at, total).
    map: std::sync::Mutex<HashMap<TotalKey, (i64, i64)>>,
    /// One count in flight per key: when a page is first asked for by many clients at
    /// once, one of them counts and the others wait for its result instead of running
    /// the same full count side by side.
    flights: std::sync::Mutex<HashMap<TotalKey, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

impl Totals {
    /// The memoized total for `key` at `head`, or the one `count` computes (once,
    /// however many callers ask at the same time).
    pub async fn get_or_count<F, Fut, E>(
        &self,
        tenant: TenantId,
        key: String,
        head: i64,
        count: F,
    ) -> Result<i64, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<i64, E>>,
    {
        if let Some(total) = self.get(tenant, &key, head) {
            return Ok(total);
        }
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
            if flights.len() >= Self::CAPACITY {
                flights.retain(|_, f| std::sync::Arc::strong_count(f) > 1);
            }
            flights.entry((tenant, key.clone())).or_default().clone()
        };
        let _turn = flight.lock().await;
        if let Some(total) = self.get(tenant, &key, head) {
            return Ok(total);
        }
        let total = count().await?;
        self.put(tenant, key, head, total);
        Ok(total)
    }

    /// Entries kept before the map is cleared (one per tenant and distinct filter).
    const CAPACITY: usize = 10_000;

    pub fn get(&self, tenant: TenantId, key: &str, head: i64) -> Option<i64> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&(tenant, key.to_owned())) {
            Some(&(at, total)) if at == head => Some(total),
            _ => None,
        }
    }

    pub fn put(&self, tenant: TenantId, key: String, head: i64, total: i64) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert((tenant, key), (head, total));
    }
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
        let (read, write) = match engine {
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
                (read, write)
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(32)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                (pool.clone(), pool)
            }
        };
        let (committed, _) = broadcast::channel(1024);
        let db = Db {
            engine,
            read,
            write,
            committed,
            totals: Default::default(),
        };
        db.epoch().await?;
        Ok(db)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Memoized list totals (see [`Totals`]).
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Pool for reads (and read-only transactions).
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Starts a write transaction whose changes land in `tenant`'s change log.
    pub async fn write(&self, tenant_id: TenantId) -> Result<WriteTx, StoreError> {
        let tx = self.write.begin().await?;
        Ok(WriteTx {
            tx,
            tenant_id,
            touched: Vec::new(),
            index: HashMap::new(),
            db: self.clone(),
        })
    }

    /// Starts a write transaction that touches no tenant's log (e.g. creating a tenant).
    pub async fn write_untracked(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// Subscribes to commits, for live events.
    pub fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.committed.subscribe()
    }

    /// Announces a commit made by another server process (PostgreSQL NOTIFY).
    pub fn announce(&self, c: Committed) {
        let _ = self.committed.send(c);
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
    }
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

/// A write transaction that records which entities it touched, and on commit appends
/// them to the tenant's change log.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    tenant_id: TenantId,
    touched: Vec<(EntityKind, Uuid, bool)>,
    /// Position of each entity in `touched`, so bulk writes stay linear.
    index: HashMap<(EntityKind, Uuid), usize>,
    db: Db,
}

impl WriteTx {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    pub fn is_postgres(&self) -> bool {
        self.db.engine == Engine::Postgres
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Marks an entity as changed (or deleted) in this transaction.
    pub fn touch(&mut self, kind: EntityKind, id: Uuid) {
        self.mark(kind, id, false);
    }

    pub fn tombstone(&mut self, kind: EntityKind, id: Uuid) {
        self.mark(kind, id, true);
    }

    fn mark(&mut self, kind: EntityKind, id: Uuid, deleted: bool) {
        match self.index.get(&(kind, id)) {
            Some(&i) => self.touched[i].2 = deleted,
            None => {
                self.index.insert((kind, id), self.touched.len());
                self.touched.push((kind, id, deleted));
            }
        }
    }

    /// Appends the touched entities to the change log and commits. The sequence is
    /// taken from the tenant row as the last statement, so the row lock that orders
    /// writers is held only for the commit itself; the feed thus follows commit order.
    pub async fn commit(mut self) -> Result<Option<i64>, StoreError> {
        if self.touched.is_empty() {
            self.tx.commit().await?;
            return Ok(None);
        }
        let n = self.touched.len() as i64;
        let last: i64 = sqlx::query_scalar(
            "UPDATE tenants SET change_seq = change_seq + $1 WHERE id = $2 RETURNING change_seq",
        )
        .bind(n)
        .bind(self.tenant_id.to_string())
        .fetch_one(&mut *self.tx)
        .await?;
        let first = last - n + 1;
        let tenant = self.tenant_id.to_string();
        for chunk in self.touched.chunks(200).enumerate() {
            let (ci, rows) = chunk;
            let mut qb = crate::store::sql::Sql::new(
                "INSERT INTO changes (tenant_id, kind, entity_id, seq, deleted) ",
            );
            qb.push_values(
                rows.iter().enumerate(),
                |mut b, (i, (kind, id, deleted))| {
                    b.push_bind(tenant.clone())
                        .push_bind(kind.as_str())
                        .push_bind(id.to_string())
                        .push_bind(first + (ci * 200 + i) as i64)
                        .push_bind(*deleted);
                },
            );
            qb.push(" ON CONFLICT (tenant_id, kind, entity_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted");
            qb.execute(&mut self.tx).await?;
        }
        if self.db.engine == Engine::Postgres {
            sqlx::query("SELECT pg_notify('outpost_changes', $1)")
                .bind(format!("{}:{last}", self.tenant_id))
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        if self.db.engine == Engine::Sqlite {
            self.db.announce(Committed {
                tenant_id: self.tenant_id,
                seq: last,
            });
        }
        Ok(Some(last))
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Reads a flag column: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite (the `Any`
/// driver does not decode SQLite's BOOLEAN affinity).
pub fn get_bool(row: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => row.try_get::<i64, _>(col).map(|v| v != 0),
    }
}

/// Reads a timestamp column stored as RFC 3339 text.
pub fn get_time(row: &AnyRow, col: &str) -> Result<time::Timestamp, sqlx::Error> {
    let s: String = row.try_get(col)?;
    time::parse(&s).map_err(|e| sqlx::Error::ColumnDecode {
        index: col.into(),
        source: Box::new(e),
    })
}

pub fn get_opt_time(row: &AnyRow, col: &str) -> Result<Option<time::Timestamp>, sqlx::Error> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| {
        time::parse(&s).map_err(|e| sqlx::Error::ColumnDecode {
            index: col.into(),
            source: Box::new(e),
        })
    })
    .transpose()
}

/// Reads a UUID-typed id column stored as text.
pub fn get_id<T: From<Uuid>>(row: &AnyRow, col: &str) -> Result<T, sqlx::Error> {
    let s: String = row.try_get(col)?;
    Uuid::parse_str(&s)
        .map(T::from)
        .map_err(|e| sqlx::Error::ColumnDecode {
            index: col.into(),
            source: Box::new(e),
        })
}

pub fn get_opt_id<T: From<Uuid>>(row: &AnyRow, col: &str) -> Result<Option<T>, sqlx::Error> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| {
        Uuid::parse_str(&s)
            .map(T::from)
            .map_err(|e| sqlx::Error::ColumnDecode {
                index: col.into(),
                source: Box::new(e),
            })
    })
    .transpose()
}

/// Reads an enum or validated value stored as text.
pub fn get_parsed<T: FromStr>(row: &AnyRow, col: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: String = row.try_get(col)?;
    s.parse::<T>().map_err(|e| sqlx::Error::ColumnDecode {
        index: col.into(),
        source: Box::new(e),
    })
}

pub fn get_opt_parsed<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| {
        s.parse::<T>().map_err(|e| sqlx::Error::ColumnDecode {
            index: col.into(),
            source: Box::new(e),
        })
    })
    .transpose()
}

/// Reads a JSON column stored as text.
pub fn get_json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T, sqlx::Error> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| sqlx::Error::ColumnDecode {
        index: col.into(),
        source: Box::new(e),
    })
}
