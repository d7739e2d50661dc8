//! Reading the change log behind the sync feed (writing happens in `WriteTx::commit`).

use crate::db::get_bool;
use crate::error::StoreError;
use crate::store::counters;
use crate::store::push_id_list;
use crate::store::sql::Sql;
use outpost_domain::TenantId;
use outpost_domain::sync::EntityKind;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// Ids per `IN (…)` list, well below both engines' parameter limits.
const CHUNK: usize = 500;

#[derive(Clone, Debug)]
pub struct ChangeRow {
    pub seq: i64,
    pub kind: EntityKind,
    pub id: Uuid,
    pub deleted: bool,
}

/// Up to `limit` log rows after `after`, in sequence order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn after(
    conn: &mut AnyConnection,
    tenant: TenantId,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, kind, entity_id, deleted FROM changes WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(tenant.to_string())
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(row)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

fn row(r: &AnyRow) -> Result<ChangeRow, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let id: String = r.try_get("entity_id")?;
    Ok(ChangeRow {
        seq: r.try_get("seq")?,
        kind: kind.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        deleted: get_bool(r, "deleted")?,
    })
}

/// The log rows of some entities of one kind (one row per entity that has one), in no
/// particular order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rows_for(
    conn: &mut AnyConnection,
    tenant: TenantId,
    kind: EntityKind,
    ids: &[Uuid],
) -> Result<Vec<ChangeRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut qb =
            Sql::new("SELECT seq, kind, entity_id, deleted FROM changes WHERE tenant_id = ");
        qb.push_bind(tenant.to_string())
            .push(" AND kind = ")
            .push_bind(kind.as_str())
            .push(" AND entity_id IN ");
        push_id_list(&mut qb, chunk);
        for r in qb.fetch_all(&mut *conn).await? {
            out.push(row(&r)?);
        }
    }
    Ok(out)
}

/// Every log row of one kind (for the small kinds: teams, tags), in no particular order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rows_of_kind(
    conn: &mut AnyConnection,
    tenant: TenantId,
    kind: EntityKind,
) -> Result<Vec<ChangeRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, kind, entity_id, deleted FROM changes WHERE tenant_id = $1 AND kind = $2",
    )
    .bind(tenant.to_string())
    .bind(kind.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(row)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The database's current epoch and the tenant's latest sequence, read together so a
/// running server notices `admin rotate-epoch` at once.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn epoch_and_head(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<(String, i64), StoreError> {
    let row = sqlx::query(
        "SELECT m.epoch, COALESCE((SELECT value FROM tenant_counters WHERE tenant_id = $1 AND counter = $2), 0) AS head \
         FROM server_meta m WHERE m.id = 1",
    )
    .bind(tenant.to_string())
    .bind(counters::CHANGE)
    .fetch_one(conn)
        .await?;
    Ok((row.try_get("epoch")?, row.try_get("head")?))
}

/// Where a tenant's log stands: the database epoch and the latest sequence. Memoized
/// reads are keyed by both, so a restored backup (a new epoch, and a head that may
/// come back to a number it had before with other content) is never answered from
/// memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogHead {
    pub epoch: String,
    pub seq: i64,
}

/// The tenant's [`LogHead`].
pub async fn head(conn: &mut AnyConnection, tenant: TenantId) -> Result<LogHead, StoreError> {
    let (epoch, seq) = epoch_and_head(conn, tenant).await?;
    Ok(LogHead { epoch, seq })
}
