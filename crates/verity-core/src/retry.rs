//! When to try a webhook delivery again, and when to give up on an endpoint. Pure arithmetic:
//! the caller passes in the attempt count, the receiver's `Retry-After`, a jitter draw and
//! the clock; the delivery state lives in rows (docs/webhooks.md §3).
//!
//! Invariants (property-tested below): a delay is never negative; it lies within ±20 % of the
//! scheduled delay unless a larger, capped `Retry-After` lifts it; and every schedule ends, so
//! a delivery is attempted at most [`RetrySchedule::attempts`] times.

use serde::{Deserialize, Serialize};

use crate::Millis;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// An endpoint failing without a single success for this long is disabled (docs/webhooks.md).
pub const DEFAULT_DISABLE_AFTER: Millis = 5 * DAY;

/// The largest delay a schedule may hold, and the default cap on a receiver's `Retry-After`.
/// Keeping delays this small keeps every computation far from overflow.
pub const MAX_DELAY: Millis = 30 * DAY;

/// How far either way jitter moves a scheduled delay: ±20 %, so that deliveries which failed
/// together (a receiver outage) do not all come back in the same instant.
pub const JITTER_FRACTION: f64 = 0.2;

/// The delays before each attempt of one delivery, in milliseconds: `delays[0]` precedes the
/// first attempt (normally 0, immediately), `delays[n]` follows the `n`-th failed attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawSchedule", into = "RawSchedule")]
pub struct RetrySchedule {
    delays: Vec<Millis>,
    max_retry_after: Millis,
}

/// The serialised form; deserialising goes through [`RetrySchedule::new`] so the invariants hold.
#[derive(Serialize, Deserialize)]
struct RawSchedule {
    delays_ms: Vec<Millis>,
    #[serde(default = "default_max_retry_after")]
    max_retry_after_ms: Millis,
}

fn default_max_retry_after() -> Millis {
    DAY
}

/// Why a list of delays is not a usable schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryScheduleError {
    /// A schedule needs at least the first attempt.
    #[error("a retry schedule needs at least one delay (the first attempt)")]
    Empty,
    /// A delay is negative or longer than [`MAX_DELAY`].
    #[error("delay {index} is {delay} ms; delays lie between 0 and {MAX_DELAY} ms")]
    DelayOutOfRange {
        /// Position in the list.
        index: usize,
        /// The offending value.
        delay: Millis,
    },
    /// The `Retry-After` cap is negative or longer than [`MAX_DELAY`].
    #[error("the Retry-After cap is {0} ms; it lies between 0 and {MAX_DELAY} ms")]
    CapOutOfRange(Millis),
}

impl Default for RetrySchedule {
    /// Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h: ten attempts
    /// over about 3.15 days, roughly doubling, with `Retry-After` capped at 24 h.
    fn default() -> Self {
        RetrySchedule {
            delays: vec![
                0,
                5 * SECOND,
                5 * MINUTE,
                30 * MINUTE,
                2 * HOUR,
                5 * HOUR,
                10 * HOUR,
                14 * HOUR,
                20 * HOUR,
                24 * HOUR,
            ],
            max_retry_after: DAY,
        }
    }
}

impl RetrySchedule {
    /// A schedule from explicit delays, with `Retry-After` capped at `max_retry_after`.
    pub fn new(delays: Vec<Millis>, max_retry_after: Millis) -> Result<Self, RetryScheduleError> {
        if delays.is_empty() {
            return Err(RetryScheduleError::Empty);
        }
        if let Some((index, &delay)) = delays
            .iter()
            .enumerate()
            .find(|(_, d)| !(0..=MAX_DELAY).contains(*d))
        {
            return Err(RetryScheduleError::DelayOutOfRange { index, delay });
        }
        if !(0..=MAX_DELAY).contains(&max_retry_after) {
            return Err(RetryScheduleError::CapOutOfRange(max_retry_after));
        }
        Ok(RetrySchedule {
            delays,
            max_retry_after,
        })
    }

    /// An exponential schedule of `attempts` attempts: immediately, then `first_retry`, each
    /// later delay `factor` times the previous one, none above `max_delay`.
    pub fn exponential(
        attempts: usize,
        first_retry: Millis,
        factor: u32,
        max_delay: Millis,
    ) -> Result<Self, RetryScheduleError> {
        let max_delay = max_delay.min(MAX_DELAY);
        let mut delays = Vec::with_capacity(attempts);
        let mut next = first_retry;
        for i in 0..attempts {
            if i == 0 {
                delays.push(0);
            } else {
                delays.push(next.min(max_delay));
                next = next.saturating_mul(Millis::from(factor)).min(max_delay);
            }
        }
        Self::new(delays, DAY)
    }

    /// The delays, first attempt first.
    pub fn delays(&self) -> &[Millis] {
        &self.delays
    }

