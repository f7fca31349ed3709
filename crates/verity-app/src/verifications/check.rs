//! Checking one claimed verification: its checks run on a blocking thread under a time
//! limit (an overrun is a failed verification that says so — never a hung one), then the
//! result, its event, any inquiry fields the document fills and, when it was the last one,
//! the inquiry's outcome are recorded in one commit.
//!
//! Claiming (with a lease, so a verification whose worker died is checked again) is the
//! checks worker's job in `verity-worker`.

use std::time::Duration;

use verity_checks::{ClaimedIdentity, Embedding, KnownFace};
use verity_core::id::InquiryId;
use verity_core::inquiry::{Command, Inquiry};
use verity_core::template::TemplateDefinition;
use verity_core::verification::{Verification, VerificationType};
use verity_core::Millis;
use verity_store::FaceRecord;

use super::outcome;
use super::run::{self, Inputs};
use crate::change::{change, Plan};
use crate::inquiries::{definition_of, load};
use crate::{App, AppError};

/// Checks one claimed verification within `time_limit` and records the result.
pub async fn check_one(app: &App, time_limit: Duration, v: Verification) -> Result<(), AppError> {
    let inquiry = load(app, &v.inquiry_id).await?;
    let definition = definition_of(app, &inquiry).await?;
    let mut documents = Vec::new();
    for meta in app.store.documents_for_inquiry(&inquiry.id).await? {
        if let Some(doc) = app.store.document(&meta.id).await? {
            documents.push(doc);
        }
    }
    let known_faces = match v.kind {
        VerificationType::Selfie => known_faces(app, &inquiry.id).await?,
        VerificationType::GovernmentId => Vec::new(),
    };
    let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(app.now())
        .unwrap_or_default()
        .date_naive();
    let inputs = Inputs {
        kind: v.kind,
        documents,
        definition: definition.clone(),
        step: v.step.clone(),
        inquiry,
        today,
        face: app.face.clone(),
        text: app.text.clone(),
        known_faces,
    };
    let started = std::time::Instant::now();
    let task = tokio::task::spawn_blocking(move || run::run(&inputs));
    let result = match tokio::time::timeout(time_limit, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join)) => {
            return Err(anyhow::anyhow!("checks of {} panicked: {join}", v.id).into());
        }
        // The blocking thread cannot be stopped; its result is dropped when it ends.
        Err(_) => run::timed_out(time_limit),
    };
    tracing::info!(verification = %v.id, kind = v.kind.as_str(), unmet = result.unmet_required,
        ms = started.elapsed().as_millis() as u64, "verification checked");
    let done = v.finish(
        result.checks,
        result.unmet_required,
        result.extracted,
        app.now(),
    );
    record(app, &definition, done, result.face).await
}

/// The faces every other inquiry stored, in the checks crate's terms.
async fn known_faces(app: &App, except: &InquiryId) -> Result<Vec<KnownFace>, AppError> {
    let stored = app.store.faces_except(except).await?;
    Ok(stored
        .into_iter()
        .map(|f| KnownFace {
            inquiry_id: f.inquiry_id.to_string(),
            identity: ClaimedIdentity {
                reference_id: f.reference_id,
                name_key: f.name_key,
            },
            embedding: Embedding(f.embedding),
        })
        .collect())
}

/// The face a selfie verification stores, with the identity the inquiry claims now.
fn face_record(inquiry: &Inquiry, embedding: Vec<f32>, now: Millis) -> FaceRecord {
    let identity = run::claimed_identity(inquiry);
    FaceRecord {
        inquiry_id: inquiry.id.clone(),
        reference_id: identity.reference_id,
        name_key: identity.name_key,
        embedding,
        created_at: now,
    }
}

