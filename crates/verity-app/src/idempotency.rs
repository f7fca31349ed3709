//! Idempotency keys: claimed before the request runs, answered once, replayed after.
//!
//! The REST edge decides what a request is and what of the response may be kept (never a
//! value shown once); this module holds the key while the request runs and writes the
//! answer. A claim is a row keyed by (API key, `Idempotency-Key`), so of concurrent
//! requests with one key — in one process or several sharing PostgreSQL — exactly one
//! runs; the others wait for its answer, bounded by `idempotency_wait_ms`. A claim whose
//! request failed is released, and one whose request crashed goes stale after
//! `idempotency_claim_timeout_ms`, so no key is blocked for good. A use case that can
//! (creating an inquiry) records the answer in its own commit through a [`Responder`], so
//! the change and its record land together (docs/architecture.md §4).

use std::sync::Arc;
use std::time::Duration;

use verity_core::inquiry::Inquiry;
use verity_store::{
    ClaimOutcome, IdempotencyClaim, IdempotencyEntry, IdempotencyRecord, StoreError,
};

use crate::{App, AppError};

/// What holds a key after [`claim`].
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    /// This request holds the key: run it, then [`complete`] or [`release`].
    Claimed,
    /// The key's recorded answer: replay it.
    Answered(IdempotencyRecord),
    /// The key was used with a different request.
    OtherRequest,
    /// Another request with this key still runs after the bounded wait.
    StillRunning,
}

/// Claims `claim`'s key, or waits (up to `idempotency_wait_ms`) for the request that holds
/// it to answer. Polls the row, so a holder in another process is seen too.
pub async fn claim(app: &App, claim: &IdempotencyClaim) -> Result<Held, AppError> {
    let deadline = tokio::time::Instant::now()
        + Duration::from_millis(u64::try_from(app.config.idempotency_wait_ms).unwrap_or(0));
    let mut pause = Duration::from_millis(5);
    loop {
        let now = app.now();
        let outcome = app
            .store
            .claim_idempotency(
                claim,
                now - app.config.idempotency_claim_timeout_ms,
                now - app.config.idempotency_ttl_ms,
            )
            .await?;
        let entry = match outcome {
            ClaimOutcome::Claimed => return Ok(Held::Claimed),
            ClaimOutcome::Taken(entry) => entry,
        };
        if let Some(held) = settled(entry, claim) {
            return Ok(held);
        }
        // Wait on reads; claim again only once the holder is gone or stale.
        loop {
            if tokio::time::Instant::now() + pause > deadline {
                return Ok(Held::StillRunning);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
            let entry = app
                .store
                .idempotency_entry(&claim.api_key_id, &claim.key)
                .await?;
            match entry {
                None => break,
                Some(IdempotencyEntry::InProgress { claimed_at, .. })
                    if claimed_at < app.now() - app.config.idempotency_claim_timeout_ms =>
                {
                    break
                }
                Some(entry) => {
                    if let Some(held) = settled(entry, claim) {
                        return Ok(held);
                    }
                }
            }
        }
    }
}

/// The answer an entry gives a waiting request, if it gives one yet.
fn settled(entry: IdempotencyEntry, claim: &IdempotencyClaim) -> Option<Held> {
    match entry {
        IdempotencyEntry::Done(record) if record.request_hash != claim.request_hash => {
            Some(Held::OtherRequest)
        }
        IdempotencyEntry::Done(record) => Some(Held::Answered(record)),
        IdempotencyEntry::InProgress { request_hash, .. } if request_hash != claim.request_hash => {
            Some(Held::OtherRequest)
        }
        IdempotencyEntry::InProgress { .. } => None,
    }
}

/// Records `record`, the answer of the claim named by its `claim_token`. Already recorded
/// (by the use case's own commit) is fine; any other failure only costs the replay, so it
/// is logged, not returned.
pub async fn complete(app: &App, record: IdempotencyRecord) {
    match app.store.complete_idempotency(&record).await {
        Ok(true) => {}
        Ok(false) => tracing::debug!("idempotency claim already answered or taken over"),
        Err(e) => tracing::warn!(error = %e, "could not record idempotency key"),
    }
}

/// Frees the key after a failed request, so a retry runs it again.
pub async fn release(app: &App, claim: &IdempotencyClaim) {
    if let Err(e) = app.store.release_idempotency(claim).await {
        tracing::warn!(error = %e, "could not release idempotency key; it goes stale");
    }
}

/// The edge's rendering of a created inquiry as its recorded answer: status and body.
pub type RenderAnswer = Arc<dyn Fn(&Inquiry) -> (u16, Vec<u8>) + Send + Sync>;

/// How a use case answers its claimed request inside its own commit: the edge's rendering
/// of the result (status and the body as it may be kept).
#[derive(Clone)]
pub struct Responder {
    pub claim: IdempotencyClaim,
    pub render: RenderAnswer,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("claim", &self.claim)
            .finish_non_exhaustive()
    }
}

impl Responder {
    /// The record answering the claim with `inquiry` as the use case will store it.
    pub fn record(&self, inquiry: &Inquiry) -> IdempotencyRecord {
        let (status, body) = (self.render)(inquiry);
        IdempotencyRecord {
            api_key_id: self.claim.api_key_id.clone(),
            key: self.claim.key.clone(),
            request_hash: self.claim.request_hash.clone(),
            status,
            body,
            created_at: self.claim.claimed_at,
            claim_token: Some(self.claim.token.clone()),
        }
    }
}

/// The error a use case answers when its claim was taken over before its commit (it ran
/// past `idempotency_claim_timeout_ms`): its change was not written.
pub(crate) fn claim_lost(e: StoreError) -> AppError {
    match e {
        StoreError::IdempotencyKeyUsed => AppError::Conflict(
            "this request ran so long that its Idempotency-Key was taken over by a retry; \
             nothing was written by this one"
                .into(),
        ),
        e => AppError::Store(e),
    }
}
