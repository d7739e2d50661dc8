//! Memoized list totals: counting 100k rows on every page request was the list
//! endpoint's main cost, and a total stays exact until the tenant's next commit.

use outpost_domain::TenantId;
use std::collections::HashMap;

/// A tenant and a normalized filter.
type TotalKey = (TenantId, String);

/// Totals of list queries, memoized per tenant log head: every write to a tenant moves
/// its head, so a total stays exact until the tenant's next commit.
#[derive(Default)]
pub struct Totals {
    /// Key -> (log head it was counted at, total).
    map: std::sync::Mutex<HashMap<TotalKey, (i64, i64)>>,
    /// One count in flight per key: when a page is first asked for by many clients at
    /// once, one of them counts and the others wait for its result instead of running
    /// the same full count side by side.
    flights: std::sync::Mutex<HashMap<TotalKey, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

impl Totals {
    /// The memoized total for `key` at `head`, or the one `count` computes (once,
    /// however many callers ask at the same time).
    pub async fn get_or_count<F, Fut, E>(
        &self,
        tenant: TenantId,
        key: String,
        head: i64,
        count: F,
    ) -> Result<i64, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<i64, E>>,
    {
        if let Some(total) = self.get(tenant, &key, head) {
            return Ok(total);
        }
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
            if flights.len() >= Self::CAPACITY {
                flights.retain(|_, f| std::sync::Arc::strong_count(f) > 1);
            }
            flights.entry((tenant, key.clone())).or_default().clone()
        };
        let _turn = flight.lock().await;
        if let Some(total) = self.get(tenant, &key, head) {
            return Ok(total);
        }
        let total = count().await?;
        self.put(tenant, key, head, total);
        Ok(total)
    }

    /// Entries kept before the map is cleared (one per tenant and distinct filter).
    const CAPACITY: usize = 10_000;

    pub fn get(&self, tenant: TenantId, key: &str, head: i64) -> Option<i64> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&(tenant, key.to_owned())) {
            Some(&(at, total)) if at == head => Some(total),
            _ => None,
        }
    }

    pub fn put(&self, tenant: TenantId, key: String, head: i64, total: i64) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert((tenant, key), (head, total));
    }
}
