//! How often one client address may ask for hand-off messages: a sliding one-hour window
//! per address, in memory and per process. (The per-inquiry limit counts the inquiry's
//! links in the database, so it holds across processes.)

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use verity_core::Millis;

const HOUR_MS: Millis = 3600 * 1000;

pub struct SlidingWindow {
    per_hour: u32,
    hits: Mutex<HashMap<String, VecDeque<Millis>>>,
}

impl SlidingWindow {
    /// `per_hour = 0` is unlimited.
    pub fn new(per_hour: u32) -> Self {
        SlidingWindow {
            per_hour,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Records a hit for `key` at `now`; `Err(seconds)` (and nothing recorded) when the
    /// window is full, saying when the oldest hit leaves it.
    pub fn check(&self, key: &str, now: Millis) -> Result<(), u64> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        // Forget idle keys now and then so the map stays small.
        if hits.len() > 10_000 {
            hits.retain(|_, q| q.back().is_some_and(|t| now - t < HOUR_MS));
        }
        let q = hits.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now - t >= HOUR_MS) {
            q.pop_front();
        }
        if q.len() >= self.per_hour as usize {
            let oldest = q.front().copied().unwrap_or(now);
            let wait_ms = (oldest + HOUR_MS - now).max(1000);
            return Err(u64::try_from(wait_ms / 1000).unwrap_or(1));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_until_the_oldest_hit_leaves() {
        let w = SlidingWindow::new(2);
        assert!(w.check("a", 0).is_ok());
        assert!(w.check("a", 1000).is_ok());
        assert_eq!(w.check("a", 2000), Err(3598));
        assert!(w.check("b", 2000).is_ok(), "per key");
        assert!(w.check("a", HOUR_MS).is_ok());
        assert!(SlidingWindow::new(0).check("a", 0).is_ok());
    }
}
