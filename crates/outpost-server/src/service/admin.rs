//! Tenant administration: tenants, users, support settings, teams, tags, channels and
//! bot versions. Used by the `outpost-server admin` and `demo` commands.

use crate::auth;
use crate::db::{Db, Revoked};
use crate::error::{Error, Result, StoreError};
use crate::store::directory::{self, NewUser};
use crate::store::tokens;
use crate::store::{chats, tickets};
use outpost_domain::sync::EntityKind;
use outpost_domain::time;
use outpost_domain::*;

fn parse_slug(slug: &str) -> Result<String> {
    let ok = (2..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if ok {
        Ok(slug.to_owned())
    } else {
        Err(Error::invalid(
            "tenant slug must be 2-40 characters of a-z, 0-9 and -",
        ))
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_tenant(db: &Db, slug: &str, name: &str) -> Result<Tenant> {
    let slug = parse_slug(slug)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("tenant name must not be empty"));
    }
    let id = TenantId::new();
    let mut tx = db.write_untracked().await?;
    match directory::insert_tenant(&mut tx, id, &slug, name, &time::now()).await {
        Err(e) if e.is_unique_violation() => {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("tenant {slug:?} already exists"),
            ));
        }
        r => r?,
    }
    tx.commit().await.map_err(StoreError::from)?;
    tenant(db, &slug).await
}

/// A tenant by slug or id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn tenant(db: &Db, slug_or_id: &str) -> Result<Tenant> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let t = match slug_or_id.parse::<TenantId>() {
        Ok(id) => directory::get_tenant(&mut conn, id).await?,
        Err(_) => directory::get_tenant_by_slug(&mut conn, slug_or_id).await?,
    };
    t.ok_or_else(|| Error::not_found("tenant"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_tenants(db: &Db) -> Result<Vec<Tenant>> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(directory::list_tenants(&mut conn).await?)
}

/// A user to create.
pub struct UserSpec<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: Option<&'a str>,
    pub elevated: bool,
    /// Add to the tenant's `support_user_ids`.
    pub support: bool,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_user(db: &Db, tenant: TenantId, spec: &UserSpec<'_>) -> Result<User> {
    let email = EmailAddress::parse(spec.email)?;
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name must be 1-200 characters"));
    }
    if let Some(p) = spec.password
        && p.chars().count() < 8
    {
        return Err(Error::invalid("password must be at least 8 characters"));
    }
    if spec.support && spec.role == Role::Customer {
        return Err(Error::invalid("customers cannot be support users"));
    }
    let hash = spec.password.map(auth::hash_password);
    let id = UserId::new();
    let mut tx = db.write(tenant).await?;
    let res = directory::insert_user(
        tx.conn(),
        &NewUser {
            id,
            tenant_id: tenant,
            email: &email,
            name,
            picture: None,
            role: spec.role,
            elevated: spec.elevated,
            password_hash: hash.as_deref(),
        },
        &time::now(),
    )
    .await;
    match res {
        Err(e) if e.is_unique_violation() => {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("{email} already exists in this tenant"),
            ));
        }
        r => r?,
    }
    if spec.support {
        directory::add_support_user(tx.conn(), tenant, id).await?;
    }
    tx.touch(EntityKind::User, id.as_uuid());
    tx.commit().await?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(directory::get_user(&mut conn, tenant, id)
        .await?
        .ok_or_else(|| Error::not_found("user"))?
        .user)
}

/// Looks a user up by email within a tenant.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_by_email(db: &Db, tenant: TenantId, email: &str) -> Result<User> {
    let email = EmailAddress::parse(email)?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(directory::get_user_by_email(&mut conn, tenant, &email)
        .await?
        .ok_or_else(|| Error::not_found("user"))?
        .user)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_users(db: &Db, tenant: TenantId) -> Result<Vec<User>> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(directory::list_users(&mut conn, tenant).await?)
}

