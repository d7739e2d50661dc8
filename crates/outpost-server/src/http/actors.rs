//! A short-lived cache of resolved bearer tokens. Resolving a token costs a database
//! round trip on every request; caching it for a few seconds removes a fifth of the
//! list endpoint's queries. Logout evicts the token in this process at once; another
//! server process behind the same load balancer stops honouring it within [`TTL`].

use crate::auth::Actor;
use outpost_domain::time::{self, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    pub fn evict(&self, hash: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(hash);
    }
}
