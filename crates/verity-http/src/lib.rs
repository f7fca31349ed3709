//! Verity's HTTP edge (axum): the REST API under `/api/v1`, operations endpoints, and
//! (from other modules) the flow and the browser assets.
//!
//! Handlers translate: they parse with extractors, call the application (`verity-app`), and
//! render resources. Every REST error is an [`error::ApiError`] and every flow error a
//! [`flow::error::FlowError`], each turned into a response in one place.

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
pub mod state;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use state::{AppState, HttpConfig};

use crate::error::ApiError;
use crate::routes::{accounts, events, inquiries, system, templates, webhooks};

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/inquiries", post(inquiries::create).get(inquiries::list))
        .route(
            "/inquiries/{id}",
            get(inquiries::get)
                .patch(inquiries::update)
                .delete(inquiries::redact),
        )
        .route("/inquiries/{id}/resume", post(inquiries::resume))
        .route(
            "/inquiries/{id}/generate-one-time-link",
            post(flow::handoff::api::generate),
        )
        .route("/inquiries/{id}/expire", post(inquiries::expire))
        .route("/inquiries/{id}/approve", post(inquiries::approve))
        .route("/inquiries/{id}/decline", post(inquiries::decline))
        .route(
            "/inquiries/{id}/mark-for-review",
            post(inquiries::mark_for_review),
        )
        .route(
            "/inquiry-templates",
            post(templates::create).get(templates::list),
        )
        .route(
            "/inquiry-templates/{id}",
            get(templates::get).patch(templates::update),
        )
        .route("/inquiry-templates/{id}/publish", post(templates::publish))
        .route(
            "/inquiry-templates/{id}/activate",
            post(templates::activate),
        )
        .route(
            "/inquiry-templates/{id}/deactivate",
            post(templates::deactivate),
        )
        .route("/accounts", get(accounts::list))
        .route("/accounts/{id}", get(accounts::get))
        .route("/verifications/{id}", get(routes::verifications::get))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::get))
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/webhooks/{id}", get(webhooks::get).patch(webhooks::update))
        .route("/webhooks/{id}/disable", post(webhooks::disable))
        .route(
            "/webhooks/{id}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            post(webhooks::redeliver),
        )
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

    Router::new()
        .nest("/api/v1", api)
        .merge(flow::routes(&state))
        .merge(demo::routes(&state))
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
        .route("/docs/api", get(system::reference))
        .layer(DefaultBodyLimit::max(state.config.json_body_limit))
        .layer(axum::middleware::from_fn(system::record_metrics))
        .with_state(state)
}
