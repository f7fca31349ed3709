//! `Authorization: Bearer <API key>`. The presented key is hashed and looked up by hash;
//! the key itself is never stored or logged. Revoked keys are refused. Each key has a
//! token bucket (429 with `Retry-After` when empty). A flow session token is refused with
//! 403: it authenticates someone, but not for this API.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use verity_core::token;

use crate::error::ApiError;
use crate::state::AppState;

pub async fn require_api_key(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header =
        req.headers()
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::Unauthenticated(
                "missing `Authorization: Bearer <API key>` header",
            ))?;
    let presented = header
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(ApiError::Unauthenticated(
            "the Authorization header must be `Bearer <API key>`",
        ))?;
    let hash = token::hash(presented);
    let Some(key) = state.store.api_key_by_hash(&hash).await? else {
        // A flow session token is a real credential, but only for the flow API.
        if presented.starts_with("vst_")
            && state.store.session_by_token_hash(&hash).await?.is_some()
        {
            return Err(ApiError::Forbidden(
                "inquiry session tokens only authorise the flow API; use an API key".into(),
            ));
        }
        return Err(ApiError::Unauthenticated("unknown API key"));
    };
    if key.revoked_at.is_some() {
        return Err(ApiError::Unauthenticated("this API key has been revoked"));
    }
    state
        .rate_limiter
        .check(key.id.as_str(), state.now())
        .map_err(|retry_after_seconds| ApiError::TooManyRequests {
            retry_after_seconds,
        })?;
    req.extensions_mut().insert(key);
    Ok(next.run(req).await)
}
