//! Idempotency records: the first successful response to an `Idempotency-Key`, kept so a
//! retried request gets the same answer. The REST edge decides what a request is and what of
//! the response may be kept (never a value shown once); this module writes it.

use verity_store::{Change, IdempotencyRecord, StoreError};

use crate::App;

/// Stores `record`. A lost race is fine (the winner's response is equal); any other failure
/// only costs the replay, so it is logged, not returned.
pub async fn record(app: &App, record: IdempotencyRecord) {
    let change = Change {
        idempotency: Some(record),
        ..Change::default()
    };
    match app.store.commit(change).await {
        Ok(_) | Err(StoreError::IdempotencyKeyUsed) => {}
        Err(e) => tracing::warn!(error = %e, "could not record idempotency key"),
    }
}
