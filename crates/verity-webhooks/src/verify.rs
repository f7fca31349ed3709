//! What can go wrong when verifying a delivery, and the freshness rule both formats share.

use std::time::Duration;

/// The tolerance Standard Webhooks libraries use by default: five minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Why a delivery did not verify. Reject the request (e.g. with 400 or 401) in every case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A required header is absent or empty.
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// A header is present but not in the expected format.
    #[error("malformed header `{header}`: {reason}")]
    Malformed {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature is genuine but older than the tolerance allows: a replay, or a
    /// receiver clock running fast.
    #[error("timestamp {timestamp} is more than {tolerance_secs} s older than now ({now})")]
    TimestampTooOld {
        /// The signed timestamp, unix seconds.
        timestamp: i64,
        /// The verifier's clock, unix seconds.
        now: i64,
        /// The allowed skew in seconds.
        tolerance_secs: u64,
    },
    /// The signature is genuine but dated further in the future than the tolerance allows:
    /// a receiver clock running slow.
    #[error("timestamp {timestamp} is more than {tolerance_secs} s newer than now ({now})")]
    TimestampTooNew {
        /// The signed timestamp, unix seconds.
        timestamp: i64,
        /// The verifier's clock, unix seconds.
        now: i64,
        /// The allowed skew in seconds.
        tolerance_secs: u64,
    },
    /// No signature in the header matches the body under this secret: a forgery, a body
    /// altered (or re-serialised) on the way, or the wrong secret.
    #[error("no signature matches")]
    NoMatchingSignature,
}

/// `Ok` when `timestamp` lies within `tolerance` of `now` (both unix seconds, bounds inclusive).
pub(crate) fn check_timestamp(
    timestamp: i64,
    now: i64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let tolerance_secs = tolerance.as_secs();
    // i128 so that neither extreme timestamps nor a huge tolerance can overflow.
    let skew = i128::from(now) - i128::from(timestamp);
    if skew > i128::from(tolerance_secs) {
        Err(VerifyError::TimestampTooOld {
            timestamp,
            now,
            tolerance_secs,
        })
    } else if -skew > i128::from(tolerance_secs) {
        Err(VerifyError::TimestampTooNew {
            timestamp,
            now,
            tolerance_secs,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_bounds_are_inclusive_on_both_sides() {
        let tol = Duration::from_secs(300);
        assert_eq!(check_timestamp(1000, 1300, tol), Ok(()));
        assert_eq!(check_timestamp(1300, 1000, tol), Ok(()));
        assert!(matches!(
            check_timestamp(999, 1300, tol),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            check_timestamp(1301, 1000, tol),
            Err(VerifyError::TimestampTooNew { .. })
        ));
    }

    #[test]
    fn extremes_do_not_overflow() {
        let tol = Duration::from_secs(u64::MAX);
        assert_eq!(check_timestamp(i64::MIN, i64::MAX, tol), Ok(()));
        assert!(check_timestamp(i64::MIN, i64::MAX, DEFAULT_TOLERANCE).is_err());
    }
}
