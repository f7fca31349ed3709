//! The conformance suite: each `pub async fn` checks one behaviour of `Store` and runs
//! unchanged against every backend (see `conformance!` in main.rs).

mod commit;
mod console;
mod documents;
mod encryption;
mod erasure;
mod events;
mod handoff;
mod inquiries;
mod keys;
mod lifecycle;
mod review;
mod revisions;
mod templates;
mod verifications;
mod webhooks;

pub use commit::*;
pub use console::*;
pub use documents::*;
pub use encryption::*;
pub use erasure::*;
pub use events::*;
pub use handoff::*;
pub use inquiries::*;
pub use keys::*;
pub use lifecycle::*;
pub use review::*;
pub use revisions::*;
pub use templates::*;
pub use verifications::*;
pub use webhooks::*;

use verity_core::id::InquiryId;
use verity_store::{EventFilter, PageRequest, Store, StoredEvent};

pub(crate) fn first_page(size: u32) -> PageRequest {
    PageRequest {
        after: None,
        before: None,
        size,
    }
}

/// Every event of one inquiry, oldest first.
pub(crate) async fn events_of(store: &dyn Store, inquiry: &InquiryId) -> Vec<StoredEvent> {
    let filter = EventFilter {
        inquiry_id: Some(inquiry.clone()),
        ..EventFilter::default()
    };
    let mut page = store
        .list_events(&filter, &first_page(100))
        .await
        .expect("list events");
    assert!(page.next_after.is_none(), "more than 100 events");
    page.items.reverse();
    page.items
}
