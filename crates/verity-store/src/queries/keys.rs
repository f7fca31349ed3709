//! API keys and idempotency records.

use verity_core::id::{ApiKeyId, InquiryId};
use verity_core::Millis;

use crate::errors;
use crate::exec::{args, Exec};
use crate::queries::bulk;
use crate::rows::{
    ApiKeyRow, IdempotencyEntryRow, IdempotencyRow, API_KEY_COLUMNS, IDEMPOTENCY_COLUMNS,
};
use crate::vault::Vault;
use crate::{
    ApiKey, ClaimOutcome, IdempotencyClaim, IdempotencyEntry, IdempotencyRecord, StoreError,
};

pub(crate) async fn insert_api_key<E: Exec>(ex: &mut E, key: &ApiKey) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO api_keys (id, name, hash, hint, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            key.id.as_str(),
            key.name.as_str(),
            key.hash.as_str(),
            key.hint.as_str(),
            key.created_at,
            key.revoked_at
        ],
    )
    .await
    .map_err(errors::unique("API key"))?;
    Ok(())
}

pub(crate) async fn api_key_by_hash<E: Exec>(
    ex: &mut E,
    hash: &str,
) -> Result<Option<ApiKey>, StoreError> {
    let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE hash = $1");
    let row: Option<ApiKeyRow> = ex.fetch_optional(&sql, args![hash]).await?;
    row.map(ApiKeyRow::decode).transpose()
}

pub(crate) async fn list_api_keys<E: Exec>(ex: &mut E) -> Result<Vec<ApiKey>, StoreError> {
    let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY seq");
    let rows: Vec<ApiKeyRow> = ex.fetch_all(&sql, args![]).await?;
    rows.into_iter().map(ApiKeyRow::decode).collect()
}

pub(crate) async fn revoke_api_key<E: Exec>(
    ex: &mut E,
    id: &ApiKeyId,
    now: Millis,
) -> Result<(), StoreError> {
    // COALESCE keeps the first revocation time; the row still counts as matched.
    let matched = ex
        .execute(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
            args![id.as_str(), now],
        )
        .await?;
    if matched == 0 {
        return Err(StoreError::NotFound { what: "API key" });
    }
    Ok(())
}

/// Records the keys: a record with a claim token completes that claim, one without is
/// inserted; `IdempotencyKeyUsed` if a claim no longer holds its key or an inserted key
/// is already there. Run first in a commit so a replayed request costs one statement.
pub(crate) async fn insert_idempotency_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    records: &[&IdempotencyRecord],
) -> Result<(), StoreError> {
    let (completing, inserting): (Vec<&IdempotencyRecord>, Vec<&IdempotencyRecord>) = records
        .iter()
        .copied()
        .partition(|r| r.claim_token.is_some());
    for record in completing {
        if !complete_idempotency(ex, vault, record).await? {
            return Err(StoreError::IdempotencyKeyUsed);
        }
    }
    if inserting.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(inserting.len());
    for record in &inserting {
        let inquiry = inquiry_of(&record.body);
        let body = vault
            .seal_bytes(ex, inquiry.as_deref(), &record.body)
            .await?;
        rows.push(args![
            record.api_key_id.as_str(),
            record.key.as_str(),
            record.request_hash.as_str(),
            i64::from(record.status),
            body,
            record.created_at,
            inquiry
        ]);
    }
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed
    // statement would poison the transaction, and the caller rolls back anyway.
    let inserted = bulk::insert(
        ex,
        "INSERT INTO idempotency (api_key_id, key, request_hash, status, body, created_at, inquiry_id)",
        7,
        rows,
        "ON CONFLICT (api_key_id, key) DO NOTHING",
    )
    .await?;
    if inserted < inserting.len() as u64 {
        return Err(StoreError::IdempotencyKeyUsed);
    }
    Ok(())
}

