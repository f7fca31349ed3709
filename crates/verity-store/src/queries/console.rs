//! Operators, their sessions and the audit trail (docs/console.md). Audit records are
//! only ever inserted: the migration's triggers refuse updates and deletes.

use verity_core::audit::{Actor, AuditAction};
use verity_core::id::{InquiryId, OperatorId};
use verity_core::inquiry::Inquiry;
use verity_core::operator::OperatorRole;
use verity_core::Millis;

use crate::errors;
use crate::errors::corrupt;
use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::queries::bulk;
use crate::rows::Keyed;
use crate::vault::Vault;
use crate::{
    AuditFilter, AuditRecord, FailedSignIn, Operator, OperatorSession, Page, PageRequest,
    StoreError,
};

const OPERATOR_COLUMNS: &str = "id, email, role, password_hash, disabled_at, failed_sign_ins, \
     locked_until, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct OperatorRow {
    id: String,
    email: String,
    role: String,
    password_hash: String,
    disabled_at: Option<i64>,
    failed_sign_ins: i64,
    locked_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl OperatorRow {
    fn decode(self) -> Result<Operator, StoreError> {
        let what = format!("operator {}", self.id);
        Ok(Operator {
            id: self.id.parse().map_err(|e| corrupt(&what, e))?,
            role: OperatorRole::parse(&self.role)
                .ok_or_else(|| StoreError::Corrupt(format!("{what}: role `{}`", self.role)))?,
            email: self.email,
            password_hash: self.password_hash,
            disabled_at: self.disabled_at,
            failed_sign_ins: u32::try_from(self.failed_sign_ins).unwrap_or(u32::MAX),
            locked_until: self.locked_until,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) async fn insert_operator<E: Exec>(ex: &mut E, op: &Operator) -> Result<(), StoreError> {
    ex.execute(
        &format!("INSERT INTO operators ({OPERATOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        args![
            op.id.as_str(),
            op.email.as_str(),
            op.role.as_str(),
            op.password_hash.as_str(),
            op.disabled_at,
            i64::from(op.failed_sign_ins),
            op.locked_until,
            op.created_at,
            op.updated_at
        ],
    )
    .await
    .map_err(errors::unique("operator"))?;
    Ok(())
}

pub(crate) async fn operator_by<E: Exec>(
    ex: &mut E,
    column: &'static str,
    value: &str,
) -> Result<Option<Operator>, StoreError> {
    let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE {column} = $1");
    let row: Option<OperatorRow> = ex.fetch_optional(&sql, args![value]).await?;
    row.map(OperatorRow::decode).transpose()
}

pub(crate) async fn list_operators<E: Exec>(ex: &mut E) -> Result<Vec<Operator>, StoreError> {
    let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY seq");
    let rows: Vec<OperatorRow> = ex.fetch_all(&sql, args![]).await?;
    rows.into_iter().map(OperatorRow::decode).collect()
}

pub(crate) async fn update_operator<E: Exec>(ex: &mut E, op: &Operator) -> Result<(), StoreError> {
    let changed = ex
        .execute(
            "UPDATE operators SET email = $2, role = $3, password_hash = $4, disabled_at = $5, \
             failed_sign_ins = $6, locked_until = $7, updated_at = $8 WHERE id = $1",
            args![
                op.id.as_str(),
                op.email.as_str(),
                op.role.as_str(),
                op.password_hash.as_str(),
                op.disabled_at,
                i64::from(op.failed_sign_ins),
                op.locked_until,
                op.updated_at
            ],
        )
        .await
        .map_err(errors::unique("operator"))?;
    if changed == 0 {
        return Err(StoreError::NotFound { what: "operator" });
    }
    Ok(())
}

/// One statement, so concurrent wrong passwords (other processes too) all count: the
/// `limit`-th since the last lock sets `locked_until` and starts the count again.
pub(crate) async fn record_failed_sign_in<E: Exec>(
    ex: &mut E,
    id: &OperatorId,
    limit: u32,
    lock_until: Millis,
) -> Result<FailedSignIn, StoreError> {
    let row: Option<(i64, Option<i64>)> = ex
        .fetch_optional(
            "UPDATE operators SET \
             failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END, \
             locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END \
             WHERE id = $1 RETURNING failed_sign_ins, locked_until",
            args![id.as_str(), i64::from(limit), lock_until],
        )
        .await?;
    let (count, locked_until) = row.ok_or(StoreError::NotFound { what: "operator" })?;
    Ok(FailedSignIn {
        failed_sign_ins: u32::try_from(count).unwrap_or(u32::MAX),
        locked_until,
    })
}

pub(crate) async fn clear_failed_sign_ins<E: Exec>(
    ex: &mut E,
    id: &OperatorId,
) -> Result<(), StoreError> {
    ex.execute(
        "UPDATE operators SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1",
        args![id.as_str()],
    )
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    operator_id: String,
    created_at: i64,
    last_seen_at: i64,
    ended_at: Option<i64>,
    totp_pending: i64,
}

pub(crate) async fn insert_session<E: Exec>(
    ex: &mut E,
    session: &OperatorSession,
) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO operator_sessions \
         (token_hash, operator_id, created_at, last_seen_at, ended_at, totp_pending) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            session.token_hash.as_str(),
            session.operator_id.as_str(),
            session.created_at,
            session.last_seen_at,
            session.ended_at,
            i64::from(session.totp_pending)
        ],
    )
    .await
    .map_err(errors::insert("operator session", "operator"))?;
    Ok(())
}

