//! The event log: appends (inside a commit) and reads.

use verity_core::id::EventId;

use crate::errors;
use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::rows::{encode, EventRow, EVENT_COLUMNS};
use crate::{EventFilter, NewEvent, Page, PageRequest, StoreError, StoredEvent};

/// Appends one event. Called in order within a transaction, so `seq` follows the order
/// the events were given in.
pub(crate) async fn append<E: Exec>(ex: &mut E, event: &NewEvent) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO events (id, name, subject_id, inquiry_id, created_at, payload) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            event.id.as_str(),
            event.name.as_str(),
            event.subject_id.as_str(),
            event.inquiry_id.as_ref().map(|id| id.to_string()),
            event.created_at,
            encode(&event.payload)?
        ],
    )
    .await
    .map_err(errors::unique("event"))?;
    Ok(())
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    id: &EventId,
) -> Result<Option<StoredEvent>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1");
    let row: Option<EventRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    row.map(EventRow::decode).transpose()
}

pub(crate) async fn list<E: Exec>(
    ex: &mut E,
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
    map_page(rows, EventRow::decode)
}
