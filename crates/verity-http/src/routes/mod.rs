//! The route table of the REST API. Each resource has its own module; `/api/v1` routes
//! require an API key and honour `Idempotency-Key` on POST (layers added in `lib.rs`).
//!
//! The table is an `OpenApiRouter`: each handler's `#[utoipa::path]` both routes it and
//! documents it, so the router and `/openapi.json` cannot drift apart.

pub mod accounts;
pub mod audit;
pub mod events;
pub mod inquiries;
pub mod links;
pub mod openapi;
pub mod page;
pub mod system;
pub mod templates;
pub mod verifications;
pub mod webhooks;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Every `/api/v1` route, with paths relative to that prefix.
pub fn api() -> OpenApiRouter<AppState> {
    inquiry_routes()
        .merge(template_routes())
        .merge(webhook_routes())
        .merge(read_routes())
}

fn inquiry_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inquiries::create, inquiries::list))
        .routes(routes!(
            inquiries::get,
            inquiries::update,
            inquiries::redact
        ))
        .routes(routes!(inquiries::resume))
        .routes(routes!(links::generate_one_time_link))
        .routes(routes!(inquiries::expire))
        .routes(routes!(inquiries::approve))
        .routes(routes!(inquiries::decline))
        .routes(routes!(inquiries::mark_for_review))
}

fn template_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates::create, templates::list))
        .routes(routes!(templates::get, templates::update))
        .routes(routes!(templates::publish))
        .routes(routes!(templates::activate))
        .routes(routes!(templates::deactivate))
}

fn webhook_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::get, webhooks::update))
        .routes(routes!(webhooks::disable))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
}

fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts::list))
        .routes(routes!(accounts::get))
        .routes(routes!(verifications::get))
        .routes(routes!(events::list))
        .routes(routes!(events::get))
        .routes(routes!(audit::list))
}
