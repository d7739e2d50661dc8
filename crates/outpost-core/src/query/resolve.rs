//! What the agent types to name a ticket or a user, resolved against the cache.

use super::dto::UserRef;
use super::rows::user_ref;
use crate::error::{CoreError, Result};
use outpost_domain::ids::{TicketId, UserId};
use outpost_domain::values::EmailAddress;
use sqlx::{SqliteExecutor, SqlitePool};
use std::collections::{HashMap, HashSet};

pub(super) enum TicketKey {
    Number(i64),
    Id(TicketId),
}

pub(super) fn parse_ticket_key(key: &str) -> Result<TicketKey> {
    let k = key.trim();
    let digits = k.strip_prefix('#').unwrap_or(k);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits
            .parse()
            .map(TicketKey::Number)
            .map_err(|_| CoreError::InvalidInput(format!("ticket number {key:?} is too large")));
    }
    k.parse().map(TicketKey::Id).map_err(|_| {
        CoreError::InvalidInput(format!(
            "{key:?} is not a ticket: give a number (1042 or #1042) or a ticket id (UUID)"
        ))
    })
}

/// The ticket a key names: a number (`1042`, `#1042`) or a ticket id (UUID).
/// [`CoreError::NotFound`] if the cache has no such ticket.
pub async fn resolve_ticket<'c>(ex: impl SqliteExecutor<'c>, key: &str) -> Result<TicketId> {
    let id: Option<String> = match parse_ticket_key(key)? {
        TicketKey::Number(n) => {
            sqlx::query_scalar("SELECT id FROM tickets WHERE number = ?")
                .bind(n)
                .fetch_optional(ex)
                .await?
        }
        TicketKey::Id(id) => {
            sqlx::query_scalar("SELECT id FROM tickets WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(ex)
                .await?
        }
    };
    let id = id.ok_or_else(|| CoreError::not_found("ticket", key.trim()))?;
    id.parse()
        .map_err(|_| CoreError::CacheCorrupt(format!("cached ticket id {id:?}")))
}

/// A cached user by email (case-insensitive). [`CoreError::NotFound`] if absent.
pub async fn resolve_user_by_email<'c>(
    ex: impl SqliteExecutor<'c>,
    email: &str,
) -> Result<UserRef> {
    let e = EmailAddress::parse(email).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let row = sqlx::query(
        "SELECT id, name, email, json_extract(data, '$.role') AS role FROM users \
         WHERE email = ? LIMIT 1",
    )
    .bind(e.as_str())
    .fetch_optional(ex)
    .await?
    .ok_or_else(|| CoreError::not_found("user", e.as_str()))?;
    user_ref(&row, "id", "name", "email", "role")?
        .ok_or_else(|| CoreError::not_found("user", e.as_str()))
}

pub(super) async fn users_by_id(
    pool: &SqlitePool,
    ids: &HashSet<UserId>,
) -> Result<HashMap<UserId, UserRef>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = sqlx::query(
        "SELECT id, name, email, json_extract(data, '$.role') AS role FROM users \
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(serde_json::to_string(&ids)?)
    .fetch_all(pool)
    .await?;
    let mut out = HashMap::new();
    for row in &rows {
        if let Some(u) = user_ref(row, "id", "name", "email", "role")? {
            out.insert(u.id, u);
        }
    }
    Ok(out)
}
