//! The demo a newcomer sees (docs/contract.md §8) and the SDK file integrators can load:
//! `/sdk/v1/verity.js` always; `/demo/` and its two read-only helper endpoints only when
//! the server runs with `demo = true`.
//!
//! The demo endpoints need no API key so the page works out of the box, and answer only
//! requests from this machine (loopback); they list templates, create an inquiry for the
//! page (tagged [`DEMO_TAG`]), show such an inquiry's status, fields and timestamps by id,
//! and list such an inquiry's hand-off messages of the log sender
//! (`/demo/api/outbox?inquiry=ID`, docs/handoff.md) — any other inquiry is a 404. They are off unless `demo` is set (the default
//! for a first run; `demo = false` is production mode, README § Configuration).

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use verity_app::inquiries::{CreateInquiry, TemplateRef};
use verity_core::id::{InquiryId, TemplateId};
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
        .merge(
            Router::new()
                .route("/demo/api/templates", get(templates))
                .route("/demo/api/inquiries", post(create))
                .route("/demo/api/inquiries/{id}", get(inquiry))
                .route("/demo/api/outbox", get(outbox))
                .layer(axum::middleware::from_fn(from_this_machine_only)),
        )
}

/// The demo's helper endpoints need no key, so they answer only requests from this machine:
/// anyone else who can reach the server gets a 404, as if the demo were off.
async fn from_this_machine_only(request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    if peer.is_some_and(is_this_machine) {
        next.run(request).await
    } else {
        ApiError::NotFound {
            kind: "route",
            details: "no such route".into(),
        }
        .into_response()
    }
}

/// Loopback, including an IPv4 loopback address written as IPv6 (`::ffff:127.0.0.1`).
fn is_this_machine(addr: SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxQuery {
    inquiry: String,
}

/// The log sender's messages for one of the demo page's inquiries (docs/handoff.md), newest
/// first: with the default senders, this is where a hand-off link "arrives", so a person can
/// try it on one machine. Another inquiry's links are never listed: each opens its session.
async fn outbox(
    State(state): State<AppState>,
    query: Result<Query<OutboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("inquiry", e.body_text()))?;
    let inquiry = demo_inquiry(&state, &query.inquiry).await?;
    let list: Vec<_> = state
        .app
        .handoff
        .outbox
        .list_for(&inquiry.id)
        .into_iter()
        .map(|(at, m)| json!({"at": at, "channel": m.channel, "to": m.to, "subject": m.subject, "text": m.text}))
        .collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(list)).into_response())
}

/// The inquiry `id` if the demo page created it, else a 404 as for an unknown one.
async fn demo_inquiry(
    state: &AppState,
    id: &str,
) -> Result<verity_core::inquiry::Inquiry, ApiError> {
    let id = InquiryId::parse(id)?;
    state
        .store
        .inquiry(&id)
        .await?
        .filter(|inquiry| inquiry.tags.iter().any(|t| t == DEMO_TAG))
        .ok_or_else(|| ApiError::not_found("inquiry", id.as_str()))
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

/// The tag of the inquiries the demo page created: the only ones its status panel shows.
pub const DEMO_TAG: &str = "verity-demo";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    template_id: String,
}

/// The demo page's own create: an inquiry from `templateId`, tagged [`DEMO_TAG`], which the
/// page then opens in the flow by id (a `created` inquiry opens without a token).
async fn create(
    State(state): State<AppState>,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request("", e.body_text()))?;
    let template = TemplateId::parse(&body.template_id)
        .map_err(|e| ApiError::invalid("/templateId", e.to_string()))?;
    let inquiry = verity_app::inquiries::create(
        &state.app,
        CreateInquiry {
            template: Some(TemplateRef::Template(template)),
            tags: vec![DEMO_TAG.to_owned()],
            ..CreateInquiry::default()
        },
    )
    .await?;
    let body = json!({ "inquiryId": inquiry.id });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn inquiry(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let inquiry = demo_inquiry(&state, &id).await?;
    Ok(Json(json!({ "data": resource::inquiry(&inquiry) })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_peers_reach_the_demo_helpers() {
        for ok in [
            "127.0.0.1:5000",
            "127.9.9.9:1",
            "[::1]:80",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert!(is_this_machine(ok.parse().expect("addr")), "{ok}");
        }
        for refused in [
            "192.168.1.5:80",
            "10.0.0.1:80",
            "8.8.8.8:443",
            "[2001:db8::1]:80",
            "[::ffff:10.0.0.1]:80",
        ] {
            assert!(
                !is_this_machine(refused.parse().expect("addr")),
                "{refused}"
            );
        }
    }
}
