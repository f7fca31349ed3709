//! Operations endpoints: `/healthz` (the process answers), `/readyz` (the database
//! answers), Prometheus `/metrics`, the OpenAPI document and its reference page.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use utoipa::OpenApi;

use crate::state::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(json!({"status": "ready", "database": state.store.backend()}))
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are not enabled").into_response(),
    }
}

/// Counts requests and their latency per route template (never per concrete path, so
/// ids do not explode the label space).
pub async fn record_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("verity_http_requests_total", &labels).increment(1);
    metrics::histogram!("verity_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verity API",
        description = "Identity verification: inquiries, templates, accounts, events. JSON:API documents with kebab-case keys; `Authorization: Bearer <API key>`."
    ),
    paths(
        crate::routes::inquiries::create,
        crate::routes::inquiries::get,
        crate::routes::inquiries::list,
        crate::routes::inquiries::update,
        crate::routes::inquiries::resume,
        crate::routes::inquiries::expire,
        crate::routes::inquiries::approve,
        crate::routes::inquiries::decline,
        crate::routes::inquiries::mark_for_review,
        crate::routes::inquiries::redact,
        crate::routes::templates::create,
        crate::routes::templates::list,
        crate::routes::templates::get,
        crate::routes::templates::update,
        crate::routes::templates::publish,
        crate::routes::templates::activate,
        crate::routes::templates::deactivate,
        crate::routes::accounts::get,
        crate::routes::accounts::list,
        crate::routes::verifications::get,
        crate::routes::events::get,
        crate::routes::events::list,
        crate::routes::webhooks::create,
        crate::routes::webhooks::list,
        crate::routes::webhooks::get,
        crate::routes::webhooks::update,
        crate::routes::webhooks::disable,
        crate::routes::webhooks::rotate_secret,
        crate::routes::webhooks::deliveries,
        crate::routes::webhooks::redeliver,
    )
)]
pub struct ApiDoc;

#[derive(OpenApi)]
#[openapi(paths(crate::flow::handoff::api::generate))]
struct HandoffDoc;

pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // Issue 6's paths, merged here rather than listed above so branches merge cleanly.
    doc.merge(HandoffDoc::openapi());
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

pub async fn openapi() -> impl IntoResponse {
    axum::Json(openapi_document())
}

pub async fn reference() -> Html<&'static str> {
    Html(include_str!("../../assets/api-reference.html"))
}
