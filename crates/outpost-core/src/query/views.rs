//! The sidebar: view counts, and the directory behind the assign and tag pickers.

use super::dto::{Directory, View, ViewCount};
use super::list::{MY_OPEN_STATUSES, count, push_statuses, push_tag_statuses};
use super::rows::{team_ref, user_ref};
use super::saved::list_saved_searches;
use crate::error::{CoreError, Result};
use outpost_domain::ids::UserId;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// Counts for the sidebar: the five fixed views, each team and each tag with at least
/// one ticket in its view (see [`View`]), then each saved search (a saved search that
/// no longer parses counts 0).
#[tracing::instrument(skip_all)]
pub async fn view_counts(pool: &SqlitePool, me: UserId) -> Result<Vec<ViewCount>> {
    let me_s = me.to_string();
    let mut out = Vec::new();
    for (view, label) in [
        (View::MyOpen, "My open"),
        (View::Unassigned, "Unassigned"),
        (View::AllOpen, "All open"),
        (View::Pending, "Pending"),
        (View::Solved, "Solved"),
    ] {
        let count = count(pool, &me_s, Some(&view), None).await?;
        out.push(ViewCount {
            view,
            label: label.into(),
            count,
        });
    }

    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT tm.id, tm.name, COUNT(t.id) FROM teams tm \
         JOIN tickets t ON t.team_id = tm.id WHERE 1",
    );
    push_statuses(&mut qb, MY_OPEN_STATUSES);
    qb.push(" GROUP BY tm.id ORDER BY lower(tm.name)");
    for row in qb.build().fetch_all(pool).await? {
        let id: String = row.try_get(0)?;
        out.push(ViewCount {
            view: View::Team(
                id.parse()
                    .map_err(|_| CoreError::CacheCorrupt(format!("cached team id {id:?}")))?,
            ),
            label: row.try_get(1)?,
            count: row.try_get(2)?,
        });
    }

    let mut qb = QueryBuilder::<Sqlite>::new("SELECT tt.tag, COUNT(*) FROM ticket_tags tt WHERE 1");
    push_tag_statuses(&mut qb, MY_OPEN_STATUSES);
    qb.push(" GROUP BY tt.tag ORDER BY tt.tag");
    for row in qb.build().fetch_all(pool).await? {
        let tag: String = row.try_get(0)?;
        out.push(ViewCount {
            view: View::Tag(tag.clone()),
            label: tag,
            count: row.try_get(1)?,
        });
    }

    for saved in list_saved_searches(pool).await? {
        let view = View::Search(saved.query.clone());
        let count = match count(pool, &me_s, Some(&view), None).await {
            Ok(n) => n,
            Err(CoreError::InvalidInput(e)) => {
                tracing::warn!(search = %saved.name, error = %e, "saved search does not parse");
                0
            }
            Err(e) => return Err(e),
        };
        out.push(ViewCount {
            view,
            label: saved.name,
            count,
        });
    }
    Ok(out)
}

/// The cached agents, teams and tags.
pub async fn directory(pool: &SqlitePool) -> Result<Directory> {
    let rows = sqlx::query(
        "SELECT id, name, email, json_extract(data, '$.role') AS role FROM users \
         WHERE json_extract(data, '$.role') IN ('agent', 'admin') \
         ORDER BY name COLLATE NOCASE, email",
    )
    .fetch_all(pool)
    .await?;
    let mut agents = Vec::with_capacity(rows.len());
    for row in &rows {
        agents.extend(user_ref(row, "id", "name", "email", "role")?);
    }
    let rows = sqlx::query("SELECT id, name FROM teams ORDER BY name COLLATE NOCASE")
        .fetch_all(pool)
        .await?;
    let mut teams = Vec::with_capacity(rows.len());
    for row in &rows {
        teams.extend(team_ref(row, "id", "name")?);
    }
    // A tag can be on tickets before the tag list itself is pulled (and vice versa).
    let tags = sqlx::query_scalar(
        "SELECT name FROM tags UNION SELECT DISTINCT tag FROM ticket_tags ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    Ok(Directory {
        agents,
        teams,
        tags,
    })
}
