//! Records of verifications the store writes besides the domain type
//! `verity_core::verification::Verification`: how a commit writes one, and workflow runs.

use verity_core::id::InquiryId;
use verity_core::verification::Verification;
use verity_core::Millis;

/// A verification written by [`crate::Store::commit`].
#[derive(Debug, Clone)]
pub enum VerificationWrite {
    /// A new `submitted` verification. `Duplicate` if the id exists, `NotFound` if its
    /// inquiry does not.
    Insert(Verification),
    /// The finished verification. `Conflict` unless the stored one is still `submitted`
    /// (another worker finished it first), so a result is recorded exactly once.
    Finish(Verification),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowRunStatus {
    /// Acts when `due_at` comes.
    Pending,
    /// Every action ran (or no rule matched).
    Done,
}

impl WorkflowRunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowRunStatus::Pending => "pending",
            WorkflowRunStatus::Done => "done",
        }
    }
}

/// Where an inquiry's workflow is: one per inquiry, upserted by [`crate::Store::commit`]
/// (which also releases its lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    pub inquiry_id: InquiryId,
    pub status: WorkflowRunStatus,
    /// Index of the matched rule; `None` until the conditions are first judged.
    pub rule: Option<u32>,
    /// Index of the next action within the rule.
    pub action: u32,
    pub due_at: Millis,
    pub updated_at: Millis,
}

/// An inquiry's stored face for the duplicate search: the face of its latest checked selfie
/// (unit length) and the identity it was verified under — the reference-id and a digest of
/// the name, never the name. One per inquiry (a later selfie replaces it); redaction
/// deletes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRecord {
    pub inquiry_id: InquiryId,
    pub reference_id: Option<String>,
    pub name_key: Option<String>,
    pub embedding: Vec<f32>,
    pub created_at: Millis,
}
