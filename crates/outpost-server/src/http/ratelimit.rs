//! In-process token-bucket rate limits: per bearer token for the API, per account and
//! per client address for login. Limits are per server process (documented); several
//! processes behind a load balancer each enforce their own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed in a burst.
    pub burst: f64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A set of token buckets keyed by string.
pub struct Limiter {
    rate: Option<Rate>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// `None` disables the limit.
    pub fn new(rate: Option<Rate>) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; on refusal returns the seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let Some(rate) = self.rate else { return Ok(()) };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget idle buckets (full ones carry no state worth keeping).
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_second < rate.burst
            });
        }
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        b.tokens =
            (b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_second).min(rate.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate.per_second).ceil() as u64)
        }
    }
}

/// The limits a server enforces.
pub struct Limits {
    pub per_token: Limiter,
    pub login_per_account: Limiter,
    pub login_per_address: Limiter,
}

impl Limits {
    pub fn new(token_rate: Option<Rate>) -> Self {
        Self {
            per_token: Limiter::new(token_rate),
            // 10 attempts, then one every 6 seconds: slows password guessing to a crawl.
            login_per_account: Limiter::new(Some(Rate {
                per_second: 1.0 / 6.0,
                burst: 10.0,
            })),
            login_per_address: Limiter::new(Some(Rate {
                per_second: 1.0,
                burst: 30.0,
            })),
        }
    }

    pub fn check_token(&self, token_hash: &str) -> Result<(), u64> {
        self.per_token.check(token_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_after_burst_and_names_the_wait() {
        let l = Limiter::new(Some(Rate {
            per_second: 0.5,
            burst: 2.0,
        }));
        assert!(l.check("k").is_ok());
        assert!(l.check("k").is_ok());
        assert_eq!(l.check("k"), Err(2), "one token at 0.5/s needs 2 s");
        assert!(l.check("other").is_ok(), "buckets are per key");
    }

    #[test]
    fn disabled_limiter_always_allows() {
        let l = Limiter::new(None);
        for _ in 0..1000 {
            assert!(l.check("k").is_ok());
        }
    }
}
