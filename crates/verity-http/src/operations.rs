//! The router of a process that runs only background workers (`run_api = false`): the
//! operations endpoints (`/healthz`, `/readyz`, `/metrics`), so the process can still be
//! probed and scraped, and nothing else.

use axum::routing::get;
use axum::Router;

use crate::routes::system;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .with_state(state)
}
