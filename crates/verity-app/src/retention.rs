//! One retention sweep (docs/operations.md §1): an inquiry that reached a final state
//! (completed, failed, expired, approved, declined) more than its template's `retention-days`
//! ago — or the server's `retention_days` when the template names none — is redacted through
//! the redaction use case, so it gets its `inquiry.redacted` event and webhook like a
//! `DELETE`. Open inquiries and those awaiting review are never touched. Safe with several
//! processes: each redaction goes through the inquiry's revision check and re-checks the
//! inquiry as read, so one resumed meanwhile is left alone. The loop lives in `verity-worker`.

use verity_core::template::Template;
use verity_core::Millis;
use verity_store::PageRequest;

use crate::inquiries::{checkpoint, redact_if};
use crate::{App, AppError};

/// Inquiries redacted per template and sweep; the next sweep goes on where this one stopped.
const BATCH: u32 = 200;
const DAY_MS: Millis = 24 * 3600 * 1000;

/// Runs one sweep; returns how many inquiries it redacted.
pub async fn sweep_once(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut redacted = 0;
    for template in all_templates(app).await? {
        let days = template
            .definition
            .retention_days
            .unwrap_or(app.config.retention_days);
        if days == 0 {
            continue;
        }
        let before = now.saturating_sub(i64::from(days) * DAY_MS);
        let due = app
            .store
            .retained_inquiries(&template.id, before, BATCH)
            .await?;
        for inquiry in due {
            let still_due = |current: &verity_core::inquiry::Inquiry| {
                current.retained_since().is_some_and(|t| t <= before)
            };
            match redact_if(app, &inquiry.id, still_due).await {
                Ok(changed) if changed.decided.is_some() => redacted += 1,
                Ok(_) | Err(AppError::Conflict(_)) => {}
                Err(e) => {
                    tracing::warn!(inquiry = %inquiry.id, error = %e, "could not redact inquiry past its retention");
                }
            }
        }
    }
    if redacted > 0 {
        checkpoint(app).await;
    }
    Ok(redacted)
}

/// Every template, page by page (there are few; each names its own retention).
async fn all_templates(app: &App) -> Result<Vec<Template>, AppError> {
    let mut all = Vec::new();
    let mut page = PageRequest {
        size: 100,
        ..PageRequest::default()
    };
    loop {
        let result = app.store.list_templates(&page).await?;
        all.extend(result.items);
        match result.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(all),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use verity_core::event::EventName;
    use verity_core::id::InquiryId;
    use verity_core::inquiry::{Command, InquiryStatus};

    use super::*;
    use crate::change::{change, Plan};
    use crate::inquiries::{create, CreateInquiry, TemplateRef};
    use crate::templates::{modify, seed_demo};
    use crate::test_support::Plain;
    use crate::AppConfig;

    async fn finish(app: &App, id: &InquiryId, last: Command) {
        change(app, id, |_, _| {
            let last = last.clone();
            async move {
                let mut plan = Plan::command(Command::Start);
                plan.commands.push(last);
                plan.go()
            }
        })
        .await
        .expect("finish");
    }

    async fn status(app: &App, id: &InquiryId) -> (InquiryStatus, bool) {
        let i = app.store.inquiry(id).await.expect("read").expect("exists");
        (i.status, i.redacted_at.is_some())
    }

    /// A template keeping inquiries one day: its completed and failed inquiries are redacted
    /// a day after they finished, not a millisecond before; its open one is untouched; the
    /// other template follows the server default once one is set.
    #[tokio::test]
    async fn finished_inquiries_are_redacted_after_their_retention_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let store = verity_store::open(&url, verity_store::Keyring::ephemeral())
            .await
            .expect("store");
        let now = Arc::new(AtomicI64::new(1_800_000_000_000));
        let mut app = App::new(store.clone(), Arc::new(Plain));
        let clock = now.clone();
        app.clock = Arc::new(move || clock.load(Ordering::SeqCst));
        let templates = seed_demo(store.as_ref(), app.now()).await.expect("seed");
        let (kept_a_day, other) = (templates[0].id.clone(), templates[1].id.clone());
        modify(&app, &kept_a_day, |t, _| {
            t.definition.retention_days = Some(1);
            Ok::<_, AppError>(())
        })
        .await
        .expect("retention-days = 1");
        let make = |template: &verity_core::id::TemplateId| CreateInquiry {
            template: Some(TemplateRef::Template(template.clone())),
            ..CreateInquiry::default()
        };
        let completed = create(&app, make(&kept_a_day)).await.expect("create").id;
        let failed = create(&app, make(&kept_a_day)).await.expect("create").id;
        let open = create(&app, make(&kept_a_day)).await.expect("create").id;
        let elsewhere = create(&app, make(&other)).await.expect("create").id;
        finish(&app, &completed, Command::Complete).await;
        finish(&app, &failed, Command::Fail).await;
        finish(&app, &elsewhere, Command::Complete).await;

        now.fetch_add(DAY_MS - 1, Ordering::SeqCst);
        assert_eq!(sweep_once(&app).await.expect("sweep"), 0, "not yet a day");
        now.fetch_add(1, Ordering::SeqCst);
        assert_eq!(sweep_once(&app).await.expect("sweep"), 2);
        assert_eq!(
            status(&app, &completed).await,
            (InquiryStatus::Completed, true)
        );
        assert_eq!(status(&app, &failed).await, (InquiryStatus::Failed, true));
        assert!(!status(&app, &open).await.1, "open inquiries stay");
        assert!(
            !status(&app, &elsewhere).await.1,
            "no retention without a template or server setting"
        );
        let events = store
            .list_events(
                &verity_store::EventFilter {
                    name: Some(EventName::InquiryRedacted),
                    ..Default::default()
                },
                &PageRequest {
                    size: 10,
                    ..Default::default()
                },
            )
            .await
            .expect("events");
        assert_eq!(events.items.len(), 2, "one inquiry.redacted event each");
        assert_eq!(sweep_once(&app).await.expect("sweep"), 0, "nothing left");

        app.config = Arc::new(AppConfig {
            retention_days: 2,
            ..AppConfig::default()
        });
        assert_eq!(sweep_once(&app).await.expect("sweep"), 0, "one day < two");
        now.fetch_add(DAY_MS, Ordering::SeqCst);
        assert_eq!(sweep_once(&app).await.expect("sweep"), 1);
        assert!(status(&app, &elsewhere).await.1);
        assert!(!status(&app, &open).await.1);
    }
}
