//! Group commit for SQLite: one writer task turns concurrent [`Change`]s into one
//! transaction, so a burst of N requests costs one `COMMIT` (one WAL sync) instead of N.
//!
//! Each change runs inside its own savepoint: a change that fails (conflict, duplicate,
//! used idempotency key) is rolled back to its savepoint and answered with its own
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
        match commit_batch(&writer, &batch).await {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, size = batch.len(), "group commit failed; retrying changes one by one");
                for job in batch.drain(..) {
                    let result = commit_alone(&writer, &job.change).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }
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

/// Every change of `jobs` in one transaction, each in a savepoint. The outer `Err` means
/// the batch itself failed and nothing was committed.
async fn commit_batch(
    writer: &SqlitePool,
    jobs: &[Job],
) -> Result<Vec<Result<Committed, StoreError>>, StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut conn: &mut SqliteConnection = &mut tx;
        conn.execute("SAVEPOINT change", args![]).await?;
        let result = change::apply(&mut conn, &job.change).await;
        if result.is_err() {
            conn.execute("ROLLBACK TO change", args![]).await?;
        }
        conn.execute("RELEASE change", args![]).await?;
        results.push(result);
    }
    tx.commit().await?;
    Ok(results)
}
