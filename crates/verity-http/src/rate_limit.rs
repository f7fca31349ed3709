//! Per-API-key token buckets: a key may make `rate` requests per second on average with
//! bursts up to `burst`. In memory, per process: with several processes the effective
//! limit is per process, which is documented in the README.

use std::collections::HashMap;
use std::sync::Mutex;

use verity_core::Millis;

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
}
