//! The PostgreSQL backend: one pool; several `verity serve` processes may share the
//! database. Every [`Store::commit`] is one transaction; concurrent writers of the same
//! inquiry are told apart by the revision check (`UPDATE … WHERE id = $1 AND
//! revision = $2`), never by locks held across requests.
//!
//! Everything else is the shared [`SqlStore`].
//!
//! Migrations are safe when several processes start at once: sqlx's migrator holds a
//! PostgreSQL advisory lock (keyed by database name) while it checks and applies them.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::broadcast;
use verity_core::id::InquiryId;

use crate::exec::{args, Exec};
use crate::sql::{Backend, Role, SqlStore};
use crate::vault::Vault;
use crate::{Keyring, Store, StoreError};

#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections in the pool that serves requests.
    pub max_connections: u32,
    /// Connections kept apart for background work (webhook claims and their recording),
    /// so a burst of requests queued on the main pool cannot starve delivery.
    pub background_connections: u32,
    /// The key-encryption keys (docs/encryption.md). The default is
    /// [`Keyring::ephemeral`]: data sealed with it cannot be read by another process.
    pub keyring: Keyring,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 16,
            background_connections: 2,
            keyring: Keyring::ephemeral(),
        }
    }
}

/// The `NOTIFY` channel carrying ids of changed inquiries between processes.
const CHANGES_CHANNEL: &str = "verity_inquiry_changes";

/// The PostgreSQL [`Store`]: this process's commits reach its watchers at once, other
/// processes' arrive through the `LISTEN` task.
pub type PgStore = SqlStore<PgBackend>;

/// The PostgreSQL side of [`SqlStore`]: its pools and its `LISTEN` relay.
pub struct PgBackend {
    pool: PgPool,
    /// See [`PgOptions::background_connections`].
    background: PgPool,
    /// The `LISTEN` task, started by the first watcher (a CLI command never needs it).
    listener: std::sync::OnceLock<tokio::task::JoinHandle<()>>,
    vault: Vault,
}

impl Drop for PgBackend {
    fn drop(&mut self) {
        if let Some(task) = self.listener.get() {
            task.abort();
        }
    }
}

/// Relays `NOTIFY`s of other processes to this process's watchers; reconnects after a
/// lost connection (what was sent meanwhile is missed: watchers also re-read).
async fn relay_notifications(pool: PgPool, changes: broadcast::Sender<InquiryId>) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANGES_CHANNEL).await {
                Ok(()) => loop {
                    match listener.recv().await {
                        Ok(n) => {
                            if let Ok(id) = InquiryId::parse(n.payload()) {
                                let _ = changes.send(id);
                            }
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "LISTEN connection lost");
                            break;
                        }
                    }
                },
                Err(err) => tracing::warn!(error = %err, "LISTEN failed"),
            },
            Err(err) => tracing::warn!(error = %err, "cannot open a LISTEN connection"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

impl SqlStore<PgBackend> {
    /// Connects to `url` (`postgres://…`) with default options and runs pending migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(PgConnectOptions::from_str(url)?, PgOptions::default()).await
    }

    /// Connects with explicit options (e.g. a `search_path` set through
    /// [`PgConnectOptions::options`]) and runs pending migrations.
    pub async fn connect_with(
        connect: PgConnectOptions,
        options: PgOptions,
    ) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect.clone())
            .await?;
        let background = PgPoolOptions::new()
            .max_connections(options.background_connections.max(1))
            .min_connections(0)
            .connect_lazy_with(connect);
        SqlStore::new(PgBackend {
            pool,
            background,
            listener: std::sync::OnceLock::new(),
            vault: Vault::new(options.keyring),
        })
        .await
    }
}

#[async_trait]
impl Backend for PgBackend {
    type Pool<'a> = &'a PgPool;
    type Tx = Transaction<'static, Postgres>;

    const NAME: &'static str = "postgres";
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
    const SKIP_LOCKED_DELIVERIES: &'static str = "FOR UPDATE OF d SKIP LOCKED";

    fn pool(&self, role: Role) -> &PgPool {
        match role {
            Role::Read | Role::Write => &self.pool,
            Role::BackgroundRead | Role::BackgroundWrite => &self.background,
        }
    }

    fn vault(&self) -> &Vault {
        &self.vault
    }

    async fn begin(&self, role: Role) -> Result<Self::Tx, StoreError> {
        Ok(self.pool(role).begin().await?)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        crate::migrations::POSTGRES.run(&self.pool).await?;
        Ok(())
    }

    /// `NOTIFY` is transactional: other processes hear of the change only if it commits.
    async fn announce(tx: &mut Self::Tx, id: &InquiryId) -> Result<(), StoreError> {
        tx.execute(
            "SELECT pg_notify($1, $2)",
            args![CHANGES_CHANNEL, id.as_str()],
        )
        .await?;
        Ok(())
    }

    fn watch(&self, changes: &broadcast::Sender<InquiryId>) {
        self.listener
            .get_or_init(|| tokio::spawn(relay_notifications(self.pool.clone(), changes.clone())));
    }

    async fn close(&self) {
        self.pool.close().await;
        self.background.close().await;
    }
}

/// Opens an `Arc<dyn Store>` from a `postgres:` URL with default options and `keyring`.
pub(crate) async fn open_url(url: &str, keyring: Keyring) -> Result<Arc<dyn Store>, StoreError> {
    let options = PgOptions {
        keyring,
        ..PgOptions::default()
    };
    let connect = PgConnectOptions::from_str(url)?;
    Ok(Arc::new(PgStore::connect_with(connect, options).await?))
}
