//! Verifications and workflow runs: written inside a commit, read, and claimed by the
//! background workers with a lease (an expired lease is claimable again).

use verity_core::id::{InquiryId, VerificationId};
use verity_core::verification::{CheckOutcome, Verification};
use verity_core::Millis;

use crate::errors;
use crate::exec::{args, Exec};
use crate::rows::{encode, DocRow};
use crate::vault::Vault;
use crate::{StoreError, VerificationWrite, WorkflowRun, WorkflowRunStatus};

/// A verification's document sealed with its inquiry's data key: its details quote
/// what the document said.
async fn sealed<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    v: &Verification,
) -> Result<String, StoreError> {
    vault
        .seal_text(ex, Some(v.inquiry_id.as_str()), &encode(v)?)
        .await
}

/// Opens and decodes verification rows; `inquiry_id` is selected with them.
async fn open_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    rows: Vec<SealedRow>,
) -> Result<Vec<Verification>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let what = format!("verification {}", row.id);
        let doc = vault
            .open_text(ex, Some(&row.inquiry_id), &what, &row.doc)
            .await?;
        out.push(DocRow { id: row.id, doc }.decode("verification")?);
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct SealedRow {
    id: String,
    inquiry_id: String,
    doc: String,
}
const SEALED_COLUMNS: &str = "id, inquiry_id, doc";

pub(crate) async fn write<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    w: &VerificationWrite,
) -> Result<(), StoreError> {
    match w {
        VerificationWrite::Insert(v) => {
            let doc = sealed(ex, vault, v).await?;
            ex.execute(
                "INSERT INTO verifications (id, inquiry_id, status, lease_until, created_at, \
                 updated_at, doc) VALUES ($1, $2, $3, 0, $4, $4, $5)",
                args![
                    v.id.as_str(),
                    v.inquiry_id.as_str(),
                    v.status.as_str(),
                    v.created_at,
                    doc
                ],
            )
            .await
            .map_err(errors::insert("verification", "inquiry"))?;
        }
        VerificationWrite::Finish(v) => {
            let doc = sealed(ex, vault, v).await?;
            let changed = ex
                .execute(
                    "UPDATE verifications SET status = $2, lease_until = 0, updated_at = $3, \
                     doc = $4, failed_checks = $5 WHERE id = $1 AND status = 'submitted'",
                    args![
                        v.id.as_str(),
                        v.status.as_str(),
                        v.completed_at.unwrap_or(v.created_at),
                        doc,
                        failed_checks(v)
                    ],
                )
                .await?;
            if changed == 0 {
                let exists: Option<(String,)> = ex
                    .fetch_optional(
                        "SELECT id FROM verifications WHERE id = $1",
                        args![v.id.as_str()],
                    )
                    .await?;
                return Err(match exists {
                    Some(_) => StoreError::Conflict,
                    None => StoreError::NotFound {
                        what: "verification",
                    },
                });
            }
        }
    }
    Ok(())
}

/// Redaction: keeps each verification's checks' names and statuses, removes what the
/// document said (extracted data, reasons and measurements, which can quote it).
pub(crate) async fn redact_of<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &InquiryId,
) -> Result<(), StoreError> {
    for v in for_inquiry(ex, vault, id).await? {
        let v = v.redacted();
        let doc = sealed(ex, vault, &v).await?;
        ex.execute(
            "UPDATE verifications SET doc = $2 WHERE id = $1",
            args![v.id.as_str(), doc],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &VerificationId,
) -> Result<Option<Verification>, StoreError> {
    let sql = format!("SELECT {SEALED_COLUMNS} FROM verifications WHERE id = $1");
    let rows: Vec<SealedRow> = ex.fetch_all(&sql, args![id.as_str()]).await?;
    Ok(open_all(ex, vault, rows).await?.pop())
}

pub(crate) async fn for_inquiry<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &InquiryId,
) -> Result<Vec<Verification>, StoreError> {
    let sql =
        format!("SELECT {SEALED_COLUMNS} FROM verifications WHERE inquiry_id = $1 ORDER BY seq");
    let rows: Vec<SealedRow> = ex.fetch_all(&sql, args![id.as_str()]).await?;
    open_all(ex, vault, rows).await
}

/// Leases up to `limit` submitted verifications whose lease ran out, oldest first.
/// `lock` is PostgreSQL's `FOR UPDATE SKIP LOCKED` (empty on SQLite, whose single
/// writer serialises claims).
pub(crate) async fn claim<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    now: Millis,
    lease_until: Millis,
    limit: u32,
    lock: &str,
) -> Result<Vec<Verification>, StoreError> {
    let sql = format!(
        "UPDATE verifications SET lease_until = $2 WHERE seq IN ( \
           SELECT seq FROM verifications WHERE status = 'submitted' AND lease_until <= $1 \
           ORDER BY seq LIMIT $3 {lock}) \
         RETURNING {SEALED_COLUMNS}"
    );
    let rows: Vec<SealedRow> = ex
        .fetch_all(&sql, args![now, lease_until, i64::from(limit)])
        .await?;
    open_all(ex, vault, rows).await
}

