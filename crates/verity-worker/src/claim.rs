//! The delivery loop: lease due deliveries, send each in its own task (at most
//! `concurrency` at once), hand outcomes to the recorder, and sleep until woken by a
//! commit (the store's outbox signal), a recorded outcome, or the poll interval.
//!
//! Claims are batched: every claim is a database round trip and a write (SQLite's single
//! writer, PostgreSQL's row locks), so under load the loop waits until a quarter of the
//! permits are free — or [`BATCH_WINDOW`] passed — instead of claiming one delivery each
//! time one attempt ends. When idle every permit is free and it claims at once.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use verity_store::{ClaimedDelivery, Store};

use crate::{deliver, now_ms, record, schedule, DeliveryConfig};

/// Longest wait for a batch's worth of permits before claiming with fewer: bounds the
/// latency batching adds to a delivery that is due while others are in flight.
pub const BATCH_WINDOW: Duration = Duration::from_millis(10);

/// Free permits worth a claim while deliveries are in flight: a quarter of them, so a
/// claim round trip is shared by many deliveries.
fn batch_size(concurrency: usize) -> u32 {
    u32::try_from((concurrency / 4).max(1)).unwrap_or(u32::MAX)
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("building the delivery HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Runs the delivery worker until `shutdown` is cancelled, then waits for the attempts
/// in flight and their recording.
pub async fn run(
    store: Arc<dyn Store>,
    config: DeliveryConfig,
    shutdown: CancellationToken,
) -> Result<(), WorkerError> {
    let client = deliver::client(&config)?;
    let config = Arc::new(config);
    let wake = store.outbox_signal();
    let (outcomes, queue) = mpsc::channel(4096);
    let recorder = tokio::spawn(record::run(store.clone(), queue, wake.clone()));
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let lease = i64::try_from(config.lease().as_millis()).unwrap_or(i64::MAX);
    let batch = batch_size(config.concurrency.max(1));

    while !shutdown.is_cancelled() {
        if permits.available_permits() < batch as usize {
            // Deliveries are in flight: wait for a batch's worth of them to end (the
            // permits are handed back at once: only this loop acquires them).
            tokio::select! {
                acquired = permits.acquire_many(batch) => drop(acquired),
                () = tokio::time::sleep(BATCH_WINDOW) => {}
                () = shutdown.cancelled() => break,
            }
        }
        let free = u32::try_from(permits.available_permits()).unwrap_or(u32::MAX);
        let mut full = false;
        if free > 0 {
            let now = now_ms();
            match store.claim_deliveries(now, now + lease, free).await {
                Ok(claimed) => {
                    full = claimed.len() == free as usize;
                    for delivery in claimed {
                        let Ok(permit) = permits.clone().acquire_owned().await else {
                            break;
                        };
                        let (client, config, outcomes) =
                            (client.clone(), config.clone(), outcomes.clone());
                        tokio::spawn(async move {
                            let outcome = attempt(&client, &config, &delivery).await;
                            // The recorder outlives every sender; a closed queue only
                            // happens at shutdown, when the lease covers the loss.
                            let _ = outcomes.send(outcome).await;
                            drop(permit);
                        });
                    }
                }
                Err(err) => tracing::warn!(error = %err, "claiming webhook deliveries failed"),
            }
        }
        if full {
            // More may be due right now.
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(config.poll_interval) => {}
            () = shutdown.cancelled() => {}
        }
    }
    // Wait for the attempts in flight, then let the recorder drain.
    let _ = permits
        .acquire_many(u32::try_from(config.concurrency.max(1)).unwrap_or(u32::MAX))
        .await;
    drop(outcomes);
    let _ = recorder.await;
    Ok(())
}

async fn attempt(
    client: &reqwest::Client,
    config: &DeliveryConfig,
    delivery: &ClaimedDelivery,
) -> verity_store::AttemptOutcome {
    let attempt = delivery.attempts.saturating_add(1);
    let started_at = now_ms();
    let response = deliver::send(client, config, delivery, attempt, started_at).await;
    if let Some(error) = &response.error {
        tracing::debug!(delivery = %delivery.id, webhook = %delivery.webhook.id, attempt, error, "webhook attempt failed");
    }
    let jitter: f64 = rand::thread_rng().gen();
    schedule::outcome(config, delivery, attempt, started_at, response, jitter)
}

#[cfg(test)]
mod tests {
    use super::batch_size;

    #[test]
    fn batches_are_a_quarter_of_the_permits_and_never_empty() {
        assert_eq!(batch_size(64), 16);
        assert_eq!(batch_size(7), 1);
        assert_eq!(batch_size(1), 1);
        assert_eq!(batch_size(0), 1);
    }
}
