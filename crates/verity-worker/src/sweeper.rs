//! The sweeper's loop: every interval, one expiry sweep (`verity_app::sweeper`) and one
//! retention sweep (`verity_app::retention`, docs/operations.md §1).

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use verity_app::App;

/// Sweeps every `interval` until `shutdown` is cancelled.
pub async fn run(app: App, interval: Duration, shutdown: CancellationToken) {
    loop {
        match verity_app::sweeper::sweep_once(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired overdue inquiries"),
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
        }
        if shutdown.is_cancelled() {
            return;
        }
        match verity_app::retention::sweep_once(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(redacted = n, "redacted inquiries past their retention"),
            Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
