//! Reading the change log behind the sync feed (writing happens in `WriteTx::commit`).

use crate::db::get_bool;
use crate::error::StoreError;
use outpost_domain::TenantId;
use outpost_domain::sync::EntityKind;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct ChangeRow {
    pub seq: i64,
    pub kind: EntityKind,
    pub id: Uuid,
    pub deleted: bool,
}

/// Up to `limit` log rows after `after`, in sequence order.
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
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let id: String = r.try_get("entity_id")?;
            Ok(ChangeRow {
                seq: r.try_get("seq")?,
                kind: kind.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                deleted: get_bool(r, "deleted")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The database's current epoch and the tenant's latest sequence, read together so a
/// running server notices `admin rotate-epoch` at once.
pub async fn epoch_and_head(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<(String, i64), StoreError> {
    let row = sqlx::query(
        "SELECT m.epoch, COALESCE((SELECT change_seq FROM tenants WHERE id = $1), 0) AS head \
         FROM server_meta m WHERE m.id = 1",
    )
    .bind(tenant.to_string())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("epoch")?, row.try_get("head")?))
}
