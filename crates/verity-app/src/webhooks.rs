//! Webhook endpoints' changes: every update is checked against the revision it was read at,
//! so concurrent changes (an operator's update, a rotation, a disable) all land.

use verity_core::id::WebhookId;
use verity_core::Millis;
use verity_store::{StoreError, Webhook};

use crate::{App, AppError};

/// Attempts of [`modify`] before it gives up; each lost race means another update landed.
const MAX_ATTEMPTS: u32 = 64;

/// Stores `webhook`, a new endpoint (its secret already drawn by the caller, who shows it once).
pub async fn create(app: &App, webhook: &Webhook) -> Result<(), AppError> {
    app.store.insert_webhook(webhook).await?;
    Ok(())
}

/// Changes endpoint `id` with `edit`; re-reads and re-applies it when another writer changed
/// the endpoint between the read and the write.
pub async fn modify<E, F>(app: &App, id: &WebhookId, mut edit: F) -> Result<Webhook, E>
where
    F: FnMut(&mut Webhook, Millis) -> Result<(), E>,
    E: From<AppError>,
{
    for _ in 0..MAX_ATTEMPTS {
        let read = app
            .store
            .webhook_for_update(id)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::not_found("webhook", id))?;
        let mut webhook = read.value;
        edit(&mut webhook, app.now())?;
        match app.store.update_webhook_if(&webhook, read.revision).await {
            Ok(_) => {
                // Re-enabling may make parked deliveries claimable.
                app.store.outbox_signal().notify_one();
                return Ok(webhook);
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(AppError::from(e).into()),
        }
    }
    Err(AppError::Conflict("the webhook kept changing concurrently; try again".into()).into())
}
