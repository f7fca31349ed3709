//! The loop the checks worker and the workflow runner share: claim a batch; with nothing
//! claimed (or a failed claim), sleep until woken, the poll interval passes, or shutdown.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use verity_store::StoreError;

/// The next non-empty batch `claim` returns; `None` at shutdown.
pub(crate) async fn next_batch<T, Claim, Claimed>(
    wake: &Notify,
    poll_interval: Duration,
    shutdown: &CancellationToken,
    what: &str,
    mut claim: Claim,
) -> Option<Vec<T>>
where
    Claim: FnMut() -> Claimed,
    Claimed: Future<Output = Result<Vec<T>, StoreError>>,
{
    loop {
        // Registered before claiming, so work created during the claim is not missed.
        let woken = wake.notified();
        match claim().await {
            Ok(claimed) if !claimed.is_empty() => return Some(claimed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "claiming {what} failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = woken => {}
            _ = tokio::time::sleep(poll_interval) => {}
        }
    }
}
