//! Login, logout, token resolution and API keys.

use crate::auth::{self, Actor, Scope};
use crate::db::{Db, Revoked};
use crate::error::{Error, Result, StoreError};
use crate::store::directory;
use crate::store::tokens::{self, NewToken, TokenKind};
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;

/// How long a login session lasts.
pub const SESSION_TTL: chrono::Duration = chrono::Duration::days(30);

pub struct LoginOutcome {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: User,
    pub tenant_id: TenantId,
}

/// Exchanges email and password for a session token. When the email exists in several
/// tenants the caller must name one (`tenant` slug or id).
#[tracing::instrument(skip(db, password))]
pub async fn login(
    db: &Db,
    email: &str,
    password: &str,
    tenant: Option<&str>,
) -> Result<LoginOutcome> {
    let bad = || {
        Error::new(
            ErrorCode::InvalidCredentials,
            "email or password is incorrect",
        )
    };
    let Ok(email) = EmailAddress::parse(email) else {
        auth::verify_password(password, auth::dummy_hash());
        return Err(bad());
    };
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let mut accounts = directory::find_accounts_by_email(&mut conn, &email).await?;
    drop(conn);
    if let Some(t) = tenant {
        accounts.retain(|(u, slug)| slug == t || u.tenant_id.to_string() == t);
    }
    if accounts.len() > 1 {
        // Only reveal that the email is in several tenants to someone who knows a password.
        let any_match = accounts.iter().any(|(u, _)| {
            u.password_hash
                .as_deref()
                .is_some_and(|h| auth::verify_password(password, h))
        });
        if !any_match {
            return Err(bad());
        }
        let slugs: Vec<&str> = accounts.iter().map(|(_, s)| s.as_str()).collect();
        return Err(Error::with_details(
            ErrorCode::TenantRequired,
            "this email belongs to several workspaces; name one in \"tenant\"",
            serde_json::json!({"tenants": slugs}),
        ));
    }
    let Some((rec, _)) = accounts.pop() else {
        auth::verify_password(password, auth::dummy_hash());
        return Err(bad());
    };
    let ok = rec
        .password_hash
        .as_deref()
        .is_some_and(|h| auth::verify_password(password, h));
    if !ok {
        return Err(bad());
    }
    let (token, hash) = auth::new_token();
    let now = time::now();
    let expires_at = now + SESSION_TTL;
    let mut tx = db.write_untracked().await?;
    tokens::insert_token(
        &mut tx,
        &NewToken {
            tenant_id: rec.tenant_id,
            user_id: rec.user.id,
            hash: &hash,
            kind: TokenKind::Session,
            name: None,
            scopes: &Scope::ALL,
            expires_at: Some(expires_at),
        },
        &now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(LoginOutcome {
        token,
        expires_at,
        user: rec.user,
        tenant_id: rec.tenant_id,
    })
}

/// The actor behind a bearer token.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn authenticate(db: &Db, token: &str) -> Result<Actor> {
    let hash = auth::token_hash(token);
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    tokens::resolve(&mut conn, &hash, &time::now())
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Unauthenticated,
                "the token is unknown, revoked or expired",
            )
        })
}

/// Revokes the token the actor authenticated with.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn logout(db: &Db, actor: &Actor) -> Result<()> {
    let mut tx = db.write_untracked().await?;
    tokens::revoke(&mut tx, &actor.token_hash, &time::now()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    db.revoked(Revoked::Token(actor.token_hash.clone())).await?;
    Ok(())
}

/// Revokes a user's live API keys named `name`; every server process on the database
/// refuses them at once. Returns how many were revoked; none is `not_found`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_api_keys(db: &Db, tenant: TenantId, user: UserId, name: &str) -> Result<usize> {
    let mut tx = db.write_untracked().await?;
    let hashes = tokens::revoke_api_keys_named(&mut tx, tenant, user, name, &time::now()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    if hashes.is_empty() {
        return Err(Error::not_found(&format!("live API key named {name:?}")));
    }
    for hash in &hashes {
        db.revoked(Revoked::Token(hash.clone())).await?;
    }
    Ok(hashes.len())
}

/// The actor's own profile.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn me(db: &Db, actor: &Actor) -> Result<(User, Tenant)> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let user = directory::get_user(&mut conn, actor.tenant_id, actor.user_id)
        .await?
        .ok_or_else(|| Error::not_found("user"))?;
    let tenant = directory::get_tenant(&mut conn, actor.tenant_id)
        .await?
        .ok_or_else(|| Error::not_found("tenant"))?;
    Ok((user.user, tenant))
}

/// Creates an API key for a user with the given scopes; the key is shown once.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_api_key(
    db: &Db,
    tenant: TenantId,
    user: UserId,
    name: &str,
    scopes: &[Scope],
) -> Result<String> {
    let (token, hash) = auth::new_token();
    let mut tx = db.write_untracked().await?;
    if directory::get_user(&mut tx, tenant, user).await?.is_none() {
        return Err(Error::not_found("user"));
    }
    tokens::insert_token(
        &mut tx,
        &NewToken {
            tenant_id: tenant,
            user_id: user,
            hash: &hash,
            kind: TokenKind::ApiKey,
            name: Some(name),
            scopes,
            expires_at: None,
        },
        &time::now(),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(token)
}
