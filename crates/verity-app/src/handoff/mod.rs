//! Cross-device hand-off: "continue on your phone" by QR code, email
//! or SMS.
//!
//! 1. The desktop flow (or the REST API) asks for a one-time link ([`request`],
//!    [`links::create`]): a new inquiry session for the phone (`device-handoff-method`
//!    qr|email|sms|api) and a link `{public_url}/verify?code=otl_…`, committed together. The
//!    code is random and stored hashed; the link expires (never after the inquiry).
//! 2. The link reaches the phone: a QR code (drawn by the edge) or a message through a
//!    [`send::Sender`]. Sends are limited per client address ([`limits`]) and per inquiry.
//! 3. The phone spends the code ([`open`]): one conditional update in the store, so of two
//!    concurrent opens one wins, and gets a fresh session token.
//! 4. The desktop follows along: the phase is computed from the link row and the inquiry
//!    ([`links::status`]).

pub mod limits;
pub mod links;
pub mod open;
pub mod request;
pub mod send;
pub mod sms;
pub mod smtp;

use std::sync::Arc;

use verity_core::Millis;

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