/// The response of the claim named by `record.claim_token`; `false` if that claim no
/// longer holds the key.
pub(crate) async fn complete_idempotency<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    record: &IdempotencyRecord,
) -> Result<bool, StoreError> {
    // The stored response of a create carries the inquiry's fields: sealed like them.
    let inquiry = inquiry_of(&record.body);
    let body = vault
        .seal_bytes(ex, inquiry.as_deref(), &record.body)
        .await?;
    let changed = ex
        .execute(
            "UPDATE idempotency SET state = 'done', status = $4, body = $5, inquiry_id = $6, \
             claim_token = NULL \
             WHERE api_key_id = $1 AND key = $2 AND state = 'claimed' AND claim_token = $3",
            args![
                record.api_key_id.as_str(),
                record.key.as_str(),
                record.claim_token.clone(),
                i64::from(record.status),
                body,
                inquiry
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// See [`crate::Store::claim_idempotency`]: insert the claim; else take over a stale claim
/// or an expired record; else report what holds the key. A row purged between the steps
/// is claimed on the next round.
pub(crate) async fn claim_idempotency<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    claim: &IdempotencyClaim,
    stale_before: Millis,
    expired_before: Millis,
) -> Result<ClaimOutcome, StoreError> {
    for _ in 0..3 {
        let inserted = ex
            .execute(
                "INSERT INTO idempotency \
                 (api_key_id, key, request_hash, status, body, created_at, state, claim_token) \
                 VALUES ($1, $2, $3, 0, $4, $5, 'claimed', $6) \
                 ON CONFLICT (api_key_id, key) DO NOTHING",
                claim_args(claim),
            )
            .await?;
        if inserted == 1 {
            return Ok(ClaimOutcome::Claimed);
        }
        let mut takeover = claim_args(claim);
        takeover.extend(args![stale_before, expired_before]);
        let taken = ex
            .execute(
                "UPDATE idempotency SET request_hash = $3, status = 0, body = $4, \
                 created_at = $5, state = 'claimed', claim_token = $6, inquiry_id = NULL \
                 WHERE api_key_id = $1 AND key = $2 AND \
                 ((state = 'claimed' AND created_at < $7) OR (state = 'done' AND created_at < $8))",
                takeover,
            )
            .await?;
        if taken == 1 {
            return Ok(ClaimOutcome::Claimed);
        }
        if let Some(entry) = idempotency_entry(ex, vault, &claim.api_key_id, &claim.key).await? {
            return Ok(ClaimOutcome::Taken(entry));
        }
    }
    Err(StoreError::Conflict)
}

fn claim_args(claim: &IdempotencyClaim) -> Vec<crate::exec::Arg> {
    args![
        claim.api_key_id.as_str(),
        claim.key.as_str(),
        claim.request_hash.as_str(),
        Vec::<u8>::new(),
        claim.claimed_at,
        claim.token.as_str()
    ]
}

pub(crate) async fn release_idempotency<E: Exec>(
    ex: &mut E,
    claim: &IdempotencyClaim,
) -> Result<(), StoreError> {
    ex.execute(
        "DELETE FROM idempotency \
         WHERE api_key_id = $1 AND key = $2 AND state = 'claimed' AND claim_token = $3",
        args![
            claim.api_key_id.as_str(),
            claim.key.as_str(),
            claim.token.as_str()
        ],
    )
    .await?;
    Ok(())
}

/// The key's row, claimed or answered.
pub(crate) async fn idempotency_entry<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    api_key_id: &ApiKeyId,
    key: &str,
) -> Result<Option<IdempotencyEntry>, StoreError> {
    let sql = format!(
        "SELECT {IDEMPOTENCY_COLUMNS}, state FROM idempotency WHERE api_key_id = $1 AND key = $2"
    );
    let row: Option<IdempotencyEntryRow> = ex
        .fetch_optional(&sql, args![api_key_id.as_str(), key])
        .await?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    // A claim has no response yet, so nothing to open.
    if row.state == "done" {
        row.record = open(ex, vault, row.record).await?;
    }
    row.decode().map(Some)
}

/// The row with its recorded response opened.
async fn open<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    mut row: IdempotencyRow,
) -> Result<IdempotencyRow, StoreError> {
    let what = format!("idempotency record {}", row.key);
    row.body = vault
        .open_bytes(ex, row.inquiry_id.as_deref(), &what, &row.body)
        .await?;
    Ok(row)
}

/// The inquiry a recorded response is about: its `data.id`, when that is an inquiry's.
fn inquiry_of(body: &[u8]) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = doc.pointer("/data/id")?.as_str()?;
    InquiryId::parse(id).ok().map(|id| id.to_string())
}

/// Erasure: the recorded responses about inquiry `id` keep only what identifies it, so a
/// replay answers the redacted inquiry's id and nothing the redaction removed.
pub(crate) async fn redact_idempotency_of<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &InquiryId,
) -> Result<(), StoreError> {
    let body = serde_json::json!({
        "data": {"type": "inquiry", "id": id.as_str(), "attributes": {"redacted": true}}
    });
    let body = vault
        .seal_bytes(ex, Some(id.as_str()), body.to_string().as_bytes())
        .await?;
    ex.execute(
        "UPDATE idempotency SET body = $2 WHERE inquiry_id = $1",
        args![id.as_str(), body],
    )
    .await?;
    Ok(())
}

pub(crate) async fn idempotency_record<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    api_key_id: &ApiKeyId,
    key: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    let sql =
        format!("SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency WHERE api_key_id = $1 AND key = $2 AND state = 'done'");
    let row: Option<IdempotencyRow> = ex
        .fetch_optional(&sql, args![api_key_id.as_str(), key])
        .await?;
    match row {
        Some(row) => open(ex, vault, row).await?.decode().map(Some),
        None => Ok(None),
    }
}

pub(crate) async fn purge_idempotency<E: Exec>(
    ex: &mut E,
    before: Millis,
) -> Result<u64, StoreError> {
    Ok(ex
        .execute(
            "DELETE FROM idempotency WHERE created_at < $1",
            args![before],
        )
        .await?)
}
