//! [`Change`]s, written on a connection the caller has put inside a transaction. The caller
//! commits on `Ok` and rolls back on `Err`, which is what makes "all of it or nothing" true;
//! nothing here commits.
//!
//! One change or a group commit's many go through the same code, table by table: each
//! table's rows of every change in one multi-row statement where the rows are independent
//! (inserts), one statement a row where each must be checked (revisioned updates, account
//! upserts). This is a valid serial order of the changes — they were concurrent, none saw
//! another's writes, and each inquiry update still checks its revision — and events keep
//! the order of the changes. A failure fails the whole call: the SQLite committer then
//! redoes the batch one savepoint a change, so each caller gets its own answer.
//!
//! Table order: idempotency records first (a replay costs one statement), then accounts
//! (so inquiries can point at them), inquiries, sessions (then their one-time links),
//! documents and events, so every foreign key names a row that exists; then the webhook
//! deliveries of those events (the outbox).

use std::collections::HashMap;

use verity_core::account::Account;
use verity_core::id::AccountId;
use verity_core::inquiry::Inquiry;
use verity_core::Millis;

use crate::errors;
use crate::exec::{args, Exec};
use crate::queries::{
    bulk, captures, comments, console, documents, events, faces, handoff, inquiries, keys,
    verifications, webhooks,
};
use crate::rows::{bar_list, encode, session_status_str};
use crate::vault::Vault;
use crate::{AccountLink, Change, Committed, InquiryWrite, StoreError};

pub(crate) async fn apply<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    change: &Change,
) -> Result<Committed, StoreError> {
    let mut committed = apply_all(ex, vault, &[change]).await?;
    committed
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a change committed without a result".into()))
}

/// Writes every change of `changes`; one [`Committed`] each, in order.
pub(crate) async fn apply_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    changes: &[&Change],
) -> Result<Vec<Committed>, StoreError> {
    // A redacted inquiry's new values (its redacted document, its last events) are sealed
    // with the server key: its own data key is destroyed below (docs/encryption.md).
    for id in changes
        .iter()
        .filter_map(|c| c.delete_documents_of.as_ref())
    {
        vault.begin_destroy(id.as_str());
    }
    let records: Vec<_> = changes
        .iter()
        .filter_map(|c| c.idempotency.as_ref())
        .collect();
    keys::insert_idempotency_all(ex, vault, &records).await?;

    let mut committed: Vec<Committed> = changes
        .iter()
        .map(|change| Committed {
            inquiry: stored_form(change),
            account_created: false,
        })
        .collect();
    link_accounts(ex, changes, &mut committed).await?;
    write_inquiries(ex, vault, changes, &committed).await?;
    write_sessions(ex, changes).await?;
    write_documents(ex, vault, changes).await?;

    let new_events: Vec<_> = changes.iter().flat_map(|c| &c.events).collect();
    let seqs = events::append_all(ex, vault, &new_events).await?;
    // The webhook outbox, in the same transaction as its events: nothing is lost on a crash.
    webhooks::enqueue(ex, &new_events, &seqs).await?;
    // A decision and its audit record land together or not at all (docs/console.md §5).
    let audit: Vec<_> = changes.iter().flat_map(|c| &c.audit).collect();
    console::insert_audit(ex, &audit).await?;
    Ok(committed)
}

/// New inquiries in one statement, then each update with its revision check.
async fn write_inquiries<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    changes: &[&Change],
    committed: &[Committed],
) -> Result<(), StoreError> {
    let inserts: Vec<&Inquiry> = changes
        .iter()
        .zip(committed)
        .filter(|(change, _)| matches!(change.inquiry, Some(InquiryWrite::Insert(_))))
        .filter_map(|(_, done)| done.inquiry.as_ref())
        .collect();
    insert_inquiries(ex, vault, &inserts).await?;
    for (change, done) in changes.iter().zip(committed) {
        if let (
            Some(InquiryWrite::Update {
                expected_revision, ..
            }),
            Some(inquiry),
        ) = (&change.inquiry, &done.inquiry)
        {
            update_inquiry(ex, vault, inquiry, *expected_revision).await?;
        }
    }
    Ok(())
}

/// New sessions, session status changes, then the one-time links that belong to them.
async fn write_sessions<E: Exec>(ex: &mut E, changes: &[&Change]) -> Result<(), StoreError> {
    insert_sessions(ex, changes).await?;
    for (id, status) in changes.iter().flat_map(|c| &c.session_updates) {
        let changed = ex
            .execute(
                "UPDATE inquiry_sessions SET status = $2 WHERE id = $1",
                args![id.as_str(), session_status_str(*status)],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "inquiry session",
            });
        }
    }
    for write in changes.iter().flat_map(|c| &c.handoff) {
        handoff::write(ex, write).await?;
    }
    Ok(())
}

