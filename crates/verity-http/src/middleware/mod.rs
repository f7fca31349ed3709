//! Request middleware of the REST API: API-key authentication with rate limiting, and
//! `Idempotency-Key` replay; the public flow's rate limits.

pub mod auth;
pub mod flow_limit;
pub mod idempotency;
