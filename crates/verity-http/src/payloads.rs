//! How resources look inside event payloads: the REST rendering of [`crate::resource`],
//! handed to the application so a webhook's `payload.data` is exactly what `GET` returns.

use serde_json::Value;
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::verification::Verification;
use verity_store::Document;

use crate::resource;

/// The JSON:API rendering of the REST API.
pub struct Wire;

impl verity_app::Render for Wire {
    fn inquiry(&self, inquiry: &Inquiry) -> Value {
        resource::inquiry(inquiry)
    }
    fn session(&self, session: &InquirySession) -> Value {
        resource::session(session)
    }
    fn verification(&self, verification: &Verification) -> Value {
        resource::verification(verification)
    }
    fn document(&self, document: &Document) -> Value {
        resource::document(document)
    }
}
