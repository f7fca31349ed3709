//! Reads of inquiries, their sessions and accounts.

use verity_core::account::Account;
use verity_core::id::{AccountId, InquiryId, TemplateId};
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::Millis;

use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::rows::{bar_pattern, DocRow, SessionRow, DOC_COLUMNS, SESSION_COLUMNS};
use crate::vault::Vault;
use crate::{InquiryFilter, Page, PageRequest, StoreError};

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &InquiryId,
) -> Result<Option<Inquiry>, StoreError> {
    let row: Option<DocRow> = ex
        .fetch_optional(
            "SELECT id, doc FROM inquiries WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
    match row {
        Some(row) => Ok(Some(open(ex, vault, row).await?)),
        None => Ok(None),
    }
}

/// An inquiry row's document, opened with the inquiry's own data key (or the server's).
async fn open<E: Exec>(ex: &mut E, vault: &Vault, mut row: DocRow) -> Result<Inquiry, StoreError> {
    let what = format!("inquiry {}", row.id);
    row.doc = vault.open_text(ex, Some(&row.id), &what, &row.doc).await?;
    row.decode("inquiry")
}

pub(crate) async fn open_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    rows: Vec<DocRow>,
) -> Result<Vec<Inquiry>, StoreError> {
    let mut inquiries = Vec::with_capacity(rows.len());
    for row in rows {
        inquiries.push(open(ex, vault, row).await?);
    }
    Ok(inquiries)
}

pub(crate) async fn list<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    filter: &InquiryFilter,
    page: &PageRequest,
) -> Result<Page<Inquiry>, StoreError> {
    let mut filters = Where::default();
    if let Some(reference_id) = &filter.reference_id {
        filters.push("reference_id", "=", reference_id.as_str());
    }
    if let Some(account_id) = &filter.account_id {
        filters.push("account_id", "=", account_id.as_str());
    }
    if let Some(status) = filter.status {
        filters.push("status", "=", status.as_str());
    }
    if let Some(template_id) = &filter.template_id {
        filters.push("template_id", "=", template_id.as_str());
    }
    if let Some(from) = filter.created_from {
        filters.push("created_at", ">=", from);
    }
    if let Some(until) = filter.created_until {
        filters.push("created_at", "<", until);
    }
    if let Some(tag) = &filter.tag {
        filters.push_clause("tags LIKE ? ESCAPE '\\'", bar_pattern(tag));
    }
    if let Some(check) = &filter.failed_check {
        filters.push_clause(
            "id IN (SELECT inquiry_id FROM verifications WHERE failed_checks LIKE ? ESCAPE '\\')",
            bar_pattern(check),
        );
    }
    let rows = fetch_page::<_, DocRow>(ex, "inquiries", DOC_COLUMNS, filters, page).await?;
    Ok(Page {
        items: open_all(ex, vault, rows.items).await?,
        next_after: rows.next_after,
        prev_before: rows.prev_before,
    })
}

pub(crate) async fn overdue<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    now: Millis,
    limit: u32,
) -> Result<Vec<Inquiry>, StoreError> {
    // The status predicate repeats the partial index's, so both planners use it.
    let rows: Vec<DocRow> = ex
        .fetch_all(
            "SELECT id, doc FROM inquiries \
             WHERE status IN ('created', 'pending') AND expires_at <= $1 \
             ORDER BY expires_at, seq LIMIT $2",
            args![now, i64::from(limit)],
        )
        .await?;
    open_all(ex, vault, rows).await
}

/// Through the partial index `inquiries_retained` (migration 0011): its predicate is
/// repeated so both planners use it.
pub(crate) async fn retained<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    template: &TemplateId,
    before: Millis,
    limit: u32,
) -> Result<Vec<Inquiry>, StoreError> {
    let rows: Vec<DocRow> = ex
        .fetch_all(
            "SELECT id, doc FROM inquiries \
             WHERE template_id = $1 AND retained_since IS NOT NULL AND retained_since <= $2 \
             ORDER BY retained_since, seq LIMIT $3",
            args![template.as_str(), before, i64::from(limit)],
        )
        .await?;
    open_all(ex, vault, rows).await
}

pub(crate) async fn session_by_token_hash<E: Exec>(
    ex: &mut E,
    token_hash: &str,
) -> Result<Option<InquirySession>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM inquiry_sessions WHERE token_hash = $1");
    let row: Option<SessionRow> = ex.fetch_optional(&sql, args![token_hash]).await?;
    row.map(|r| r.decode()).transpose()
}

pub(crate) async fn sessions_for<E: Exec>(
    ex: &mut E,
    id: &InquiryId,
) -> Result<Vec<InquirySession>, StoreError> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM inquiry_sessions WHERE inquiry_id = $1 ORDER BY seq"
    );
    let rows: Vec<SessionRow> = ex.fetch_all(&sql, args![id.as_str()]).await?;
    rows.iter().map(SessionRow::decode).collect()
}

pub(crate) async fn account<E: Exec>(
    ex: &mut E,
    id: &AccountId,
) -> Result<Option<Account>, StoreError> {
    let row: Option<DocRow> = ex
        .fetch_optional(
            "SELECT id, doc FROM accounts WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
    row.map(|r| r.decode("account")).transpose()
}

pub(crate) async fn accounts<E: Exec>(
    ex: &mut E,
    reference_id: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Account>, StoreError> {
    let mut filters = Where::default();
    if let Some(reference_id) = reference_id {
        filters.push("reference_id", "=", reference_id);
    }
    let rows = fetch_page::<_, DocRow>(ex, "accounts", DOC_COLUMNS, filters, page).await?;
    map_page(rows, |r| r.decode("account"))
}

/// A redacted inquiry is never overdue: its expiry column (which only the expiry sweep reads;
/// the API shows the stored document) is moved past every clock, so redacted inquiries that
/// stay `created` or `pending` cannot fill the sweep's batches and stall expiry for others.
pub(crate) async fn never_overdue<E: Exec>(ex: &mut E, id: &InquiryId) -> Result<(), StoreError> {
    ex.execute(
        "UPDATE inquiries SET expires_at = $2 WHERE id = $1",
        args![id.as_str(), i64::MAX],
    )
    .await?;
    Ok(())
}
