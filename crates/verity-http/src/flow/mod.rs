//! The inquiry flow (docs/contract.md §5): the pages the iframe and the hosted flow load,
//! the embedded flow app bundle, and the JSON API the flow app calls.
//!
//! - [`query`]: the `qs` bracket query the SDKs send;
//! - [`widget_query`]: the query parsed purely; [`config`]: resolved into the validated widget
//!   configuration + `frame-ancestors` CSP;
//! - [`pages`]: `GET /widget`, `GET /verify`, `GET /preload`;
//! - [`assets`]: `web/flow/dist` embedded;
//! - [`api`], [`documents`]: `/flow/v1`, authorised by the inquiry session token
//!   ([`session`]);
//! - [`error`]: the codes of docs/contract.md §3;
//! - [`handoff`]: one-time links to continue on another device.
//!
//! Every use case behind these routes lives in `verity-app`.

pub mod api;
pub mod assets;
pub mod config;
pub mod documents;
pub mod error;
pub mod handoff;
pub mod pages;
pub mod query;
pub mod session;
pub mod widget_query;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The flow's routes, merged into the application router.
pub fn routes(state: &AppState) -> Router<AppState> {
    // Multipart bodies are capped a little above the image limit (form fields, boundaries);
    // `documents::upload` enforces the image limit itself while streaming.
    let upload_cap = state.config.upload_limit + 64 * 1024;
    Router::new()
        .route("/widget", get(pages::widget))
        .route("/verify", get(pages::verify))
        .route("/preload", get(pages::preload))
        .route(assets::JS_PATH, get(assets::flow_js))
        .route(assets::CATALOG_ROUTE, get(assets::catalog))
        .route("/flow/v1/inquiries", post(api::create))
        .route("/flow/v1/inquiries/{id}", get(api::get))
        .route("/flow/v1/inquiries/{id}/resume", post(api::resume))
        .route(
            "/flow/v1/inquiries/{id}/steps/{step}",
            post(api::submit_step),
        )
        .route("/flow/v1/inquiries/{id}/cancel", post(api::cancel))
        .route(
            "/flow/v1/inquiries/{id}/documents",
            post(documents::upload)
                .layer(DefaultBodyLimit::max(upload_cap))
                .layer(axum::middleware::map_response(
                    documents::close_after_refusal,
                )),
        )
        .merge(handoff::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::flow_limit::flow_limit,
        ))
}
