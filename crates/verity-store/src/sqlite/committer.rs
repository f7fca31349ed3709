//! Group commit for SQLite: one writer task turns concurrent [`Change`]s into one
//! transaction, so a burst of N requests costs one `COMMIT` (one WAL sync) instead of N.
//!
//! A batch first runs without savepoints. If a change fails (conflict, duplicate, used
//! idempotency key) the batch is rolled back and redone with each change inside its own
//! savepoint: the failing one is rolled back to its savepoint and answered with its own
//! error, without touching the others. A caller hears `Ok` only after the `COMMIT` that
//! made its change durable. If the batch as a whole fails (the `BEGIN`, a savepoint or
//! the `COMMIT`), every change is retried alone so each caller gets its own true answer.

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::exec::{args, Exec};
use crate::queries::change;
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
    pub fn spawn(writer: SqlitePool, max_batch: usize) -> Self {
        let max_batch = max_batch.max(1);
        let (jobs, queue) = mpsc::channel(max_batch * 4);
        tokio::spawn(run(writer, queue, max_batch));
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

async fn run(writer: SqlitePool, mut queue: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    // Whatever queued up while the previous batch was being written forms the next one.
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        if batch.len() == 1 {
            if let Some(job) = batch.pop() {
                let result = commit_alone(&writer, &job.change).await;
                // The caller may have gone away; its change is committed regardless.
                let _ = job.reply.send(result);
            }
            continue;
        }
        // Optimistically without savepoints (two statements fewer per change); if any
        // change fails, nothing was committed and the batch is redone with them.
        let outcome = match commit_batch(&writer, &batch, false).await {
            Ok(Outcome::ChangeFailed) => commit_batch(&writer, &batch, true).await,
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
                    let result = commit_alone(&writer, &job.change).await;
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
async fn commit_alone(writer: &SqlitePool, change: &Change) -> Result<Committed, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let mut conn: &mut SqliteConnection = &mut tx;
    match change::apply(&mut conn, change).await {
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

/// Every change of `jobs` in one transaction. With `isolate`, each change runs in a
/// savepoint and a failing one is rolled back alone; without, the first failure rolls
/// back the whole batch (`ChangeFailed`). `Err` means the batch itself failed and nothing
/// was committed.
async fn commit_batch(
    writer: &SqlitePool,
    jobs: &[Job],
    isolate: bool,
) -> Result<Outcome, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut conn: &mut SqliteConnection = &mut tx;
        if isolate {
            conn.execute("SAVEPOINT change", args![]).await?;
        }
        let result = change::apply(&mut conn, &job.change).await;
        if isolate {
            if result.is_err() {
                conn.execute("ROLLBACK TO change", args![]).await?;
            }
            conn.execute("RELEASE change", args![]).await?;
        } else if result.is_err() {
            tx.rollback().await?;
            return Ok(Outcome::ChangeFailed);
        }
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

        let optimistic = commit_batch(&store.write, &jobs, false)
            .await
            .expect("batch");
        assert!(matches!(optimistic, Outcome::ChangeFailed));
        assert_eq!(
            store.inquiry(&a.id).await.expect("read"),
            None,
            "rolled back"
        );

        let Outcome::Committed(results) = commit_batch(&store.write, &jobs, true)
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
}
