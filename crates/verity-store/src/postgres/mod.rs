//! The PostgreSQL backend: one pool; several `verity serve` processes may share the
//! database. Every [`Store::commit`] is one transaction; concurrent writers of the same
//! inquiry are told apart by the revision check (`UPDATE … WHERE id = $1 AND
//! revision = $2`), never by locks held across requests.
//!
//! Migrations are safe when several processes start at once: sqlx's migrator holds a
//! PostgreSQL advisory lock (keyed by database name) while it checks and applies them.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};
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
    change, documents, events, handoff, inquiries, keys, templates, verifications, webhooks,
};
use crate::*;

#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections in the pool that serves requests.
    pub max_connections: u32,
    /// Connections kept apart for background work (webhook claims and their recording),
    /// so a burst of requests queued on the main pool cannot starve delivery.
    pub background_connections: u32,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 16,
            background_connections: 2,
        }
    }
}

/// The `NOTIFY` channel carrying ids of changed inquiries between processes.
const CHANGES_CHANNEL: &str = "verity_inquiry_changes";

pub struct PgStore {
    pool: PgPool,
    /// See [`PgOptions::background_connections`].
    background: PgPool,
    /// Woken after commits that wrote events (see [`Store::outbox_signal`]).
    outbox: Arc<tokio::sync::Notify>,
    /// Ids of changed inquiries (see [`Store::inquiry_changes`]): this process's commits
    /// are sent at once, other processes' arrive through the `LISTEN` task.
    changes: tokio::sync::broadcast::Sender<InquiryId>,
    /// The `LISTEN` task, started by the first watcher (a CLI command never needs it).
    listener: std::sync::OnceLock<tokio::task::JoinHandle<()>>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(task) = self.listener.get() {
            task.abort();
        }
    }
}

