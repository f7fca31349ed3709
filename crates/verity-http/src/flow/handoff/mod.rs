//! Cross-device hand-off at the edge: the desktop's requests
//! ([`api`]), the phone's landing page and code spending ([`open`]), the desktop's live view
//! ([`progress`]) and the QR code ([`qr`]). Links, senders and limits live in
//! `verity_app::handoff`.

pub mod api;
pub mod open;
pub mod progress;
pub mod qr;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The flow's hand-off routes (session-token authorised, or public for opening a link).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/flow/v1/inquiries/{id}/handoff", post(api::create))
        .route(
            "/flow/v1/inquiries/{id}/handoff/{session}",
            get(api::status),
        )
        .route(
            "/flow/v1/inquiries/{id}/handoff/{session}/events",
            get(progress::events),
        )
        .route(
            "/flow/v1/inquiries/{id}/handoff/{session}/cancel",
            post(api::cancel),
        )
        .route("/flow/v1/handoff/open", post(open::open))
}
