//! Verity's background loops, each switchable by configuration so one binary can run
//! API-only and workers-only processes on a shared PostgreSQL database ([`Loops`]):
//!
//! - webhook delivery (below);
//! - [`checks`]: the checks worker, claiming submitted verifications;
//! - [`workflows`]: the workflow runner, claiming due workflow runs;
//! - [`sweeper`]: the expiry and retention sweeper.
//!
//! The last three run the use cases of `verity-app` on its `App`.
//!
//! The delivery worker drains the outbox that [`verity_store::Store::commit`] fills in the
//! same transaction as each event. It is split by job:
//!
//! - [`claim`]: the loop — lease due deliveries, run them with bounded concurrency, sleep
//!   until a commit, a recorded outcome or the poll interval wakes it;
//! - [`deliver`]: one signed HTTP POST (no redirects, a timeout) and what came back;
//! - [`schedule`]: pure — what an attempt's result means for the delivery and its endpoint
//!   (retry with backoff and jitter, give up, disable);
//! - [`record`]: writes outcomes in batches, then wakes the claim loop (the next event of
//!   the same inquiry may have become claimable);
//! - [`ssrf`]: which addresses a webhook URL may reach.
//!
//! Guarantees: at-least-once (a lease that expires — a crash, a kill — makes the delivery
//! claimable again; retries and duplicates carry the same `webhook-id`, the event id), and
//! per (endpoint, inquiry) order (enforced by the claim, see the store).

mod batch;
pub mod checks;
pub mod claim;
pub mod deliver;
pub mod record;
pub mod schedule;
pub mod ssrf;
pub mod sweeper;
pub mod workflows;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use verity_app::App;

use verity_core::retry::{RetrySchedule, DEFAULT_DISABLE_AFTER};
use verity_core::Millis;

pub use checks::ChecksConfig;
pub use claim::run;

/// One background loop, by its configuration name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loop {
    Delivery,
    Checks,
    Workflows,
    Sweeper,
}

impl Loop {
    pub const ALL: [Loop; 4] = [Loop::Delivery, Loop::Checks, Loop::Workflows, Loop::Sweeper];
}

/// Which loops this process runs, with their settings.
#[derive(Debug, Clone)]
pub struct Loops {
    pub run: Vec<Loop>,
    pub delivery: DeliveryConfig,
    pub checks: ChecksConfig,
    /// Time between expiry sweeps.
    pub sweep_interval: Duration,
}

/// Starts the chosen loops on `app`; each stops when `shutdown` is cancelled.
pub fn spawn(app: &App, loops: Loops, shutdown: &CancellationToken) -> Vec<(Loop, JoinHandle<()>)> {
    // Each loop once, in the order asked.
    let mut run: Vec<Loop> = Vec::new();
    for which in &loops.run {
        if !run.contains(which) {
            run.push(*which);
        }
    }
    run.into_iter()
        .map(|which| {
            let (app, shutdown) = (app.clone(), shutdown.clone());
            let handle = match which {
                Loop::Delivery => {
                    let config = loops.delivery.clone();
                    tokio::spawn(async move {
                        if let Err(e) = claim::run(app.store.clone(), config, shutdown).await {
                            tracing::error!(error = %e, "webhook delivery worker failed");
                        }
                    })
                }
                Loop::Checks => tokio::spawn(checks::run(app, loops.checks.clone(), shutdown)),
                Loop::Workflows => {
                    tokio::spawn(workflows::run(app, loops.checks.poll_interval, shutdown))
                }
                Loop::Sweeper => tokio::spawn(sweeper::run(app, loops.sweep_interval, shutdown)),
            };
            (which, handle)
        })
        .collect()
}

/// Settings of the delivery worker, fixed at start.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// A receiver must answer within this time.
    pub timeout: Duration,
    /// Allow URLs that resolve to loopback, private, link-local, … addresses.
    pub allow_private_addresses: bool,
    /// Send every delivery through this HTTP(S) proxy. Without one, deliveries connect
    /// directly and `HTTP_PROXY`-style environment variables are ignored.
    pub proxy: Option<url::Url>,
    pub schedule: RetrySchedule,
    /// Deliveries in flight at once (across endpoints and inquiries).
    pub concurrency: usize,
    /// How often to look for due deliveries without being woken (retries coming due,
    /// commits of other processes sharing a PostgreSQL database).
    pub poll_interval: Duration,
    /// An endpoint failing without a success for this long is disabled.
    pub disable_after: Millis,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout: Duration::from_secs(10),
            allow_private_addresses: false,
            proxy: None,
            schedule: RetrySchedule::default(),
            concurrency: 64,
            poll_interval: Duration::from_millis(500),
            disable_after: DEFAULT_DISABLE_AFTER,
        }
    }
}

impl DeliveryConfig {
    /// How long a claim leases a delivery: the request timeout plus a margin for
    /// recording. A worker that dies holds its deliveries at most this long.
    pub fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(5)
    }
}

pub(crate) fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
