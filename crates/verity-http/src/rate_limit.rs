//! Token buckets: a key (an API key, a client address, an inquiry) may make `rate`
//! requests per second on average with bursts up to `burst`. In memory, per process: with
//! several processes the effective limit is per process, which is documented in the README.
//!
//! The public flow's two limits ([`FlowLimits`]: per client address, per inquiry) are applied
//! by [`crate::middleware::flow_limit`].

use std::collections::HashMap;
use std::sync::Mutex;

use verity_core::Millis;

/// Buckets kept before idle (full) ones are dropped, so many addresses cannot grow the
/// map without bound.
const PRUNE_ABOVE: usize = 10_000;

pub struct RateLimiter {
    rate: u32,
    burst: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Millis,
}

impl RateLimiter {
    pub fn new(rate: u32, burst: u32) -> Self {
        RateLimiter {
            rate,
            burst: burst.max(rate).max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` at `now`; `Err(seconds)` says when to retry.
    pub fn check(&self, key: &str, now: Millis) -> Result<(), u64> {
        if self.rate == 0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let burst = f64::from(self.burst);
        if buckets.len() > PRUNE_ABOVE {
            let rate = f64::from(self.rate);
            // A bucket that has refilled to its burst is the same as no bucket.
            buckets
                .retain(|_, b| b.tokens + (now - b.updated).max(0) as f64 / 1000.0 * rate < burst);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = (now - bucket.updated).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * f64::from(self.rate)).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / f64::from(self.rate);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The flow's two limits: per client address and per inquiry.
pub struct FlowLimits {
    pub per_address: RateLimiter,
    pub per_inquiry: RateLimiter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let l = RateLimiter::new(2, 3);
        assert!(l.check("k", 0).is_ok());
        assert!(l.check("k", 0).is_ok());
        assert!(l.check("k", 0).is_ok());
        assert_eq!(l.check("k", 0), Err(1));
        assert!(l.check("other", 0).is_ok(), "buckets are per key");
        assert!(
            l.check("k", 500).is_ok(),
            "half a second refills one token at 2/s"
        );
        assert!(l.check("k", 500).is_err());
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let l = RateLimiter::new(0, 0);
        for _ in 0..1000 {
            assert!(l.check("k", 0).is_ok());
        }
    }

    #[test]
    fn idle_buckets_are_pruned_once_there_are_many() {
        let l = RateLimiter::new(1, 1);
        for n in 0..=PRUNE_ABOVE {
            assert!(l.check(&n.to_string(), 0).is_ok());
        }
        assert!(l.check("late", 10_000).is_ok());
        let kept = l.buckets.lock().unwrap().len();
        assert_eq!(kept, 1, "only the bucket just used is not full");
        assert!(
            l.check("late", 10_000).is_err(),
            "its state survived the pruning"
        );
    }
}
