//! The log entries a change owes: the domain names each event ([`EventDraft`]), this module
//! gives it an id, a time and its payload (`{"data": <the resource as the REST API renders
//! it>}`), so a webhook's `payload.data` is exactly what `GET` returns.

use rand::rngs::OsRng;
use serde_json::{json, Value};
use verity_core::document::Document;
use verity_core::event::{EventDraft, EventName};
use verity_core::id::{EventId, InquiryId};
use verity_core::inquiry::{Inquiry, Transition};
use verity_core::session::InquirySession;
use verity_core::verification::Verification;
use verity_core::Millis;
use verity_store::NewEvent;

/// How resources look on the wire; implemented by the HTTP edge.
pub trait Render: Send + Sync {
    fn inquiry(&self, inquiry: &Inquiry) -> Value;
    fn session(&self, session: &InquirySession) -> Value;
    fn verification(&self, verification: &Verification) -> Value;
    fn document(&self, document: &Document) -> Value;
}

/// The resource an event of another kind than the inquiry's is about, as it is after the
/// change.
#[derive(Debug, Clone)]
pub enum Subject {
    Session(InquirySession),
    Document(Box<Document>),
    Verification(Verification),
}

impl Subject {
    fn render(&self, render: &dyn Render) -> Value {
        match self {
            Subject::Session(s) => render.session(s),
            Subject::Document(d) => render.document(d),
            Subject::Verification(v) => render.verification(v),
        }
    }
}

/// The entry for `draft`, whose payload is `{"data": data}`.
pub fn entry(draft: &EventDraft, data: Value, now: Millis) -> NewEvent {
    NewEvent {
        id: EventId::generate(&mut OsRng),
        name: draft.name,
        subject_id: draft.subject_id.clone(),
        inquiry_id: draft
            .inquiry_id
            .as_deref()
            .and_then(|i| InquiryId::parse(i).ok()),
        created_at: now,
        payload: json!({ "data": data }),
    }
}

/// The entry of an event about `subject`.
pub fn about(render: &dyn Render, draft: &EventDraft, subject: &Subject, now: Millis) -> NewEvent {
    entry(draft, subject.render(render), now)
}

/// The entries of a transition: each carries the inquiry as rendered after it, except
/// `inquiry-session.started`, which carries the new session.
pub fn for_transition(render: &dyn Render, t: &Transition, now: Millis) -> Vec<NewEvent> {
    let inquiry = render.inquiry(&t.inquiry);
    t.events
        .iter()
        .map(|draft| match (&t.new_session, draft.name) {
            (Some(s), EventName::SessionStarted) => entry(draft, render.session(s), now),
            _ => entry(draft, inquiry.clone(), now),
        })
        .collect()
}