/// Relays `NOTIFY`s of other processes to this process's watchers; reconnects after a
/// lost connection (what was sent meanwhile is missed: watchers also re-read).
async fn relay_notifications(pool: PgPool, changes: tokio::sync::broadcast::Sender<InquiryId>) {
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

impl PgStore {
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
        let store = PgStore {
            pool,
            background,
            outbox: Arc::default(),
            changes: tokio::sync::broadcast::channel(256).0,
            listener: std::sync::OnceLock::new(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        self.background.close().await;
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        crate::migrations::POSTGRES.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        (&self.pool).execute("SELECT 1", args![]).await?;
        Ok(())
    }

    async fn insert_template(&self, template: &Template) -> Result<(), StoreError> {
        // A dropped (uncommitted) transaction rolls back.
        let mut tx = self.pool.begin().await?;
        let mut conn: &mut PgConnection = &mut tx;
        templates::insert(&mut conn, template).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_template(&self, template: &Template) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut conn: &mut PgConnection = &mut tx;
        templates::update(&mut conn, template).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn template(&self, id: &TemplateId) -> Result<Option<Template>, StoreError> {
        templates::get(&mut &self.pool, id).await
    }

    async fn template_by_version(
        &self,
        id: &InquiryTemplateVersionId,
    ) -> Result<Option<Template>, StoreError> {
        templates::by_version(&mut &self.pool, id).await
    }

    async fn list_templates(&self, page: &PageRequest) -> Result<Page<Template>, StoreError> {
        templates::list(&mut &self.pool, page).await
    }

    async fn commit(&self, change: Change) -> Result<Committed, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut conn: &mut PgConnection = &mut tx;
        let touched = change.touched_inquiry();
        let applied = match change::apply(&mut conn, &change).await {
            // NOTIFY is transactional: other processes hear of the change only if it commits.
            Ok(committed) => match &touched {
                Some(id) => notify(&mut conn, id).await.map(|()| committed),
                None => Ok(committed),
            },
            Err(err) => Err(err),
        };
        match applied {
            Ok(committed) => {
                tx.commit().await?;
                if !change.events.is_empty() {
                    self.outbox.notify_one();
                }
                if let Some(id) = touched {
                    let _ = self.changes.send(id);
                }
                Ok(committed)
            }
            Err(err) => {
                tx.rollback().await?;
                Err(err)
            }
        }
    }

    async fn inquiry(&self, id: &InquiryId) -> Result<Option<Inquiry>, StoreError> {
        inquiries::get(&mut &self.pool, id).await
    }

    async fn list_inquiries(
        &self,
        filter: &InquiryFilter,
        page: &PageRequest,
    ) -> Result<Page<Inquiry>, StoreError> {
        inquiries::list(&mut &self.pool, filter, page).await
    }

    async fn overdue_inquiries(&self, now: Millis, limit: u32) -> Result<Vec<Inquiry>, StoreError> {
        inquiries::overdue(&mut &self.pool, now, limit).await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<InquirySession>, StoreError> {
        inquiries::session_by_token_hash(&mut &self.pool, token_hash).await
    }

    async fn sessions_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<InquirySession>, StoreError> {
        inquiries::sessions_for(&mut &self.pool, id).await
    }

    async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        inquiries::account(&mut &self.pool, id).await
    }

    async fn list_accounts(
        &self,
        reference_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError> {
        inquiries::accounts(&mut &self.pool, reference_id, page).await
    }

    async fn event(&self, id: &EventId) -> Result<Option<StoredEvent>, StoreError> {
        events::get(&mut &self.pool, id).await
    }

    async fn list_events(
        &self,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredEvent>, StoreError> {
        events::list(&mut &self.pool, filter, page).await
    }

    async fn document(&self, id: &DocumentId) -> Result<Option<Document>, StoreError> {
        documents::get(&mut &self.pool, id).await
    }

    async fn documents_for_inquiry(&self, id: &InquiryId) -> Result<Vec<Document>, StoreError> {
        documents::for_inquiry(&mut &self.pool, id).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        keys::insert_api_key(&mut &self.pool, key).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        keys::api_key_by_hash(&mut &self.pool, hash).await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        keys::list_api_keys(&mut &self.pool).await
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, now: Millis) -> Result<(), StoreError> {
        keys::revoke_api_key(&mut &self.pool, id, now).await
    }

    async fn idempotency_record(
        &self,
        api_key_id: &ApiKeyId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        keys::idempotency_record(&mut &self.pool, api_key_id, key).await
    }

    async fn purge_idempotency(&self, before: Millis) -> Result<u64, StoreError> {
        keys::purge_idempotency(&mut &self.pool, before).await
    }

    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        webhooks::insert(&mut &self.pool, webhook).await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        webhooks::update(&mut &self.pool, webhook).await
    }

    async fn webhook(&self, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        webhooks::get(&mut &self.pool, id).await
    }

    async fn list_webhooks(&self, page: &PageRequest) -> Result<Page<Webhook>, StoreError> {
        webhooks::list(&mut &self.pool, page).await
    }

    async fn list_deliveries(
        &self,
        webhook_id: &WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, StoreError> {
        webhooks::list_deliveries(&mut &self.pool, webhook_id, page).await
    }

    async fn delivery(&self, id: &DeliveryId) -> Result<Option<Delivery>, StoreError> {
        webhooks::delivery(&mut &self.pool, id).await
    }

    async fn redeliver(&self, id: &DeliveryId, now: Millis) -> Result<(), StoreError> {
        webhooks::redeliver(&mut &self.pool, id, now).await
    }

    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let claimed = webhooks::claim(
            &mut &self.background,
            now,
            lease_until,
            limit,
            "FOR UPDATE OF d SKIP LOCKED",
        )
        .await?;
        webhooks::load_claimed(&mut &self.background, claimed).await
    }

    async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = self.background.begin().await?;
        let mut conn: &mut PgConnection = &mut tx;
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
        handoff::get(&mut &self.pool, session_id).await
    }

    async fn one_time_link_by_code_hash(
        &self,
        code_hash: &str,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        handoff::by_code_hash(&mut &self.pool, code_hash).await
    }

    async fn count_one_time_links(&self, id: &InquiryId, since: Millis) -> Result<u64, StoreError> {
        handoff::count_since(&mut &self.pool, id, since).await
    }

    async fn open_one_time_link(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut conn: &mut PgConnection = &mut tx;
        let opened = handoff::open(&mut conn, code_hash, token_hash, now).await?;
        if let Some(link) = &opened {
            notify(&mut conn, &link.inquiry_id).await?;
        }
        tx.commit().await?;
        if let Some(link) = &opened {
            let _ = self.changes.send(link.inquiry_id.clone());
        }
        Ok(opened)
    }

    fn inquiry_changes(&self) -> tokio::sync::broadcast::Receiver<InquiryId> {
        let receiver = self.changes.subscribe();
        self.listener.get_or_init(|| {
            tokio::spawn(relay_notifications(self.pool.clone(), self.changes.clone()))
        });
        receiver
    }

    async fn verification(&self, id: &VerificationId) -> Result<Option<Verification>, StoreError> {
        verifications::get(&mut &self.pool, id).await
    }

    async fn verifications_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<Verification>, StoreError> {
        verifications::for_inquiry(&mut &self.pool, id).await
    }

    async fn claim_verifications(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<Verification>, StoreError> {
        verifications::claim(
            &mut &self.pool,
            now,
            lease_until,
            limit,
            "FOR UPDATE SKIP LOCKED",
        )
        .await
    }

    async fn workflow_run(
        &self,
        inquiry_id: &InquiryId,
    ) -> Result<Option<WorkflowRun>, StoreError> {
        verifications::run(&mut &self.pool, inquiry_id).await
    }

    async fn claim_workflow_runs(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<WorkflowRun>, StoreError> {
        verifications::claim_runs(
            &mut &self.pool,
            now,
            lease_until,
            limit,
            "FOR UPDATE SKIP LOCKED",
        )
        .await
    }
}

/// Tells other processes (through `LISTEN`) that inquiry `id` changed, when the
/// surrounding transaction commits.
async fn notify(conn: &mut &mut PgConnection, id: &InquiryId) -> Result<(), StoreError> {
    conn.execute(
        "SELECT pg_notify($1, $2)",
        args![CHANGES_CHANNEL, id.as_str()],
    )
    .await?;
    Ok(())
}

/// Opens an `Arc<dyn Store>` from a `postgres:` URL with default options.
pub(crate) async fn open_url(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(PgStore::connect(url).await?))
}