/// Redactions first (documents, capture refusals and comments deleted, verifications and earlier events scrubbed, one-time
/// links withdrawn), then new documents,
/// verification writes and workflow runs.
async fn write_documents<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    changes: &[&Change],
) -> Result<(), StoreError> {
    for inquiry_id in changes
        .iter()
        .filter_map(|c| c.delete_documents_of.as_ref())
    {
        documents::delete_of(ex, inquiry_id).await?;
        faces::delete_of(ex, inquiry_id).await?;
        captures::delete_of(ex, inquiry_id).await?;
        comments::delete_of(ex, inquiry_id).await?;
        verifications::redact_of(ex, vault, inquiry_id).await?;
        events::redact_of(ex, vault, inquiry_id).await?;
        keys::redact_idempotency_of(ex, vault, inquiry_id).await?;
        handoff::withdraw_of(ex, inquiry_id).await?;
        inquiries::never_overdue(ex, inquiry_id).await?;
        // Last: the scrubbing above still opened what this key sealed.
        vault.destroy(ex, inquiry_id.as_str()).await?;
    }
    let docs: Vec<_> = changes.iter().flat_map(|c| &c.documents).collect();
    documents::insert_all(ex, vault, &docs).await?;
    let notes: Vec<_> = changes.iter().flat_map(|c| &c.comments).collect();
    comments::insert_all(ex, vault, &notes).await?;
    // Verifications after the inquiries they belong to; one statement each (a finish must
    // find its row still `submitted`).
    for write in changes.iter().flat_map(|c| &c.verifications) {
        verifications::write(ex, vault, write).await?;
    }
    for run in changes.iter().flat_map(|c| &c.workflow_runs) {
        verifications::upsert_run(ex, run).await?;
    }
    for face in changes.iter().flat_map(|c| &c.faces) {
        faces::upsert(ex, vault, face).await?;
    }
    Ok(())
}

/// The inquiry as the change will store it (an update is at `expected_revision + 1`).
fn stored_form(change: &Change) -> Option<Inquiry> {
    match &change.inquiry {
        Some(InquiryWrite::Insert(inquiry)) => Some(inquiry.clone()),
        Some(InquiryWrite::Update {
            inquiry,
            expected_revision,
        }) => Some(Inquiry {
            revision: expected_revision + 1,
            ..inquiry.clone()
        }),
        None => None,
    }
}

/// Finds or creates each change's account (one upsert for the batch) and points its
/// inquiry at it. Two changes naming the same new reference id share one account.
async fn link_accounts<E: Exec>(
    ex: &mut E,
    changes: &[&Change],
    committed: &mut [Committed],
) -> Result<(), StoreError> {
    // First link per reference id: one statement must not upsert a row twice (PostgreSQL
    // refuses that).
    let mut first: HashMap<&str, (&AccountLink, Millis)> = HashMap::new();
    for (change, done) in changes.iter().zip(committed.iter()) {
        if let Some(link) = &change.account {
            // The link carries no time of its own; the inquiry's is the request's.
            let now = done
                .inquiry
                .as_ref()
                .map_or_else(wall_clock_ms, |inquiry| inquiry.updated_at);
            first
                .entry(link.reference_id.as_str())
                .or_insert((link, now));
        }
    }
    if first.is_empty() {
        return Ok(());
    }
    let linked = upsert_accounts(ex, first.values().copied().collect()).await?;
    let mut announced = std::collections::HashSet::new();
    for (change, done) in changes.iter().zip(committed.iter_mut()) {
        let Some(link) = &change.account else {
            continue;
        };
        let (account_id, created) = linked
            .get(link.reference_id.as_str())
            .cloned()
            .ok_or_else(|| StoreError::Corrupt("account upsert returned no row".into()))?;
        // Only the first change naming a new account reports creating it.
        done.account_created = created && announced.insert(account_id.clone());
        if let Some(inquiry) = done.inquiry.as_mut() {
            inquiry.account_id.get_or_insert(account_id);
        }
    }
    Ok(())
}

