//! Inquiry sessions (`iqse_…`): one per device that works on an inquiry. The session
//! token is what the flow app presents; only its SHA-256 is stored (see [`crate::token`]).

use serde::{Deserialize, Serialize};

use crate::event::{EventDraft, EventName};
use crate::id::{InquiryId, SessionId};
use crate::Millis;

/// At most this many sessions per inquiry (docs/architecture.md), so a leaked inquiry id cannot be
/// used to mint tokens without bound.
pub const MAX_SESSIONS_PER_INQUIRY: u32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Active,
    Expired,
    Canceled,
}

/// How a session reached its device (docs/handoff.md): none for the first device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffMethod {
    Qr,
    Email,
    Sms,
    Api,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct InquirySession {
    pub id: SessionId,
    pub inquiry_id: InquiryId,
    pub status: SessionStatus,
    /// Hex SHA-256 of the session token. The token itself is never stored.
    pub token_hash: String,
    pub created_at: Millis,
    /// Never later than the inquiry's own expiry.
    pub expires_at: Millis,
    #[serde(default)]
    pub device_handoff_method: Option<HandoffMethod>,
    /// Opened by the flow without a token (an inquiry still `created`): the next such open
    /// replaces it instead of adding a session, so anonymous opens cannot use up the cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous: bool,
}

impl InquirySession {
    /// Whether a request presenting this session's token at `now` may act.
    pub fn is_usable(&self, now: Millis) -> bool {
        self.status == SessionStatus::Active && now < self.expires_at
    }

    /// The session ended (`Expired` or `Canceled`) and the event it owes the log; `None`
    /// for a session that is not active (ending it again changes nothing).
    pub fn end(&self, status: SessionStatus) -> Option<(InquirySession, EventDraft)> {
        let name = match status {
            SessionStatus::Active => return None,
            SessionStatus::Expired => EventName::SessionExpired,
            SessionStatus::Canceled => EventName::SessionCanceled,
        };
        if self.status != SessionStatus::Active {
            return None;
        }
        let mut ended = self.clone();
        ended.status = status;
        let draft = EventDraft::about(name, &self.id, &self.inquiry_id);
        Some((ended, draft))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_an_active_session_names_its_event_once() {
        let mut rng = rand::rngs::OsRng;
        let session = InquirySession {
            id: SessionId::generate(&mut rng),
            inquiry_id: InquiryId::generate(&mut rng),
            status: SessionStatus::Active,
            token_hash: String::new(),
            created_at: 0,
            expires_at: 10,
            device_handoff_method: None,
            anonymous: false,
        };
        let (ended, draft) = session.end(SessionStatus::Canceled).expect("active");
        assert_eq!(ended.status, SessionStatus::Canceled);
        assert_eq!(draft.name, EventName::SessionCanceled);
        assert_eq!(draft.subject_id, session.id.to_string());
        assert!(ended.end(SessionStatus::Expired).is_none(), "ended already");
        assert!(session.end(SessionStatus::Active).is_none());
    }
}
