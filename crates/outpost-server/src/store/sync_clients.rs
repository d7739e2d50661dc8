//! Sync clients, their last applied mutation sequence and stored results.

use crate::db::get_id;
use crate::error::StoreError;
use outpost_domain::sync::MutationResult;
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use sqlx::{AnyConnection, Row};

pub struct ClientRecord {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub last_seq: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get(
    conn: &mut AnyConnection,
    client: ClientId,
) -> Result<Option<ClientRecord>, StoreError> {
    let row =
        sqlx::query("SELECT tenant_id, user_id, last_seq FROM sync_clients WHERE client_id = $1")
            .bind(client.to_string())
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        Ok(ClientRecord {
            tenant_id: get_id(&r, "tenant_id")?,
            user_id: get_id(&r, "user_id")?,
            last_seq: r.try_get("last_seq")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    client: ClientId,
    tenant: TenantId,
    user: UserId,
    now: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_clients (client_id, tenant_id, user_id, last_seq, created_at, last_seen_at) \
         VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(client.to_string())
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(time::to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Advances the client's sequence only if it still equals `expected`; false means a
/// concurrent push of the same client got there first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn advance(
    conn: &mut AnyConnection,
    client: ClientId,
    expected: i64,
    seq: i64,
    now: &Timestamp,
) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE sync_clients SET last_seq = $1, last_seen_at = $2 WHERE client_id = $3 AND last_seq = $4")
        .bind(seq)
        .bind(time::to_db(now))
        .bind(client.to_string())
        .bind(expected)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn store_result(
    conn: &mut AnyConnection,
    client: ClientId,
    result: &MutationResult,
    now: &Timestamp,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(result).map_err(|e| StoreError::Config(e.to_string()))?;
    sqlx::query("INSERT INTO mutation_results (client_id, seq, mutation_id, result, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(client.to_string())
        .bind(result.seq)
        .bind(result.id.to_string())
        .bind(json)
        .bind(time::to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn stored_result(
    conn: &mut AnyConnection,
    client: ClientId,
    seq: i64,
) -> Result<Option<MutationResult>, StoreError> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT result FROM mutation_results WHERE client_id = $1 AND seq = $2")
            .bind(client.to_string())
            .bind(seq)
            .fetch_optional(conn)
            .await?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| StoreError::Config(format!("stored mutation result: {e}")))
    })
    .transpose()
}
