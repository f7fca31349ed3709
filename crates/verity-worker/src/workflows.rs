//! The workflow runner: claims due workflow runs (leased, like verifications) and advances
//! each (`verity_app::verifications::workflow`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use verity_app::verifications::workflow::advance;
use verity_app::App;

use crate::batch::next_batch;

const LEASE_MS: i64 = 60_000;
const BATCH: u32 = 16;

/// Runs until `shutdown` is cancelled, looking for due runs every `poll_interval` when
/// nothing wakes it.
pub async fn run(app: App, poll_interval: Duration, shutdown: CancellationToken) {
    let claim = || {
        let now = app.now();
        app.store.claim_workflow_runs(now, now + LEASE_MS, BATCH)
    };
    while let Some(claimed) = next_batch(
        &app.signals.workflows,
        poll_interval,
        &shutdown,
        "workflow runs",
        &claim,
    )
    .await
    {
        for run in claimed {
            let inquiry = run.inquiry_id.clone();
            if let Err(e) = advance(&app, run).await {
                tracing::warn!(%inquiry, error = %e, "workflow run not advanced");
            }
        }
    }
}
