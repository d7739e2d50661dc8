//! Tenants, users, support settings, teams and tags.

use crate::db::{get_bool, get_id, get_parsed, get_time};
use crate::error::StoreError;
use crate::store::counters::{self, Counter};
use crate::store::push_id_list;
use crate::store::sql::Sql;
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_tenant(
    conn: &mut AnyConnection,
    id: TenantId,
    slug: &str,
    name: &str,
    now: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(slug)
        .bind(name)
        .bind(time::to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

fn tenant_from_row(row: &AnyRow, support_user_ids: Vec<UserId>) -> Result<Tenant, sqlx::Error> {
    Ok(Tenant {
        id: get_id(row, "id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        support: SupportSettings { support_user_ids },
        created_at: get_time(row, "created_at")?,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_tenant(
    conn: &mut AnyConnection,
    id: TenantId,
) -> Result<Option<Tenant>, StoreError> {
    let Some(row) = sqlx::query("SELECT id, slug, name, created_at FROM tenants WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let support = support_user_ids(conn, id).await?;
    Ok(Some(tenant_from_row(&row, support)?))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_tenant_by_slug(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<Option<Tenant>, StoreError> {
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await?;
    match id.and_then(|s| s.parse().ok()) {
        Some(id) => get_tenant(conn, id).await,
        None => Ok(None),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_tenants(conn: &mut AnyConnection) -> Result<Vec<Tenant>, StoreError> {
    let rows = sqlx::query("SELECT id FROM tenants ORDER BY slug")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(t) = get_tenant(conn, get_id(&row, "id")?).await? {
            out.push(t);
        }
    }
    Ok(out)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn support_user_ids(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<UserId>, StoreError> {
    let rows =
        sqlx::query("SELECT user_id FROM support_users WHERE tenant_id = $1 ORDER BY user_id")
            .bind(tenant.to_string())
            .fetch_all(conn)
            .await?;
    Ok(rows
        .iter()
        .map(|r| get_id(r, "user_id"))
        .collect::<Result<_, _>>()?)
}

/// Adds one user to the tenant's `support_user_ids` (no-op when already listed).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_support_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO support_users (tenant_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a user as changed (a derived field such as `support` moved) for sync.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn bump_user_version(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET version = version + 1 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the tenant's `support_user_ids`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_support_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[UserId],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM support_users WHERE tenant_id = $1")
        .bind(tenant.to_string())
        .execute(&mut *conn)
        .await?;
    for id in ids {
        sqlx::query("INSERT INTO support_users (tenant_id, user_id) VALUES ($1, $2)")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A user row as stored, including the secret columns the public [`User`] omits.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub user: User,
    pub tenant_id: TenantId,
    pub password_hash: Option<String>,
}

pub struct NewUser<'a> {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: &'a EmailAddress,
    pub name: &'a str,
    pub picture: Option<&'a str>,
    pub role: Role,
    pub elevated: bool,
    pub password_hash: Option<&'a str>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_user(
    conn: &mut AnyConnection,
    u: &NewUser<'_>,
    now: &Timestamp,
) -> Result<(), StoreError> {
    // The tenant's next user number (seed 004 names users by integer).
    let number = counters::reserve(conn, u.tenant_id, Counter::User, 1).await?;
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, name, picture, role, elevated, password_hash, created_at, updated_at, number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(u.id.to_string())
    .bind(u.tenant_id.to_string())
    .bind(u.email.as_str())
    .bind(u.name)
    .bind(u.picture)
    .bind(u.role.as_str())
    .bind(u.elevated)
    .bind(u.password_hash)
    .bind(time::to_db(now))
    .bind(number)
    .execute(conn)
    .await?;
    Ok(())
}

const USER_COLUMNS: &str = "u.id, u.tenant_id, u.email, u.name, u.picture, u.role, u.elevated, u.blocked, u.password_hash, u.version, \
     (SELECT COUNT(*) FROM support_users s WHERE s.tenant_id = u.tenant_id AND s.user_id = u.id) AS support";

fn user_from_row(row: &AnyRow) -> Result<UserRecord, sqlx::Error> {
    let support: i64 = row.try_get("support")?;
    Ok(UserRecord {
        user: User {
            id: get_id(row, "id")?,
            email: get_parsed::<EmailAddressText>(row, "email")?.0,
            name: row.try_get("name")?,
            picture: row.try_get("picture")?,
            role: get_parsed(row, "role")?,
            elevated: get_bool(row, "elevated")?,
            support: support > 0,
            blocked: get_bool(row, "blocked")?,
            version: row.try_get("version")?,
        },
        tenant_id: get_id(row, "tenant_id")?,
        password_hash: row.try_get("password_hash")?,
    })
}

/// `FromStr` shim so stored emails go through the same validation as input.
struct EmailAddressText(EmailAddress);

impl std::str::FromStr for EmailAddressText {
    type Err = values::InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s).map(EmailAddressText)
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.id = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(user_from_row).transpose()?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_user_by_email(
    conn: &mut AnyConnection,
    tenant: TenantId,
    email: &EmailAddress,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.email = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(tenant.to_string())
        .bind(email.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(user_from_row).transpose()?)
}

/// Every account with this email, across tenants, with the tenant slug (login).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_accounts_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Vec<(UserRecord, String)>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, t.slug FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.email = $1 ORDER BY t.slug"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(email.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((user_from_row(r)?, r.try_get("slug")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[UserId],
) -> Result<Vec<User>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = Sql::new(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = "
    ));
    qb.push_bind(tenant.to_string()).push(" AND u.id IN ");
    push_id_list(&mut qb, ids);
    let rows = qb.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| user_from_row(r).map(|u| u.user))
        .collect::<Result<_, _>>()?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 ORDER BY u.email");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(tenant.to_string())
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| user_from_row(r).map(|u| u.user))
        .collect::<Result<_, _>>()?)
}

/// Blocks or unblocks a user, bumping their version; true when the flag changed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_blocked(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
    blocked: bool,
    now: &Timestamp,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE users SET blocked = $1, version = version + 1, updated_at = $2 \
         WHERE tenant_id = $3 AND id = $4 AND blocked <> $1",
    )
    .bind(blocked)
    .bind(time::to_db(now))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_password(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
    hash: &str,
    now: &Timestamp,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4",
    )
    .bind(hash)
    .bind(time::to_db(now))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Updates role and elevation, bumping the user's version.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_role(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
    role: Role,
    elevated: bool,
    now: &Timestamp,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE users SET role = $1, elevated = $2, version = version + 1, updated_at = $3 WHERE tenant_id = $4 AND id = $5",
    )
    .bind(role.as_str())
    .bind(elevated)
    .bind(time::to_db(now))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_team(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: TeamId,
    name: &str,
    picture: Option<&str>,
    now: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO teams (id, tenant_id, name, picture, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(tenant.to_string())
    .bind(name)
    .bind(picture)
    .bind(time::to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_team_member(
    conn: &mut AnyConnection,
    team: TeamId,
    user: UserId,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(team.to_string())
    .bind(user.to_string())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE teams SET version = version + 1 WHERE id = $1")
        .bind(team.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_teams(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: Option<&[TeamId]>,
) -> Result<Vec<Team>, StoreError> {
    let mut qb = Sql::new("SELECT id, name, picture, version FROM teams WHERE tenant_id = ");
    qb.push_bind(tenant.to_string());
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        qb.push(" AND id IN ");
        push_id_list(&mut qb, ids);
    }
    qb.push(" ORDER BY name");
    let rows = qb.fetch_all(&mut *conn).await?;
    let mut teams = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: TeamId = get_id(r, "id")?;
        let members =
            sqlx::query("SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
                .bind(id.to_string())
                .fetch_all(&mut *conn)
                .await?;
        teams.push(Team {
            id,
            name: r.try_get("name")?,
            picture: r.try_get("picture")?,
            member_ids: members
                .iter()
                .map(|m| get_id(m, "user_id"))
                .collect::<Result<_, _>>()?,
            version: r.try_get("version")?,
        });
    }
    Ok(teams)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn team_exists(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: TeamId,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM teams WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_tag(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: TagId,
    name: &str,
    now: &Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tags (id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(tenant.to_string())
        .bind(name)
        .bind(time::to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_tag(
    conn: &mut AnyConnection,
    tenant: TenantId,
    name: &str,
) -> Result<Option<TagId>, StoreError> {
    let row = sqlx::query("SELECT id FROM tags WHERE tenant_id = $1 AND name = $2")
        .bind(tenant.to_string())
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(|r| get_id(r, "id")).transpose()?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_tags(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: Option<&[TagId]>,
) -> Result<Vec<Tag>, StoreError> {
    let mut qb = Sql::new("SELECT id, name, version FROM tags WHERE tenant_id = ");
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
        .map(|r| {
            Ok(Tag {
                id: get_id(r, "id")?,
                name: r.try_get("name")?,
                version: r.try_get("version")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The ids of a tenant's users with one role.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_ids_with_role(
    conn: &mut AnyConnection,
    tenant: TenantId,
    role: Role,
) -> Result<Vec<UserId>, StoreError> {
    let rows =
        sqlx::query("SELECT id FROM users WHERE tenant_id = $1 AND role = $2 ORDER BY email")
            .bind(tenant.to_string())
            .bind(role.as_str())
            .fetch_all(conn)
            .await?;
    Ok(rows
        .iter()
        .map(|r| get_id(r, "id"))
        .collect::<Result<_, _>>()?)
}

/// The tenant's integer ids (seed 004) and emails of some users.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_numbers(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[UserId],
) -> Result<HashMap<UserId, (i64, EmailAddress)>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut qb = Sql::new("SELECT id, number, email FROM users WHERE tenant_id = ");
        qb.push_bind(tenant.to_string()).push(" AND id IN ");
        push_id_list(&mut qb, chunk);
        for r in qb.fetch_all(&mut *conn).await? {
            out.insert(
                get_id(&r, "id")?,
                (
                    r.try_get::<i64, _>("number")?,
                    get_parsed::<EmailAddressText>(&r, "email")?.0,
                ),
            );
        }
    }
    Ok(out)
}

/// The user the tenant numbers `number` (seed 004's integer user id).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_by_number(
    conn: &mut AnyConnection,
    tenant: TenantId,
    number: i64,
) -> Result<Option<UserId>, StoreError> {
    let row = sqlx::query("SELECT id FROM users WHERE tenant_id = $1 AND number = $2")
        .bind(tenant.to_string())
        .bind(number)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(|r| get_id(r, "id")).transpose()?)
}

/// The ids of the tenant's tags with these (lowercase) names; unknown names are
/// skipped.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn tag_ids_named(
    conn: &mut AnyConnection,
    tenant: TenantId,
    names: &[String],
) -> Result<Vec<TagId>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = Sql::new("SELECT id FROM tags WHERE tenant_id = ");
    qb.push_bind(tenant.to_string()).push(" AND name IN (");
    let mut sep = qb.separated(", ");
    for n in names {
        sep.push_bind(n.clone());
    }
    sep.push_unseparated(")");
    let rows = qb.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| get_id(r, "id"))
        .collect::<Result<_, _>>()?)
}

/// The distinct ticket types the tenant's tickets use.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ticket_types_in_use(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT type FROM tickets WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_all(conn)
            .await?,
    )
}
