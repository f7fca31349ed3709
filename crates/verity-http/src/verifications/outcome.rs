//! The inquiry's outcome. An inquiry that reached its completion step waits for its
//! verifications (the latest of each type); when all are finished it becomes `completed`
//! if every one passed (each judged by the template's required checks), else `failed`.
//!
//! Two writers can see the last piece arrive: the step submission that moves onto the
//! completion step, and the checks worker finishing the last verification. Both decide
//! inside a commit guarded by the inquiry's revision (`commit_commands`), after reading the
//! verifications, so whichever commits second sees the other's write, and the outcome is
//! decided exactly once. The commit that decides also stores the workflow run, so a crash
//! cannot lose the workflow.

use std::collections::HashMap;

use rand::rngs::OsRng;
use serde_json::json;
use verity_core::event::EventName;
use verity_core::id::EventId;
use verity_core::inquiry::{Command, Inquiry, InquiryStatus};
use verity_core::template::{StepKind, TemplateDefinition};
use verity_core::verification::{Verification, VerificationStatus, VerificationType};
use verity_core::Millis;
use verity_store::{NewEvent, WorkflowRun, WorkflowRunStatus};

use crate::resource;

/// The latest verification of each type.
pub fn latest_per_type(all: &[Verification]) -> Vec<&Verification> {
    let mut latest: HashMap<VerificationType, &Verification> = HashMap::new();
    for v in all {
        // Oldest first: later ones replace earlier ones (a step submitted again).
        latest.insert(v.kind, v);
    }
    latest.into_values().collect()
}

/// `Complete` or `Fail` once every latest verification is finished; `None` while one is
/// still being checked.
pub fn decide(verifications: &[Verification]) -> Option<Command> {
    let latest = latest_per_type(verifications);
    if latest.iter().any(|v| !v.status.is_finished()) {
        return None;
    }
    if latest
        .iter()
        .all(|v| v.status == VerificationStatus::Passed)
    {
        Some(Command::Complete)
    } else {
        Some(Command::Fail)
    }
}

/// Whether `inquiry` is waiting on its completion step for an outcome.
pub fn awaits_outcome(inquiry: &Inquiry, definition: &TemplateDefinition) -> bool {
    inquiry.status == InquiryStatus::Pending
        && inquiry
            .current_step
            .as_deref()
            .and_then(|s| definition.step(s))
            .is_some_and(|s| s.kind == StepKind::Completion)
}

/// The commands that end the individual's part, if the outcome can be decided now, and
/// the workflow run the template owes (due at once).
pub fn finish(
    inquiry: &Inquiry,
    definition: &TemplateDefinition,
    verifications: &[Verification],
    now: Millis,
) -> Option<(Command, Option<WorkflowRun>)> {
    if !awaits_outcome(inquiry, definition) {
        return None;
    }
    let command = decide(verifications)?;
    let run = (!definition.workflow.is_empty()).then(|| WorkflowRun {
        inquiry_id: inquiry.id.clone(),
        status: WorkflowRunStatus::Pending,
        rule: None,
        action: 0,
        due_at: now,
        updated_at: now,
    });
    Some((command, run))
}

/// The `verification.passed|failed` log entry of a finished verification.
pub fn event(v: &Verification, name: EventName, now: Millis) -> NewEvent {
    NewEvent {
        id: EventId::generate(&mut OsRng),
        name,
        subject_id: v.id.to_string(),
        inquiry_id: Some(v.inquiry_id.clone()),
        created_at: now,
        payload: json!({ "data": resource::verification(v) }),
    }
}

/// Submits a step: moves the inquiry to `to_step`, stores the step's verification (if it
/// owes one), and — when `to_step` is the completion step and nothing is left to check —
/// decides the outcome, all in one commit guarded by the inquiry's revision.
pub async fn submit_step(
    state: &crate::state::AppState,
    id: &verity_core::id::InquiryId,
    definition: &TemplateDefinition,
    to_step: String,
    submitted: String,
    verification: Option<Verification>,
) -> Result<Inquiry, crate::error::ApiError> {
    use verity_store::{Change, VerificationWrite};
    for _ in 0..32 {
        let current = state
            .store
            .inquiry(id)
            .await?
            .ok_or_else(|| crate::error::ApiError::not_found("inquiry", id.as_str()))?;
        let now = state.now();
        let transition = Command::Transition {
            to_step: to_step.clone(),
            submitted: Some(submitted.clone()),
        };
        let moved = current.apply(transition.clone(), now)?.inquiry;
        let mut all = state.store.verifications_for_inquiry(id).await?;
        all.extend(verification.clone());
        // The inquiry names its verifications (`relationships.verifications`).
        let mut base = current.clone();
        base.verifications
            .extend(verification.iter().map(Verification::reference));
        let mut commands = vec![transition];
        let mut change = Change {
            verifications: verification
                .iter()
                .cloned()
                .map(VerificationWrite::Insert)
                .collect(),
            ..Change::default()
        };
        if let Some((command, run)) = finish(&moved, definition, &all, now) {
            commands.push(command);
            change.workflow_runs.extend(run);
        }
        let has_run = !change.workflow_runs.is_empty();
        if let Some(inquiry) =
            crate::service::inquiries::commit_commands(state, &base, commands, change).await?
        {
            if verification.is_some() {
                state.signals.checks.notify_one();
            }
            if has_run {
                state.signals.workflows.notify_one();
            }
            return Ok(inquiry);
        }
    }
    Err(crate::error::ApiError::Conflict(
        "the inquiry is being changed by many requests at once; retry".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::id::{InquiryId, VerificationId};

    fn v(kind: VerificationType, status: VerificationStatus) -> Verification {
        let mut v = Verification::submitted(
            VerificationId::generate(&mut OsRng),
            InquiryId::generate(&mut OsRng),
            kind,
            "s".into(),
            0,
        );
        v.status = status;
        v
    }

    #[test]
    fn waits_for_every_latest_verification_then_decides() {
        use VerificationStatus::*;
        use VerificationType::*;
        assert!(matches!(decide(&[]), Some(Command::Complete)));
        assert!(decide(&[v(GovernmentId, Passed), v(Selfie, Submitted)]).is_none());
        assert!(matches!(
            decide(&[v(GovernmentId, Passed), v(Selfie, Passed)]),
            Some(Command::Complete)
        ));
        assert!(matches!(
            decide(&[v(GovernmentId, Failed), v(Selfie, Passed)]),
            Some(Command::Fail)
        ));
        // A step submitted again: its latest verification counts.
        assert!(matches!(
            decide(&[v(GovernmentId, Failed), v(GovernmentId, Passed)]),
            Some(Command::Complete)
        ));
    }
}
