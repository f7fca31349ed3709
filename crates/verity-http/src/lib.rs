//! Verity's HTTP edge (axum): the REST API under `/api/v1`, operations endpoints, and
//! (from other modules) the flow and the browser assets.
//!
//! Handlers translate: they parse with extractors, call the application (`verity-app`), and
//! render resources. Every REST error is an [`error::ApiError`] and every flow error a
//! [`flow::error::FlowError`], each turned into a response in one place.

pub mod client_address;
pub mod console;
pub mod demo;
pub mod error;
pub mod extract;
pub mod flow;
pub mod jsonapi;
pub mod middleware;
pub mod operations;
pub mod payloads;
pub mod rate_limit;
pub mod resource;
pub mod routes;
pub mod sign_in_throttle;
pub mod state;
pub mod wire;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

pub use state::{AppState, HttpConfig};

use crate::error::ApiError;
use crate::routes::system;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api_router(&state).split_for_parts();
    let openapi = openapi_json(routes::openapi::document(doc));
    Router::new()
        .merge(api)
        .merge(flow::routes(&state))
        .merge(demo::routes(&state))
        .merge(console::routes())
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(move || serve_json(openapi.clone())))
        .route("/docs/api", get(system::reference))
        .layer(DefaultBodyLimit::max(state.config.json_body_limit))
        .layer(axum::middleware::from_fn(system::record_metrics))
        .with_state(state)
}

/// `/api/v1`: the route table with its JSON 404 for unknown routes, behind the API key and
/// the idempotency replay.
fn api_router(state: &AppState) -> OpenApiRouter<AppState> {
    let api = routes::api()
        .fallback(|| async {
            ApiError::NotFound {
                kind: "route",
                details: "no such API route".into(),
            }
        })
        // Layers run bottom-up: authenticate first, then replay idempotent POSTs.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::idempotency::replay_or_record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::auth::require_api_key,
        ));
    OpenApiRouter::new().nest("/api/v1", api)
}

/// The OpenAPI document `/openapi.json` serves, built from the route table.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = OpenApiRouter::<AppState>::new()
        .nest("/api/v1", routes::api())
        .split_for_parts();
    routes::openapi::document(doc)
}

/// Serialised once when the router is built; the document never changes while serving.
fn openapi_json(doc: utoipa::openapi::OpenApi) -> Option<Bytes> {
    match serde_json::to_vec(&routes::openapi::to_json(&doc)) {
        Ok(bytes) => Some(Bytes::from(bytes)),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            None
        }
    }
}

async fn serve_json(body: Option<Bytes>) -> axum::response::Response {
    match body {
        Some(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        None => ApiError::Internal(anyhow::anyhow!("no OpenAPI document")).into_response(),
    }
}
