//! Request middleware of the REST API: API-key authentication with rate limiting, and
//! `Idempotency-Key` replay.

pub mod auth;
pub mod idempotency;
