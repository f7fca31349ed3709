//! How each domain object looks on the wire as a JSON:API resource object. The REST API,
//! the event log's payloads and webhooks all render through these functions, so a
//! webhook's `payload.data` is exactly what `GET` returns. The shapes are the typed
//! documents of `wire/`; these functions give them as JSON values for the event payloads.

use serde_json::Value;
use verity_core::account::Account;
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::template::Template;
use verity_core::verification::Verification;
use verity_store::{ApiKey, Document, StoredEvent};

use crate::wire::{self, to_value};

pub fn inquiry(i: &Inquiry) -> Value {
    to_value(&wire::inquiry::InquiryResource::from(i))
}

/// A verification. `extracted-data` is what the document says about its holder.
pub fn verification(v: &Verification) -> Value {
    to_value(&wire::verification::VerificationResource::from(v))
}

pub fn template(t: &Template) -> Value {
    to_value(&wire::template::TemplateResource::from(t))
}

pub fn account(a: &Account) -> Value {
    to_value(&wire::account::AccountResource::from(a))
}

/// Sessions never expose their token hash.
pub fn session(s: &InquirySession) -> Value {
    to_value(&wire::inquiry::SessionResource::from(s))
}

/// Document metadata; the bytes are served separately.
pub fn document(d: &Document) -> Value {
    to_value(&wire::inquiry::DocumentResource::from(d))
}

pub fn event(e: &StoredEvent) -> Value {
    to_value(&wire::event::EventResource::from(e))
}

pub fn api_key(k: &ApiKey) -> Value {
    to_value(&wire::event::ApiKeyResource::from(k))
}
