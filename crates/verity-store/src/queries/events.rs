//! The event log: appends (inside a commit) and reads.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use verity_core::id::{EventId, InquiryId};

use crate::errors;
use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, Where};
use crate::queries::bulk;
use crate::rows::{encode, EventRow, EVENT_COLUMNS};
use crate::vault::Vault;
use crate::{EventFilter, NewEvent, Page, PageRequest, StoreError, StoredEvent};

/// Appends `events` in the order given, so `seq` follows it. Returns each event's `seq`, in
/// the same order (the webhook outbox records it for per-inquiry ordering).
pub(crate) async fn append_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    events: &[&NewEvent],
) -> Result<Vec<i64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let inquiry = event.inquiry_id.as_ref().map(|id| id.as_str());
        let payload = vault
            .seal_text(ex, inquiry, &encode(&event.payload)?)
            .await?;
        rows.push(args![
            event.id.as_str(),
            event.name.as_str(),
            event.subject_id.as_str(),
            inquiry.map(str::to_owned),
            event.created_at,
            payload
        ]);
    }
    let returned: Vec<(String, i64)> = bulk::insert_returning(
        ex,
        "INSERT INTO events (id, name, subject_id, inquiry_id, created_at, payload)",
        6,
        rows,
        "RETURNING id, seq",
    )
    .await
    .map_err(errors::unique("event"))?;
    // RETURNING's row order is unspecified: match by id.
    let seq_of: HashMap<String, i64> = returned.into_iter().collect();
    events
        .iter()
        .map(|event| {
            seq_of
                .get(event.id.as_str())
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("event {} got no seq", event.id)))
        })
        .collect()
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &EventId,
) -> Result<Option<StoredEvent>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1");
    let row: Option<EventRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    match row {
        Some(row) => Ok(Some(open(ex, vault, row).await?.decode()?)),
        None => Ok(None),
    }
}

/// The row with its payload opened.
pub(crate) async fn open<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    mut row: EventRow,
) -> Result<EventRow, StoreError> {
    let what = format!("event {}", row.id);
    row.payload = vault
        .open_text(ex, row.inquiry_id.as_deref(), &what, &row.payload)
        .await?;
    Ok(row)
}

/// Each row with its payload opened, decoded.
pub(crate) async fn open_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    rows: Vec<EventRow>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        events.push(open(ex, vault, row).await?.decode()?);
    }
    Ok(events)
}

pub(crate) async fn list<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    filter: &EventFilter,
    page: &PageRequest,
) -> Result<Page<StoredEvent>, StoreError> {
    let mut filters = Where::default();
    if let Some(name) = filter.name {
        filters.push("name", "=", name.as_str());
    }
    if let Some(inquiry_id) = &filter.inquiry_id {
        filters.push("inquiry_id", "=", inquiry_id.as_str());
    }
    if let Some(after) = filter.created_after {
        filters.push("created_at", ">", after);
    }
    if let Some(before) = filter.created_before {
        filters.push("created_at", "<", before);
    }
    let rows = fetch_page::<_, EventRow>(ex, "events", EVENT_COLUMNS, filters, page).await?;
    Ok(Page {
        items: open_all(ex, vault, rows.items).await?,
        next_after: rows.next_after,
        prev_before: rows.prev_before,
    })
}

/// Erasure: every event about inquiry `id` keeps only what identifies its resource — type,
/// id and status — so neither the event log nor a webhook delivery or redelivery (both send
/// the stored payload) carries the inquiry's personal data after a redaction.
pub(crate) async fn redact_of<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &InquiryId,
) -> Result<(), StoreError> {
    let inquiry = Some(id.as_str());
    let rows: Vec<(String, String)> = ex
        .fetch_all(
            "SELECT id, payload FROM events WHERE inquiry_id = $1",
            args![id.as_str()],
        )
        .await?;
    for (event_id, stored) in rows {
        let what = format!("event {event_id}");
        let payload = vault.open_text(ex, inquiry, &what, &stored).await?;
        let redacted = vault.seal_text(ex, inquiry, &skeleton(&payload)).await?;
        ex.execute(
            "UPDATE events SET payload = $2 WHERE id = $1",
            args![event_id, redacted],
        )
        .await?;
    }
    Ok(())
}

/// The redacted form of a stored payload (`{"data": resource}`).
fn skeleton(payload: &str) -> String {
    let doc: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    let data = doc.get("data").unwrap_or(&doc);
    let mut attributes = Map::new();
    if let Some(status) = data.pointer("/attributes/status") {
        attributes.insert("status".into(), status.clone());
    }
    attributes.insert("redacted".into(), Value::Bool(true));
    json!({"data": {"type": data["type"], "id": data["id"], "attributes": attributes}}).to_string()
}
