//! Saved searches in the sidebar; local only, never synced.

use super::dto::SavedSearch;
use super::rows::{parse_col, parse_time};
use crate::error::{CoreError, Result};
use crate::search::SearchQuery;
use sqlx::{Row, SqliteConnection, SqliteExecutor};

pub(super) fn check_saved(name: &str, query: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CoreError::InvalidInput(
            "a saved search needs a name of 1-100 characters".into(),
        ));
    }
    SearchQuery::parse(query)?;
    Ok(name.to_owned())
}

/// Saved searches, by name.
pub async fn list_saved_searches<'c>(ex: impl SqliteExecutor<'c>) -> Result<Vec<SavedSearch>> {
    let rows = sqlx::query(
        "SELECT id, name, query, created_at FROM saved_searches ORDER BY lower(name), id",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SavedSearch {
                id: parse_col(r, "id")?,
                name: r.try_get("name")?,
                query: r.try_get("query")?,
                created_at: parse_time(r, "created_at")?,
            })
        })
        .collect()
}

/// Save a search (the query must parse).
pub async fn create_saved_search(
    conn: &mut SqliteConnection,
    name: &str,
    query: &str,
) -> Result<SavedSearch> {
    let name = check_saved(name, query)?;
    let saved = SavedSearch {
        id: uuid::Uuid::now_v7(),
        name,
        query: query.trim().to_owned(),
        created_at: outpost_domain::time::now(),
    };
    sqlx::query("INSERT INTO saved_searches (id, name, query, created_at) VALUES (?, ?, ?, ?)")
        .bind(saved.id.to_string())
        .bind(&saved.name)
        .bind(&saved.query)
        .bind(outpost_domain::time::to_db(&saved.created_at))
        .execute(conn)
        .await?;
    Ok(saved)
}

/// Rename a saved search or change its query. [`CoreError::NotFound`] if absent.
pub async fn update_saved_search(
    conn: &mut SqliteConnection,
    id: uuid::Uuid,
    name: &str,
    query: &str,
) -> Result<()> {
    let name = check_saved(name, query)?;
    let done = sqlx::query("UPDATE saved_searches SET name = ?, query = ? WHERE id = ?")
        .bind(name)
        .bind(query.trim())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::not_found("saved search", id.to_string()));
    }
    Ok(())
}

/// Delete a saved search. [`CoreError::NotFound`] if absent.
pub async fn delete_saved_search(conn: &mut SqliteConnection, id: uuid::Uuid) -> Result<()> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = ?")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(CoreError::not_found("saved search", id.to_string()));
    }
    Ok(())
}
