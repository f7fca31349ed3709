//! The storage trait. Each method documents what its outcomes mean; both backends must
//! agree on every one of them (the conformance suite checks).

use async_trait::async_trait;
use verity_core::account::Account;
use verity_core::capture::Shot;
use verity_core::handoff::OneTimeLink;
use verity_core::id::{
    AccountId, ApiKeyId, DeliveryId, DocumentId, EventId, InquiryId, InquiryTemplateVersionId,
    OperatorId, SessionId, TemplateId, VerificationId, WebhookId,
};
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::template::{Template, TemplateVersion};
use verity_core::verification::Verification;
use verity_core::Millis;

use crate::model::*;
use crate::model_console::*;
use crate::model_verifications::*;
use crate::model_webhooks::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The inquiry changed since it was read (`expected_revision` did not match).
    /// The caller re-reads, re-applies its command and commits again.
    #[error("the record was changed concurrently")]
    Conflict,
    /// The `(api key, Idempotency-Key)` pair is already recorded; nothing was written.
    /// The caller loads the record with [`Store::idempotency_record`] and replays it.
    #[error("idempotency key already used")]
    IdempotencyKeyUsed,
    /// An insert collided with an existing unique value (`what` names it).
    #[error("{what} already exists")]
    Duplicate { what: &'static str },
    /// An update targeted a row that does not exist.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// A stored row could not be decoded (corruption or a migration bug).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A sealed value did not open: it was altered in the database, or the data key that
    /// sealed it was destroyed (a redacted inquiry's). Never answered with altered bytes.
    #[error("stored data cannot be decrypted: {0}")]
    Undecryptable(String),
    /// A stored data key is wrapped by a key-encryption key the keyring does not hold.
    #[error("the keyring lacks key-encryption key `{0}`, which wraps stored data keys")]
    MissingKek(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is (`"sqlite"` or `"postgres"`), for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    /// Applies pending migrations. Idempotent; safe when several processes start at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Re-wraps every data key with the keyring's current key-encryption key, without
    /// re-encrypting any row (docs/encryption.md); returns how many were re-wrapped.
    /// Afterwards older KEKs can be dropped from the keyring.
    async fn rewrap_data_keys(&self) -> Result<u64, StoreError>;

    /// Cheap round trip to the database, for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Leaves no deleted content readable in the database's files; call it after a
    /// redaction commit. On SQLite every connection runs with `secure_delete = ON`
    /// (deleted and overwritten rows are zeroed in their pages), and this checkpoints the
    /// write-ahead log into the database file and truncates it, since the log still holds
    /// the pages as they were before the redaction. On PostgreSQL it does nothing: dead
    /// row versions are the server's to vacuum.
    ///
    /// `Ok(false)`: a concurrent reader kept an older snapshot past the busy timeout, so
    /// part of the log may remain; call again later.
    async fn checkpoint(&self) -> Result<bool, StoreError>;

    // --- templates -------------------------------------------------------------------

    /// Inserts a new template. `Duplicate` if the id exists.
    async fn insert_template(&self, template: &Template) -> Result<(), StoreError>;
    /// Replaces a template. `NotFound` if it does not exist.
    async fn update_template(&self, template: &Template) -> Result<(), StoreError>;
    async fn template(&self, id: &TemplateId) -> Result<Option<Template>, StoreError>;
    /// The template that published version `id`.
    async fn template_by_version(
        &self,
        id: &InquiryTemplateVersionId,
    ) -> Result<Option<Template>, StoreError>;
    /// Newest first.
    async fn list_templates(&self, page: &PageRequest) -> Result<Page<Template>, StoreError>;
    /// A template with its revision, for [`Store::update_template_if`].
    async fn template_for_update(
        &self,
        id: &TemplateId,
    ) -> Result<Option<Revisioned<Template>>, StoreError>;
    /// Replaces a template if its stored revision is still `expected_revision` (as read
    /// with [`Store::template_for_update`]) and returns the new revision. `Conflict` if
    /// another update came first (re-read, re-apply, retry); `NotFound` if no such
    /// template. Its new versions are recorded as rows, as by `update_template` (which
    /// also counts as a revision).
    async fn update_template_if(
        &self,
        template: &Template,
        expected_revision: i64,
    ) -> Result<i64, StoreError>;
    /// One published version, read from its own row.
    async fn template_version(
        &self,
        id: &InquiryTemplateVersionId,
    ) -> Result<Option<TemplateVersion>, StoreError>;

    // --- inquiries, sessions, events, documents: written together ---------------------

    /// Writes `change` in one transaction, or nothing at all.
    ///
    /// - `InquiryWrite::Insert`: `Duplicate` if the id exists.
    /// - `InquiryWrite::Update`: `Conflict` unless the stored revision equals
    ///   `expected_revision`; stores `revision = expected_revision + 1`. `NotFound` if no
    ///   inquiry has that id.
    /// - `account`: finds the account with that reference id or creates it with the given
    ///   id, and sets the inquiry's `account_id` when it has none.
    /// - `idempotency`: with a `claim_token`, completes that claim (`IdempotencyKeyUsed`
    ///   if the claim no longer holds the key); without one, inserts the record
    ///   (`IdempotencyKeyUsed` if the key already has a row for that API key).
    /// - events get increasing sequence numbers in the order given (consecutive on SQLite;
    ///   on PostgreSQL a concurrent commit may take numbers in between).
    /// - `account` without an inquiry stamps the new account with the wall clock; with
    ///   one, with the inquiry's `updated_at`.
    ///
    /// Returns the inquiry as stored (revision and account id filled in).
    async fn commit(&self, change: Change) -> Result<Committed, StoreError>;

    async fn inquiry(&self, id: &InquiryId) -> Result<Option<Inquiry>, StoreError>;
    /// Newest first, filtered.
    async fn list_inquiries(
        &self,
        filter: &InquiryFilter,
        page: &PageRequest,
    ) -> Result<Page<Inquiry>, StoreError>;
    /// Open inquiries (`created`/`pending`) whose `expires_at <= now`, oldest first, at most `limit`.
    async fn overdue_inquiries(&self, now: Millis, limit: u32) -> Result<Vec<Inquiry>, StoreError>;
    /// Inquiries of `template` that reached a final state at or before `before` and are not
    /// redacted ([`Inquiry::retained_since`]), the longest kept first, at most `limit`.
    async fn retained_inquiries(
        &self,
        template: &TemplateId,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<Inquiry>, StoreError>;

    /// The session whose token hashes to `token_hash`, whatever its status.
    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<InquirySession>, StoreError>;
    async fn sessions_for_inquiry(&self, id: &InquiryId)
        -> Result<Vec<InquirySession>, StoreError>;

    async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError>;
    /// Newest first; `reference_id` filters exactly.
    async fn list_accounts(
        &self,
        reference_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError>;

    async fn event(&self, id: &EventId) -> Result<Option<StoredEvent>, StoreError>;
    /// Newest first, filtered.
    async fn list_events(
        &self,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredEvent>, StoreError>;

    /// Metadata and bytes of one document (`None` once redacted).
    async fn document(&self, id: &DocumentId) -> Result<Option<Document>, StoreError>;
    /// Metadata only (`bytes` empty), oldest first.
    async fn documents_for_inquiry(&self, id: &InquiryId) -> Result<Vec<Document>, StoreError>;

    /// Records a capture refused at upload (docs/verifications.md §5). `NotFound` if the
    /// inquiry does not exist. A redaction (`Change::delete_documents_of`) deletes the
    /// inquiry's refusals with its documents.
    async fn insert_capture_refusal(&self, refusal: &CaptureRefusal) -> Result<(), StoreError>;
    /// How many captures of `shot` (an ID side or selfie pose) inquiry `id` had refused.
    async fn count_capture_refusals(&self, id: &InquiryId, shot: Shot) -> Result<u64, StoreError>;

    // --- API keys and idempotency --------------------------------------------------

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// The key whose secret hashes to `hash`, revoked or not.
    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Oldest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    /// Sets `revoked_at`; `NotFound` if no such key. Revoking twice keeps the first time.
    async fn revoke_api_key(&self, id: &ApiKeyId, now: Millis) -> Result<(), StoreError>;

    async fn idempotency_record(
        &self,
        api_key_id: &ApiKeyId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;
    /// Claims an `Idempotency-Key` before its request runs (the row's primary key makes
    /// the claim unique across processes).
    ///
    /// - `Claimed`: the key had no row, or its row was a claim taken before
    ///   `stale_before` (its request crashed or hung) or a response recorded before
    ///   `expired_before`; the row is now this claim's, with no response.
    /// - `Taken(InProgress)`: a live claim of another request holds the key.
    /// - `Taken(Done)`: the key's recorded response.
    async fn claim_idempotency(
        &self,
        claim: &IdempotencyClaim,
        stale_before: Millis,
        expired_before: Millis,
    ) -> Result<ClaimOutcome, StoreError>;
    /// The key's row as it is, claimed or answered; `None` if it has none (never claimed,
    /// released or purged).
    async fn idempotency_entry(
        &self,
        api_key_id: &ApiKeyId,
        key: &str,
    ) -> Result<Option<IdempotencyEntry>, StoreError>;
    /// Records `record` as the response of the claim named by its `claim_token`.
    /// `Ok(false)`: that claim no longer holds the key (the response was already recorded
    /// in the request's own commit, or the claim went stale and another request took
    /// it); nothing was written.
    async fn complete_idempotency(&self, record: &IdempotencyRecord) -> Result<bool, StoreError>;
    /// Deletes the claim if it still holds the key without a response (its request
    /// failed), so a retry may run; a recorded response is kept.
    async fn release_idempotency(&self, claim: &IdempotencyClaim) -> Result<(), StoreError>;
    /// Deletes records created before `before`; returns how many.
    async fn purge_idempotency(&self, before: Millis) -> Result<u64, StoreError>;

    // --- webhook endpoints and their delivery outbox ---------------------------------
    //
    // The outbox itself is written by `commit`: for every event it writes, one pending
    // delivery per endpoint that is enabled and subscribed to the event's name at that
    // moment, in the same transaction.

    /// Inserts an endpoint. `Duplicate` if the id exists.
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError>;
    /// Replaces an endpoint's configuration (url, events, status, blocklist, secrets,
    /// `disabled_reason`, `updated_at`). `failing_since` is kept, except that enabling a
    /// disabled endpoint clears it. `NotFound` if no such endpoint.
    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError>;
    async fn webhook(&self, id: &WebhookId) -> Result<Option<Webhook>, StoreError>;
    /// An endpoint with its revision, for [`Store::update_webhook_if`].
    async fn webhook_for_update(
        &self,
        id: &WebhookId,
    ) -> Result<Option<Revisioned<Webhook>>, StoreError>;
    /// [`Store::update_webhook`] if the stored revision is still `expected_revision` (as
    /// read with [`Store::webhook_for_update`]); returns the new revision. `Conflict` if
    /// another update came first; `NotFound` if no such endpoint. The delivery worker's
    /// health updates do not count as revisions.
    async fn update_webhook_if(
        &self,
        webhook: &Webhook,
        expected_revision: i64,
    ) -> Result<i64, StoreError>;
    /// Newest first.
    async fn list_webhooks(&self, page: &PageRequest) -> Result<Page<Webhook>, StoreError>;
    /// One endpoint's deliveries, newest first, each with its attempt history.
    async fn list_deliveries(
        &self,
        webhook_id: &WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, StoreError>;
    /// One delivery with its attempt history.
    async fn delivery(&self, id: &DeliveryId) -> Result<Option<Delivery>, StoreError>;
    /// Makes a delivery (whatever its status) pending again, due at `now`, with a fresh
    /// retry schedule. `NotFound` if no such delivery.
    async fn redeliver(&self, id: &DeliveryId, now: Millis) -> Result<(), StoreError>;
    /// Leases up to `limit` deliveries until `lease_until` and returns them. A delivery is
    /// claimable when it is pending, due (`next_attempt_at <= now`), not leased
    /// (`lease_until <= now`: an expired lease — a worker that died — is claimable again),
    /// its endpoint is enabled, and no delivery of an earlier event (by `seq`) for the
    /// same endpoint and inquiry is still pending. Concurrent claimers, also in other
    /// processes, never receive the same delivery while its lease runs. Due first.
    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;
    /// Records attempt outcomes in one transaction: appends each attempt to its delivery's
    /// history, sets the delivery's status, attempt count and next time, releases its
    /// lease, and updates the endpoint's health (clear or set `failing_since`, or disable
    /// it with a reason).
    async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<(), StoreError>;
    /// Notified after every successful `commit` that wrote events (and so maybe
    /// deliveries) in this process, so the delivery worker wakes at once. Other processes
    /// sharing a PostgreSQL database are not notified; their workers poll.
    fn outbox_signal(&self) -> std::sync::Arc<tokio::sync::Notify>;

    // --- one-time links (cross-device hand-off) ------------------------------------------
    //
    // Links are created and canceled by `commit` (`Change::handoff`), together with the
    // session they belong to and its events.

    /// The link of the hand-off session `session_id`.
    async fn one_time_link(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<OneTimeLink>, StoreError>;
    /// The link whose code hashes to `code_hash`, whatever its status.
    async fn one_time_link_by_code_hash(
        &self,
        code_hash: &str,
    ) -> Result<Option<OneTimeLink>, StoreError>;
    /// How many links of inquiry `id` were created at or after `since` (rate limits
    /// that hold across processes).
    async fn count_one_time_links(&self, id: &InquiryId, since: Millis) -> Result<u64, StoreError>;
    /// Spends the link whose code hashes to `code_hash`, in one transaction: if it is
    /// unopened (`sent`), unexpired at `now`, its session active and its inquiry open, it
    /// becomes `started` (`opened_at = now`) and its session's token hash becomes
    /// `token_hash`; the link is returned. Otherwise nothing changes and `None` is
    /// returned (the caller reads the link to say why). Of concurrent callers with the
    /// same code, also in other processes, exactly one gets `Some`.
    async fn open_one_time_link(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<OneTimeLink>, StoreError>;
    /// A receiver of the ids of existing inquiries changed by a `commit` (or an opened link):
    /// from this process at once, and on PostgreSQL also from other processes sharing the
    /// database (`LISTEN/NOTIFY`). Best effort — a lagging or reconnecting receiver can
    /// miss some — so watchers re-read the database now and then as well.
    fn inquiry_changes(&self) -> tokio::sync::broadcast::Receiver<InquiryId>;

    // --- verifications and workflow runs -----------------------------------------
    //
    // Written by `commit` (`Change::verifications`, `Change::workflow_runs`).

    async fn verification(&self, id: &VerificationId) -> Result<Option<Verification>, StoreError>;
    /// Oldest first.
    async fn verifications_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<Verification>, StoreError>;
    /// Leases up to `limit` `submitted` verifications until `lease_until`, oldest first.
    /// Claimable: submitted and not leased (`lease_until <= now`: a worker that died
    /// leaves its lease to expire). Concurrent claimers, also in other processes, never
    /// receive the same verification while its lease runs. Finishing one (`commit` with
    /// `VerificationWrite::Finish`) ends its lease.
    async fn claim_verifications(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<Verification>, StoreError>;
    async fn workflow_run(&self, inquiry_id: &InquiryId)
        -> Result<Option<WorkflowRun>, StoreError>;
    /// Leases up to `limit` pending runs that are due (`due_at <= now`) and not leased,
    /// earliest first; same guarantees as `claim_verifications`. A commit that upserts the
    /// run ends its lease.
    async fn claim_workflow_runs(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<WorkflowRun>, StoreError>;

    // --- Stored faces (written by `commit`: `Change::faces`) ------------------------

    /// Every stored face but `except`'s (the inquiry being checked), oldest first: the
    /// duplicate search compares them all.
    async fn faces_except(&self, except: &InquiryId) -> Result<Vec<FaceRecord>, StoreError>;

    // --- the operator console (docs/console.md) ----------------------------------

    /// Inserts an operator. `Duplicate { what: "operator" }` if the id or the email exists.
    async fn insert_operator(&self, operator: &Operator) -> Result<(), StoreError>;
    async fn operator(&self, id: &OperatorId) -> Result<Option<Operator>, StoreError>;
    /// Exact match on the stored email.
    async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>, StoreError>;
    /// Oldest first.
    async fn list_operators(&self) -> Result<Vec<Operator>, StoreError>;
    /// Replaces every field but `id` and `created_at`. `NotFound` if no such operator;
    /// `Duplicate` if the new email is another operator's.
    async fn update_operator(&self, operator: &Operator) -> Result<(), StoreError>;
    /// Counts one wrong password, atomically (concurrent failures, also in other
    /// processes, all count). The `limit`-th failure since the last sign-in or lock sets
    /// `locked_until = lock_until` and restarts the count at 0. `NotFound` if no such
    /// operator.
    async fn record_failed_sign_in(
        &self,
        id: &OperatorId,
        limit: u32,
        lock_until: Millis,
    ) -> Result<FailedSignIn, StoreError>;
    /// After a sign-in: the count goes to 0 and the lock, if any, ends.
    async fn clear_failed_sign_ins(&self, id: &OperatorId) -> Result<(), StoreError>;

    /// `NotFound { what: "operator" }` if the operator does not exist.
    async fn insert_operator_session(&self, session: &OperatorSession) -> Result<(), StoreError>;
    /// The session whose token hashes to `token_hash`, ended or not.
    async fn operator_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<OperatorSession>, StoreError>;
    /// Moves `last_seen_at` forward to `now` (never back).
    async fn touch_operator_session(&self, token_hash: &str, now: Millis)
        -> Result<(), StoreError>;
    /// Ends one session; an ended one keeps its first end time.
    async fn end_operator_session(&self, token_hash: &str, now: Millis) -> Result<(), StoreError>;
    /// Ends every live session of an operator ("sign out everywhere"); returns how many.
    async fn end_operator_sessions(&self, id: &OperatorId, now: Millis) -> Result<u64, StoreError>;

    /// Sets (`Some`: sealed with the server's data key) or clears an operator's TOTP secret
    /// (docs/console.md §8) and forgets its last used time step. `NotFound` if no such
    /// operator.
    async fn set_operator_totp(
        &self,
        id: &OperatorId,
        secret: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Clears a session's `totp_pending`: its second factor was given.
    async fn confirm_operator_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// The operator's TOTP secret, opened; `None` when it has none (or no such operator).
    async fn operator_totp(&self, id: &OperatorId) -> Result<Option<String>, StoreError>;
    /// Marks time step `step` used, atomically: `false` when that step or a later one was
    /// already used (a replayed code), or no such operator.
    async fn use_totp_step(&self, id: &OperatorId, step: i64) -> Result<bool, StoreError>;

    /// Appends audit records (a decision's go with its `commit`: `Change::audit`).
    /// Records are never updated or deleted. `Duplicate` if an id exists.
    async fn insert_audit_records(&self, records: &[AuditRecord]) -> Result<(), StoreError>;
    /// Newest first, filtered.
    async fn list_audit_records(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>, StoreError>;
    /// Up to `limit` inquiries waiting for a person (`needs_review` and `failed`), the
    /// longest waiting (oldest) first.
    async fn review_queue(&self, limit: u32) -> Result<Vec<Inquiry>, StoreError>;
    /// How many inquiries [`Store::review_queue`] would list without a limit.
    async fn count_review_queue(&self) -> Result<u64, StoreError>;
    /// The comments on inquiry `id` (written by `commit`: `Change::comments`), oldest
    /// first; none once it is redacted.
    async fn comments_for_inquiry(&self, id: &InquiryId) -> Result<Vec<Comment>, StoreError>;
    /// Up to `limit` webhook deliveries of inquiry `id`'s events, to every endpoint,
    /// newest first, each with its attempt history.
    async fn deliveries_for_inquiry(
        &self,
        id: &InquiryId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;
}
