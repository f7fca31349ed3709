//! One [`Change`], written statement by statement on a connection the caller has put
//! inside a transaction. The caller commits on `Ok` and rolls back on `Err`, which is what
//! makes "all of it or nothing" true; nothing here commits.
//!
//! Order matters: the idempotency record goes first (a replay costs one statement),
//! then the account (so the inquiry can point at it), the inquiry, sessions, documents
//! and events last, so every foreign key it names already exists; then the webhook
//! deliveries of those events (the outbox).

use verity_core::account::Account;
use verity_core::id::AccountId;
use verity_core::inquiry::Inquiry;
use verity_core::Millis;

use crate::errors;
use crate::exec::{args, Exec};
use crate::queries::{documents, events, keys, webhooks};
use crate::rows::{encode, session_status_str};
use crate::{AccountLink, Change, Committed, InquiryWrite, StoreError};

pub(crate) async fn apply<E: Exec>(ex: &mut E, change: &Change) -> Result<Committed, StoreError> {
    if let Some(record) = &change.idempotency {
        keys::insert_idempotency(ex, record).await?;
    }
    let mut inquiry = match &change.inquiry {
        Some(InquiryWrite::Insert(inquiry)) => Some(inquiry.clone()),
        Some(InquiryWrite::Update {
            inquiry,
            expected_revision,
        }) => Some(Inquiry {
            revision: expected_revision + 1,
            ..inquiry.clone()
        }),
        None => None,
    };
    let mut account_created = false;
    if let Some(link) = &change.account {
        // The link carries no time of its own; the inquiry's is the request's.
        let now = inquiry
            .as_ref()
            .map_or_else(wall_clock_ms, |inquiry| inquiry.updated_at);
        let (account_id, created) = find_or_create_account(ex, link, now).await?;
        account_created = created;
        if let Some(inquiry) = inquiry.as_mut() {
            inquiry.account_id.get_or_insert(account_id);
        }
    }
    match (&change.inquiry, &inquiry) {
        (Some(InquiryWrite::Insert(_)), Some(inquiry)) => insert_inquiry(ex, inquiry).await?,
        (
            Some(InquiryWrite::Update {
                expected_revision, ..
            }),
            Some(inquiry),
        ) => update_inquiry(ex, inquiry, *expected_revision).await?,
        _ => {}
    }
    if let Some(session) = &change.new_session {
        ex.execute(
            "INSERT INTO inquiry_sessions \
             (id, inquiry_id, status, token_hash, created_at, expires_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                session.id.as_str(),
                session.inquiry_id.as_str(),
                session_status_str(session.status),
                session.token_hash.as_str(),
                session.created_at,
                session.expires_at,
                encode(session)?
            ],
        )
        .await
        .map_err(errors::insert("inquiry session", "inquiry"))?;
    }
    for (id, status) in &change.session_updates {
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
    if let Some(inquiry_id) = &change.delete_documents_of {
        documents::delete_of(ex, inquiry_id).await?;
    }
    for document in &change.documents {
        documents::insert(ex, document).await?;
    }
    for event in &change.events {
        events::append(ex, event).await?;
    }
    // The webhook outbox, in the same transaction as its events: nothing is lost on a crash.
    webhooks::enqueue(ex, &change.events).await?;
    Ok(Committed {
        inquiry,
        account_created,
    })
}

/// Returns the account id for `link.reference_id` and whether it was created now.
async fn find_or_create_account<E: Exec>(
    ex: &mut E,
    link: &AccountLink,
    now: Millis,
) -> Result<(AccountId, bool), StoreError> {
    let account = Account {
        id: link.new_id.clone(),
        reference_id: Some(link.reference_id.clone()),
        created_at: now,
        updated_at: now,
    };
    // One statement either way: on a conflict the no-op update makes RETURNING yield
    // the existing row. (Under concurrency PostgreSQL waits for the other inserter.)
    let row: Option<(String,)> = ex
        .fetch_optional(
            "INSERT INTO accounts (id, reference_id, created_at, updated_at, doc) \
             VALUES ($1, $2, $3, $3, $4) \
             ON CONFLICT (reference_id) DO UPDATE SET updated_at = accounts.updated_at \
             RETURNING id",
            args![
                account.id.as_str(),
                link.reference_id.as_str(),
                now,
                encode(&account)?
            ],
        )
        .await
        .map_err(errors::unique("account"))?;
    let (id,) = row.ok_or_else(|| StoreError::Corrupt("account upsert returned no row".into()))?;
    if id == account.id.as_str() {
        return Ok((account.id, true));
    }
    let id = id
        .parse()
        .map_err(|e| errors::corrupt(&format!("account {id}"), e))?;
    Ok((id, false))
}

async fn insert_inquiry<E: Exec>(ex: &mut E, inquiry: &Inquiry) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO inquiries (id, status, reference_id, account_id, template_id, \
         template_version_id, expires_at, created_at, updated_at, revision, doc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![
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
            encode(inquiry)?
        ],
    )
    .await
    .map_err(errors::insert("inquiry", "account"))?;
    Ok(())
}

/// Writes `inquiry` (already at `expected + 1`) if the stored revision is `expected`.
async fn update_inquiry<E: Exec>(
    ex: &mut E,
    inquiry: &Inquiry,
    expected: i64,
) -> Result<(), StoreError> {
    let changed = ex
        .execute(
            "UPDATE inquiries SET status = $3, reference_id = $4, account_id = $5, \
             expires_at = $6, updated_at = $7, revision = $8, doc = $9 \
             WHERE id = $1 AND revision = $2",
            args![
                inquiry.id.as_str(),
                expected,
                inquiry.status.as_str(),
                inquiry.reference_id.clone(),
                inquiry.account_id.as_ref().map(|id| id.to_string()),
                inquiry.expires_at,
                inquiry.updated_at,
                inquiry.revision,
                encode(inquiry)?
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
