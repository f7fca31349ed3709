//! The checks worker: claims submitted verifications with a lease and checks them
//! (`verity_app::verifications::check`), a few at once. Survives restarts: a claimed
//! verification whose worker died is claimed again when its lease runs out. Several
//! processes sharing PostgreSQL share the work (`SKIP LOCKED`).

use std::time::Duration;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;
use verity_app::verifications::check::check_one;
use verity_app::App;

use crate::batch::next_batch;

/// How long a claim holds beyond the time limit (loading inputs, recording).
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// Settings of the checks worker and the workflow runner, validated by the binary at start.
#[derive(Debug, Clone)]
pub struct ChecksConfig {
    /// A verification's checks must finish within this; past it the verification fails.
    pub time_limit: Duration,
    /// How often the workers look for work nobody woke them for (other processes, leases
    /// that expired after a crash, waits that came due).
    pub poll_interval: Duration,
    /// Verifications checked at once (each takes one blocking thread).
    pub concurrency: usize,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        ChecksConfig {
            time_limit: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            concurrency: 2,
        }
    }
}

/// Runs until `shutdown` is cancelled.
pub async fn run(app: App, config: ChecksConfig, shutdown: CancellationToken) {
    let lease = i64::try_from((config.time_limit + LEASE_MARGIN).as_millis()).unwrap_or(i64::MAX);
    let limit = u32::try_from(config.concurrency.max(1)).unwrap_or(1);
    let claim = || {
        let now = app.now();
        app.store
            .claim_verifications(now, now.saturating_add(lease), limit)
    };
    while let Some(claimed) = next_batch(
        &app.signals.checks,
        config.poll_interval,
        &shutdown,
        "verifications",
        &claim,
    )
    .await
    {
        join_all(claimed.into_iter().map(|v| {
            let app = app.clone();
            async move {
                let id = v.id.clone();
                if let Err(e) = check_one(&app, config.time_limit, v).await {
                    // The lease runs out and the verification is tried again.
                    tracing::warn!(verification = %id, error = %e, "verification not recorded");
                }
            }
        }))
        .await;
    }
}
