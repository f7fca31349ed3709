//! Verifications (`ver_…`): the checks run on what one step of an inquiry submitted (the
//! government-ID photos, the selfie poses).
//!
//! ```text
//! submitted ──(checks ran: every required check met)──▶ passed
//!     └─────(a required check not met, or the run timed out)──▶ failed
//! ```
//! A verification is created in the same commit as the step submission that owes it, and
//! finished (checks, status, event) in one commit by the checks worker. The check results
//! keep the wire shape of `verity-checks` (`{name, status, reasons, details}`); this crate
//! does not depend on the checks themselves.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::{EventDraft, EventName};
use crate::id::{InquiryId, VerificationId};
use crate::Millis;

/// What was verified; the wire `type` is `verification/<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerificationType {
    GovernmentId,
    Selfie,
}

impl VerificationType {
    /// The JSON:API `type` (`verification/government-id`, `verification/selfie`).
    pub fn wire_type(self) -> &'static str {
        match self {
            VerificationType::GovernmentId => "verification/government-id",
            VerificationType::Selfie => "verification/selfie",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationType::GovernmentId => "government-id",
            VerificationType::Selfie => "selfie",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Waiting for the checks worker.
    Submitted,
    Passed,
    Failed,
}

impl VerificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Submitted => "submitted",
            VerificationStatus::Passed => "passed",
            VerificationStatus::Failed => "failed",
        }
    }

    pub fn is_finished(self) -> bool {
        self != VerificationStatus::Submitted
    }
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Passed,
    Failed,
    NotApplicable,
}

/// One check's result, in the wire shape `{name, status, reasons, details}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub status: CheckOutcome,
    pub reasons: Vec<String>,
    pub details: Value,
    /// Whether the template requires this check (informational checks are `false`).
    #[serde(default)]
    pub required: bool,
}

/// What an inquiry keeps of each of its verifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRef {
    pub kind: VerificationType,
    pub id: VerificationId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Verification {
    pub id: VerificationId,
    pub inquiry_id: InquiryId,
    pub kind: VerificationType,
    pub status: VerificationStatus,
    /// The step whose submission created it.
    pub step: String,
    pub checks: Vec<CheckResult>,
    /// What the document says (government IDs), as `verity-checks` extracted it.
    #[serde(default)]
    pub extracted: Value,
    pub created_at: Millis,
    pub completed_at: Option<Millis>,
}

impl Verification {
    /// What erasure leaves of a verification: its checks' names and statuses, nothing read
    /// from the person's documents (no extracted data, reasons or details).
    pub fn redacted(mut self) -> Self {
        self.extracted = Value::Null;
        for check in &mut self.checks {
            check.reasons.clear();
            check.details = Value::Null;
        }
        self
    }

    pub fn submitted(
        id: VerificationId,
        inquiry_id: InquiryId,
        kind: VerificationType,
        step: String,
        now: Millis,
    ) -> Self {
        Verification {
            id,
            inquiry_id,
            kind,
            status: VerificationStatus::Submitted,
            step,
            checks: Vec::new(),
            extracted: Value::Null,
            created_at: now,
            completed_at: None,
        }
    }

    /// The finished verification: `passed` when no required check is unmet.
    pub fn finish(
        &self,
        checks: Vec<CheckResult>,
        unmet_required: bool,
        extracted: Value,
        now: Millis,
    ) -> Verification {
        let mut done = self.clone();
        done.status = if unmet_required {
            VerificationStatus::Failed
        } else {
            VerificationStatus::Passed
        };
        done.checks = checks;
        done.extracted = extracted;
        done.completed_at = Some(now);
        done
    }

    /// A finished verification as its inquiry records it, and the event it owes
    /// (`verification.passed` or `verification.failed`). Once the inquiry was redacted only
    /// the redacted form is recorded (and announced): a late result cannot bring back what
    /// erasure removed (docs/operations.md §1).
    pub fn record(self, inquiry_redacted: bool) -> (Verification, EventDraft) {
        let name = match self.status {
            VerificationStatus::Failed => EventName::VerificationFailed,
            VerificationStatus::Passed | VerificationStatus::Submitted => {
                EventName::VerificationPassed
            }
        };
        let draft = EventDraft::about(name, &self.id, &self.inquiry_id);
        let done = if inquiry_redacted {
            self.redacted()
        } else {
            self
        };
        (done, draft)
    }

    pub fn reference(&self) -> VerificationRef {
        VerificationRef {
            kind: self.kind,
            id: self.id.clone(),
        }
    }

    /// A required check that is not met makes the verification fail; this says which.
    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks
            .iter()
            .filter(|c| c.status == CheckOutcome::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_sets_status_and_event() {
        let v = Verification::submitted(
            VerificationId::generate(&mut rand::thread_rng()),
            InquiryId::generate(&mut rand::thread_rng()),
            VerificationType::Selfie,
            "selfie".into(),
            1,
        );
        let done = v.finish(Vec::new(), true, Value::Null, 2);
        assert_eq!(done.status, VerificationStatus::Failed);
        assert_eq!(done.completed_at, Some(2));
        let (recorded, draft) = done.record(false);
        assert_eq!(draft.name, EventName::VerificationFailed);
        assert_eq!(draft.subject_id, recorded.id.to_string());
        let done = v.finish(Vec::new(), false, serde_json::json!({"name": "A"}), 2);
        assert_eq!(done.status, VerificationStatus::Passed);
        let (recorded, draft) = done.record(true);
        assert_eq!(draft.name, EventName::VerificationPassed);
        assert_eq!(
            recorded.extracted,
            Value::Null,
            "a redacted inquiry keeps no data"
        );
        assert_eq!(
            VerificationType::GovernmentId.wire_type(),
            "verification/government-id"
        );
    }
}
