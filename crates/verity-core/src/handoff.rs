//! Cross-device hand-off (docs/handoff.md): a one-time link moves an inquiry from one device (the
//! "desktop") to another (the "phone") and back. Pure rules only: when a link expires,
//! whether a link may be opened, and what the desktop should be told.
//!
//! A link belongs to exactly one new inquiry session (the phone's), whose id is also the
//! link's id. Its code is a random secret shown once (in the URL, QR code or message) and
//! stored as a hash; opening the link consumes it and gives the phone a fresh session
//! token, so the code in a URL is worthless afterwards.

use serde::{Deserialize, Serialize};

use crate::id::{InquiryId, SessionId};
use crate::inquiry::InquiryStatus;
use crate::session::HandoffMethod;
use crate::template::{StepKind, TemplateDefinition};
use crate::Millis;

/// Prefix of one-time link codes (`verity::token::generate`).
pub const CODE_PREFIX: &str = "otl_";

/// Where a link is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Created (and sent or shown); nobody opened it yet.
    Sent,
    /// Opened once, by the phone; the code is spent.
    Started,
    /// The desktop chose to continue itself; the link and its session are dead.
    Canceled,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Sent => "sent",
            LinkStatus::Started => "started",
            LinkStatus::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<LinkStatus> {
        [LinkStatus::Sent, LinkStatus::Started, LinkStatus::Canceled]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OneTimeLink {
    /// The phone's session, created with the link; also the link's id.
    pub session_id: SessionId,
    pub inquiry_id: InquiryId,
    /// Hex SHA-256 of the code. The code itself is never stored.
    pub code_hash: String,
    pub method: HandoffMethod,
    pub status: LinkStatus,
    /// The step the desktop was on when it handed off.
    pub step: String,
    pub created_at: Millis,
    /// Never later than the inquiry's own expiry.
    pub expires_at: Millis,
    pub opened_at: Option<Millis>,
}

/// When a link made at `now` with lifetime `ttl_ms` expires: never after the inquiry.
pub fn link_expiry(now: Millis, ttl_ms: Millis, inquiry_expires_at: Millis) -> Millis {
    now.saturating_add(ttl_ms.max(0)).min(inquiry_expires_at)
}

/// Why a link cannot be opened; each one is a page the person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this link is not valid")]
    Unknown,
    #[error("this link has already been used")]
    AlreadyUsed,
    #[error("this link has expired")]
    Expired,
    #[error("this link was withdrawn: the verification continued on the other device")]
    Canceled,
    #[error("this verification is no longer open")]
    InquiryClosed,
}

/// Whether `link` may be opened at `now`, for an inquiry whose status is `inquiry_status`.
pub fn check_open(
    link: &OneTimeLink,
    inquiry_status: InquiryStatus,
    now: Millis,
) -> Result<(), Refusal> {
    match link.status {
        LinkStatus::Started => return Err(Refusal::AlreadyUsed),
        LinkStatus::Canceled => return Err(Refusal::Canceled),
        LinkStatus::Sent => {}
    }
    if !inquiry_status.is_open() {
        return Err(Refusal::InquiryClosed);
    }
    if now >= link.expires_at {
        return Err(Refusal::Expired);
    }
    Ok(())
}

/// What the desktop learns about a hand-off (the SSE stream's and the poll's `phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Nobody opened the link yet.
    Waiting,
    /// The phone opened the link and is working (`one-time-link-start`).
    Started,
    /// The phone is done with the steps it can take over (`one-time-link-exit`).
    Finished,
    /// The desktop took over again (`one-time-link-exit`).
    Canceled,
    /// The link expired unopened.
    Expired,
}

impl Phase {
    /// No later phase follows: the stream ends.
    pub fn is_final(self) -> bool {
        matches!(self, Phase::Finished | Phase::Canceled | Phase::Expired)
    }
}

/// The phase of `link` given the inquiry as it is now. The phone is finished once the
/// inquiry has left the steps a phone takes over (its current step cannot be handed off,
/// e.g. a form or the completion page) or is no longer open: progress is read from the
/// inquiry itself, so a phone that closes its browser after the last step still counts.
pub fn phase(
    link: &OneTimeLink,
    inquiry_status: InquiryStatus,
    current_step: Option<&str>,
    definition: &TemplateDefinition,
    now: Millis,
) -> Phase {
    match link.status {
        LinkStatus::Canceled => Phase::Canceled,
        LinkStatus::Sent if !inquiry_status.is_open() => Phase::Canceled,
        LinkStatus::Sent if now >= link.expires_at => Phase::Expired,
        LinkStatus::Sent => Phase::Waiting,
        LinkStatus::Started => {
            if phone_is_done(inquiry_status, current_step, definition) {
                Phase::Finished
            } else {
                Phase::Started
            }
        }
    }
}

