//! The one SQL store: [`SqlStore`] implements [`Store`] once, over a small
//! [`Backend`] trait that says only what differs between SQLite and PostgreSQL —
//! which pool a call runs on, how a write transaction begins, the row-lock clause of
//! claims, how a change reaches the disk (SQLite's group committer, one transaction on
//! PostgreSQL) and how other processes hear of it (PostgreSQL's `NOTIFY`).
//!
//! Everything else — the queries ([`crate::queries`]), the in-process signals after a
//! commit, the transaction around multi-statement writes — is written here, once.
//!
//! The items are `pub` (in a private module) only because [`crate::SqliteStore`] and
//! [`crate::PgStore`] are public aliases of `SqlStore<…>`.

mod store_impl;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{broadcast, Notify};
use verity_core::id::InquiryId;

use crate::exec::{Exec, Transact};
use crate::queries::change;
use crate::vault::Vault;
use crate::{Change, Committed, StoreError};

/// Which connections a call runs on. Background work (the webhook delivery worker)
/// may have connections of its own so request bursts cannot starve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Read,
    Write,
    BackgroundRead,
    BackgroundWrite,
}

/// What one database engine must provide to [`SqlStore`].
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// A pool handle: every statement run on it commits on its own.
    type Pool<'a>: Exec
    where
        Self: 'a;
    /// A transaction on the write connection(s).
    type Tx: Transact;

    /// `"sqlite"` or `"postgres"` ([`Store::backend`](crate::Store::backend)).
    const NAME: &'static str;
    /// Appended to claim queries so concurrent claimers in several processes skip each
    /// other's rows (`FOR UPDATE SKIP LOCKED`), or empty where one writer serialises
    /// claims anyway.
    const SKIP_LOCKED: &'static str;
    /// The same for the delivery claim, which joins its endpoint (`d` is the delivery).
    const SKIP_LOCKED_DELIVERIES: &'static str;

    fn pool(&self, role: Role) -> Self::Pool<'_>;

    /// The keyring and data-key cache every sealed row goes through.
    fn vault(&self) -> &Vault;

    /// Begins a transaction that will write (on SQLite it takes the write lock at once,
    /// so it never fails half-way on a lock upgrade).
    async fn begin(&self, role: Role) -> Result<Self::Tx, StoreError>;

    /// Applies pending migrations; safe when several processes start at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Makes `change` durable, or nothing of it. The default is one transaction that
    /// also [`announce`](Backend::announce)s the touched inquiry.
    async fn write(&self, change: Change) -> Result<Committed, StoreError> {
        write_in_transaction(self, &change).await
    }

    /// Inside a write transaction that is about to commit: lets other processes sharing
    /// the database learn that inquiry `id` changed, if the transaction commits
    /// (PostgreSQL: `pg_notify`, which is transactional). One process owns a SQLite
    /// file, so there it does nothing.
    async fn announce(_tx: &mut Self::Tx, _id: &InquiryId) -> Result<(), StoreError> {
        Ok(())
    }

    /// Called by every new watcher: starts relaying other processes' announcements into
    /// `changes` if this backend has any and the relay is not running yet.
    fn watch(&self, _changes: &broadcast::Sender<InquiryId>) {}

    /// Closes the pools, waiting for connections in use to be returned.
    async fn close(&self);

    /// See [`Store::checkpoint`](crate::Store::checkpoint); nothing to do by default.
    async fn checkpoint(&self) -> Result<bool, StoreError> {
        Ok(true)
    }
}

/// One change in one transaction: apply, announce, commit; roll back on any error.
async fn write_in_transaction<B: Backend + ?Sized>(
    backend: &B,
    change: &Change,
) -> Result<Committed, StoreError> {
    let mut tx = backend.begin(Role::Write).await?;
    let applied = match change::apply(&mut tx, backend.vault(), change).await {
        Ok(committed) => match change.touched_inquiry() {
            Some(id) => B::announce(&mut tx, &id).await.map(|()| committed),
            None => Ok(committed),
        },
        Err(err) => Err(err),
    };
    match applied {
        Ok(committed) => {
            tx.commit().await?;
            Ok(committed)
        }
        Err(err) => {
            tx.rollback().await?;
            Err(err)
        }
    }
}

/// The [`Store`](crate::Store) on a [`Backend`]; see [`crate::SqliteStore`] and [`crate::PgStore`].
pub struct SqlStore<B> {
    pub(crate) backend: B,
    /// Woken after commits that wrote events (see `Store::outbox_signal`).
    outbox: Arc<Notify>,
    /// Ids of changed inquiries (see `Store::inquiry_changes`): this process's commits
    /// are sent at once; the backend may relay other processes' too.
    changes: broadcast::Sender<InquiryId>,
}

impl<B: Backend> SqlStore<B> {
    /// Wraps `backend` and runs pending migrations.
    pub(crate) async fn new(backend: B) -> Result<Self, StoreError> {
        let store = SqlStore {
            backend,
            outbox: Arc::default(),
            changes: broadcast::channel(256).0,
        };
        store.backend.migrate().await?;
        let vault = store.backend.vault();
        vault.check(&mut store.backend.pool(Role::Read)).await?;
        Ok(store)
    }

    /// Closes the store's pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.backend.close().await;
    }

    /// Tells this process's watchers that inquiry `id` changed. No receiver is fine:
    /// nobody is watching.
    fn changed(&self, id: InquiryId) {
        let _ = self.changes.send(id);
    }
}

/// Runs `$body` (which uses the transaction `$tx`) in a write transaction of `$role` and
/// commits it if the body succeeds, yielding `Ok` of the body's value; an error (returned
/// with `?` from the enclosing function) drops the transaction, which rolls it back.
macro_rules! in_transaction {
    ($store:expr, $role:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $store.backend.begin($role).await?;
        let value = $body?;
        $crate::exec::Transact::commit($tx).await?;
        Ok::<_, $crate::StoreError>(value)
    }};
}
use in_transaction;
