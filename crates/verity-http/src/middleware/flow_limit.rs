//! The public flow's rate limits: every `POST /flow/v1/…` (create, upload, steps, resume,
//! cancel, hand-off) is limited per client address and, when the path names an inquiry, per
//! inquiry; over a limit is the flow's documented 429 with `Retry-After` (docs/contract.md §3).

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::client_address::client_ip;
use crate::flow::error::FlowError;
use crate::state::AppState;

/// Limits every `POST /flow/v1/…` per client address and, when the path names an inquiry,
/// per inquiry.
pub async fn flow_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() != Method::POST || !path.starts_with("/flow/v1/") {
        return next.run(request).await;
    }
    let now = state.now();
    let (parts, body) = request.into_parts();
    let address = client_ip(&parts, &state.config.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let inquiry = parts
        .uri
        .path()
        .strip_prefix("/flow/v1/inquiries/")
        .and_then(|rest| rest.split('/').next())
        .filter(|id| !id.is_empty());
    let limits = &state.flow_limits;
    let checked = limits
        .per_address
        .check(&address, now)
        .and_then(|()| match inquiry {
            Some(id) => limits.per_inquiry.check(id, now),
            None => Ok(()),
        });
    match checked {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(seconds) => FlowError::RateLimited(seconds).into_response(),
    }
}
