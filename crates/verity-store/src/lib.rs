//! Storage for Verity: one [`Store`] trait, two implementations that pass the same
//! conformance suite — SQLite (embedded, the default) and PostgreSQL (several
//! `verity serve` processes may share one).
//!
//! Backend choice happens at exactly one seam, [`open`], from the database URL.
//! Everything that belongs together (an inquiry, its events, a new session, an
//! idempotency record, new documents) is written by one [`Store::commit`] call in one
//! transaction.

mod model;
mod store;

pub use model::*;
pub use store::{Store, StoreError};

/// Opens the store a database URL names (`sqlite://path?mode=rwc` or `postgres://…`)
/// and runs pending migrations.
pub async fn open(_database_url: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Err(StoreError::Unsupported("no backend is built yet".into()))
}