/// Whether a phone working on an inquiry in this state has nothing left to do. On the
/// completion step the phone is done only once the inquiry is: reaching the step and
/// deciding the outcome are two commits, and the desktop must not show a completion page
/// whose status is still being decided.
pub fn phone_is_done(
    inquiry_status: InquiryStatus,
    current_step: Option<&str>,
    definition: &TemplateDefinition,
) -> bool {
    if !inquiry_status.is_open() {
        return true;
    }
    let step = current_step.and_then(|name| definition.steps.iter().find(|s| s.name == name));
    match step {
        Some(s) if s.kind == StepKind::Completion => false,
        Some(s) => !s.can_hand_off(),
        None => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use crate::template::Step;

    fn step(name: &str, kind: StepKind) -> Step {
        Step {
            name: name.into(),
            kind,
            name_display: name.into(),
            fields: vec![],
            id_classes: vec![],
            poses: vec![],
            handoff: false,
        }
    }

    fn definition() -> TemplateDefinition {
        let mut def: TemplateDefinition =
            serde_json::from_value(serde_json::json!({"steps": [], "fields": []})).unwrap();
        def.steps = vec![
            step("start", StepKind::Start),
            step("details", StepKind::Fields),
            step("id", StepKind::GovernmentId),
            step("selfie", StepKind::Selfie),
            step("more", StepKind::Fields),
            step("done", StepKind::Completion),
        ];
        def
    }

    fn link(status: LinkStatus) -> OneTimeLink {
        OneTimeLink {
            session_id: SessionId::generate(&mut rand::rngs::OsRng),
            inquiry_id: InquiryId::generate(&mut rand::rngs::OsRng),
            code_hash: "h".into(),
            method: HandoffMethod::Qr,
            status,
            step: "id".into(),
            created_at: 0,
            expires_at: 1000,
            opened_at: None,
        }
    }

    #[test]
    fn expiry_never_outlives_the_inquiry() {
        assert_eq!(link_expiry(100, 900_000, 10_000_000), 900_100);
        assert_eq!(link_expiry(100, 900_000, 5_000), 5_000);
    }

    #[test]
    fn a_link_opens_once_while_fresh_and_the_inquiry_is_open() {
        let fresh = link(LinkStatus::Sent);
        assert_eq!(check_open(&fresh, InquiryStatus::Pending, 999), Ok(()));
        assert_eq!(
            check_open(&fresh, InquiryStatus::Pending, 1000),
            Err(Refusal::Expired)
        );
        assert_eq!(
            check_open(&fresh, InquiryStatus::Expired, 10),
            Err(Refusal::InquiryClosed)
        );
        assert_eq!(
            check_open(&link(LinkStatus::Started), InquiryStatus::Pending, 10),
            Err(Refusal::AlreadyUsed)
        );
        assert_eq!(
            check_open(&link(LinkStatus::Canceled), InquiryStatus::Pending, 10),
            Err(Refusal::Canceled)
        );
    }

    #[test]
    fn the_phone_is_finished_when_the_inquiry_leaves_the_capture_steps() {
        let def = definition();
        let started = link(LinkStatus::Started);
        let at = |step: &str, status| phase(&started, status, Some(step), &def, 10);
        assert_eq!(at("id", InquiryStatus::Pending), Phase::Started);
        assert_eq!(at("selfie", InquiryStatus::Pending), Phase::Started);
        assert_eq!(at("more", InquiryStatus::Pending), Phase::Finished);
        assert_eq!(at("done", InquiryStatus::Completed), Phase::Finished);
        // Reached the completion step, outcome not yet committed: keep waiting.
        assert_eq!(at("done", InquiryStatus::Pending), Phase::Started);
        let sent = link(LinkStatus::Sent);
        assert_eq!(
            phase(&sent, InquiryStatus::Pending, Some("id"), &def, 10),
            Phase::Waiting
        );
        assert_eq!(
            phase(&sent, InquiryStatus::Pending, Some("id"), &def, 1000),
            Phase::Expired
        );
        assert!(Phase::Finished.is_final() && !Phase::Started.is_final());
    }
}
