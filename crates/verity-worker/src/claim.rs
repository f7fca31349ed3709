//! The delivery loop: lease due deliveries, send each in its own task (at most
//! `concurrency` at once), hand outcomes to the recorder, and sleep until woken by a
//! commit (the store's outbox signal), a recorded outcome, or the poll interval.

use std::sync::Arc;

use rand::Rng;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use verity_store::{ClaimedDelivery, Store};

use crate::{deliver, now_ms, record, schedule, DeliveryConfig};

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

    while !shutdown.is_cancelled() {
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
