//! The SQLite backend: one database file in WAL mode, a single-connection writer pool
//! (writers never fight over the lock; SQLite allows one at a time anyway) and a
//! multi-connection reader pool (WAL readers never block the writer or each other).
//!
//! All [`Store::commit`]s go through the group-commit task in [`committer`]; the few
//! other writes (templates, API keys, purges) use the writer pool directly.

mod committer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};
use verity_core::account::Account;
use verity_core::handoff::OneTimeLink;
use verity_core::id::{
    AccountId, ApiKeyId, DeliveryId, DocumentId, EventId, InquiryId, InquiryTemplateVersionId,
    SessionId, TemplateId, VerificationId, WebhookId,
};
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::template::Template;
use verity_core::verification::Verification;
use verity_core::Millis;

use crate::exec::{args, Exec};
use crate::queries::{
    documents, events, handoff, inquiries, keys, templates, verifications, webhooks,
};
use crate::*;
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
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous_full: false,
            read_connections: 4,
            busy_timeout: Duration::from_secs(5),
            max_batch: 256,
        }
    }
}

pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    committer: Committer,
    path: PathBuf,
    /// Woken after commits that wrote events (see [`Store::outbox_signal`]).
    outbox: Arc<tokio::sync::Notify>,
    /// Ids of inquiries changed by commits (see [`Store::inquiry_changes`]): one process
    /// owns the file, so an in-process channel reaches every watcher.
    changes: tokio::sync::broadcast::Sender<InquiryId>,
}

