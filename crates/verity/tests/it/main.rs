//! End-to-end tests of the `verity` binary: real processes, real HTTP, real databases.
//!
//! - `server`: the `TestServer` builder (spawns the binary on a free port).
//! - `api`: the REST API's behaviour, happy paths and every kind of bad input.
//! - `idempotency`: what the idempotency table keeps (never a value shown once).
//! - `erasure`: a redaction leaves no personal value in the event log and ends sessions.
//! - `encryption`: nothing personal in plaintext in the database files or tables, tamper,
//!   rotation with a restart, redaction deleting the data key (docs/encryption.md).
//! - `durability`: restarts and `kill -9` lose nothing committed.
//! - `postgres`: the same server against PostgreSQL, two processes sharing one database.
//! - `cli`: the subcommands besides `serve`.
//! - `handoff`: one-time links, their refusals, email (SMTP sink) and SMS (signed gateway).
//! - `webhooks`: signed deliveries to a real receiver, retries, SSRF guard, kill -9.
//! - `split`: an API-only and a workers-only process share one PostgreSQL database.
//! - `webhooks_postgres`: two processes on one PostgreSQL database deliver to one receiver.
//! - `webhook_proxy`: deliveries ignore `HTTP_PROXY`-style variables and use
//!   `webhook_proxy_url` when it is set.
//! - `concurrency`: concurrent template and webhook changes through the API all land (both backends).
//! - `public_flow`: the public flow endpoints under attack: framing of error pages, upload
//!   bounds, rate limits, anonymous opens against the session cap, the demo helpers and
//!   production mode (`demo = false`).
//! - `operations`: backup while serving and restore, graceful shutdown on SIGTERM, the
//!   templates' `retention-days` (docs/operations.md).
//! - `capture`: instant per-capture checks at upload: refusals with the failing check and the
//!   retakes left, the bad capture kept once they are used up (docs/verifications.md §5).
//! - `console`: the operator console: sign-in and its throttle, roles, refused cross-site
//!   posts, a review with images, a reasoned approval, the audit trail (docs/console.md).
//! - `console_admin`: the console's admin pages (templates, webhooks, API keys, operators),
//!   their roles, cross-site refusals, secrets shown once, audit records, and TOTP.
//! - `console_review`: the console's tags, comments and redaction (roles, cross-site posts,
//!   audit) and an inquiry's sessions and deliveries on its page.
//! - `verifications`: generated IDs and selfies through the flow API: checks, outcome,
//!   workflows, webhooks (docs/verifications.md).

mod api;
mod capture;
mod cli;
mod concurrency;
mod console;
mod console_admin;
mod console_review;
mod duplicate_faces;
mod durability;
mod encryption;
mod erasure;
mod handoff;
mod idempotency;
mod operations;
mod postgres;
mod public_flow;
mod server;
mod split;
mod verifications;
mod webhook_proxy;
mod webhooks;
mod webhooks_postgres;
