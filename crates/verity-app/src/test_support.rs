//! What the unit tests of this crate share: a renderer that writes resources as serde
//! sees them (the real wire rendering belongs to the HTTP edge).

use serde_json::Value;
use verity_core::document::Document;
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::verification::Verification;

use crate::Render;

pub struct Plain;

impl Render for Plain {
    fn inquiry(&self, inquiry: &Inquiry) -> Value {
        serde_json::to_value(inquiry).unwrap_or(Value::Null)
    }
    fn session(&self, session: &InquirySession) -> Value {
        serde_json::to_value(session).unwrap_or(Value::Null)
    }
    fn verification(&self, verification: &Verification) -> Value {
        serde_json::json!({ "id": verification.id })
    }
    fn document(&self, document: &Document) -> Value {
        serde_json::json!({ "id": document.id })
    }
}
