//! Cross-device hand-off (issue 6): "continue on your phone" by QR code, email or SMS.
//!
//! How it works, end to end:
//! 1. The desktop flow (or the REST API) asks for a one-time link ([`links::create`]): a new
//!    inquiry session for the phone (`device-handoff-method` qr|email|sms|api) and a link
//!    `{public_url}/verify?code=otl_…`, committed together. The code is random and stored
//!    hashed; the link expires (`handoff_link_ttl_seconds`, never after the inquiry).
//! 2. The link reaches the phone: a QR code rendered here ([`qr`]) or a message through a
//!    [`send::Sender`]. Sends are limited per client address and per inquiry.
//! 3. The phone opens `/verify?code=…` ([`open::landing`]): a used, expired or withdrawn
//!    link gets a human page with a 4xx status; otherwise the hosted flow loads and spends
//!    the code with a `POST` ([`open::open`]) — one conditional update in the store, so
//!    of two concurrent opens one wins — receiving a fresh session token in the body.
//! 4. The desktop follows along ([`progress`]) by server-sent events, or by polling:
//!    the phase is computed from the database (link row + inquiry), and woken by the
//!    store's change notifications (in-process; PostgreSQL `LISTEN/NOTIFY` across
//!    processes), with a periodic re-read as the fallback.

pub mod api;
pub mod limits;
pub mod links;
pub mod open;
pub mod progress;
pub mod qr;
pub mod send;
pub mod sms;
pub mod smtp;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use verity_core::Millis;

use crate::state::AppState;
use send::{LogSender, Outbox, Sender};

/// Hand-off settings and senders, built once at start.
pub struct Handoff {
    /// Lifetime of a link made by the flow (the API may ask for another).
    pub link_ttl_ms: Millis,
    /// Links one inquiry may get per hour (counted in the database; 0 = unlimited).
    pub links_per_inquiry_per_hour: u32,
    pub email: Arc<dyn Sender>,
    pub sms: Arc<dyn Sender>,
    /// Messages of the log sender, shown on the demo page.
    pub outbox: Arc<Outbox>,
    /// Messages per client address per hour.
    pub sends_per_ip: limits::SlidingWindow,
    /// How often a waiting desktop re-reads the database when nothing woke it.
    pub poll_interval: std::time::Duration,
}

impl Default for Handoff {
    fn default() -> Self {
        let outbox = Arc::new(Outbox::default());
        let log: Arc<dyn Sender> = Arc::new(LogSender {
            outbox: outbox.clone(),
        });
        Handoff {
            link_ttl_ms: 15 * 60 * 1000,
            links_per_inquiry_per_hour: 10,
            email: log.clone(),
            sms: log,
            outbox,
            sends_per_ip: limits::SlidingWindow::new(30),
            poll_interval: std::time::Duration::from_secs(2),
        }
    }
}

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