impl SqliteStore {
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
            .foreign_keys(true);
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
        let store = SqliteStore {
            committer: Committer::spawn(write.clone(), options.max_batch),
            read,
            write,
            path,
            outbox: Arc::default(),
            changes: tokio::sync::broadcast::channel(256).0,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
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

    async fn ping(&self) -> Result<(), StoreError> {
        (&self.read).execute("SELECT 1", args![]).await?;
        Ok(())
    }

    async fn insert_template(&self, template: &Template) -> Result<(), StoreError> {
        // A dropped (uncommitted) transaction rolls back.
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let mut conn: &mut SqliteConnection = &mut tx;
        templates::insert(&mut conn, template).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_template(&self, template: &Template) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let mut conn: &mut SqliteConnection = &mut tx;
        templates::update(&mut conn, template).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn template(&self, id: &TemplateId) -> Result<Option<Template>, StoreError> {
        templates::get(&mut &self.read, id).await
    }

    async fn template_by_version(
        &self,
        id: &InquiryTemplateVersionId,
    ) -> Result<Option<Template>, StoreError> {
        templates::by_version(&mut &self.read, id).await
    }

    async fn list_templates(&self, page: &PageRequest) -> Result<Page<Template>, StoreError> {
        templates::list(&mut &self.read, page).await
    }

    async fn commit(&self, change: Change) -> Result<Committed, StoreError> {
        let wrote_events = !change.events.is_empty();
        let touched = change.touched_inquiry();
        let committed = self.committer.commit(change).await?;
        if wrote_events {
            self.outbox.notify_one();
        }
        if let Some(id) = touched {
            // No receiver is fine: nobody is watching.
            let _ = self.changes.send(id);
        }
        Ok(committed)
    }

    async fn inquiry(&self, id: &InquiryId) -> Result<Option<Inquiry>, StoreError> {
        inquiries::get(&mut &self.read, id).await
    }

    async fn list_inquiries(
        &self,
        filter: &InquiryFilter,
        page: &PageRequest,
    ) -> Result<Page<Inquiry>, StoreError> {
        inquiries::list(&mut &self.read, filter, page).await
    }

    async fn overdue_inquiries(&self, now: Millis, limit: u32) -> Result<Vec<Inquiry>, StoreError> {
        inquiries::overdue(&mut &self.read, now, limit).await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<InquirySession>, StoreError> {
        inquiries::session_by_token_hash(&mut &self.read, token_hash).await
    }

    async fn sessions_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<InquirySession>, StoreError> {
        inquiries::sessions_for(&mut &self.read, id).await
    }

    async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        inquiries::account(&mut &self.read, id).await
    }

    async fn list_accounts(
        &self,
        reference_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError> {
        inquiries::accounts(&mut &self.read, reference_id, page).await
    }

    async fn event(&self, id: &EventId) -> Result<Option<StoredEvent>, StoreError> {
        events::get(&mut &self.read, id).await
    }

    async fn list_events(
        &self,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredEvent>, StoreError> {
        events::list(&mut &self.read, filter, page).await
    }

    async fn document(&self, id: &DocumentId) -> Result<Option<Document>, StoreError> {
        documents::get(&mut &self.read, id).await
    }

    async fn documents_for_inquiry(&self, id: &InquiryId) -> Result<Vec<Document>, StoreError> {
        documents::for_inquiry(&mut &self.read, id).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        keys::insert_api_key(&mut &self.write, key).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        keys::api_key_by_hash(&mut &self.read, hash).await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        keys::list_api_keys(&mut &self.read).await
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, now: Millis) -> Result<(), StoreError> {
        keys::revoke_api_key(&mut &self.write, id, now).await
    }

    async fn idempotency_record(
        &self,
        api_key_id: &ApiKeyId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        keys::idempotency_record(&mut &self.read, api_key_id, key).await
    }

    async fn purge_idempotency(&self, before: Millis) -> Result<u64, StoreError> {
        keys::purge_idempotency(&mut &self.write, before).await
    }

    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        webhooks::insert(&mut &self.write, webhook).await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        webhooks::update(&mut &self.write, webhook).await
    }

    async fn webhook(&self, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        webhooks::get(&mut &self.read, id).await
    }

    async fn list_webhooks(&self, page: &PageRequest) -> Result<Page<Webhook>, StoreError> {
        webhooks::list(&mut &self.read, page).await
    }

    async fn list_deliveries(
        &self,
        webhook_id: &WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, StoreError> {
        webhooks::list_deliveries(&mut &self.read, webhook_id, page).await
    }

    async fn delivery(&self, id: &DeliveryId) -> Result<Option<Delivery>, StoreError> {
        webhooks::delivery(&mut &self.read, id).await
    }

    async fn redeliver(&self, id: &DeliveryId, now: Millis) -> Result<(), StoreError> {
        webhooks::redeliver(&mut &self.write, id, now).await
    }

    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        // The single writer serialises claims; the returned rows are committed at once.
        let claimed = webhooks::claim(&mut &self.write, now, lease_until, limit, "").await?;
        webhooks::load_claimed(&mut &self.read, claimed).await
    }

    async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let mut conn: &mut SqliteConnection = &mut tx;
        webhooks::record(&mut conn, outcomes).await?;
        tx.commit().await?;
        Ok(())
    }

    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox.clone()
    }

    async fn one_time_link(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        handoff::get(&mut &self.read, session_id).await
    }

    async fn one_time_link_by_code_hash(
        &self,
        code_hash: &str,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        handoff::by_code_hash(&mut &self.read, code_hash).await
    }

    async fn count_one_time_links(&self, id: &InquiryId, since: Millis) -> Result<u64, StoreError> {
        handoff::count_since(&mut &self.read, id, since).await
    }

    async fn open_one_time_link(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let mut conn: &mut SqliteConnection = &mut tx;
        let opened = handoff::open(&mut conn, code_hash, token_hash, now).await?;
        tx.commit().await?;
        if let Some(link) = &opened {
            let _ = self.changes.send(link.inquiry_id.clone());
        }
        Ok(opened)
    }

    fn inquiry_changes(&self) -> tokio::sync::broadcast::Receiver<InquiryId> {
        self.changes.subscribe()
    }

    async fn verification(&self, id: &VerificationId) -> Result<Option<Verification>, StoreError> {
        verifications::get(&mut &self.read, id).await
    }

    async fn verifications_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<Verification>, StoreError> {
        verifications::for_inquiry(&mut &self.read, id).await
    }

    async fn claim_verifications(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<Verification>, StoreError> {
        verifications::claim(&mut &self.write, now, lease_until, limit, "").await
    }

    async fn workflow_run(
        &self,
        inquiry_id: &InquiryId,
    ) -> Result<Option<WorkflowRun>, StoreError> {
        verifications::run(&mut &self.read, inquiry_id).await
    }

    async fn claim_workflow_runs(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<WorkflowRun>, StoreError> {
        verifications::claim_runs(&mut &self.write, now, lease_until, limit, "").await
    }
}

/// Two pools on an in-memory database would each see their own empty database.
fn in_memory_refused() -> StoreError {
    StoreError::Unsupported("in-memory SQLite; give a file path".into())
}

/// Opens an `Arc<dyn Store>` from a `sqlite:` URL with default options.
pub(crate) async fn open_url(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(
        SqliteStore::open_url(url, SqliteOptions::default()).await?,
    ))
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
