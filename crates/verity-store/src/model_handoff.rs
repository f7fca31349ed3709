//! What the store writes and answers for the cross-device hand-off. The link
//! itself is the domain type [`verity_core::handoff::OneTimeLink`].

use verity_core::id::{InquiryId, SessionId};

pub use verity_core::handoff::OneTimeLink;

use crate::{Change, InquiryWrite};

/// A one-time link write inside a [`Change`], committed with its session and events.
#[derive(Debug, Clone)]
pub enum HandoffWrite {
    /// A new link (its session is the change's `new_session`). `Duplicate` if the code
    /// hash or session already has one.
    Insert(OneTimeLink),
    /// The desktop took over: the link of this session can no longer be opened, and a
    /// started hand-off is over. Canceling twice is a no-op; `NotFound` if no such link.
    Cancel(SessionId),
}

impl Change {
    /// The existing inquiry this change touches, if any: its watchers are woken after it
    /// commits (see [`crate::Store::inquiry_changes`]). A new inquiry has no watchers yet,
    /// so creating one announces nothing (and costs PostgreSQL no `NOTIFY`).
    pub fn touched_inquiry(&self) -> Option<InquiryId> {
        match &self.inquiry {
            Some(InquiryWrite::Insert(_)) => return None,
            Some(InquiryWrite::Update { inquiry, .. }) => return Some(inquiry.id.clone()),
            None => {}
        }
        let from_link = self.handoff.iter().find_map(|w| match w {
            HandoffWrite::Insert(link) => Some(link.inquiry_id.clone()),
            HandoffWrite::Cancel(_) => None,
        });
        from_link.or_else(|| self.events.iter().find_map(|e| e.inquiry_id.clone()))
    }
}
