//! API keys and idempotency records.

use verity_core::id::{ApiKeyId, InquiryId};
use verity_core::Millis;

use crate::errors;
use crate::exec::{args, Exec};
use crate::queries::bulk;
use crate::rows::{ApiKeyRow, IdempotencyRow, API_KEY_COLUMNS, IDEMPOTENCY_COLUMNS};
use crate::{ApiKey, IdempotencyRecord, StoreError};

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

/// Records the keys; `IdempotencyKeyUsed` if any is already there. Run first in a commit
/// so a replayed request costs one statement.
pub(crate) async fn insert_idempotency_all<E: Exec>(
    ex: &mut E,
    records: &[&IdempotencyRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let rows = records
        .iter()
        .map(|record| {
            args![
                record.api_key_id.as_str(),
                record.key.as_str(),
                record.request_hash.as_str(),
                i64::from(record.status),
                record.body.clone(),
                record.created_at,
                inquiry_of(&record.body)
            ]
        })
        .collect();
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
    if inserted < records.len() as u64 {
        return Err(StoreError::IdempotencyKeyUsed);
    }
    Ok(())
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
    id: &InquiryId,
) -> Result<(), StoreError> {
    let body = serde_json::json!({
        "data": {"type": "inquiry", "id": id.as_str(), "attributes": {"redacted": true}}
    });
    ex.execute(
        "UPDATE idempotency SET body = $2 WHERE inquiry_id = $1",
        args![id.as_str(), body.to_string().into_bytes()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn idempotency_record<E: Exec>(
    ex: &mut E,
    api_key_id: &ApiKeyId,
    key: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    let sql =
        format!("SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency WHERE api_key_id = $1 AND key = $2");
    let row: Option<IdempotencyRow> = ex
        .fetch_optional(&sql, args![api_key_id.as_str(), key])
        .await?;
    row.map(IdempotencyRow::decode).transpose()
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