/// Commits the finished verification with its event, the fields the document fills, the
/// selfie's face, and the inquiry's outcome when this was the last verification it waited for.
async fn record(
    app: &App,
    definition: &TemplateDefinition,
    done: Verification,
    face: Option<Vec<f32>>,
) -> Result<(), AppError> {
    let (done, face) = (&done, &face);
    let changed = change(app, &done.inquiry_id, |inquiry, now| async move {
        let stored = app.store.verification(&done.id).await?;
        if stored.is_none_or(|s| s.status.is_finished()) {
            return Ok(None); // another worker recorded it first
        }
        let recorded = done.clone().record(inquiry.redacted_at.is_some());
        let done = &recorded.0;
        let mut all = app.store.verifications_for_inquiry(&inquiry.id).await?;
        for v in &mut all {
            if v.id == done.id {
                *v = done.clone();
            }
        }
        let mut plan = Plan::default();
        plan.finish_verification(recorded.clone());
        if inquiry.redacted_at.is_none() {
            if let Some(embedding) = face {
                let record = face_record(&inquiry, embedding.clone(), now);
                plan.writes.faces.push(record);
            }
            plan.commands
                .extend(filled_fields(definition, done, &inquiry));
            if let Some((command, run)) = outcome::finish(&inquiry, definition, &all, now) {
                plan.commands.push(command);
                plan.writes.workflow_runs.extend(run);
            }
        }
        let has_run = !plan.writes.workflow_runs.is_empty();
        Ok(Some((plan, has_run)))
    })
    .await?;
    if changed.decided == Some(true) {
        app.signals.workflows.notify_one();
    }
    Ok(())
}

/// The inquiry fields a finished government ID fills (`extracted-fields`), while the
/// inquiry is open; values that do not fit their fields are left out and logged.
fn filled_fields(
    definition: &TemplateDefinition,
    done: &Verification,
    inquiry: &Inquiry,
) -> Option<Command> {
    let mapped = run::mapped_fields(definition, &done.extracted);
    if done.kind != VerificationType::GovernmentId || !inquiry.status.is_open() || mapped.is_empty()
    {
        return None;
    }
    match definition.fields.coerce_all(&mapped) {
        Ok(values) => Some(Command::UpdateFields(values)),
        Err(e) => {
            tracing::warn!(verification = %done.id, errors = ?e,
                "extracted data does not fit the mapped fields; not filled");
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use std::sync::Arc;

    use rand::rngs::OsRng;
    use verity_core::id::VerificationId;
    use verity_store::{Change, VerificationWrite};

    use super::*;
    use crate::inquiries::{act, create, Action, CreateInquiry, TemplateRef};
    use crate::test_support::Plain;

    /// An inquiry of the demo ID template with one submitted government-ID verification and
    /// no document, so its checks fail with reasons.
    async fn submitted(app: &App, template: &verity_core::id::TemplateId) -> Verification {
        let request = CreateInquiry {
            template: Some(TemplateRef::Template(template.clone())),
            ..CreateInquiry::default()
        };
        let inquiry = create(app, request).await.unwrap();
        let v = Verification::submitted(
            VerificationId::generate(&mut OsRng),
            inquiry.id,
            VerificationType::GovernmentId,
            "government-id".into(),
            app.now(),
        );
        let insert = Change {
            verifications: vec![VerificationWrite::Insert(v.clone())],
            ..Change::default()
        };
        app.store.commit(insert).await.unwrap();
        v
    }

    /// docs/encryption.md §5: a verification that finishes after its inquiry was redacted stores
    /// only its redacted form — the checks' names and statuses, no reason, detail or data
    /// read from the document — while one of a kept inquiry stores its reasons.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_verification_finishing_after_the_redaction_stores_only_its_redacted_form() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let store = verity_store::open(&url, verity_store::Keyring::ephemeral())
            .await
            .unwrap();
        let app = App::new(store.clone(), Arc::new(Plain));
        let templates = crate::templates::seed_demo(store.as_ref(), app.now())
            .await
            .unwrap();
        let kept = submitted(&app, &templates[0].id).await;
        let erased = submitted(&app, &templates[0].id).await;
        act(&app, &erased.inquiry_id, Action::Redact).await.unwrap();

        let limit = Duration::from_secs(60);
        for v in [&kept, &erased] {
            check_one(&app, limit, v.clone()).await.unwrap();
        }
        let read = |id| {
            let store = store.clone();
            async move { store.verification(id).await.unwrap().unwrap() }
        };
        let kept = read(&kept.id).await;
        assert!(kept.status.is_finished());
        assert!(
            kept.checks.iter().any(|c| !c.reasons.is_empty()),
            "{kept:?}"
        );
        let erased = read(&erased.id).await;
        assert!(erased.status.is_finished());
        assert!(!erased.checks.is_empty());
        for check in &erased.checks {
            assert!(check.reasons.is_empty(), "{check:?}");
            assert_eq!(check.details, serde_json::Value::Null, "{check:?}");
        }
        assert_eq!(erased.extracted, serde_json::Value::Null);
    }
}
