//! Online backup of the embedded SQLite database and the check a restore makes first
//! (docs/operations.md §2). PostgreSQL is backed up with its own tools (`pg_dump`).
//!
//! A backup is `VACUUM INTO` on a connection of its own: SQLite writes a consistent snapshot
//! (one read transaction) while the server keeps committing through its write-ahead log, so
//! no write is stopped and none is half in the copy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

/// Why a backup could not be written or a file is not one to restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; name a new file")]
    Exists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{path} is not a Verity database: {why}")]
    NotVerity { path: PathBuf, why: String },
    #[error("{path} is at migration {version}, which this binary does not know (a newer Verity made it?)")]
    UnknownMigration { path: PathBuf, version: i64 },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What [`verify_sqlite`] found: the file's latest migration and whether it is behind this
/// binary's (the server then migrates it forward at its first start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub migration: i64,
    pub behind: bool,
}

/// How long the backup waits for the database while a writer holds a lock it needs.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, BackupError> {
    if !path.exists() {
        return Err(BackupError::Missing(path.to_owned()));
    }
    let connection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await?;
    Ok(connection)
}

/// Writes a consistent copy of the SQLite database at `database` to `out` (a new file),
/// while other connections — the server's — go on reading and writing it.
pub async fn backup_sqlite(database: &Path, out: &Path) -> Result<(), BackupError> {
    if out.exists() {
        return Err(BackupError::Exists(out.to_owned()));
    }
    let mut connection = connect(database, false).await?;
    let target = out.to_string_lossy().into_owned();
    sqlx::query("VACUUM INTO ?1")
        .bind(target)
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    Ok(())
}

/// Checks that `path` is an intact Verity SQLite database whose every applied migration is
/// one this binary ships, with the same checksum.
pub async fn verify_sqlite(path: &Path) -> Result<Verified, BackupError> {
    let not_verity = |why: String| BackupError::NotVerity {
        path: path.to_owned(),
        why,
    };
    let mut connection = connect(path, true)
        .await
        .map_err(|e| not_verity(e.to_string()))?;
    let (check,): (String,) = sqlx::query_as("PRAGMA quick_check")
        .fetch_one(&mut connection)
        .await
        .map_err(|e| not_verity(e.to_string()))?;
    if check != "ok" {
        return Err(not_verity(format!("integrity check: {check}")));
    }
    let applied: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut connection)
            .await
            .map_err(|_| not_verity("it has no migration table".into()))?;
    connection.close().await?;
    let known: HashMap<i64, &[u8]> = crate::migrations::SQLITE
        .iter()
        .map(|m| (m.version, m.checksum.as_ref()))
        .collect();
    for (version, success, checksum) in &applied {
        match known.get(version) {
            None => {
                return Err(BackupError::UnknownMigration {
                    path: path.to_owned(),
                    version: *version,
                })
            }
            Some(expected) if *expected != checksum.as_slice() || !success => {
                return Err(not_verity(format!(
                    "migration {version} differs from this binary's or did not finish"
                )))
            }
            Some(_) => {}
        }
    }
    let migration = applied
        .last()
        .map(|(v, _, _)| *v)
        .ok_or_else(|| not_verity("no migration was applied".into()))?;
    let latest = known.keys().copied().max().unwrap_or(0);
    Ok(Verified {
        migration,
        behind: migration < latest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_backup_verifies_and_other_files_do_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("v.db");
        crate::open(
            &format!("sqlite://{}?mode=rwc", db.display()),
            crate::Keyring::ephemeral(),
        )
        .await
        .expect("store");
        let out = dir.path().join("backup.db");
        backup_sqlite(&db, &out).await.expect("backup");
        let verified = verify_sqlite(&out).await.expect("verifies");
        assert!(!verified.behind, "{verified:?}");
        assert!(matches!(
            backup_sqlite(&db, &out).await,
            Err(BackupError::Exists(_))
        ));

        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all").expect("write");
        assert!(matches!(
            verify_sqlite(&junk).await,
            Err(BackupError::NotVerity { .. })
        ));
        let other = dir.path().join("other.db");
        let mut c = SqliteConnectOptions::new()
            .filename(&other)
            .create_if_missing(true)
            .connect()
            .await
            .expect("other");
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut c)
            .await
            .expect("table");
        c.close().await.expect("close");
        assert!(matches!(
            verify_sqlite(&other).await,
            Err(BackupError::NotVerity { .. })
        ));
    }
}