/// Sets a new password and revokes the user's sessions.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_password(db: &Db, tenant: TenantId, user: UserId, password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::invalid("password must be at least 8 characters"));
    }
    let hash = auth::hash_password(password);
    let now = time::now();
    let mut tx = db.write_untracked().await?;
    if !directory::set_password(&mut tx, tenant, user, &hash, &now).await? {
        return Err(Error::not_found("user"));
    }
    tokens::revoke_all_for_user(&mut tx, tenant, user, &now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    db.revoked(Revoked::User(user)).await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_role(
    db: &Db,
    tenant: TenantId,
    user: UserId,
    role: Role,
    elevated: bool,
) -> Result<()> {
    let mut tx = db.write(tenant).await?;
    if !directory::set_role(tx.conn(), tenant, user, role, elevated, &time::now()).await? {
        return Err(Error::not_found("user"));
    }
    tx.touch(EntityKind::User, user.as_uuid());
    tx.commit().await?;
    Ok(())
}

/// Replaces the tenant's `support_user_ids`; every id must be a staff user of the tenant.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_support_users(db: &Db, tenant: TenantId, ids: &[UserId]) -> Result<()> {
    let mut tx = db.write(tenant).await?;
    let before = directory::support_user_ids(tx.conn(), tenant).await?;
    for id in ids {
        let u = directory::get_user(tx.conn(), tenant, *id)
            .await?
            .ok_or_else(|| Error::not_found("user"))?;
        if u.user.role == Role::Customer {
            return Err(Error::invalid(format!(
                "{} is a customer and cannot be a support user",
                u.user.email
            )));
        }
    }
    directory::set_support_users(tx.conn(), tenant, ids).await?;
    // The `support` flag of users entering or leaving the list changed.
    for id in before
        .iter()
        .filter(|b| !ids.contains(b))
        .chain(ids.iter().filter(|i| !before.contains(i)))
    {
        directory::bump_user_version(tx.conn(), tenant, *id).await?;
        tx.touch(EntityKind::User, id.as_uuid());
    }
    tx.commit().await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_team(
    db: &Db,
    tenant: TenantId,
    name: &str,
    members: &[UserId],
) -> Result<Team> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("team name must be 1-100 characters"));
    }
    let id = TeamId::new();
    let mut tx = db.write(tenant).await?;
    match directory::insert_team(tx.conn(), tenant, id, name, None, &time::now()).await {
        Err(e) if e.is_unique_violation() => {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("team {name:?} already exists"),
            ));
        }
        r => r?,
    }
    for m in members {
        if directory::get_user(tx.conn(), tenant, *m).await?.is_none() {
            return Err(Error::not_found("team member"));
        }
        directory::add_team_member(tx.conn(), id, *m).await?;
    }
    tx.touch(EntityKind::Team, id.as_uuid());
    tx.commit().await?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    directory::get_teams(&mut conn, tenant, Some(&[id]))
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("team"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_teams(db: &Db, tenant: TenantId) -> Result<Vec<Team>> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(directory::get_teams(&mut conn, tenant, None).await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_tag(db: &Db, tenant: TenantId, name: &str) -> Result<Tag> {
    let mut tx = db.write(tenant).await?;
    let id = crate::service::tickets::resolve_tag(&mut tx, name, true)
        .await?
        .ok_or_else(|| Error::not_found("tag"))?;
    tx.commit().await?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    directory::get_tags(&mut conn, tenant, Some(&[id]))
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("tag"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_tags(db: &Db, tenant: TenantId) -> Result<Vec<Tag>> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(directory::get_tags(&mut conn, tenant, None).await?)
}

/// Adds a channel tickets come through (a chat widget, an inbox), of a channel kind.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_channel(
    db: &Db,
    tenant: TenantId,
    name: &str,
    kind: Channel,
) -> Result<ChannelInfo> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("channel name must be 1-100 characters"));
    }
    let channel = ChannelInfo {
        id: ChannelId::new(),
        name: name.to_owned(),
        channel_type: kind,
        version: 1,
    };
    let mut tx = db.write(tenant).await?;
    match chats::insert_channel(tx.conn(), tenant, &channel, &time::now()).await {
        Err(e) if e.is_unique_violation() => {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("channel {name:?} already exists"),
            ));
        }
        r => r?,
    }
    tx.touch(EntityKind::Channel, channel.id.as_uuid());
    tx.commit().await?;
    Ok(channel)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_channels(db: &Db, tenant: TenantId) -> Result<Vec<ChannelInfo>> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    Ok(chats::get_channels(&mut conn, tenant, None).await?)
}

/// Blocks (or unblocks) a customer: an external chat owner whose chats are not
/// answered. Staff accounts are not blocked; they are signed out or demoted instead.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_blocked(db: &Db, tenant: TenantId, user: UserId, blocked: bool) -> Result<()> {
    let mut tx = db.write(tenant).await?;
    let u = directory::get_user(tx.conn(), tenant, user)
        .await?
        .ok_or_else(|| Error::not_found("user"))?;
    if u.user.role != Role::Customer {
        return Err(Error::invalid(format!(
            "{} is not a customer; only external chat owners are blocked",
            u.user.email
        )));
    }
    if directory::set_blocked(tx.conn(), tenant, user, blocked, &time::now()).await? {
        tx.touch(EntityKind::User, user.as_uuid());
    }
    tx.commit().await?;
    Ok(())
}

/// Publishes the next version of a bot responder (1, 2, …); chats the bot takes from
/// then on carry it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn publish_responder_version(
    db: &Db,
    tenant: TenantId,
    bot: UserId,
) -> Result<ResponderVersion> {
    let mut tx = db.write(tenant).await?;
    let u = directory::get_user(tx.conn(), tenant, bot)
        .await?
        .ok_or_else(|| Error::not_found("user"))?;
    if u.user.role != Role::Bot {
        return Err(Error::invalid(format!(
            "{} is not a bot; only bot responders have versions",
            u.user.email
        )));
    }
    let latest = chats::latest_responder_version(tx.conn(), tenant, bot).await?;
    let version = ResponderVersion {
        id: ResponderVersionId::new(),
        number: latest.map_or(1, |v| v.number + 1),
    };
    chats::insert_responder_version(tx.conn(), tenant, bot, version, &time::now()).await?;
    tx.commit().await?;
    Ok(version)
}

/// Soft-removes a ticket's chat (or restores it): removed tickets leave every list
/// unless asked for (seed 002 `includeRemoved`) and keep all their data. Audited as a
/// `removed` change.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_ticket_removed(
    db: &Db,
    tenant: TenantId,
    number: TicketNumber,
    removed: bool,
) -> Result<Ticket> {
    let mut tx = db.write(tenant).await?;
    let id = tickets::id_by_number(tx.conn(), tenant, number)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let pg = tx.is_postgres();
    let mut rec = tickets::get_for_update(tx.conn(), tenant, id, pg)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let before = rec.ticket.clone();
    rec.ticket.removed = removed;
    crate::service::tickets::save(&mut tx, None, &before, &mut rec, Vec::new(), &time::now())
        .await?;
    tx.commit().await?;
    Ok(rec.ticket)
}
