//! Plain records the store reads and writes, besides the domain types of `verity-core`.

use verity_core::capture::Shot;
pub use verity_core::document::Document;
use verity_core::event::EventName;
use verity_core::id::SessionId;
use verity_core::id::{AccountId, ApiKeyId, EventId, InquiryId};
use verity_core::inquiry::{Inquiry, InquiryStatus};
use verity_core::session::{InquirySession, SessionStatus};
use verity_core::Millis;

/// A cursor page request. `after` / `before` are ids of the item the page continues from
/// (JSON:API `page[after]`, `page[before]`); lists are newest first, so `after` goes
/// towards older items.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub after: Option<String>,
    pub before: Option<String>,
    /// 1–100, checked at the HTTP edge.
    pub size: u32,
}

/// A record as read for a conditional update: pass `revision` back as the expected
/// revision (`Store::update_template_if`, `Store::update_webhook_if`).
#[derive(Debug, Clone, PartialEq)]
pub struct Revisioned<T> {
    pub value: T,
    /// How many updates the record has had; 0 when new.
    pub revision: i64,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Set when older items exist: pass as `after` for the next page.
    pub next_after: Option<String>,
    /// Set when newer items exist: pass as `before` for the previous page.
    pub prev_before: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InquiryFilter {
    pub reference_id: Option<String>,
    pub account_id: Option<AccountId>,
    pub status: Option<InquiryStatus>,
    pub template_id: Option<String>,
    /// Created at or after this time.
    pub created_from: Option<Millis>,
    /// Created before this time.
    pub created_until: Option<Millis>,
    /// Carries this tag (exactly).
    pub tag: Option<String>,
    /// Has a finished verification whose check of this name failed.
    pub failed_check: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub name: Option<EventName>,
    pub inquiry_id: Option<InquiryId>,
    pub created_after: Option<Millis>,
    pub created_before: Option<Millis>,
}

#[derive(Debug, Clone)]
pub enum InquiryWrite {
    Insert(Inquiry),
    Update {
        inquiry: Inquiry,
        expected_revision: i64,
    },
}

/// Find-or-create of the account an inquiry belongs to, by `reference-id`.
#[derive(Debug, Clone)]
pub struct AccountLink {
    pub reference_id: String,
    /// Used only if no account has this reference id yet.
    pub new_id: AccountId,
}

/// An event to append to the log.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: EventId,
    pub name: EventName,
    pub subject_id: String,
    pub inquiry_id: Option<InquiryId>,
    pub created_at: Millis,
    /// `{"data": <the resource as the REST API returns it>}` at the moment of the event.
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: EventId,
    /// Position in the log; increases with commit order within one inquiry.
    pub seq: i64,
    pub name: EventName,
    pub subject_id: String,
    pub inquiry_id: Option<InquiryId>,
    pub created_at: Millis,
    pub payload: serde_json::Value,
}

/// A capture refused at upload by its instant checks (docs/verifications.md §5): counted
/// per inquiry, kind and side or pose against the template's `max-capture-attempts`.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureRefusal {
    pub inquiry_id: InquiryId,
    /// The ID side or selfie pose refused (stored as its kind and wire name, as on
    /// [`Document`]).
    pub shot: Shot,
    /// The check that refused it.
    pub check: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    /// Hex SHA-256 of the secret; the secret itself is shown once and never stored.
    pub hash: String,
    /// The first characters of the secret, to tell keys apart in listings.
    pub hint: String,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// A POST's first response, replayed for later requests with the same key.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyRecord {
    pub api_key_id: ApiKeyId,
    pub key: String,
    /// Hex SHA-256 of method, path and body: a different request with the same key is a 422.
    pub request_hash: String,
    pub status: u16,
    pub body: Vec<u8>,
    pub created_at: Millis,
    /// The token of the claim this record completes ([`crate::Store::claim_idempotency`]);
    /// `None` for a record written without one. Never read back.
    pub claim_token: Option<String>,
}

/// A request's hold on an `Idempotency-Key` while it runs: the row exists with no response
/// yet, so a concurrent request with the same key waits for the response instead of
/// running again.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyClaim {
    pub api_key_id: ApiKeyId,
    pub key: String,
    pub request_hash: String,
    /// Random; only the request holding it may complete or release the claim.
    pub token: String,
    pub claimed_at: Millis,
}

/// What [`crate::Store::claim_idempotency`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// The key is now held by this claim: run the request.
    Claimed,
    /// The key is held or answered already.
    Taken(IdempotencyEntry),
}

/// The stored state of one `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq)]
pub enum IdempotencyEntry {
    /// A request holds the key and has not answered yet.
    InProgress {
        request_hash: String,
        claimed_at: Millis,
    },
    /// The key's recorded response.
    Done(IdempotencyRecord),
}

/// Everything one request writes, committed atomically by [`crate::Store::commit`].
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub inquiry: Option<InquiryWrite>,
    pub account: Option<AccountLink>,
    pub new_session: Option<InquirySession>,
    /// Status changes of existing sessions (expire/cancel).
    pub session_updates: Vec<(SessionId, SessionStatus)>,
    pub events: Vec<NewEvent>,
    pub documents: Vec<Document>,
    /// Deletes every document and the stored face of this inquiry and scrubs its
    /// verifications down to check names and statuses (redaction).
    pub delete_documents_of: Option<InquiryId>,
    pub idempotency: Option<IdempotencyRecord>,
    /// One-time links created or canceled.
    pub handoff: Vec<crate::HandoffWrite>,
    /// New and finished verifications, written after the inquiry.
    pub verifications: Vec<crate::VerificationWrite>,
    /// Workflow runs to insert or replace, written after the inquiry.
    pub workflow_runs: Vec<crate::WorkflowRun>,
    /// Stored faces to insert or replace (one per inquiry), written after the inquiry.
    pub faces: Vec<crate::FaceRecord>,
    /// Audit records of this change (a console or API decision), appended with it.
    pub audit: Vec<crate::AuditRecord>,
    /// Operators' comments on the inquiry, written after it.
    pub comments: Vec<crate::Comment>,
}

#[derive(Debug, Clone)]
pub struct Committed {
    /// The inquiry as stored, when the change wrote one.
    pub inquiry: Option<Inquiry>,
    /// Whether `account` created a new account (so the caller can log `account.created`).
    pub account_created: bool,
}