/// Inserts the accounts that do not exist yet; returns every reference id's account and
/// whether it was created now.
async fn upsert_accounts<E: Exec>(
    ex: &mut E,
    links: Vec<(&AccountLink, Millis)>,
) -> Result<HashMap<String, (AccountId, bool)>, StoreError> {
    let rows = links
        .iter()
        .map(|(link, now)| {
            let account = Account {
                id: link.new_id.clone(),
                reference_id: Some(link.reference_id.clone()),
                created_at: *now,
                updated_at: *now,
            };
            Ok(args![
                account.id.as_str(),
                link.reference_id.as_str(),
                *now,
                *now,
                encode(&account)?
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // On a conflict the no-op update makes RETURNING yield the existing row. (Under
    // concurrency PostgreSQL waits for the other inserter.)
    let returned: Vec<(String, String)> = bulk::insert_returning(
        ex,
        "INSERT INTO accounts (id, reference_id, created_at, updated_at, doc)",
        5,
        rows,
        "ON CONFLICT (reference_id) DO UPDATE SET updated_at = accounts.updated_at \
         RETURNING id, reference_id",
    )
    .await
    .map_err(errors::unique("account"))?;
    let new_ids: HashMap<&str, &AccountId> = links
        .iter()
        .map(|(link, _)| (link.reference_id.as_str(), &link.new_id))
        .collect();
    returned
        .into_iter()
        .map(|(id, reference_id)| {
            let created = new_ids
                .get(reference_id.as_str())
                .is_some_and(|new_id| new_id.as_str() == id);
            let id: AccountId = id
                .parse()
                .map_err(|e| errors::corrupt(&format!("account {id}"), e))?;
            Ok((reference_id, (id, created)))
        })
        .collect()
}

/// New inquiries, each with its new data key (docs/encryption.md).
async fn insert_inquiries<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    inquiries: &[&Inquiry],
) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(inquiries.len());
    for inquiry in inquiries {
        let id = inquiry.id.as_str();
        vault.create_inquiry_key(ex, id, inquiry.created_at).await?;
        let doc = vault.seal_text(ex, Some(id), &encode(*inquiry)?).await?;
        rows.push(args![
            inquiry.id.as_str(),
            inquiry.status.as_str(),
            inquiry.reference_id.clone(),
            inquiry.account_id.as_ref().map(|id| id.to_string()),
            inquiry.template_id.as_str(),
            inquiry.template_version_id.as_str(),
            inquiry.expires_at,
            inquiry.created_at,
            inquiry.updated_at,
            inquiry.revision,
            inquiry.retained_since(),
            doc,
            bar_list(&inquiry.tags)
        ]);
    }
    bulk::insert(
        ex,
        "INSERT INTO inquiries (id, status, reference_id, account_id, template_id, \
         template_version_id, expires_at, created_at, updated_at, revision, retained_since, doc, \
         tags)",
        13,
        rows,
        "",
    )
    .await
    .map_err(errors::insert("inquiry", "account"))?;
    Ok(())
}

async fn insert_sessions<E: Exec>(ex: &mut E, changes: &[&Change]) -> Result<(), StoreError> {
    let rows = changes
        .iter()
        .filter_map(|c| c.new_session.as_ref())
        .map(|session| {
            Ok(args![
                session.id.as_str(),
                session.inquiry_id.as_str(),
                session_status_str(session.status),
                session.token_hash.as_str(),
                session.created_at,
                session.expires_at,
                encode(session)?
            ])
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    bulk::insert(
        ex,
        "INSERT INTO inquiry_sessions \
         (id, inquiry_id, status, token_hash, created_at, expires_at, doc)",
        7,
        rows,
        "",
    )
    .await
    .map_err(errors::insert("inquiry session", "inquiry"))?;
    Ok(())
}

/// Writes `inquiry` (already at `expected + 1`) if the stored revision is `expected`.
async fn update_inquiry<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    inquiry: &Inquiry,
    expected: i64,
) -> Result<(), StoreError> {
    let doc = vault
        .seal_text(ex, Some(inquiry.id.as_str()), &encode(inquiry)?)
        .await?;
    let changed = ex
        .execute(
            "UPDATE inquiries SET status = $3, reference_id = $4, account_id = $5, \
             expires_at = $6, updated_at = $7, revision = $8, doc = $9, retained_since = $10, \
             tags = $11 WHERE id = $1 AND revision = $2",
            args![
                inquiry.id.as_str(),
                expected,
                inquiry.status.as_str(),
                inquiry.reference_id.clone(),
                inquiry.account_id.as_ref().map(|id| id.to_string()),
                inquiry.expires_at,
                inquiry.updated_at,
                inquiry.revision,
                doc,
                inquiry.retained_since(),
                bar_list(&inquiry.tags)
            ],
        )
        .await
        .map_err(errors::insert("inquiry", "account"))?;
    if changed == 1 {
        return Ok(());
    }
    // Only on the failure path: tell a stale revision from a missing inquiry.
    let exists: Option<(i64,)> = ex
        .fetch_optional(
            "SELECT revision FROM inquiries WHERE id = $1",
            args![inquiry.id.as_str()],
        )
        .await?;
    Err(match exists {
        Some(_) => StoreError::Conflict,
        None => StoreError::NotFound { what: "inquiry" },
    })
}

fn wall_clock_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
