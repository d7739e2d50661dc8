//! Reading the common columns of query rows (ids, times, user and team references).

use super::dto::{TeamRef, UserRef};
use crate::error::{CoreError, Result};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::str::FromStr;

pub(super) fn parse_col<T: FromStr>(row: &SqliteRow, col: &str) -> Result<T> {
    let s: String = row.try_get(col)?;
    s.parse()
        .map_err(|_| CoreError::CacheCorrupt(format!("cached {col} {s:?} is not valid")))
}

pub(super) fn parse_time(row: &SqliteRow, col: &str) -> Result<DateTime<Utc>> {
    let s: String = row.try_get(col)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CoreError::CacheCorrupt(format!("cached {col} {s:?} is not a time")))
}

/// The team in columns `id` and `name` of `row`; `None` when the id is null (a team
/// not cached yet keeps an empty name).
pub(super) fn team_ref(row: &SqliteRow, id: &str, name: &str) -> Result<Option<TeamRef>> {
    let Some(id) = row.try_get::<Option<String>, _>(id)? else {
        return Ok(None);
    };
    Ok(Some(TeamRef {
        id: id
            .parse()
            .map_err(|_| CoreError::CacheCorrupt(format!("cached team id {id:?}")))?,
        name: row.try_get::<Option<String>, _>(name)?.unwrap_or_default(),
    }))
}

pub(super) fn user_ref(
    row: &SqliteRow,
    id: &str,
    name: &str,
    email: &str,
    role: &str,
) -> Result<Option<UserRef>> {
    let Some(id) = row.try_get::<Option<String>, _>(id)? else {
        return Ok(None);
    };
    let Some(name) = row.try_get::<Option<String>, _>(name)? else {
        return Ok(None);
    };
    Ok(Some(UserRef {
        id: id
            .parse()
            .map_err(|_| CoreError::CacheCorrupt(format!("cached user id {id:?}")))?,
        name,
        email: row.try_get::<Option<String>, _>(email)?.unwrap_or_default(),
        role: row.try_get(role)?,
    }))
}