#[derive(sqlx::FromRow)]
struct RunRow {
    inquiry_id: String,
    status: String,
    rule: Option<i64>,
    action: i64,
    due_at: i64,
    updated_at: i64,
}
const RUN_COLUMNS: &str = "inquiry_id, status, rule, action, due_at, updated_at";

impl RunRow {
    fn decode(self) -> Result<WorkflowRun, StoreError> {
        let corrupt =
            |what: &str| errors::corrupt(&format!("workflow run {}", self.inquiry_id), what);
        let status = match self.status.as_str() {
            "pending" => WorkflowRunStatus::Pending,
            "done" => WorkflowRunStatus::Done,
            _ => return Err(corrupt("unknown status")),
        };
        Ok(WorkflowRun {
            inquiry_id: self
                .inquiry_id
                .parse()
                .map_err(|e| errors::corrupt("workflow run inquiry id", e))?,
            status,
            rule: self
                .rule
                .map(u32::try_from)
                .transpose()
                .map_err(|_| corrupt("rule out of range"))?,
            action: u32::try_from(self.action).map_err(|_| corrupt("action out of range"))?,
            due_at: self.due_at,
            updated_at: self.updated_at,
        })
    }
}

/// Inserts or replaces the inquiry's run and releases its lease.
pub(crate) async fn upsert_run<E: Exec>(ex: &mut E, run: &WorkflowRun) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO workflow_runs (inquiry_id, status, rule, action, due_at, lease_until, \
         updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6) \
         ON CONFLICT (inquiry_id) DO UPDATE SET status = excluded.status, rule = excluded.rule, \
         action = excluded.action, due_at = excluded.due_at, lease_until = 0, \
         updated_at = excluded.updated_at",
        args![
            run.inquiry_id.as_str(),
            run.status.as_str(),
            run.rule.map(i64::from),
            i64::from(run.action),
            run.due_at,
            run.updated_at
        ],
    )
    .await
    .map_err(errors::insert("workflow run", "inquiry"))?;
    Ok(())
}

pub(crate) async fn run<E: Exec>(
    ex: &mut E,
    inquiry_id: &InquiryId,
) -> Result<Option<WorkflowRun>, StoreError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM workflow_runs WHERE inquiry_id = $1");
    let row: Option<RunRow> = ex.fetch_optional(&sql, args![inquiry_id.as_str()]).await?;
    row.map(RunRow::decode).transpose()
}

/// Leases up to `limit` pending runs that are due and not leased, earliest first.
pub(crate) async fn claim_runs<E: Exec>(
    ex: &mut E,
    now: Millis,
    lease_until: Millis,
    limit: u32,
    lock: &str,
) -> Result<Vec<WorkflowRun>, StoreError> {
    let sql = format!(
        "UPDATE workflow_runs SET lease_until = $2 WHERE inquiry_id IN ( \
           SELECT inquiry_id FROM workflow_runs \
           WHERE status = 'pending' AND due_at <= $1 AND lease_until <= $1 \
           ORDER BY due_at LIMIT $3 {lock}) \
         RETURNING {RUN_COLUMNS}"
    );
    let rows: Vec<RunRow> = ex
        .fetch_all(&sql, args![now, lease_until, i64::from(limit)])
        .await?;
    rows.into_iter().map(RunRow::decode).collect()
}

/// The names of `v`'s failed checks as the `failed_checks` column holds them (migration
/// 0015), for the console's failed-check filter.
fn failed_checks(v: &Verification) -> String {
    let failed: Vec<&str> = v
        .checks
        .iter()
        .filter(|c| c.status == CheckOutcome::Failed)
        .map(|c| c.name.as_str())
        .collect();
    crate::rows::bar_list(&failed)
}
