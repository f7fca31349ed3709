//! Group commit for SQLite: one writer task turns concurrent [`Change`]s into one
//! transaction, so a burst of N requests costs one `COMMIT` (one WAL sync) instead of N.
//!
//! A batch first runs all together, table by table (`change::apply_all`: a few multi-row
//! statements for the whole batch). If a change fails (conflict, duplicate, used
//! idempotency key) the batch is rolled back and redone with each change inside its own
//! savepoint: the failing one is rolled back to its savepoint and answered with its own
//! error, without touching the others. A caller hears `Ok` only after the `COMMIT` that
//! made its change durable. If the batch as a whole fails (the `BEGIN`, a savepoint or
//! the `COMMIT`), every change is retried alone so each caller gets its own true answer.

use std::sync::Arc;

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::exec::{args, Exec};
use crate::queries::change;
use crate::vault::Vault;
use crate::{Change, Committed, StoreError};

type Reply = oneshot::Sender<Result<Committed, StoreError>>;

struct Job {
    change: Change,
    reply: Reply,
}

/// The handle callers use; the writer task ends when the last handle is dropped.
pub(crate) struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Spawns the writer task on the current tokio runtime.
    pub fn spawn(writer: SqlitePool, max_batch: usize, vault: Arc<Vault>) -> Self {
        let max_batch = max_batch.max(1);
        let (jobs, queue) = mpsc::channel(max_batch * 4);
        tokio::spawn(run(writer, vault, queue, max_batch));
        Committer { jobs }
    }

    pub async fn commit(&self, change: Change) -> Result<Committed, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { change, reply })
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

