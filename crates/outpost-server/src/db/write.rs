//! Write transactions that record what they touch and append it to the tenant's
//! change log on commit (the feed the sync protocol serves).

use super::{Committed, Db, Engine};
use crate::error::StoreError;
use crate::store::counters;
use crate::store::sql::Sql;
use outpost_domain::TenantId;
use outpost_domain::sync::EntityKind;
use sqlx::{Any, AnyConnection, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

/// Log rows per INSERT statement.
const LOG_CHUNK: usize = 200;

/// A log row per touched entity, or its newer seq when the entity has one already.
const UPSERT: &str = " ON CONFLICT (tenant_id, kind, entity_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted";

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
    pub(super) async fn begin(db: &Db, tenant_id: TenantId) -> Result<WriteTx, StoreError> {
        let tx = db.write.begin().await?;
        Ok(WriteTx {
            tx,
            tenant_id,
            touched: Vec::new(),
            index: HashMap::new(),
            db: db.clone(),
        })
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    pub fn is_postgres(&self) -> bool {
        self.db.engine == Engine::Postgres
    }

    /// See [`Db::numbers`].
    pub fn numbers(&self) -> Option<&sqlx::AnyPool> {
        self.db.numbers()
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
    /// bumped (the tenant's `change` counter) in the last statement before the commit,
    /// so the lock that orders writers is held only for that statement and the commit;
    /// the feed thus follows commit order.
    pub async fn commit(mut self) -> Result<Option<i64>, StoreError> {
        if self.touched.is_empty() {
            self.tx.commit().await?;
            return Ok(None);
        }
        let last = match self.db.engine {
            Engine::Postgres => self.append_postgres().await?,
            Engine::Sqlite => self.append().await?,
        };
        self.tx.commit().await?;
        if self.db.engine == Engine::Sqlite {
            self.db.announce(Committed {
                tenant_id: self.tenant_id,
                seq: last,
            });
        }
        Ok(Some(last))
    }

    /// Bumps the tenant's sequence, then writes the log rows; returns the last seq.
    async fn append(&mut self) -> Result<i64, StoreError> {
        let n = self.touched.len() as i64;
        let last: i64 = sqlx::query_scalar(counters::BUMP)
            .bind(self.tenant_id.to_string())
            .bind(counters::CHANGE)
            .bind(n)
            .fetch_one(&mut *self.tx)
            .await?;
        self.insert_rows(0, last - n + 1).await?;
        Ok(last)
    }

    /// On PostgreSQL the sequence is the tenant's `change` row of `tenant_counters`
    /// (off the tenant row, see the migration that made it), whose lock is held from
    /// the bump to the commit, and every writer of the tenant queues on it: the bump,
    /// the first [`LOG_CHUNK`] log rows and the NOTIFY (which live listeners of every
    /// server process receive at the commit) are one statement, so a usual write
    /// holds the lock for one round trip and its commit.
    async fn append_postgres(&mut self) -> Result<i64, StoreError> {
        let n = self.touched.len() as i64;
        let tenant = self.tenant_id.to_string();
        // `counters::BUMP` as the first step (its `$1, $2, $3` are the first binds).
        let mut q = Sql::prepared(
            format!(
                "WITH head AS ({}), touched (kind, entity_id, pos, deleted) AS (",
                counters::BUMP
            ),
            vec![tenant.clone().into(), counters::CHANGE.into(), n.into()],
        );
        let first_chunk = &self.touched[..self.touched.len().min(LOG_CHUNK)];
        q.push_values(
            first_chunk.iter().enumerate(),
            |mut b, (i, (kind, id, deleted))| {
                b.push_bind(kind.as_str())
                    .push_bind(id.to_string())
                    .push_bind(i as i64)
                    .push_bind(*deleted);
            },
        );
        q.push(
            "), logged AS (INSERT INTO changes (tenant_id, kind, entity_id, seq, deleted) SELECT ",
        )
        .push_bind(tenant.clone())
        .push(", t.kind, t.entity_id, h.value - ")
        .push_bind(n - 1)
        .push(" + t.pos, t.deleted FROM head h, touched t")
        .push(UPSERT)
        .push(")")
        .push(
            " SELECT h.value FROM head h CROSS JOIN LATERAL (SELECT pg_notify('outpost_changes', ",
        )
        .push_bind(format!("{}:", self.tenant_id))
        .push(" || h.value::text)) n");
        let last: i64 = q.fetch_scalar(&mut self.tx).await?;
        if self.touched.len() > LOG_CHUNK {
            self.insert_rows(1, last - n + 1).await?;
        }
        Ok(last)
    }

    /// Writes the log rows from chunk `from_chunk` on, numbered from `first`.
    async fn insert_rows(&mut self, from_chunk: usize, first: i64) -> Result<(), StoreError> {
        let tenant = self.tenant_id.to_string();
        for (ci, rows) in self.touched.chunks(LOG_CHUNK).enumerate().skip(from_chunk) {
            let mut qb =
                Sql::new("INSERT INTO changes (tenant_id, kind, entity_id, seq, deleted) ");
            qb.push_values(
                rows.iter().enumerate(),
                |mut b, (i, (kind, id, deleted))| {
                    b.push_bind(tenant.clone())
                        .push_bind(kind.as_str())
                        .push_bind(id.to_string())
                        .push_bind(first + (ci * LOG_CHUNK + i) as i64)
                        .push_bind(*deleted);
                },
            );
            qb.push(UPSERT);
            qb.execute(&mut self.tx).await?;
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
