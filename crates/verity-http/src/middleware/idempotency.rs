//! `Idempotency-Key` on POST: the key is claimed before the handler runs, the first
//! successful response for a (key, API key) pair is recorded and replayed for 24 hours,
//! and the same key with a different request is a 422 (`verity_app::idempotency`).
//!
//! A concurrent request with a key that is held waits for the holder's response and
//! replays it; after `idempotency_wait_ms` it gets a 409 saying the first request is
//! still running. A failed (non-2xx) or abandoned request releases its claim. Creating an
//! inquiry records its response in the create's own commit ([`ClaimedKey`] reaches the
//! handler); other requests record it right after the handler.
//!
//! Values shown once — a webhook's `meta.secret`, a resume's `meta.session-token`, a
//! hand-off's `meta.one-time-link` — are never recorded (see [`without_shown_once`]): the
//! first response carries them, a replay answers the same status without them and says so
//! in `meta.notice`.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use verity_app::idempotency::{self, Held};
use verity_app::App;
use verity_store::{ApiKey, IdempotencyClaim, IdempotencyRecord};

use crate::error::ApiError;
use crate::jsonapi::Inflection;
use crate::state::AppState;

const MAX_KEY_LEN: usize = 255;

/// The `meta` members shown once, by their kebab-case wire names.
const SHOWN_ONCE: [&str; 3] = ["secret", "session-token", "one-time-link"];

/// The claim the request holds, for a handler that records its response in its own commit.
#[derive(Debug, Clone)]
pub struct ClaimedKey(pub IdempotencyClaim);

pub async fn replay_or_record(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Ok(next.run(req).await);
    }
    let Some(key) = idempotency_key(req.headers())? else {
        return Ok(next.run(req).await);
    };
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
    let mut token = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut token);
    let claim = IdempotencyClaim {
        api_key_id: api_key.id,
        key,
        request_hash: request_hash(&parts.method, parts.uri.path(), &bytes),
        token: hex::encode(token),
        claimed_at: state.now(),
    };
    match idempotency::claim(&state.app, &claim).await? {
        Held::Claimed => {}
        Held::Answered(found) => return Ok(replay(found)),
        Held::OtherRequest => return Err(other_request()),
        Held::StillRunning => {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still being processed; \
                 retry later to get its response"
                    .into(),
            ))
        }
    }

    let held = Release(Some((state.app.clone(), claim.clone())));
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(ClaimedKey(claim.clone()));
    let response = next.run(req).await;
    if !response.status().is_success() {
        held.now().await;
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("buffering response: {e}")))?;
    let record = IdempotencyRecord {
        api_key_id: claim.api_key_id,
        key: claim.key,
        request_hash: claim.request_hash,
        status: parts.status.as_u16(),
        body: without_shown_once(&body),
        created_at: claim.claimed_at,
        claim_token: Some(claim.token),
    };
    idempotency::complete(&state.app, record).await;
    held.disarm();
    Ok(Response::from_parts(parts, Body::from(body)))
}

/// Releases a claim whose request failed, or whose handler future was dropped (the client
/// went away mid-request), so the key is not held until it goes stale.
struct Release(Option<(App, IdempotencyClaim)>);

impl Release {
    async fn now(mut self) {
        if let Some((app, claim)) = self.0.take() {
            idempotency::release(&app, &claim).await;
        }
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        if let Some((app, claim)) = self.0.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { idempotency::release(&app, &claim).await });
            }
        }
    }
}

fn other_request() -> ApiError {
    ApiError::invalid(
        "Idempotency-Key",
        "this Idempotency-Key was already used with a different request",
    )
}

/// The request's `Idempotency-Key`, if it has one; a malformed one is a 400.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(key) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    key.to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
            )
        })
}

/// What makes two requests the same: method, path and body.
fn request_hash(method: &Method, path: &str, body: &Bytes) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str());
    h.update([0]);
    h.update(path);
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// The body to keep for replay: `meta`'s values shown once are removed (in whichever key
/// inflection the response used) and `meta.notice` names them, so a replay neither stores
/// nor repeats a secret, and the client learns why it is missing.
pub(crate) fn without_shown_once(body: &[u8]) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    let Some(meta) = doc.get_mut("meta").and_then(Value::as_object_mut) else {
        return body.to_vec();
    };
    let removed: Vec<String> = inflected_shown_once()
        .filter(|key| meta.remove(key).is_some())
        .collect();
    if removed.is_empty() {
        return body.to_vec();
    }
    let names = removed.join("`, `");
    meta.insert(
        "notice".into(),
        json!(format!(
            "`{names}` is shown only once and is not part of an Idempotency-Key replay; \
             ask for a new one"
        )),
    );
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// [`SHOWN_ONCE`] in every key inflection a response may use (`sessionToken`, …).
fn inflected_shown_once() -> impl Iterator<Item = String> {
    let names: serde_json::Map<String, Value> = SHOWN_ONCE
        .iter()
        .map(|k| ((*k).to_owned(), Value::Null))
        .collect();
    [Inflection::Kebab, Inflection::Camel, Inflection::Snake]
        .into_iter()
        .flat_map(
            move |inflection| match inflection.apply(Value::Object(names.clone())) {
                Value::Object(map) => map.into_iter().map(|(k, _)| k).collect(),
                _ => Vec::new(),
            },
        )
}

fn replay(found: IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(found.status).unwrap_or(StatusCode::OK);
    let mut response = (status, found.body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::without_shown_once;
    use serde_json::{json, Value};

    fn kept(body: Value) -> Value {
        let bytes = serde_json::to_vec(&body).unwrap();
        serde_json::from_slice(&without_shown_once(&bytes)).unwrap()
    }

    #[test]
    fn recorded_bodies_drop_one_time_secrets_and_keep_the_rest() {
        let doc = kept(json!({"data":{"id":"wbh_1"},"meta":{"secret":"whsec_x","other":1}}));
        assert_eq!(doc["data"], json!({"id":"wbh_1"}));
        assert_eq!(doc["meta"]["other"], 1);
        assert!(doc["meta"].get("secret").is_none(), "{doc}");
        let plain = br#"{"data":{"id":"inq_1"},"meta":{"session-id":"ses_1"}}"#;
        assert_eq!(without_shown_once(plain), plain.to_vec());
    }

    #[test]
    fn session_tokens_and_one_time_links_are_never_recorded_in_any_inflection() {
        for (key, session_id) in [
            ("session-token", "session-id"),
            ("sessionToken", "sessionId"),
            ("session_token", "session_id"),
        ] {
            let doc =
                kept(json!({"data":{"id":"inq_1"},"meta":{key:"tok_secret",session_id:"ses_1"}}));
            assert!(!doc.to_string().contains("tok_secret"), "{doc}");
            assert_eq!(doc["meta"][session_id], "ses_1");
            let notice = doc["meta"]["notice"].as_str().unwrap();
            assert!(
                notice.contains(key) && notice.contains("only once"),
                "{notice}"
            );
        }
        for key in ["one-time-link", "oneTimeLink", "one_time_link"] {
            let link = "http://localhost/widget/link/code_secret";
            let doc = kept(json!({"data":{"id":"inq_1"},"meta":{key:link,"expires-at":"x"}}));
            assert!(!doc.to_string().contains("code_secret"), "{doc}");
            assert_eq!(doc["meta"]["expires-at"], "x");
        }
    }
}
