//! Bearer tokens (sessions and API keys), stored as SHA-256 hashes.

use crate::auth::{Actor, Scope};
use crate::db::{get_bool, get_id, get_parsed};
use crate::error::StoreError;
use outpost_domain::time::{self, Timestamp};
use outpost_domain::{EmailAddress, TenantId, UserId};
use sqlx::{AnyConnection, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    ApiKey,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::ApiKey => "api_key",
        }
    }
}

pub struct NewToken<'a> {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub hash: &'a str,
    pub kind: TokenKind,
    pub name: Option<&'a str>,
    pub scopes: &'a [Scope],
    pub expires_at: Option<Timestamp>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_token(
    conn: &mut AnyConnection,
    t: &NewToken<'_>,
    now: &Timestamp,
) -> Result<(), StoreError> {
    let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
    sqlx::query(
        "INSERT INTO tokens (id, tenant_id, user_id, token_hash, kind, name, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(t.tenant_id.to_string())
    .bind(t.user_id.to_string())
    .bind(t.hash)
    .bind(t.kind.as_str())
    .bind(t.name)
    .bind(scopes.join(" "))
    .bind(time::to_db(now))
    .bind(t.expires_at.as_ref().map(time::to_db))
    .execute(conn)
    .await?;
    Ok(())
}

/// The actor behind a live (unrevoked, unexpired) token, or `None`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn resolve(
    conn: &mut AnyConnection,
    hash: &str,
    now: &Timestamp,
) -> Result<Option<Actor>, StoreError> {
    let row = sqlx::query(
        "SELECT k.tenant_id, k.user_id, k.scopes, k.expires_at, u.email, u.name, u.role, u.elevated, \
                (SELECT COUNT(*) FROM support_users s WHERE s.tenant_id = k.tenant_id AND s.user_id = k.user_id) AS support \
         FROM tokens k JOIN users u ON u.id = k.user_id AND u.tenant_id = k.tenant_id \
         WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)",
    )
    .bind(hash)
    .bind(time::to_db(now))
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let scopes: String = row.try_get("scopes")?;
    let email: String = row.try_get("email")?;
    let support: i64 = row.try_get("support")?;
    Ok(Some(Actor {
        tenant_id: get_id(&row, "tenant_id")?,
        user_id: get_id(&row, "user_id")?,
        email: EmailAddress::parse(&email).map_err(|e| StoreError::Config(e.to_string()))?,
        name: row.try_get("name")?,
        role: get_parsed(&row, "role")?,
        elevated: get_bool(&row, "elevated")?,
        support: support > 0,
        scopes: scopes.split_whitespace().filter_map(Scope::parse).collect(),
        token_hash: hash.to_owned(),
        expires_at: crate::db::get_opt_time(&row, "expires_at")?,
    }))
}

/// Revokes one token; true when it was live.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(
    conn: &mut AnyConnection,
    hash: &str,
    now: &Timestamp,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(time::to_db(now))
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Revokes every token of a user (password change, user removal).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_all_for_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    now: &Timestamp,
) -> Result<u64, StoreError> {
    let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE tenant_id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(time::to_db(now))
        .bind(tenant.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// Revokes a user's live API keys with this name; the hashes of those revoked.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_api_keys_named(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    name: &str,
    now: &Timestamp,
) -> Result<Vec<String>, StoreError> {
    let hashes: Vec<String> = sqlx::query_scalar(
        "SELECT token_hash FROM tokens WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 \
         AND name = $4 AND revoked_at IS NULL",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(TokenKind::ApiKey.as_str())
    .bind(name)
    .fetch_all(&mut *conn)
    .await?;
    for hash in &hashes {
        revoke(conn, hash, now).await?;
    }
    Ok(hashes)
}
