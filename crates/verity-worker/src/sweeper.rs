//! The expiry sweeper's loop: one sweep (`verity_app::sweeper`) every interval.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use verity_app::sweeper::sweep_once;
use verity_app::App;

/// Sweeps every `interval` until `shutdown` is cancelled.
pub async fn run(app: App, interval: Duration, shutdown: CancellationToken) {
    loop {
        match sweep_once(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired overdue inquiries"),
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
