//! Records of the operator console (docs/console.md): operators, their sessions and the
//! audit trail.

use verity_core::audit::{Actor, AuditAction};
use verity_core::id::{AuditRecordId, CommentId, InquiryId, OperatorId};
use verity_core::operator::OperatorRole;
use verity_core::Millis;

/// A console account.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub id: OperatorId,
    /// Unique, stored as given (the application lower-cases it).
    pub email: String,
    pub role: OperatorRole,
    /// An Argon2id PHC string; the password itself is never stored.
    pub password_hash: String,
    /// Set when disabled: such an operator cannot sign in and has no live session.
    pub disabled_at: Option<Millis>,
    /// Wrong passwords since the last sign-in or lock.
    pub failed_sign_ins: u32,
    /// Sign-in is refused until then.
    pub locked_until: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A signed-in browser. Only the SHA-256 of its cookie's token is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorSession {
    pub token_hash: String,
    pub operator_id: OperatorId,
    pub created_at: Millis,
    /// The last request seen, for the idle timeout.
    pub last_seen_at: Millis,
    /// Set by sign-out (or sign-out everywhere, or disabling the operator).
    pub ended_at: Option<Millis>,
    /// The password was right but the TOTP code is still to come: such a session opens
    /// only the code page (docs/console.md §8).
    pub totp_pending: bool,
}

/// One line of the append-only audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: AuditRecordId,
    pub actor: Actor,
    pub action: AuditAction,
    pub inquiry_id: Option<InquiryId>,
    /// The client address the request came from.
    pub address: Option<String>,
    /// What else says what happened: the reason of a decision, the image's name, the tag.
    pub detail: Option<String>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub inquiry_id: Option<InquiryId>,
    pub action: Option<AuditAction>,
    /// An operator's email or an API key's id.
    pub actor: Option<String>,
}

/// What [`crate::Store::record_failed_sign_in`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedSignIn {
    /// Wrong passwords counted since the last sign-in or lock (0 right after a lock).
    pub failed_sign_ins: u32,
    /// Set when this failure reached the limit (or a lock was already running).
    pub locked_until: Option<Millis>,
}

/// An operator's comment on an inquiry. The body is personal data: sealed with the
/// inquiry's data key, shown only to roles that see personal data, deleted by redaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: CommentId,
    pub inquiry_id: InquiryId,
    /// The operator's email.
    pub author: String,
    pub body: String,
    pub created_at: Millis,
}
