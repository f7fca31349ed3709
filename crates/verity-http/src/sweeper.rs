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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::service::inquiries::{create, CreateInquiry, TemplateRef};
    use crate::service::templates::seed_demo;
    use crate::state::HttpConfig;

    #[tokio::test]
    async fn expires_only_overdue_open_inquiries_and_logs_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let store = verity_store::open(&url).await.expect("store");
        let now = Arc::new(AtomicI64::new(1_800_000_000_000));
        let mut state = AppState::new(store.clone(), HttpConfig::default());
        let clock = now.clone();
        state.clock = Arc::new(move || clock.load(Ordering::SeqCst));
        let templates = seed_demo(store.as_ref(), state.now()).await.expect("seed");
        let make = || CreateInquiry {
            template: Some(TemplateRef::Template(templates[0].id.clone())),
            ..CreateInquiry::default()
        };
        let old = create(&state, make()).await.expect("create");
        now.fetch_add(23 * 3600 * 1000, Ordering::SeqCst);
        let young = create(&state, make()).await.expect("create");

        assert_eq!(
            sweep_once(&state).await.expect("sweep"),
            0,
            "nothing is overdue yet"
        );
        now.fetch_add(3600 * 1000 + 1, Ordering::SeqCst);
        assert_eq!(sweep_once(&state).await.expect("sweep"), 1);
        let old = store.inquiry(&old.id).await.expect("read").expect("exists");
        let young = store
            .inquiry(&young.id)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(old.status, InquiryStatus::Expired);
        assert_eq!(young.status, InquiryStatus::Created);
        let events = store
            .list_events(
                &verity_store::EventFilter {
                    name: Some(verity_core::event::EventName::InquiryExpired),
                    ..Default::default()
                },
                &verity_store::PageRequest {
                    size: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("events");
        assert_eq!(events.items.len(), 1);
        assert_eq!(
            sweep_once(&state).await.expect("sweep"),
            0,
            "a second sweep changes nothing"
        );
    }
}
