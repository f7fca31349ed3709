//! One expiry sweep: expires open inquiries past their time-to-live and purges old
//! idempotency records. Safe with several processes: each expiry goes through the
//! inquiry's revision check, so two sweepers cannot both expire one inquiry. The loop that
//! repeats it lives in `verity-worker`.

use verity_core::inquiry::{Command, InquiryStatus};

use crate::change::{change, Plan};
use crate::{App, AppError};

const BATCH: u32 = 200;

/// Runs one sweep; returns how many inquiries it expired.
pub async fn sweep_once(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let overdue = app.store.overdue_inquiries(now, BATCH).await?;
    let mut expired = 0;
    for inquiry in overdue {
        // Re-checked on every read: another writer may have resumed or finished it.
        let result = change(app, &inquiry.id, |current, now| async move {
            Ok(current
                .is_overdue(now)
                .then(|| (Plan::command(Command::Expire), ())))
        })
        .await;
        match result {
            Ok(changed) if changed.inquiry.status == InquiryStatus::Expired => expired += 1,
            Ok(_) | Err(AppError::Conflict(_)) => {}
            Err(e) => tracing::warn!(inquiry = %inquiry.id, error = %e, "could not expire inquiry"),
        }
    }
    app.store
        .purge_idempotency(now - app.config.idempotency_ttl_ms)
        .await?;
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::inquiries::{create, CreateInquiry, TemplateRef};
    use crate::templates::seed_demo;
    use crate::test_support::Plain;

    #[tokio::test]
    async fn expires_only_overdue_open_inquiries_and_logs_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let store = verity_store::open(&url, verity_store::Keyring::ephemeral())
            .await
            .expect("store");
        let now = Arc::new(AtomicI64::new(1_800_000_000_000));
        let mut state = App::new(store.clone(), Arc::new(Plain));
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
