//! The demo a newcomer sees (docs/contract.md §8) and the SDK file integrators can load:
//! `/sdk/v1/verity.js` always; `/demo/` and its two read-only helper endpoints only when
//! the server runs with `demo = true`.
//!
//! The demo endpoints need no API key so the page works out of the box; they list
//! templates, show an inquiry's status, fields and timestamps by id, and list the
//! hand-off messages of the log sender (`/demo/api/outbox`, docs/handoff.md), and they are off
//! unless `demo` is set (the default for a first run, to be turned off in production).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;
use verity_core::id::InquiryId;
use verity_store::PageRequest;

use crate::error::ApiError;
use crate::resource;
use crate::state::AppState;

const SDK_JS: &str = include_str!("../../../web/sdk/dist/verity.js");
const DEMO_HTML: &str = include_str!("../../../web/demo/index.html");
const DEMO_JS: &str = include_str!("../../../web/demo/demo.js");
const DEMO_CSS: &str = include_str!("../../../web/demo/demo.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new().route(
        "/sdk/v1/verity.js",
        get(|| async { asset("text/javascript; charset=utf-8", SDK_JS) }),
    );
    if !state.config.demo {
        return router;
    }
    router
        .route("/demo", get(|| async { Redirect::permanent("/demo/") }))
        .route(
            "/demo/",
            get(|| async { asset("text/html; charset=utf-8", DEMO_HTML) }),
        )
        .route(
            "/demo/demo.js",
            get(|| async { asset("text/javascript; charset=utf-8", DEMO_JS) }),
        )
        .route(
            "/demo/demo.css",
            get(|| async { asset("text/css; charset=utf-8", DEMO_CSS) }),
        )
        .route("/demo/api/templates", get(templates))
        .route("/demo/api/inquiries/{id}", get(inquiry))
        .route("/demo/api/outbox", get(outbox))
}

/// The log sender's messages (docs/handoff.md), newest first: with the default senders, this is
/// where a hand-off link "arrives", so a person can try it on one machine.
async fn outbox(State(state): State<AppState>) -> Response {
    let list: Vec<_> = state
        .app
        .handoff
        .outbox
        .list()
        .into_iter()
        .map(|(at, m)| json!({"at": at, "channel": m.channel, "to": m.to, "subject": m.subject, "text": m.text}))
        .collect();
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(list)).into_response()
}

async fn templates(State(state): State<AppState>) -> Result<Response, ApiError> {
    let page = state
        .store
        .list_templates(&PageRequest {
            size: 100,
            ..Default::default()
        })
        .await?;
    let list: Vec<_> = page
        .items
        .iter()
        .map(|t| json!({"id": t.id, "name": t.name, "kind": t.kind(), "status": t.status}))
        .collect();
    Ok((StatusCode::OK, axum::Json(list)).into_response())
}

async fn inquiry(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = InquiryId::parse(&id)?;
    let inquiry = state
        .store
        .inquiry(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("inquiry", id.as_str()))?;
    Ok(axum::Json(json!({ "data": resource::inquiry(&inquiry) })).into_response())
}