pub(crate) async fn session<E: Exec>(
    ex: &mut E,
    token_hash: &str,
) -> Result<Option<OperatorSession>, StoreError> {
    let row: Option<SessionRow> = ex
        .fetch_optional(
            "SELECT token_hash, operator_id, created_at, last_seen_at, ended_at, totp_pending \
             FROM operator_sessions WHERE token_hash = $1",
            args![token_hash],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(OperatorSession {
        operator_id: row
            .operator_id
            .parse()
            .map_err(|e| corrupt("operator session", e))?,
        token_hash: row.token_hash,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        ended_at: row.ended_at,
        totp_pending: row.totp_pending != 0,
    }))
}

/// The session's second factor was given: it may now be used (docs/console.md §8).
pub(crate) async fn confirm_session<E: Exec>(
    ex: &mut E,
    token_hash: &str,
) -> Result<(), StoreError> {
    ex.execute(
        "UPDATE operator_sessions SET totp_pending = 0 WHERE token_hash = $1",
        args![token_hash],
    )
    .await?;
    Ok(())
}

pub(crate) async fn touch_session<E: Exec>(
    ex: &mut E,
    token_hash: &str,
    now: Millis,
) -> Result<(), StoreError> {
    ex.execute(
        "UPDATE operator_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2",
        args![token_hash, now],
    )
    .await?;
    Ok(())
}

/// Ends one session (`token_hash`) or every live session of an operator.
pub(crate) async fn end_sessions<E: Exec>(
    ex: &mut E,
    column: &'static str,
    value: &str,
    now: Millis,
) -> Result<u64, StoreError> {
    let sql = format!(
        "UPDATE operator_sessions SET ended_at = $2 WHERE {column} = $1 AND ended_at IS NULL"
    );
    Ok(ex.execute(&sql, args![value, now]).await?)
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: String,
    actor_kind: String,
    actor: String,
    action: String,
    inquiry_id: Option<String>,
    address: Option<String>,
    detail: Option<String>,
    created_at: i64,
}

const AUDIT_COLUMNS: &str =
    "id, actor_kind, actor, action, inquiry_id, address, detail, created_at";

impl Keyed for AuditRow {
    fn key(&self) -> &str {
        &self.id
    }
}

impl AuditRow {
    fn decode(self) -> Result<AuditRecord, StoreError> {
        let what = format!("audit record {}", self.id);
        let bad =
            |field: &str, value: &str| StoreError::Corrupt(format!("{what}: {field} `{value}`"));
        Ok(AuditRecord {
            actor: Actor::from_parts(&self.actor_kind, &self.actor)
                .ok_or_else(|| bad("actor kind", &self.actor_kind))?,
            action: AuditAction::parse(&self.action).ok_or_else(|| bad("action", &self.action))?,
            inquiry_id: self
                .inquiry_id
                .as_deref()
                .map(InquiryId::parse)
                .transpose()
                .map_err(|e| corrupt(&what, e))?,
            id: self.id.parse().map_err(|e| corrupt(&what, e))?,
            address: self.address,
            detail: self.detail,
            created_at: self.created_at,
        })
    }
}

pub(crate) async fn insert_audit<E: Exec>(
    ex: &mut E,
    records: &[&AuditRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let rows = records
        .iter()
        .map(|r| {
            args![
                r.id.as_str(),
                r.actor.kind(),
                r.actor.id(),
                r.action.as_str(),
                r.inquiry_id.as_ref().map(|i| i.to_string()),
                r.address.clone(),
                r.detail.clone(),
                r.created_at
            ]
        })
        .collect();
    bulk::insert(
        ex,
        &format!("INSERT INTO audit_records ({AUDIT_COLUMNS})"),
        8,
        rows,
        "",
    )
    .await
    .map_err(errors::unique("audit record"))?;
    Ok(())
}

pub(crate) async fn list_audit<E: Exec>(
    ex: &mut E,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditRecord>, StoreError> {
    let mut filters = Where::default();
    if let Some(inquiry_id) = &filter.inquiry_id {
        filters.push("inquiry_id", "=", inquiry_id.as_str());
    }
    if let Some(action) = filter.action {
        filters.push("action", "=", action.as_str());
    }
    if let Some(actor) = &filter.actor {
        filters.push("actor", "=", actor.as_str());
    }
    let rows = fetch_page::<_, AuditRow>(ex, "audit_records", AUDIT_COLUMNS, filters, page).await?;
    map_page(rows, AuditRow::decode)
}

/// Inquiries waiting for a person: `needs_review` and `failed`, oldest first.
pub(crate) async fn review_queue<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    limit: u32,
) -> Result<Vec<Inquiry>, StoreError> {
    let rows: Vec<crate::rows::DocRow> = ex
        .fetch_all(
            "SELECT id, doc FROM inquiries WHERE status IN ('needs_review', 'failed') \
             ORDER BY seq LIMIT $1",
            args![i64::from(limit)],
        )
        .await?;
    crate::queries::inquiries::open_all(ex, vault, rows).await
}

pub(crate) async fn count_review_queue<E: Exec>(ex: &mut E) -> Result<u64, StoreError> {
    let (count,): (i64,) = ex
        .fetch_optional(
            "SELECT COUNT(*) FROM inquiries WHERE status IN ('needs_review', 'failed')",
            args![],
        )
        .await?
        .unwrap_or((0,));
    Ok(u64::try_from(count).unwrap_or(0))
}
