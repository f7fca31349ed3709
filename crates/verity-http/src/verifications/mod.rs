//! Verifications and workflows (issue 7), wired into inquiries.
//!
//! - [`run`]: what one verification checks — its inquiry's documents through
//!   `verity-checks`, judged by the template's required checks. Pure apart from the inputs.
//! - [`outcome`]: when an inquiry that reached its completion step becomes `completed` or
//!   `failed`, and the commits that decide it (step submission, a finished verification).
//! - [`worker`]: the checks worker: claims submitted verifications with a lease, runs the
//!   checks off the async runtime under a time limit, records result and event in one commit.
//! - [`workflow`]: runs a template's workflow rules after the outcome, durably (a `wait` is a
//!   stored due time).
//!
//! Both workers live here rather than in `verity-worker` because every decision goes
//! through the service layer (`service::inquiries`), like the expiry sweeper's.

pub mod outcome;
pub mod run;
pub mod worker;
pub mod workflow;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use verity_store::StoreError;

/// Settings of the background loops, validated by the binary at start.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// A verification's checks must finish within this; past it the verification fails.
    pub time_limit: Duration,
    /// How often the workers look for work nobody woke them for (other processes, leases
    /// that expired after a crash, waits that came due).
    pub poll_interval: Duration,
    /// Verifications checked at once (each takes one blocking thread).
    pub concurrency: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            time_limit: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            concurrency: 2,
        }
    }
}

/// Wakes the workers at once when this process creates work for them.
#[derive(Debug, Default, Clone)]
pub struct Signals {
    pub checks: Arc<Notify>,
    pub workflows: Arc<Notify>,
}

/// The loop both workers share: claim a batch; with nothing claimed (or a failed claim),
/// sleep until woken, the poll interval passes, or shutdown. `None` at shutdown.
async fn next_batch<T, Claim, Claimed>(
    wake: &Notify,
    poll_interval: Duration,
    shutdown: &CancellationToken,
    what: &str,
    mut claim: Claim,
) -> Option<Vec<T>>
where
    Claim: FnMut() -> Claimed,
    Claimed: Future<Output = Result<Vec<T>, StoreError>>,
{
    loop {
        // Registered before claiming, so work created during the claim is not missed.
        let woken = wake.notified();
        match claim().await {
            Ok(claimed) if !claimed.is_empty() => return Some(claimed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "claiming {what} failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = woken => {}
            _ = tokio::time::sleep(poll_interval) => {}
        }
    }
}
