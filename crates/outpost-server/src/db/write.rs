//! Write transactions that record what they touch and append it to the tenant's
//! change log on commit (the feed the sync protocol serves).

use super::{Committed, Db, Engine};
use crate::error::StoreError;
use outpost_domain::TenantId;
use outpost_domain::sync::EntityKind;
use sqlx::{Any, AnyConnection, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

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