    /// The most a receiver's `Retry-After` can push a retry back.
    pub fn max_retry_after(&self) -> Millis {
        self.max_retry_after
    }

    /// How many attempts a delivery gets before it is marked failed.
    pub fn attempts(&self) -> usize {
        self.delays.len()
    }

    /// The scheduled time from the first attempt to the last, without jitter.
    pub fn total(&self) -> Millis {
        self.delays.iter().sum()
    }
}

impl TryFrom<RawSchedule> for RetrySchedule {
    type Error = RetryScheduleError;
    fn try_from(raw: RawSchedule) -> Result<Self, Self::Error> {
        RetrySchedule::new(raw.delays_ms, raw.max_retry_after_ms)
    }
}

impl From<RetrySchedule> for RawSchedule {
    fn from(s: RetrySchedule) -> Self {
        RawSchedule {
            delays_ms: s.delays,
            max_retry_after_ms: s.max_retry_after,
        }
    }
}

/// The delay before the next attempt of a delivery that has had `attempts_made` attempts
/// (0 for a new delivery), or `None` when the schedule is used up and the delivery is failed.
///
/// * `retry_after`: the receiver's `Retry-After` (from a 429 or 503) in milliseconds, if any.
///   The retry waits for the larger of it (capped at the schedule's `max_retry_after`, so a
///   receiver cannot park a delivery for a year) and the jittered scheduled delay. It never
///   buys extra attempts.
/// * `jitter`: a uniform draw from `[0, 1)`; 0.5 means no jitter, 0 and 1 move the delay by
///   −20 % and +20 %. Values outside that range are clamped; NaN counts as 0.5.
pub fn next_attempt(
    attempts_made: u32,
    schedule: &RetrySchedule,
    retry_after: Option<Millis>,
    jitter: f64,
) -> Option<Millis> {
    let index = usize::try_from(attempts_made).ok()?;
    let scheduled = *schedule.delays.get(index)?;
    let jitter = if jitter.is_nan() {
        0.5
    } else {
        jitter.clamp(0.0, 1.0)
    };
    let factor = 1.0 + JITTER_FRACTION * (2.0 * jitter - 1.0);
    // Exact in f64: scheduled ≤ MAX_DELAY < 2^53, and factor lies in [0.8, 1.2].
    let jittered = (scheduled as f64 * factor).round() as Millis;
    let floor = retry_after.unwrap_or(0).clamp(0, schedule.max_retry_after);
    Some(jittered.max(floor).max(0))
}

