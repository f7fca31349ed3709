//! The audit trail (docs/console.md §5): records of who saw an inquiry's personal data or
//! images. Decisions are recorded by [`crate::decisions`] in their own commit.

use rand::rngs::OsRng;
use verity_core::audit::{Actor, AuditAction};
use verity_core::id::{AuditRecordId, InquiryId};
use verity_store::{AuditFilter, AuditRecord, Page, PageRequest};

use crate::{App, AppError};

/// Who asked, from where: what every audit record names.
#[derive(Debug, Clone)]
pub struct Requester {
    pub actor: Actor,
    pub address: Option<String>,
}

impl Requester {
    /// A record of `action` on `inquiry` by this requester, now.
    pub fn record(
        &self,
        app: &App,
        action: AuditAction,
        inquiry: Option<&InquiryId>,
        detail: Option<String>,
    ) -> AuditRecord {
        AuditRecord {
            id: AuditRecordId::generate(&mut OsRng),
            actor: self.actor.clone(),
            action,
            inquiry_id: inquiry.cloned(),
            address: self.address.clone(),
            detail,
            created_at: app.now(),
        }
    }
}

/// Appends one record (a view): written before the data is answered, so nothing is seen
/// without its record.
pub async fn record(
    app: &App,
    who: &Requester,
    action: AuditAction,
    inquiry: &InquiryId,
    detail: Option<String>,
) -> Result<(), AppError> {
    let record = who.record(app, action, Some(inquiry), detail);
    Ok(app.store.insert_audit_records(&[record]).await?)
}

pub async fn list(
    app: &App,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditRecord>, AppError> {
    Ok(app.store.list_audit_records(filter, page).await?)
}
