//! Row decoding shared by every store module: the `Any` driver sees ids, timestamps
//! and enums as text (and SQLite flags as integers), so each is parsed here once.

use outpost_domain::time;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;
use uuid::Uuid;

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
