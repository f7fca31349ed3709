//! Operators' TOTP second factor (docs/console.md §8): the secret sealed with the server's
//! data key (docs/encryption.md) and the last accepted time step, advanced atomically so a
//! code is accepted once.

use verity_core::id::OperatorId;

use crate::exec::{args, Exec};
use crate::vault::Vault;
use crate::StoreError;

pub(crate) async fn set<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &OperatorId,
    secret: Option<&str>,
) -> Result<(), StoreError> {
    let sealed = match secret {
        Some(secret) => Some(vault.seal_text(ex, None, secret).await?),
        None => None,
    };
    let changed = ex
        .execute(
            "UPDATE operators SET totp_secret = $2, totp_last_step = NULL WHERE id = $1",
            args![id.as_str(), sealed],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound { what: "operator" });
    }
    Ok(())
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &OperatorId,
) -> Result<Option<String>, StoreError> {
    let row: Option<(Option<String>,)> = ex
        .fetch_optional(
            "SELECT totp_secret FROM operators WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
    match row.and_then(|(sealed,)| sealed) {
        Some(sealed) => {
            let what = format!("operator {id} TOTP secret");
            Ok(Some(vault.open_text(ex, None, &what, &sealed).await?))
        }
        None => Ok(None),
    }
}

/// One statement: of concurrent sign-ins with codes of one step, only one advances it.
pub(crate) async fn use_step<E: Exec>(
    ex: &mut E,
    id: &OperatorId,
    step: i64,
) -> Result<bool, StoreError> {
    let changed = ex
        .execute(
            "UPDATE operators SET totp_last_step = $2 \
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            args![id.as_str(), step],
        )
        .await?;
    Ok(changed == 1)
}
