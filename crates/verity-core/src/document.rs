//! Documents (`doc_…`): the uploaded image of one capture — an ID side or a selfie pose —
//! with what it is of, typed. An inquiry takes documents while it is open and not redacted;
//! each one it takes owes the log a `document.created` event (docs/webhooks.md).

use crate::capture::{Capture, CaptureMethod, DocumentKind, IdClass, Shot};
use crate::event::{EventDraft, EventName};
use crate::id::{DocumentId, InquiryId};
use crate::inquiry::{Inquiry, InquiryError};
use crate::Millis;

/// An uploaded image.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: DocumentId,
    pub inquiry_id: InquiryId,
    /// What the image is of: an ID side (with its class and issuing country) or a selfie pose.
    pub capture: Capture,
    pub capture_method: CaptureMethod,
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
    /// Empty when the document was listed without its bytes.
    pub bytes: Vec<u8>,
    pub created_at: Millis,
}

impl Document {
    pub fn kind(&self) -> DocumentKind {
        self.capture.kind()
    }

    /// The ID side or selfie pose.
    pub fn shot(&self) -> Shot {
        self.capture.shot()
    }

    pub fn id_class(&self) -> Option<IdClass> {
        self.capture.id_class()
    }

    /// Adds this document to `inquiry` (its own): allowed while [`accepting`] allows it.
    /// Returns the event it owes, `document.created`.
    pub fn attach(&self, inquiry: &Inquiry) -> Result<EventDraft, InquiryError> {
        accepting(inquiry)?;
        Ok(EventDraft::about(
            EventName::DocumentCreated,
            &self.id,
            &inquiry.id,
        ))
    }
}

/// Whether `inquiry` takes documents: only while it is open and not redacted.
pub fn accepting(inquiry: &Inquiry) -> Result<(), InquiryError> {
    if inquiry.redacted_at.is_some() {
        return Err(InquiryError::Redacted);
    }
    if !inquiry.status.is_open() {
        return Err(InquiryError::IllegalTransition {
            from: inquiry.status,
            action: "add a document to",
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use crate::capture::Pose;
    use crate::field::FieldSchema;
    use crate::id::{InquiryTemplateVersionId, TemplateId};
    use crate::inquiry::{Command, InquiryStatus, NewInquiry};

    fn inquiry() -> Inquiry {
        let mut rng = rand::rngs::OsRng;
        let new = NewInquiry {
            id: InquiryId::generate(&mut rng),
            template_id: TemplateId::parse("itmpl_0123456789abcdef").unwrap(),
            template_version_id: InquiryTemplateVersionId::generate(&mut rng),
            schema: FieldSchema(Vec::new()),
            fields: serde_json::Map::new(),
            reference_id: None,
            account_id: None,
            note: None,
            tags: Vec::new(),
            ttl_seconds: 60,
        };
        Inquiry::create(new, 1).unwrap().inquiry
    }

    fn selfie(inquiry: &Inquiry) -> Document {
        Document {
            id: DocumentId::generate(&mut rand::rngs::OsRng),
            inquiry_id: inquiry.id.clone(),
            capture: Capture::Selfie(Pose::Left),
            capture_method: CaptureMethod::Auto,
            content_type: "image/png".into(),
            byte_size: 0,
            sha256: String::new(),
            bytes: Vec::new(),
            created_at: 2,
        }
    }

    #[test]
    fn an_open_inquiry_takes_a_document_and_logs_it() {
        let open = inquiry();
        let doc = selfie(&open);
        let draft = doc.attach(&open).unwrap();
        assert_eq!(draft.name, EventName::DocumentCreated);
        assert_eq!(draft.subject_id, doc.id.to_string());
        assert_eq!(draft.inquiry_id, Some(open.id.to_string()));
        assert_eq!(doc.shot(), Shot::Selfie(Pose::Left));
        assert_eq!(doc.id_class(), None);
    }

    #[test]
    fn a_finished_or_redacted_inquiry_takes_none() {
        let open = inquiry();
        let pending = open.apply(Command::Start, 2).unwrap().inquiry;
        let failed = pending.apply(Command::Fail, 3).unwrap().inquiry;
        let err = selfie(&failed).attach(&failed).unwrap_err();
        assert!(
            matches!(err, InquiryError::IllegalTransition { from, .. } if from == InquiryStatus::Failed)
        );
        let redacted = open.apply(Command::Redact, 2).unwrap().inquiry;
        assert_eq!(accepting(&redacted), Err(InquiryError::Redacted));
    }
}
