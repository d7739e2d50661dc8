//! A short-lived cache of resolved bearer tokens. Resolving a token costs a database
//! round trip on every request; caching it for a few seconds removes a fifth of the
//! list endpoint's queries. A revocation (logout, password change) evicts at once in
//! every server process on the database: [`ActorCache::follow`] listens for them
//! (PostgreSQL NOTIFY between processes). Only an `outpost-server admin` command run
//! against an SQLite file, a process of its own with no channel to the server, takes
//! up to [`TTL`] to be seen.

use crate::auth::Actor;
use crate::db::Revoked;
use outpost_domain::UserId;
use outpost_domain::time::{self, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How long a resolved token is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(5);
const CAPACITY: usize = 50_000;

#[derive(Default)]
pub struct ActorCache {
    map: Mutex<HashMap<String, (Instant, Actor)>>,
}

impl ActorCache {
    /// The cached actor for a token hash, if fresh and the token has not expired.
    pub fn get(&self, hash: &str) -> Option<Actor> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let (at, actor) = map.get(hash)?;
        let now: Timestamp = time::now();
        let live = actor.expires_at.is_none_or(|e| e > now);
        (at.elapsed() < TTL && live).then(|| actor.clone())
    }

    pub fn put(&self, actor: &Actor) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY {
            map.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        map.insert(actor.token_hash.clone(), (Instant::now(), actor.clone()));
    }

    /// Evicts whatever `r` revoked, for as long as `db` announces revocations.
    pub fn follow(self: std::sync::Arc<Self>, db: &crate::db::Db) {
        let mut rx = db.subscribe_revoked();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(Revoked::Token(hash)) => self.evict(&hash),
                    Ok(Revoked::User(user)) => self.evict_user(user),
                    Ok(Revoked::All) => self.clear(),
                    // Missed some: forget everything rather than honour a revoked token.
                    Err(RecvError::Lagged(_)) => self.clear(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    fn evict_user(&self, user: UserId) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, (_, a)| a.user_id != user);
    }

    fn clear(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn evict(&self, hash: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(hash);
    }
}
