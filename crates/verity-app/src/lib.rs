//! Verity's application layer, between the domain (`verity-core`) and the edges
//! (`verity-http` for requests, `verity-worker` for background loops).
//!
//! - [`app`]: the [`App`] value every use case runs on: store, clock, signals, hand-off
//!   senders, settings, the face model, and how event payloads are rendered;
//! - [`error`]: [`AppError`], which knows kinds, ids and field keys, never HTTP;
//! - [`change`]: the one way to change an inquiry (read → the domain's command → events →
//!   commit, retried on a revision conflict);
//! - [`inquiries`], [`sessions`], [`steps`], [`documents`]: the use cases of the REST API and
//!   the flow (create, update fields, resume, cancel, submit a step, upload, decide, redact);
//! - [`capture`]: the instant checks of one uploaded image, which may refuse it;
//! - [`templates`]: template lifecycle rules and the demo templates;
//! - [`handoff`]: one-time links, their senders and limits;
//! - [`verifications`]: what a verification checks, the outcome, the workflow runner's steps;
//! - [`decisions`]: approve, decline, mark for review with a reason and an actor, audited;
//!   [`review`]: an operator's tags, comments and redaction, audited;
//! - [`operators`]: console accounts, passwords, sessions; [`totp`]: their optional second
//!   factor; [`admin`]: an admin's audited changes of templates, webhooks, API keys and
//!   operators; [`audit`]: the audit trail;
//! - [`sweeper`]: one expiry sweep; [`retention`]: one retention sweep (redacts inquiries kept
//!   past their time).
//!
//! Nothing here imports `axum`, `http` or `tower`: the edges translate [`AppError`] into
//! their own responses, each in one place.

pub mod admin;
pub mod app;
pub mod audit;
pub mod capture;
pub mod change;
pub mod decisions;
pub mod documents;
pub mod error;
pub mod events;
pub mod handoff;
pub mod idempotency;
pub mod inquiries;
pub mod operators;
pub mod retention;
pub mod review;
pub mod sessions;
pub mod steps;
pub mod sweeper;
pub mod templates;
pub mod totp;
pub mod verifications;
pub mod webhooks;

pub use app::{system_clock, App, AppConfig, Clock, Signals};
pub use error::AppError;
pub use events::Render;

#[cfg(test)]
mod test_support;
