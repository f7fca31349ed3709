//! The event log's vocabulary. Every state change of an inquiry produces events, committed in
//! the same transaction as the change (docs/webhooks.md); webhooks deliver them.

use serde::{Deserialize, Serialize};

/// An event's name, with its exact wire spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventName {
    #[serde(rename = "inquiry.created")]
    InquiryCreated,
    #[serde(rename = "inquiry.started")]
    InquiryStarted,
    #[serde(rename = "inquiry.completed")]
    InquiryCompleted,
    #[serde(rename = "inquiry.failed")]
    InquiryFailed,
    #[serde(rename = "inquiry.expired")]
    InquiryExpired,
    #[serde(rename = "inquiry.approved")]
    InquiryApproved,
    #[serde(rename = "inquiry.declined")]
    InquiryDeclined,
    #[serde(rename = "inquiry.marked-for-review")]
    InquiryMarkedForReview,
    #[serde(rename = "inquiry.transitioned")]
    InquiryTransitioned,
    #[serde(rename = "inquiry.redacted")]
    InquiryRedacted,
    #[serde(rename = "inquiry.resumed")]
    InquiryResumed,
    #[serde(rename = "inquiry.updated")]
    InquiryUpdated,
    #[serde(rename = "inquiry-session.started")]
    SessionStarted,
    #[serde(rename = "inquiry-session.expired")]
    SessionExpired,
    #[serde(rename = "inquiry-session.canceled")]
    SessionCanceled,
    #[serde(rename = "document.created")]
    DocumentCreated,
    #[serde(rename = "verification.passed")]
    VerificationPassed,
    #[serde(rename = "verification.failed")]
    VerificationFailed,
    #[serde(rename = "account.created")]
    AccountCreated,
}

impl EventName {
    pub const ALL: [EventName; 19] = [
        EventName::InquiryCreated,
        EventName::InquiryStarted,
        EventName::InquiryCompleted,
        EventName::InquiryFailed,
        EventName::InquiryExpired,
        EventName::InquiryApproved,
        EventName::InquiryDeclined,
        EventName::InquiryMarkedForReview,
        EventName::InquiryTransitioned,
        EventName::InquiryRedacted,
        EventName::InquiryResumed,
        EventName::InquiryUpdated,
        EventName::SessionStarted,
        EventName::SessionExpired,
        EventName::SessionCanceled,
        EventName::DocumentCreated,
        EventName::VerificationPassed,
        EventName::VerificationFailed,
        EventName::AccountCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventName::InquiryCreated => "inquiry.created",
            EventName::InquiryStarted => "inquiry.started",
            EventName::InquiryCompleted => "inquiry.completed",
            EventName::InquiryFailed => "inquiry.failed",
            EventName::InquiryExpired => "inquiry.expired",
            EventName::InquiryApproved => "inquiry.approved",
            EventName::InquiryDeclined => "inquiry.declined",
            EventName::InquiryMarkedForReview => "inquiry.marked-for-review",
            EventName::InquiryTransitioned => "inquiry.transitioned",
            EventName::InquiryRedacted => "inquiry.redacted",
            EventName::InquiryResumed => "inquiry.resumed",
            EventName::InquiryUpdated => "inquiry.updated",
            EventName::SessionStarted => "inquiry-session.started",
            EventName::SessionExpired => "inquiry-session.expired",
            EventName::SessionCanceled => "inquiry-session.canceled",
            EventName::DocumentCreated => "document.created",
            EventName::VerificationPassed => "verification.passed",
            EventName::VerificationFailed => "verification.failed",
            EventName::AccountCreated => "account.created",
        }
    }

    pub fn parse(name: &str) -> Option<EventName> {
        EventName::ALL.into_iter().find(|n| n.as_str() == name)
    }
}

impl std::fmt::Display for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the domain asks to be logged. The store gives it an `evt_` id and a timestamp and
/// writes it in the same transaction as the change that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub name: EventName,
    /// Which resource the event is about (`inq_…`, `iqse_…`, `doc_…`), for filtering.
    pub subject_id: String,
    /// Which inquiry it belongs to, for per-inquiry ordering of webhook deliveries.
    pub inquiry_id: Option<String>,
}

impl EventDraft {
    /// An event about `subject` (a session, document or verification) of inquiry `inquiry`.
    /// Only the domain names events: the commands that change those resources return them.
    pub(crate) fn about(
        name: EventName,
        subject: &impl std::fmt::Display,
        inquiry: &crate::id::InquiryId,
    ) -> EventDraft {
        EventDraft {
            name,
            subject_id: subject.to_string(),
            inquiry_id: Some(inquiry.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in EventName::ALL {
            assert_eq!(EventName::parse(name.as_str()), Some(name));
            assert_eq!(
                serde_json::to_value(name).unwrap(),
                serde_json::Value::String(name.as_str().into())
            );
        }
        assert_eq!(EventName::parse("inquiry.nope"), None);
    }
}
