//! What a tenant's chats run on (seed 002): the channels tickets come through and the
//! published versions of bot responders.

use crate::db::{get_id, get_parsed};
use crate::error::StoreError;
use crate::store::push_id_list;
use crate::store::sql::Sql;
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_channel(
    conn: &mut AnyConnection,
    tenant: TenantId,
    channel: &ChannelInfo,
    now: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO channels (id, tenant_id, name, type, version, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(channel.id.to_string())
    .bind(tenant.to_string())
    .bind(channel.name.clone())
    .bind(channel.channel_type.as_str().to_owned())
    .bind(channel.version)
    .bind(time::to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn channel_from_row(r: &AnyRow) -> Result<ChannelInfo, sqlx::Error> {
    Ok(ChannelInfo {
        id: get_id(r, "id")?,
        name: r.try_get("name")?,
        channel_type: get_parsed(r, "type")?,
        version: r.try_get("version")?,
    })
}

/// The tenant's channels by id (`None`: all of them), by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_channels(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: Option<&[ChannelId]>,
) -> Result<Vec<ChannelInfo>, StoreError> {
    let mut qb = Sql::new("SELECT id, name, type, version FROM channels WHERE tenant_id = ");
    qb.push_bind(tenant.to_string());
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        qb.push(" AND id IN ");
        push_id_list(&mut qb, ids);
    }
    qb.push(" ORDER BY name");
    let rows = qb.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(channel_from_row)
        .collect::<Result<_, _>>()?)
}

/// Records a bot's published version.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_responder_version(
    conn: &mut AnyConnection,
    tenant: TenantId,
    responder: UserId,
    version: ResponderVersion,
    now: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO responder_versions (id, tenant_id, responder_id, number, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(version.id.to_string())
    .bind(tenant.to_string())
    .bind(responder.to_string())
    .bind(version.number)
    .bind(time::to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// A bot's latest published version, if it has any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn latest_responder_version(
    conn: &mut AnyConnection,
    tenant: TenantId,
    responder: UserId,
) -> Result<Option<ResponderVersion>, StoreError> {
    let row = sqlx::query(
        "SELECT id, number FROM responder_versions WHERE tenant_id = $1 AND responder_id = $2 \
         ORDER BY number DESC LIMIT 1",
    )
    .bind(tenant.to_string())
    .bind(responder.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row
        .map(|r| -> Result<_, sqlx::Error> {
            Ok(ResponderVersion {
                id: get_id(&r, "id")?,
                number: r.try_get("number")?,
            })
        })
        .transpose()?)
}
