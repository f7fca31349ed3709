//! `Idempotency-Key` on POST: the first successful response for a (key, API key) pair is
//! recorded and replayed for 24 hours; the same key with a different request is a 422.
//!
//! Secrets shown once are removed from the recorded body (see [`without_secrets`]).
//!
//! The record is written after the handler's own commit. A crash between the two can
//! let a retried request run again, which is the usual at-least-once window; a
//! concurrent duplicate that loses the insert race still gets its own (equal) response.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use verity_store::{ApiKey, Change, IdempotencyRecord, StoreError};

use crate::error::ApiError;
use crate::state::AppState;

const MAX_KEY_LEN: usize = 255;

pub async fn replay_or_record(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Ok(next.run(req).await);
    }
    let Some(key) = req.headers().get("idempotency-key") else {
        return Ok(next.run(req).await);
    };
    let key = key
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
        .ok_or_else(|| {
            ApiError::bad_request(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
            )
        })?
        .to_owned();
    let api_key = req
        .extensions()
        .get::<ApiKey>()
        .cloned()
        .ok_or(ApiError::Unauthenticated("an API key is required"))?;

    let (parts, body) = req.into_parts();
    let limit = state.config.json_body_limit;
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit })?;
    let request_hash = {
        let mut h = Sha256::new();
        h.update(parts.method.as_str());
        h.update([0]);
        h.update(parts.uri.path());
        h.update([0]);
        h.update(&bytes);
        hex::encode(h.finalize())
    };

    let now = state.now();
    if let Some(found) = state.store.idempotency_record(&api_key.id, &key).await? {
        if now - found.created_at < state.config.idempotency_ttl_ms {
            return replay(found, &request_hash);
        }
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !response.status().is_success() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("buffering response: {e}")))?;
    let record = IdempotencyRecord {
        api_key_id: api_key.id,
        key,
        request_hash,
        status: parts.status.as_u16(),
        body: without_secrets(&body),
        created_at: now,
    };
    match state
        .store
        .commit(Change {
            idempotency: Some(record),
            ..Change::default()
        })
        .await
    {
        Ok(_) | Err(StoreError::IdempotencyKeyUsed) => {}
        Err(e) => tracing::warn!(error = %e, "could not record idempotency key"),
    }
    Ok(Response::from_parts(parts, Body::from(body)))
}

/// The body to keep for replay. Secrets shown once (`meta.secret` of a new webhook) are
/// not kept: a replay answers without them rather than storing them a second time.
fn without_secrets(body: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut doc) if doc.pointer("/meta/secret").is_some() => {
            if let Some(meta) = doc.get_mut("meta").and_then(|m| m.as_object_mut()) {
                meta.remove("secret");
            }
            serde_json::to_vec(&doc).unwrap_or_default()
        }
        _ => body.to_vec(),
    }
}

fn replay(found: IdempotencyRecord, request_hash: &str) -> Result<Response, ApiError> {
    if found.request_hash != request_hash {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "this Idempotency-Key was already used with a different request",
        ));
    }
    let status = StatusCode::from_u16(found.status).unwrap_or(StatusCode::OK);
    let mut response = (status, found.body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::without_secrets;

    #[test]
    fn recorded_bodies_drop_one_time_secrets_and_keep_the_rest() {
        let body = br#"{"data":{"id":"wbh_1"},"meta":{"secret":"whsec_x","other":1}}"#;
        let kept: serde_json::Value = serde_json::from_slice(&without_secrets(body)).unwrap();
        assert_eq!(
            kept,
            serde_json::json!({"data":{"id":"wbh_1"},"meta":{"other":1}})
        );
        let plain = br#"{"data":{"id":"inq_1"}}"#;
        assert_eq!(without_secrets(plain), plain.to_vec());
    }
}
