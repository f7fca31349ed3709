//! Writes attempt outcomes in batches (one transaction per batch, so recording keeps up
//! with thousands of deliveries a second on SQLite's single writer), then wakes the claim
//! loop: a recorded success may unblock the next event of the same inquiry.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use verity_store::{AttemptOutcome, Store};

/// Most outcomes written in one transaction.
const MAX_BATCH: usize = 512;
/// Writes of one batch before it is dropped; its deliveries' leases then expire and they
/// are attempted again (at-least-once).
const WRITE_TRIES: u32 = 3;

/// Runs until every sender is dropped and the queue is drained.
pub async fn run(
    store: Arc<dyn Store>,
    mut outcomes: mpsc::Receiver<AttemptOutcome>,
    wake: Arc<Notify>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while outcomes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        for tries in 1..=WRITE_TRIES {
            match store.record_attempts(&batch).await {
                Ok(()) => break,
                Err(err) if tries < WRITE_TRIES => {
                    tracing::warn!(error = %err, size = batch.len(), "recording webhook attempts failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(tries))).await;
                }
                Err(err) => {
                    tracing::error!(error = %err, size = batch.len(), "recording webhook attempts failed; they will be retried when their leases expire");
                }
            }
        }
        batch.clear();
        wake.notify_one();
    }
}