/// Whether an endpoint that has failed continuously since `first_failure_at` (no success
/// since) should now be disabled. Both times are epoch milliseconds.
pub fn endpoint_should_disable(
    first_failure_at: Millis,
    now: Millis,
    disable_after: Millis,
) -> bool {
    now.saturating_sub(first_failure_at) >= disable_after
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_schedule_spans_about_three_days_and_starts_immediately() {
        let s = RetrySchedule::default();
        assert_eq!(s.attempts(), 10);
        assert_eq!(s.delays()[0], 0);
        let days = s.total() as f64 / DAY as f64;
        assert!((3.0..3.5).contains(&days), "{days} days");
        assert!(
            s.delays().windows(2).all(|w| w[0] <= w[1]),
            "non-decreasing"
        );
    }

    #[test]
    fn without_jitter_the_schedule_is_followed_exactly_then_gives_up() {
        let s = RetrySchedule::default();
        assert_eq!(next_attempt(0, &s, None, 0.5), Some(0));
        assert_eq!(next_attempt(1, &s, None, 0.5), Some(5_000));
        assert_eq!(next_attempt(2, &s, None, 0.5), Some(300_000));
        assert_eq!(next_attempt(9, &s, None, 0.5), Some(DAY));
        assert_eq!(next_attempt(10, &s, None, 0.5), None);
        assert_eq!(next_attempt(u32::MAX, &s, None, 0.5), None);
    }

    #[test]
    fn jitter_moves_a_delay_by_at_most_twenty_percent() {
        let s = RetrySchedule::default();
        assert_eq!(next_attempt(1, &s, None, 0.0), Some(4_000));
        assert_eq!(next_attempt(1, &s, None, 0.75), Some(5_500));
        assert_eq!(next_attempt(1, &s, None, 1.0), Some(6_000));
        // Out-of-range draws are clamped rather than trusted.
        assert_eq!(next_attempt(1, &s, None, -3.0), Some(4_000));
        assert_eq!(next_attempt(1, &s, None, f64::NAN), Some(5_000));
        assert_eq!(next_attempt(1, &s, None, f64::INFINITY), Some(6_000));
        // Immediate stays immediate.
        assert_eq!(next_attempt(0, &s, None, 0.99), Some(0));
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        let s = RetrySchedule::default();
        assert_eq!(next_attempt(1, &s, Some(60_000), 0.5), Some(60_000));
        // Shorter than the schedule: the schedule wins.
        assert_eq!(next_attempt(3, &s, Some(60_000), 0.5), Some(30 * MINUTE));
        // A week is capped at a day.
        assert_eq!(next_attempt(1, &s, Some(7 * DAY), 0.5), Some(DAY));
        // Negative values (a date in the past) mean "now", i.e. the schedule.
        assert_eq!(next_attempt(1, &s, Some(-5), 0.5), Some(5_000));
        // It never extends the schedule.
        assert_eq!(next_attempt(10, &s, Some(1_000), 0.5), None);
    }

    #[test]
    fn schedules_are_validated() {
        assert_eq!(
            RetrySchedule::new(vec![], DAY),
            Err(RetryScheduleError::Empty)
        );
        assert_eq!(
            RetrySchedule::new(vec![0, -1], DAY),
            Err(RetryScheduleError::DelayOutOfRange {
                index: 1,
                delay: -1
            })
        );
        assert!(RetrySchedule::new(vec![0, MAX_DELAY + 1], DAY).is_err());
        assert_eq!(
            RetrySchedule::new(vec![0], -1),
            Err(RetryScheduleError::CapOutOfRange(-1))
        );
    }

    #[test]
    fn exponential_schedules_double_up_to_the_cap() {
        let s = RetrySchedule::exponential(6, 1_000, 2, 5_000).expect("valid");
        assert_eq!(s.delays(), &[0, 1_000, 2_000, 4_000, 5_000, 5_000]);
        let huge = RetrySchedule::exponential(80, 1_000, u32::MAX, Millis::MAX).expect("valid");
        assert!(huge.delays().iter().all(|d| *d <= MAX_DELAY));
    }

    #[test]
    fn schedules_deserialise_through_validation() {
        let s: RetrySchedule =
            serde_json::from_str(r#"{"delays_ms":[0,1000,60000]}"#).expect("valid");
        assert_eq!(s.delays(), &[0, 1_000, 60_000]);
        assert_eq!(s.max_retry_after(), DAY);
        let back = serde_json::to_value(&s).expect("serialises");
        assert_eq!(back["delays_ms"], serde_json::json!([0, 1000, 60000]));
        assert!(serde_json::from_str::<RetrySchedule>(r#"{"delays_ms":[]}"#).is_err());
        assert!(serde_json::from_str::<RetrySchedule>(r#"{"delays_ms":[0,-5]}"#).is_err());
    }

    #[test]
    fn endpoints_are_disabled_after_five_days_of_continuous_failure() {
        let first = 1_700_000_000_000;
        assert!(!endpoint_should_disable(
            first,
            first,
            DEFAULT_DISABLE_AFTER
        ));
        assert!(!endpoint_should_disable(
            first,
            first + 5 * DAY - 1,
            DEFAULT_DISABLE_AFTER
        ));
        assert!(endpoint_should_disable(
            first,
            first + 5 * DAY,
            DEFAULT_DISABLE_AFTER
        ));
        // A clock that went backwards never disables.
        assert!(!endpoint_should_disable(
            first,
            first - DAY,
            DEFAULT_DISABLE_AFTER
        ));
        assert!(!endpoint_should_disable(
            Millis::MAX,
            Millis::MIN,
            DEFAULT_DISABLE_AFTER
        ));
    }

    fn any_schedule() -> impl Strategy<Value = RetrySchedule> {
        (prop::collection::vec(0..=MAX_DELAY, 1..30), 0..=MAX_DELAY)
            .prop_map(|(delays, cap)| RetrySchedule::new(delays, cap).expect("in range"))
    }

    proptest! {
        #[test]
        fn delays_are_non_negative_and_within_bounds(
            schedule in any_schedule(),
            attempts in 0u32..40,
            retry_after in prop::option::of(any::<i64>()),
            jitter in any::<f64>(),
        ) {
            match next_attempt(attempts, &schedule, retry_after, jitter) {
                None => prop_assert!(attempts as usize >= schedule.attempts()),
                Some(delay) => {
                    let scheduled = schedule.delays()[attempts as usize] as f64;
                    let cap = retry_after.unwrap_or(0).clamp(0, schedule.max_retry_after());
                    prop_assert!(delay >= 0);
                    prop_assert!(delay as f64 >= (scheduled * 0.8).floor());
                    prop_assert!(delay as f64 <= (scheduled * 1.2).ceil().max(cap as f64));
                    prop_assert!(delay >= cap);
                }
            }
        }

        #[test]
        fn every_schedule_ends(
            schedule in any_schedule(),
            retry_after in prop::option::of(any::<i64>()),
            jitter in 0.0f64..1.0,
        ) {
            let mut attempts = 0u32;
            while next_attempt(attempts, &schedule, retry_after, jitter).is_some() {
                attempts += 1;
                prop_assert!(attempts as usize <= schedule.attempts());
            }
            prop_assert_eq!(attempts as usize, schedule.attempts());
        }
    }
}
