//! The per-address half of the sign-in throttle (docs/console.md §1): a client address
//! with too many failed sign-ins in a window is refused until the window ends, whichever
//! accounts it tried. In memory, per process (the per-account lock is in the database).

use std::collections::HashMap;
use std::sync::Mutex;

use verity_core::Millis;

/// Failed sign-ins one client address may make per window, whatever the accounts.
pub const ADDRESS_SIGN_IN_LIMIT: u32 = 50;
pub const ADDRESS_SIGN_IN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Entries kept before expired windows are dropped.
const PRUNE_ABOVE: usize = 10_000;

pub struct AddressThrottle {
    limit: u32,
    window_ms: Millis,
    failures: Mutex<HashMap<String, (u32, Millis)>>,
}

impl AddressThrottle {
    pub fn new(limit: u32, window_ms: Millis) -> Self {
        AddressThrottle {
            limit,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(until)` while `address` has used up its failures in the current window.
    pub fn check(&self, address: &str, now: Millis) -> Result<(), Millis> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(address) {
            Some(&(count, since)) if count >= self.limit && now - since < self.window_ms => {
                Err(since + self.window_ms)
            }
            _ => Ok(()),
        }
    }

    /// Counts one failed sign-in from `address`.
    pub fn failed(&self, address: &str, now: Millis) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > PRUNE_ABOVE {
            let window = self.window_ms;
            failures.retain(|_, (_, since)| now - *since < window);
        }
        let entry = failures.entry(address.to_owned()).or_insert((0, now));
        if now - entry.1 >= self.window_ms {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_limit_until_the_window_ends() {
        let throttle = AddressThrottle::new(3, 1000);
        for _ in 0..3 {
            assert_eq!(throttle.check("a", 10), Ok(()));
            throttle.failed("a", 10);
        }
        assert_eq!(throttle.check("a", 20), Err(1010));
        assert_eq!(
            throttle.check("b", 20),
            Ok(()),
            "other addresses are not affected"
        );
        assert_eq!(throttle.check("a", 1010), Ok(()), "the window ended");
        throttle.failed("a", 1010);
        assert_eq!(
            throttle.check("a", 1011),
            Ok(()),
            "a new window counts from one"
        );
    }
}
