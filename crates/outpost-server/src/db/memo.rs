//! Answers memoized per tenant log head. Every write to a tenant moves its head (see
//! [`super::WriteTx`]), so what was read at one head stays exact until the tenant's next
//! commit: list totals (counting 100k rows on every page request was once the list
//! endpoints' main cost) and whole list pages (four queries per request, each a thread
//! hand-off on SQLite and a round trip on PostgreSQL).

use bytes::Bytes;
use outpost_domain::TenantId;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A tenant and a normalized request.
type MemoKey = (TenantId, String);

/// Values read at a tenant's log head, kept until the head moves.
pub struct HeadMemo<V> {
    /// Key -> (log head it was read at, value).
    map: Mutex<HashMap<MemoKey, (i64, V)>>,
    /// One read in flight per key: when a key is first asked for by many clients at
    /// once (after each commit, say), one of them reads and the others wait for its
    /// result instead of running the same queries side by side.
    flights: Mutex<HashMap<MemoKey, Arc<tokio::sync::Mutex<()>>>>,
    /// Entries kept before the map is cleared.
    capacity: usize,
}

/// Memoized list totals: one per tenant and distinct filter.
pub type Totals = HeadMemo<i64>;

/// Memoized list pages, of whatever type each API family builds (downcast on the way
/// out); the family is part of the key.
pub type Pages = HeadMemo<Arc<dyn Any + Send + Sync>>;

/// A memoized value's serialized answer, made on first use and kept with the value: a
/// page read once per log head is then also serialized once, not once per request
/// (for a seed 004 page of 50 tickets with their comments, serializing was most of a
/// request's CPU). `variant` names what else the answer depends on (the base URL of
/// its links); a request with another variant renders its own, which is not kept.
#[derive(Default)]
pub struct Rendering(OnceLock<(String, Bytes)>);

impl Rendering {
    pub fn get_or_render<E>(
        &self,
        variant: &str,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        match self.0.get() {
            Some((v, body)) if v == variant => Ok(body.clone()),
            Some(_) => render(),
            None => {
                let body = render()?;
                let _ = self.0.set((variant.to_owned(), body.clone()));
                Ok(body)
            }
        }
    }
}

impl<V: Clone> HeadMemo<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::default(),
            flights: Mutex::default(),
            capacity,
        }
    }

    /// The value memoized for `key` at `head`, or the one `read` makes (once, however
    /// many callers ask at the same time).
    pub async fn get_or_read<F, Fut, E>(
        &self,
        tenant: TenantId,
        key: String,
        head: i64,
        read: F,
    ) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(tenant, &key, head) {
            return Ok(v);
        }
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
            if flights.len() >= self.capacity {
                flights.retain(|_, f| Arc::strong_count(f) > 1);
            }
            flights.entry((tenant, key.clone())).or_default().clone()
        };
        let _turn = flight.lock().await;
        if let Some(v) = self.get(tenant, &key, head) {
            return Ok(v);
        }
        let v = read().await?;
        self.put(tenant, key, head, v.clone());
        Ok(v)
    }

    pub fn get(&self, tenant: TenantId, key: &str, head: i64) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&(tenant, key.to_owned())) {
            Some((at, v)) if *at == head => Some(v.clone()),
            _ => None,
        }
    }

    pub fn put(&self, tenant: TenantId, key: String, head: i64, v: V) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.capacity {
            // Entries read at an older head than their tenant's newest one are dead
            // weight; if that frees nothing, start over.
            let mut newest: HashMap<TenantId, i64> = HashMap::new();
            for ((t, _), (at, _)) in map.iter() {
                let n = newest.entry(*t).or_insert(*at);
                *n = (*n).max(*at);
            }
            map.retain(|(t, _), (at, _)| newest.get(t) == Some(at));
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert((tenant, key), (head, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn read_at(
        memo: &HeadMemo<i64>,
        tenant: TenantId,
        key: &str,
        head: i64,
        reads: &AtomicUsize,
    ) -> i64 {
        memo.get_or_read(tenant, key.to_owned(), head, || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(head * 10)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_value_is_read_once_per_head_and_again_when_the_head_moves() {
        let memo = HeadMemo::new(100);
        let (tenant, reads) = (TenantId::new(), AtomicUsize::new(0));
        assert_eq!(read_at(&memo, tenant, "page 1", 7, &reads).await, 70);
        assert_eq!(read_at(&memo, tenant, "page 1", 7, &reads).await, 70);
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(read_at(&memo, tenant, "page 1", 8, &reads).await, 80);
        assert_eq!(read_at(&memo, tenant, "page 2", 8, &reads).await, 80);
        assert_eq!(
            read_at(&memo, TenantId::new(), "page 1", 8, &reads).await,
            80
        );
        assert_eq!(reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_full_memo_drops_what_was_read_at_an_older_head_first() {
        let memo = HeadMemo::new(3);
        let (tenant, reads) = (TenantId::new(), AtomicUsize::new(0));
        read_at(&memo, tenant, "a", 1, &reads).await;
        read_at(&memo, tenant, "b", 1, &reads).await;
        read_at(&memo, tenant, "c", 2, &reads).await;
        read_at(&memo, tenant, "d", 2, &reads).await;
        assert_eq!(memo.get(tenant, "a", 1), None);
        assert_eq!(memo.get(tenant, "c", 2), Some(20));
        assert_eq!(memo.get(tenant, "d", 2), Some(20));
    }

    #[test]
    fn a_rendering_is_made_once_per_variant_it_keeps() {
        let r = Rendering::default();
        let renders = AtomicUsize::new(0);
        let render = |text: &'static str| {
            renders.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(Bytes::from_static(text.as_bytes()))
        };
        let a = || render("http://a");
        assert_eq!(r.get_or_render("http://a", a).unwrap(), "http://a");
        assert_eq!(
            r.get_or_render("http://a", || render("again")).unwrap(),
            "http://a"
        );
        assert_eq!(renders.load(Ordering::SeqCst), 1, "kept for its variant");
        assert_eq!(
            r.get_or_render("http://b", || render("http://b")).unwrap(),
            "http://b"
        );
        assert_eq!(
            r.get_or_render("http://b", || render("http://b")).unwrap(),
            "http://b"
        );
        assert_eq!(
            renders.load(Ordering::SeqCst),
            3,
            "another variant is rendered each time"
        );
        assert_eq!(
            r.get_or_render("http://a", || render("again")).unwrap(),
            "http://a"
        );
        assert!(
            r.get_or_render("http://c", || Err::<Bytes, ()>(()))
                .is_err()
        );
    }
}
