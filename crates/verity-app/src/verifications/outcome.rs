//! The inquiry's outcome. An inquiry that reached its completion step waits for its
//! verifications (the latest of each type); when all are finished it becomes `completed`
//! if every one passed (each judged by the template's required checks), else `failed`.
//!
//! Two writers can see the last piece arrive: the step submission that moves onto the
//! completion step, and the checks worker finishing the last verification. Both decide
//! inside a commit guarded by the inquiry's revision (`crate::change`), after reading the
//! verifications, so whichever commits second sees the other's write, and the outcome is
//! decided exactly once. The commit that decides also stores the workflow run, so a crash
//! cannot lose the workflow.

use std::collections::HashMap;

use verity_core::inquiry::{Command, Inquiry, InquiryStatus};
use verity_core::step_order::{capture_steps, steps_left};
use verity_core::template::{StepKind, TemplateDefinition};
use verity_core::verification::{Verification, VerificationStatus, VerificationType};
use verity_core::Millis;
use verity_store::{WorkflowRun, WorkflowRunStatus};

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

/// Whether the individual's part is whole: every step but the completion one submitted, and
/// a verification for every capture step. Without both there is no outcome to decide — an
/// outcome over missing steps or over zero verifications would pass nothing.
fn flow_done(
    inquiry: &Inquiry,
    definition: &TemplateDefinition,
    verifications: &[Verification],
) -> bool {
    steps_left(definition, &inquiry.completed_steps).is_empty()
        && capture_steps(definition).all(|step| verifications.iter().any(|v| v.step == step.name))
}

/// The commands that end the individual's part, if the outcome can be decided now, and
/// the workflow run the template owes (due at once).
pub fn finish(
    inquiry: &Inquiry,
    definition: &TemplateDefinition,
    verifications: &[Verification],
    now: Millis,
) -> Option<(Command, Option<WorkflowRun>)> {
    if !awaits_outcome(inquiry, definition) || !flow_done(inquiry, definition, verifications) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;
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
