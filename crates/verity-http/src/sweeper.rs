//! The expiry sweeper: expires open inquiries past their time-to-live and purges old
//! idempotency records. Safe with several processes: each expiry goes through the
//! inquiry's revision check, so two sweepers cannot both expire one inquiry.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use verity_core::inquiry::{Command, InquiryStatus};

use crate::error::ApiError;
use crate::service::inquiries;
use crate::state::AppState;

const BATCH: u32 = 200;

/// Runs one sweep; returns how many inquiries it expired.
pub async fn sweep_once(state: &AppState) -> Result<usize, ApiError> {
    let now = state.now();
    let overdue = state.store.overdue_inquiries(now, BATCH).await?;
    let mut expired = 0;
    for inquiry in overdue {
        let result = inquiries::act(state, &inquiry.id, |current| {
            if current.is_overdue(now) {
                Ok(Command::Expire)
            } else {
                Err(ApiError::Conflict("no longer overdue".into()))
            }
        })
        .await;
        match result {
            Ok(applied) if applied.inquiry.status == InquiryStatus::Expired => expired += 1,
            Ok(_) | Err(ApiError::Conflict(_)) => {}
            Err(e) => tracing::warn!(inquiry = %inquiry.id, error = %e, "could not expire inquiry"),
        }
    }
    state
        .store
        .purge_idempotency(now - state.config.idempotency_ttl_ms)
        .await?;
    Ok(expired)
}

/// Sweeps every `interval` until `shutdown` is cancelled.
pub async fn run(state: AppState, interval: Duration, shutdown: CancellationToken) {
    loop {
        match sweep_once(&state).await {
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
