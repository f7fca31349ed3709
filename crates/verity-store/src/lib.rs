//! Storage for Verity: one [`Store`] trait, two implementations that pass the same
//! conformance suite — SQLite (embedded, the default) and PostgreSQL (several
//! `verity serve` processes may share one).
//!
//! Backend choice happens at exactly one seam, [`open`], from the database URL.
//! Everything that belongs together (an inquiry, its events, a new session, an
//! idempotency record, new documents) is written by one [`Store::commit`] call in one
//! transaction.
//!
//! Inside, every query is written once ([`queries`]) and runs on either driver through
//! one small seam ([`exec`]); [`Store`] is implemented once, by [`SqlStore`], over a small
//! backend trait ([`sql`]): the backends only own connection handling, how a write
//! transaction begins, their row-lock dialect and what happens around a commit.

pub mod backup;
mod errors;
mod exec;
mod keyring;
mod migrations;
mod model;
mod model_console;
mod model_handoff;
mod model_verifications;
mod model_webhooks;
mod pagination;
mod postgres;
mod queries;
mod rows;
mod sql;
mod sqlite;
mod store;
mod vault;

pub use keyring::{Keyring, KeyringError};
pub use model::*;
pub use model_console::*;
pub use model_handoff::*;
pub use model_verifications::*;
pub use model_webhooks::*;
pub use postgres::{PgBackend, PgOptions, PgStore};
pub use sql::SqlStore;
pub use sqlite::{SqliteBackend, SqliteOptions, SqliteStore};
pub use store::{Store, StoreError};

/// Opens the store a database URL names (`sqlite://path?mode=rwc`, `sqlite:path` or
/// `postgres://…`/`postgresql://…`) with default options, runs pending migrations and
/// checks that `keyring` holds every key-encryption key the stored data keys need.
pub async fn open(
    database_url: &str,
    keyring: Keyring,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if database_url.starts_with("sqlite:") {
        sqlite::open_url(database_url, keyring).await
    } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        postgres::open_url(database_url, keyring).await
    } else {
        let scheme = database_url.split(':').next().unwrap_or_default();
        Err(StoreError::Unsupported(format!(
            "database URL scheme `{scheme}`: use sqlite: or postgres:"
        )))
    }
}