async fn run(
    writer: SqlitePool,
    vault: Arc<Vault>,
    mut queue: mpsc::Receiver<Job>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    // Whatever queued up while the previous batch was being written forms the next one.
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        if batch.len() == 1 {
            if let Some(job) = batch.pop() {
                let result = commit_alone(&writer, &vault, &job.change).await;
                // The caller may have gone away; its change is committed regardless.
                let _ = job.reply.send(result);
            }
            continue;
        }
        // Optimistically all together (a few statements for the whole batch); if any
        // change fails, nothing was committed and the batch is redone one savepoint a change.
        let outcome = match commit_batch(&writer, &vault, &batch, false).await {
            Ok(Outcome::ChangeFailed) => commit_batch(&writer, &vault, &batch, true).await,
            other => other,
        };
        match outcome {
            Ok(Outcome::Committed(results)) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Ok(Outcome::ChangeFailed) | Err(_) => {
                if let Err(err) = outcome {
                    tracing::warn!(error = %err, size = batch.len(), "group commit failed; retrying changes one by one");
                }
                for job in batch.drain(..) {
                    let result = commit_alone(&writer, &vault, &job.change).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

enum Outcome {
    /// The transaction committed; one result per change, in order.
    Committed(Vec<Result<Committed, StoreError>>),
    /// A change failed in a batch without savepoints; everything was rolled back.
    ChangeFailed,
}

/// One change in its own `BEGIN IMMEDIATE` transaction.
async fn commit_alone(
    writer: &SqlitePool,
    vault: &Vault,
    change: &Change,
) -> Result<Committed, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let mut conn: &mut SqliteConnection = &mut tx;
    match change::apply(&mut conn, vault, change).await {
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

/// Every change of `jobs` in one transaction. Without `isolate` they are written together,
/// table by table (a few statements for the whole batch), and any failure rolls back the
/// whole batch (`ChangeFailed`). With `isolate`, each change runs in its own savepoint and a
/// failing one is rolled back alone. `Err` means the batch itself failed and nothing was
/// committed.
async fn commit_batch(
    writer: &SqlitePool,
    vault: &Vault,
    jobs: &[Job],
    isolate: bool,
) -> Result<Outcome, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let mut conn: &mut SqliteConnection = &mut tx;
    if !isolate {
        let changes: Vec<&Change> = jobs.iter().map(|job| &job.change).collect();
        return match change::apply_all(&mut conn, vault, &changes).await {
            Ok(committed) => {
                tx.commit().await?;
                Ok(Outcome::Committed(committed.into_iter().map(Ok).collect()))
            }
            Err(_) => {
                tx.rollback().await?;
                Ok(Outcome::ChangeFailed)
            }
        };
    }
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut conn: &mut SqliteConnection = &mut tx;
        conn.execute("SAVEPOINT change", args![]).await?;
        let result = change::apply(&mut conn, vault, &job.change).await;
        if result.is_err() {
            conn.execute("ROLLBACK TO change", args![]).await?;
        }
        conn.execute("RELEASE change", args![]).await?;
        results.push(result);
    }
    tx.commit().await?;
    Ok(Outcome::Committed(results))
}

#[cfg(test)]
mod tests {
    use verity_core::field::FieldSchema;
    use verity_core::id::{Id, TemplateId};
    use verity_core::inquiry::{Inquiry, NewInquiry};

    use super::*;
    use crate::{InquiryWrite, SqliteStore, Store};

    fn job(inquiry: &Inquiry) -> (Job, oneshot::Receiver<Result<Committed, StoreError>>) {
        let (reply, answer) = oneshot::channel();
        let change = Change {
            inquiry: Some(InquiryWrite::Insert(inquiry.clone())),
            ..Change::default()
        };
        (Job { change, reply }, answer)
    }

    fn inquiry() -> Inquiry {
        let rng = &mut rand::thread_rng();
        let new = NewInquiry {
            id: Id::generate(rng),
            template_id: TemplateId::Dynamic(Id::generate(rng)),
            template_version_id: Id::generate(rng),
            schema: FieldSchema::default(),
            fields: serde_json::Map::new(),
            reference_id: None,
            account_id: None,
            note: None,
            tags: vec![],
            ttl_seconds: 60,
        };
        Inquiry::create(new, 0).expect("valid").inquiry
    }

    #[tokio::test]
    async fn a_failing_change_rolls_back_alone_only_with_savepoints() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path().join("db"))
            .await
            .expect("open");
        let (a, c) = (inquiry(), inquiry());
        // The second change collides with the first inside the same batch.
        let jobs: Vec<_> = [&a, &a, &c].into_iter().map(|i| job(i).0).collect();

        let optimistic = commit_batch(&store.backend.write, &store.backend.vault, &jobs, false)
            .await
            .expect("batch");
        assert!(matches!(optimistic, Outcome::ChangeFailed));
        assert_eq!(
            store.inquiry(&a.id).await.expect("read"),
            None,
            "rolled back"
        );

        let Outcome::Committed(results) =
            commit_batch(&store.backend.write, &store.backend.vault, &jobs, true)
                .await
                .expect("batch")
        else {
            panic!("isolated batches always commit");
        };
        assert!(results[0].is_ok());
        assert!(matches!(
            results[1],
            Err(StoreError::Duplicate { what: "inquiry" })
        ));
        assert!(results[2].is_ok());
        assert!(store.inquiry(&a.id).await.expect("read").is_some());
        assert!(store.inquiry(&c.id).await.expect("read").is_some());
    }

    #[tokio::test]
    async fn a_batch_written_together_shares_accounts_and_keeps_event_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path().join("db"))
            .await
            .expect("open");
        let rng = &mut rand::thread_rng();
        let inquiries = [inquiry(), inquiry(), inquiry()];
        let references = ["ref-1", "ref-1", "ref-2"];
        let jobs: Vec<Job> = inquiries
            .iter()
            .zip(references)
            .map(|(inquiry, reference)| {
                let (mut job, _) = job(inquiry);
                job.change.account = Some(crate::AccountLink {
                    reference_id: reference.into(),
                    new_id: Id::generate(rng),
                });
                job.change.events = vec![crate::NewEvent {
                    id: Id::generate(rng),
                    name: verity_core::event::EventName::InquiryCreated,
                    subject_id: inquiry.id.to_string(),
                    inquiry_id: Some(inquiry.id.clone()),
                    created_at: 0,
                    payload: serde_json::json!({}),
                }];
                job
            })
            .collect();

        let Outcome::Committed(results) =
            commit_batch(&store.backend.write, &store.backend.vault, &jobs, false)
                .await
                .expect("batch")
        else {
            panic!("nothing in this batch fails");
        };
        let results: Vec<Committed> = results.into_iter().map(|r| r.expect("ok")).collect();
        let created: Vec<bool> = results.iter().map(|r| r.account_created).collect();
        assert_eq!(created, [true, false, true], "one account per reference id");
        let account_of = |i: usize| {
            results[i]
                .inquiry
                .as_ref()
                .and_then(|q| q.account_id.clone())
        };
        assert_eq!(account_of(0), account_of(1));
        assert_ne!(account_of(0), account_of(2));
        let stored = store.inquiry(&inquiries[1].id).await.expect("read");
        assert_eq!(stored.and_then(|q| q.account_id), account_of(0));

        let page = crate::PageRequest {
            after: None,
            before: None,
            size: 10,
        };
        let events = store
            .list_events(&crate::EventFilter::default(), &page)
            .await
            .expect("events");
        // Newest first: the log holds the changes' events in the batch's order.
        let logged: Vec<_> = events.items.iter().rev().map(|e| e.id.clone()).collect();
        let given: Vec<_> = jobs.iter().map(|j| j.change.events[0].id.clone()).collect();
        assert_eq!(logged, given);
    }
}
