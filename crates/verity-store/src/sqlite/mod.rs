//! The SQLite backend: one database file in WAL mode, a single-connection writer pool
//! (writers never fight over the lock; SQLite allows one at a time anyway) and a
//! multi-connection reader pool (WAL readers never block the writer or each other).
//!
//! All [`Store::commit`]s go through the group-commit task in [`committer`]; the few
//! other writes (templates, API keys, purges) use the writer pool directly. Everything
//! else is the shared [`SqlStore`].

mod committer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::sql::{Backend, Role, SqlStore};
use crate::vault::Vault;
use crate::{Change, Committed, Keyring, Store, StoreError};
use committer::Committer;

/// Tuning knobs; the defaults suit a small server.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// `synchronous=FULL` (an fsync per commit: survives power loss) instead of the
    /// default `NORMAL` (survives a crash of the process; a power cut may lose the last
    /// commits, never corrupt the file).
    pub synchronous_full: bool,
    /// Connections in the reader pool.
    pub read_connections: u32,
    /// How long a connection waits for a lock held by another process.
    pub busy_timeout: Duration,
    /// Most changes one group commit writes in a single transaction.
    pub max_batch: usize,
    /// The key-encryption keys (docs/encryption.md). The default is
    /// [`Keyring::ephemeral`]: data sealed with it cannot be read by another process.
    pub keyring: Keyring,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous_full: false,
            read_connections: 4,
            busy_timeout: Duration::from_secs(5),
            max_batch: 256,
            keyring: Keyring::ephemeral(),
        }
    }
}

/// The SQLite [`Store`]. One process owns the file, so the in-process change channel
/// reaches every watcher and [`Backend::announce`] has nothing to do.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// The SQLite side of [`SqlStore`]: its two pools, its group committer and its file.
pub struct SqliteBackend {
    read: SqlitePool,
    pub(crate) write: SqlitePool,
    committer: Committer,
    path: PathBuf,
    vault: Arc<Vault>,
}

impl SqlStore<SqliteBackend> {
    /// Opens (creating if needed, with its parent directory) the database file at
    /// `path` with default options, and runs pending migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Like [`SqliteStore::open`], with explicit options. Must run inside a tokio runtime
    /// (the group-commit task is spawned on it).
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        let connect = SqliteConnectOptions::new().filename(path.as_ref());
        Self::connect(connect, options).await
    }

    /// Opens the database a `sqlite:` URL names (`sqlite://path`, `sqlite:path?mode=rwc`).
    pub async fn open_url(url: &str, options: SqliteOptions) -> Result<SqliteStore, StoreError> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(in_memory_refused());
        }
        let connect = SqliteConnectOptions::from_str(url)?;
        Self::connect(connect, options).await
    }

    /// Opens the store, retrying while another process holds the file's lock during its
    /// own first start: switching a new file to WAL takes an exclusive lock that SQLite
    /// reports as `SQLITE_BUSY` at once rather than waiting out `busy_timeout`.
    async fn connect(
        connect: SqliteConnectOptions,
        options: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        const ATTEMPTS: u32 = 20;
        let mut attempt = 0;
        loop {
            match Self::connect_once(connect.clone(), options.clone()).await {
                Err(e) if attempt + 1 < ATTEMPTS && is_busy(&e) => {
                    attempt += 1;
                    let wait = std::time::Duration::from_millis(10 * u64::from(attempt));
                    tokio::time::sleep(wait).await;
                }
                result => return result,
            }
        }
    }

    async fn connect_once(
        connect: SqliteConnectOptions,
        options: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        let path = connect.get_filename().to_path_buf();
        if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
            return Err(in_memory_refused());
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Database(sqlx::Error::Configuration(
                    format!("cannot create {}: {e}", parent.display()).into(),
                ))
            })?;
        }
        let synchronous = if options.synchronous_full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed in its page, so a redaction leaves
            // no personal data in free space (see `Store::checkpoint` for the WAL).
            .pragma("secure_delete", "ON");
        // The writer comes first: it creates the file and switches it to WAL before any
        // reader opens it.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(connect.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .connect_with(connect)
            .await?;
        let vault = Arc::new(Vault::new(options.keyring));
        SqlStore::new(SqliteBackend {
            committer: Committer::spawn(write.clone(), options.max_batch, vault.clone()),
            read,
            write,
            path,
            vault,
        })
        .await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.backend.path
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    type Pool<'a> = &'a SqlitePool;
    type Tx = Transaction<'static, Sqlite>;

    const NAME: &'static str = "sqlite";
    // The single writer connection serialises claims.
    const SKIP_LOCKED: &'static str = "";
    const SKIP_LOCKED_DELIVERIES: &'static str = "";

    fn pool(&self, role: Role) -> &SqlitePool {
        match role {
            Role::Read | Role::BackgroundRead => &self.read,
            Role::Write | Role::BackgroundWrite => &self.write,
        }
    }

    fn vault(&self) -> &Vault {
        &self.vault
    }

    async fn begin(&self, _role: Role) -> Result<Self::Tx, StoreError> {
        Ok(self.write.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx's migrator takes no lock on SQLite. Running it inside one `BEGIN
        // IMMEDIATE` transaction (each migration becomes a savepoint) holds the write
        // lock throughout, so a second opener waits, then finds everything applied.
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        // `run_direct` is `run` without the `Acquire` bound that trips rustc's `Send`
        // inference in async_trait methods (sqlx documents it for exactly that).
        crate::migrations::SQLITE.run_direct(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Through the group committer: concurrent changes share one transaction.
    async fn write(&self, change: Change) -> Result<Committed, StoreError> {
        self.committer.commit(change).await
    }

    async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// `TRUNCATE` waits (through the busy handler) for readers of older snapshots, copies
    /// every frame into the database file and empties the log; `busy = 1` means a reader
    /// still held an old snapshot when `busy_timeout` ran out.
    async fn checkpoint(&self) -> Result<bool, StoreError> {
        let (busy, _log, _copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.write)
                .await?;
        Ok(busy == 0)
    }
}

/// Two pools on an in-memory database would each see their own empty database.
fn in_memory_refused() -> StoreError {
    StoreError::Unsupported("in-memory SQLite; give a file path".into())
}

/// Opens an `Arc<dyn Store>` from a `sqlite:` URL with default options and `keyring`.
pub(crate) async fn open_url(url: &str, keyring: Keyring) -> Result<Arc<dyn Store>, StoreError> {
    let options = SqliteOptions {
        keyring,
        ..SqliteOptions::default()
    };
    Ok(Arc::new(SqliteStore::open_url(url, options).await?))
}

/// `SQLITE_BUSY` ("database is locked"), however sqlx or the migrator wraps it.
fn is_busy(e: &StoreError) -> bool {
    let db = match e {
        StoreError::Database(sqlx::Error::Database(db)) => db,
        StoreError::Migrate(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db))) => db,
        _ => return false,
    };
    db.code().as_deref() == Some("5") || db.message().contains("database is locked")
}
