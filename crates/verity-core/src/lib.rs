//! Verity's domain model. Everything here is pure: no sockets, files, clocks or
//! global randomness. Time (`now`) and randomness (`rng`) come in as arguments so
//! every rule can be unit-tested and property-tested in milliseconds.
//!
//! The shape of a change: the domain decides (`inquiry.apply(command, now)` returns a
//! [`inquiry::Transition`] or a typed error), the store commits the transition and its
//! events in one transaction, the HTTP edge translates.

pub mod account;
pub mod audit;
pub mod capture;
pub mod document;
pub mod event;
pub mod field;
pub mod handoff;
pub mod id;
pub mod inquiry;
pub mod operator;
pub mod retry;
pub mod session;
pub mod step_order;
pub mod template;
pub mod token;
pub mod verification;
pub mod workflow;

pub use id::{Id, IdError};

/// Milliseconds since the Unix epoch, UTC. The one time type the domain and the
/// stores share, so SQLite and PostgreSQL store exactly the same integers.
pub type Millis = i64;

/// Formats epoch milliseconds as RFC 3339 with millisecond precision (`2026-01-02T03:04:05.678Z`).
pub fn rfc3339(ms: Millis) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
