//! The instant checks of one captured image, run in its upload request (docs/verifications.md
//! §5): the checks that concern that image alone (`verity_checks::capture`), on the blocking
//! pool under `capture_checks_time_limit_ms`, judged by the template's required checks. A
//! failing one refuses the capture — nothing of it is stored but a refusal row — so the
//! individual can retake it at once; after `max-capture-attempts` refusals of the same ID side
//! or selfie pose, a bad capture is kept and the verification decides (and fails it).
//!
//! A capture whose checks overrun the limit is kept unjudged: slowness on our side is no
//! reason to ask for another photo, and the verification checks it in full anyway.

use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;
use verity_checks::capture::{capture_checks, plain_reason, refusal, Subject};
use verity_checks::CheckContext;
use verity_core::capture::Capture;
use verity_core::id::InquiryId;
use verity_core::template::TemplateDefinition;
use verity_store::CaptureRefusal;

use crate::inquiries::{definition_of, load};
use crate::verifications::run::required_checks;
use crate::{App, AppError};

/// Keeps the capture (`Ok`) or refuses it with [`AppError::CaptureRefused`], recording the
/// refusal. `turn` is the caller's decode turn, held until the checks' own decode is done so
/// concurrent uploads stay within `upload_decode_concurrency` decodes.
pub async fn screen(
    app: &App,
    id: &InquiryId,
    capture: &Capture,
    bytes: Vec<u8>,
    turn: OwnedSemaphorePermit,
) -> Result<(), AppError> {
    let definition = definition_of(app, &load(app, id).await?).await?;
    let max = u64::from(definition.max_capture_attempts);
    let shot = capture.shot();
    let refused = app.store.count_capture_refusals(id, shot).await?;
    if refused >= max {
        return Ok(()); // the retakes are used up: the verification judges this one
    }
    let Some(check) = judge(app, id, capture, bytes, &definition, turn).await? else {
        return Ok(());
    };
    let row = CaptureRefusal {
        inquiry_id: id.clone(),
        shot,
        check: check.clone(),
        created_at: app.now(),
    };
    app.store.insert_capture_refusal(&row).await?;
    tracing::info!(inquiry = %id, kind = %shot.kind(), side = %shot, check = %check, "capture refused");
    Err(AppError::CaptureRefused {
        reason: plain_reason(&check).to_owned(),
        check,
        attempts_left: u32::try_from(max - refused - 1).unwrap_or(0),
    })
}

/// The name of the required check that fails on `bytes`, if any; `None` too when the checks
/// overran their time limit.
async fn judge(
    app: &App,
    id: &InquiryId,
    capture: &Capture,
    bytes: Vec<u8>,
    definition: &TemplateDefinition,
    turn: OwnedSemaphorePermit,
) -> Result<Option<String>, AppError> {
    let required = required_checks(definition);
    let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(app.now())
        .unwrap_or_default()
        .date_naive();
    let ctx = CheckContext::new(today);
    let (face, text, capture) = (app.face.clone(), app.text.clone(), capture.clone());
    let limit = Duration::from_millis(app.config.capture_checks_time_limit_ms.max(1));
    let started = std::time::Instant::now();
    let task = tokio::task::spawn_blocking(move || {
        let checks = capture_checks(
            &subject(&capture),
            &bytes,
            &ctx,
            text.as_ref(),
            face.as_ref(),
        );
        drop(turn);
        refusal(&checks, &required).map(|c| c.name.clone())
    });
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(refused)) => {
            tracing::debug!(inquiry = %id, ms = started.elapsed().as_millis() as u64, "capture checked");
            Ok(refused)
        }
        Ok(Err(join)) => Err(anyhow::anyhow!("capture checks panicked: {join}").into()),
        // The blocking thread cannot be stopped; its verdict is dropped when it ends.
        Err(_) => {
            tracing::warn!(inquiry = %id, limit_ms = limit.as_millis() as u64,
                "capture checks overran their time limit; the capture is kept unjudged");
            Ok(None)
        }
    }
}

/// The capture in the check crate's terms (its classes and countries are wire strings).
fn subject(capture: &Capture) -> Subject<'_> {
    match capture {
        Capture::GovernmentId {
            id_class,
            side,
            country,
        } => {
            let (id_class, country) = (id_class.as_str(), country.as_deref().unwrap_or_default());
            match side {
                verity_core::capture::Side::Front => Subject::IdFront { id_class, country },
                verity_core::capture::Side::Back => Subject::IdBack { id_class, country },
            }
        }
        Capture::Selfie(pose) => Subject::SelfiePose(pose.as_str()),
    }
}
