//! Turning driver errors into [`StoreError`]s, the same way for both backends.
//!
//! SQLite does not name the violated constraint reliably, so callers say what the
//! statement was writing (`what`) and the mapping only looks at the error kind.

use crate::StoreError;

/// A unique violation becomes `Duplicate { what }`; anything else stays a database error.
pub(crate) fn unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate { what },
        _ => StoreError::Database(err),
    }
}

/// A foreign-key violation becomes `NotFound { what: referenced }`; a unique violation
/// becomes `Duplicate { what }`.
pub(crate) fn insert(
    what: &'static str,
    referenced: &'static str,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate { what },
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::NotFound { what: referenced }
        }
        _ => StoreError::Database(err),
    }
}

/// A JSON document that does not decode as its type.
pub(crate) fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {err}"))
}
