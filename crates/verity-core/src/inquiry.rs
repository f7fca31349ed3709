//! The inquiry state machine.
//!
//! ```text
//! created ──start──▶ pending ──complete──▶ completed ─┬─approve──▶ approved
//!    │                 │  ▲   ──fail─────▶ failed ────┼─decline──▶ declined
//!    └──expire──▶ expired ─┘resume                    └─review───▶ needs_review ─▶ approved | declined
//! ```
//! Every command either yields a [`Transition`] (the new inquiry plus the events it
//! owes the log) or an [`InquiryError`] naming what was illegal; an inquiry value is
//! never left half-changed. Redaction is allowed in every state and is final.

use serde::{Deserialize, Serialize};

use crate::event::{EventDraft, EventName};
use crate::field::{FieldError, FieldSchema, Fields};
use crate::id::{AccountId, InquiryId, InquiryTemplateVersionId, SessionId, TemplateId};
use crate::session::{HandoffMethod, InquirySession, SessionStatus, MAX_SESSIONS_PER_INQUIRY};
use crate::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryStatus {
    Created,
    Pending,
    Completed,
    Failed,
    Expired,
    NeedsReview,
    Approved,
    Declined,
}

impl InquiryStatus {
    pub const ALL: [InquiryStatus; 8] = [
        InquiryStatus::Created,
        InquiryStatus::Pending,
        InquiryStatus::Completed,
        InquiryStatus::Failed,
        InquiryStatus::Expired,
        InquiryStatus::NeedsReview,
        InquiryStatus::Approved,
        InquiryStatus::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryStatus::Created => "created",
            InquiryStatus::Pending => "pending",
            InquiryStatus::Completed => "completed",
            InquiryStatus::Failed => "failed",
            InquiryStatus::Expired => "expired",
            InquiryStatus::NeedsReview => "needs_review",
            InquiryStatus::Approved => "approved",
            InquiryStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<InquiryStatus> {
        InquiryStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The individual can still work on the inquiry.
    pub fn is_open(self) -> bool {
        matches!(self, InquiryStatus::Created | InquiryStatus::Pending)
    }

    /// The individual has finished; only decisions (and redaction) remain.
    pub fn is_finished(self) -> bool {
        !matches!(
            self,
            InquiryStatus::Created | InquiryStatus::Pending | InquiryStatus::Expired
        )
    }
}

impl std::fmt::Display for InquiryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Inquiry {
    pub id: InquiryId,
    pub template_id: TemplateId,
    pub template_version_id: InquiryTemplateVersionId,
    pub status: InquiryStatus,
    pub reference_id: Option<String>,
    pub account_id: Option<AccountId>,
    pub fields: Fields,
    /// The step the individual is on (`None` before the flow first loads).
    pub current_step: Option<String>,
    /// Steps submitted, in order.
    pub completed_steps: Vec<String>,
    pub tags: Vec<String>,
    pub note: Option<String>,
    /// The inquiry's verifications, oldest first (docs/verifications.md), so every rendering of the inquiry
    /// (API, events, webhooks) can name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verifications: Vec<crate::verification::VerificationRef>,
    /// Sessions ever started; capped at [`MAX_SESSIONS_PER_INQUIRY`].
    pub session_count: u32,
    /// Copied from the template version so resuming needs no template lookup.
    pub ttl_seconds: u64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub started_at: Option<Millis>,
    pub completed_at: Option<Millis>,
    pub failed_at: Option<Millis>,
    pub expired_at: Option<Millis>,
    pub decisioned_at: Option<Millis>,
    pub redacted_at: Option<Millis>,
    pub expires_at: Millis,
    /// Optimistic-concurrency counter: the store only writes a transition whose
    /// inquiry was read at this revision, then stores `revision + 1`.
    pub revision: i64,
}

/// Everything needed to create an inquiry; ids are drawn by the caller.
#[derive(Debug, Clone)]
pub struct NewInquiry {
    pub id: InquiryId,
    pub template_id: TemplateId,
    pub template_version_id: InquiryTemplateVersionId,
    pub schema: FieldSchema,
    /// Raw values to prefill, checked against `schema`.
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub reference_id: Option<String>,
    pub account_id: Option<AccountId>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub ttl_seconds: u64,
}

/// A new session, drawn by the caller (id and token hash).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub token_hash: String,
    pub handoff: Option<HandoffMethod>,
    /// Sessions handed to another device may end sooner than the inquiry.
    pub max_lifetime_ms: Option<Millis>,
    /// Opened without a token ([`InquirySession::anonymous`]).
    pub anonymous: bool,
    /// The session this one takes the place of under the cap (an anonymous open replacing
    /// the anonymous session before it); the caller ends that one in the same commit.
    pub replaces: Option<SessionId>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// The individual began (first interaction of the flow): created → pending.
    Start,
    /// Merge field values; allowed while the inquiry is open.
    UpdateFields(Fields),
    /// The flow moved to another step.
    Transition {
        to_step: String,
        submitted: Option<String>,
    },
    Complete,
    Fail,
    Expire,
    /// A new session for a device; `expired → pending`.
    Resume(NewSession),
    Approve,
    Decline,
    MarkForReview,
    AddTag(String),
    /// Removes a tag (absent: nothing but the event).
    RemoveTag(String),
    Redact,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::UpdateFields(_) => "update fields of",
            Command::Transition { .. } => "move",
            Command::Complete => "complete",
            Command::Fail => "fail",
            Command::Expire => "expire",
            Command::Resume(_) => "resume",
            Command::Approve => "approve",
            Command::Decline => "decline",
            Command::MarkForReview => "mark for review",
            Command::AddTag(_) => "tag",
            Command::RemoveTag(_) => "untag",
            Command::Redact => "redact",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InquiryError {
    #[error("cannot {action} an inquiry whose status is {from}")]
    IllegalTransition {
        from: InquiryStatus,
        action: &'static str,
    },
    #[error("the inquiry has been redacted")]
    Redacted,
    #[error("the inquiry already has the maximum of {MAX_SESSIONS_PER_INQUIRY} sessions")]
    TooManySessions,
    #[error("invalid fields: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldError>),
    #[error(
        "reference-id is longer than {} characters",
        crate::account::MAX_REFERENCE_ID
    )]
    ReferenceIdTooLong,
}

/// A committed-to-be change: the inquiry as it will be stored and the events it owes.
#[derive(Debug, Clone)]
pub struct Transition {
    pub inquiry: Inquiry,
    pub events: Vec<EventDraft>,
    pub new_session: Option<InquirySession>,
}

impl Inquiry {
    /// Creates an inquiry in status `created`.
    pub fn create(new: NewInquiry, now: Millis) -> Result<Transition, InquiryError> {
        if new
            .reference_id
            .as_ref()
            .is_some_and(|r| r.chars().count() > crate::account::MAX_REFERENCE_ID)
        {
            return Err(InquiryError::ReferenceIdTooLong);
        }
        let mut fields = new.schema.empty_values();
        let prefilled = new
            .schema
            .coerce_all(&new.fields)
            .map_err(InquiryError::Fields)?;
        fields.extend(prefilled);
        let inquiry = Inquiry {
            id: new.id,
            template_id: new.template_id,
            template_version_id: new.template_version_id,
            status: InquiryStatus::Created,
            reference_id: new.reference_id,
            account_id: new.account_id,
            fields,
            current_step: None,
            completed_steps: Vec::new(),
            tags: new.tags,
            note: new.note,
            verifications: Vec::new(),
            session_count: 0,
            ttl_seconds: new.ttl_seconds,
            created_at: now,
            updated_at: now,
            started_at: None,
            completed_at: None,
            failed_at: None,
            expired_at: None,
            decisioned_at: None,
            redacted_at: None,
            expires_at: now + ttl_ms(new.ttl_seconds),
            revision: 0,
        };
        let events = vec![inquiry.event(EventName::InquiryCreated)];
        Ok(Transition {
            inquiry,
            events,
            new_session: None,
        })
    }

    fn event(&self, name: EventName) -> EventDraft {
        EventDraft {
            name,
            subject_id: self.id.to_string(),
            inquiry_id: Some(self.id.to_string()),
        }
    }

    /// When the inquiry reached the final state it is in, the start of its retention period
    /// (docs/operations.md §1): completed, failed, expired, approved or declined.
    /// `None` while it is open or awaiting review, and once it is redacted.
    pub fn retained_since(&self) -> Option<Millis> {
        if self.redacted_at.is_some() {
            return None;
        }
        let reached = match self.status {
            InquiryStatus::Completed => self.completed_at,
            InquiryStatus::Failed => self.failed_at,
            InquiryStatus::Expired => self.expired_at,
            InquiryStatus::Approved | InquiryStatus::Declined => self.decisioned_at,
            InquiryStatus::Created | InquiryStatus::Pending | InquiryStatus::NeedsReview => {
                return None
            }
        };
        // Every final transition stamps its time; the last update is the fallback.
        Some(reached.unwrap_or(self.updated_at))
    }

    /// Whether the inquiry's time-to-live has run out at `now` while still open.
    pub fn is_overdue(&self, now: Millis) -> bool {
        self.status.is_open() && now >= self.expires_at
    }

    /// Applies `command` at `now`. `self` is untouched; the result is the new state.
    pub fn apply(&self, command: Command, now: Millis) -> Result<Transition, InquiryError> {
        use InquiryStatus::*;
        if self.redacted_at.is_some() {
            return Err(InquiryError::Redacted);
        }
        let mut t = Transition {
            inquiry: Inquiry {
                updated_at: now,
                ..self.clone()
            },
            events: Vec::new(),
            new_session: None,
        };
        let legal = match &command {
            // Starting twice is harmless: a second device opening the flow.
            Command::Start if self.status == Pending => return Ok(self.unchanged()),
            Command::Start => self.status == Created && self.start(&mut t, now),
            Command::UpdateFields(values) => {
                self.status.is_open() && {
                    t.inquiry.fields.extend(values.clone());
                    self.log(&mut t, EventName::InquiryUpdated)
                }
            }
            Command::Transition { to_step, submitted } => {
                self.status.is_open() && self.move_to(&mut t, to_step, submitted.as_deref(), now)
            }
            Command::Complete => self.status == Pending && self.end(&mut t, Completed, now),
            Command::Fail => self.status == Pending && self.end(&mut t, Failed, now),
            Command::Expire => self.status.is_open() && self.end(&mut t, Expired, now),
            Command::Resume(session) => match self.status {
                Created | Pending | Expired => {
                    self.resume(&mut t, session, now)?;
                    true
                }
                _ => false,
            },
            Command::Approve | Command::Decline | Command::MarkForReview => {
                self.decide(&mut t, &command, now)
            }
            Command::AddTag(tag) => {
                if !t.inquiry.tags.contains(tag) {
                    t.inquiry.tags.push(tag.clone());
                }
                self.log(&mut t, EventName::InquiryUpdated)
            }
            Command::RemoveTag(tag) => {
                t.inquiry.tags.retain(|t| t != tag);
                self.log(&mut t, EventName::InquiryUpdated)
            }
            Command::Redact => self.redact(&mut t, now),
        };
        if !legal {
            return Err(InquiryError::IllegalTransition {
                from: self.status,
                action: command.name(),
            });
        }
        Ok(t)
    }

    /// Adds this inquiry's event `name` to `t`; always `true` (the command was legal).
    fn log(&self, t: &mut Transition, name: EventName) -> bool {
        t.events.push(self.event(name));
        true
    }

    /// created → pending.
    fn start(&self, t: &mut Transition, now: Millis) -> bool {
        t.inquiry.status = InquiryStatus::Pending;
        t.inquiry.started_at = Some(now);
        self.log(t, EventName::InquiryStarted)
    }

    /// The flow moved to `to_step` (having submitted `submitted`); the first move starts it.
    fn move_to(
        &self,
        t: &mut Transition,
        to_step: &str,
        submitted: Option<&str>,
        now: Millis,
    ) -> bool {
        if let Some(step) = submitted {
            if !t.inquiry.completed_steps.iter().any(|s| s == step) {
                t.inquiry.completed_steps.push(step.to_owned());
            }
        }
        if self.status == InquiryStatus::Created {
            self.start(t, now);
        }
        t.inquiry.current_step = Some(to_step.to_owned());
        self.log(t, EventName::InquiryTransitioned)
    }

    /// The individual's part ends: completed, failed or expired.
    fn end(&self, t: &mut Transition, status: InquiryStatus, now: Millis) -> bool {
        t.inquiry.status = status;
        let (at, name) = match status {
            InquiryStatus::Completed => (&mut t.inquiry.completed_at, EventName::InquiryCompleted),
            InquiryStatus::Failed => (&mut t.inquiry.failed_at, EventName::InquiryFailed),
            _ => (&mut t.inquiry.expired_at, EventName::InquiryExpired),
        };
        *at = Some(now);
        self.log(t, name)
    }

    /// A new session (an expired inquiry becomes pending again, with a fresh expiry).
    fn resume(
        &self,
        t: &mut Transition,
        session: &NewSession,
        now: Millis,
    ) -> Result<(), InquiryError> {
        if self.status == InquiryStatus::Expired {
            let next = &mut t.inquiry;
            next.status = InquiryStatus::Pending;
            next.expired_at = None;
            next.started_at.get_or_insert(now);
            next.expires_at = now + ttl_ms(self.ttl_seconds);
            self.log(t, EventName::InquiryResumed);
        }
        if session.replaces.is_none() {
            if self.session_count >= MAX_SESSIONS_PER_INQUIRY {
                return Err(InquiryError::TooManySessions);
            }
            t.inquiry.session_count += 1;
        }
        let expires_at = match session.max_lifetime_ms {
            Some(lifetime) => (now + lifetime).min(t.inquiry.expires_at),
            None => t.inquiry.expires_at,
        };
        t.new_session = Some(InquirySession {
            id: session.id.clone(),
            inquiry_id: self.id.clone(),
            status: SessionStatus::Active,
            token_hash: session.token_hash.clone(),
            created_at: now,
            expires_at,
            device_handoff_method: session.handoff,
            anonymous: session.anonymous,
        });
        t.events.push(EventDraft::about(
            EventName::SessionStarted,
            &session.id,
            &self.id,
        ));
        Ok(())
    }

    /// A decision on a finished inquiry: approve, decline, or mark for review.
    fn decide(&self, t: &mut Transition, command: &Command, now: Millis) -> bool {
        use InquiryStatus::*;
        let (allowed, status, name) = match command {
            Command::Approve => (
                matches!(self.status, Completed | Failed | NeedsReview),
                Approved,
                EventName::InquiryApproved,
            ),
            Command::Decline => (
                matches!(self.status, Completed | Failed | NeedsReview),
                Declined,
                EventName::InquiryDeclined,
            ),
            _ => (
                matches!(self.status, Completed | Failed),
                NeedsReview,
                EventName::InquiryMarkedForReview,
            ),
        };
        if !allowed {
            return false;
        }
        t.inquiry.status = status;
        t.inquiry.decisioned_at = Some(now);
        self.log(t, name)
    }

    /// Personal data goes (field values, the note); the skeleton stays. Allowed in every
    /// state, and final.
    fn redact(&self, t: &mut Transition, now: Millis) -> bool {
        for value in t.inquiry.fields.values_mut() {
            value.value = serde_json::Value::Null;
        }
        t.inquiry.note = None;
        t.inquiry.redacted_at = Some(now);
        self.log(t, EventName::InquiryRedacted)
    }

    fn unchanged(&self) -> Transition {
        Transition {
            inquiry: self.clone(),
            events: Vec::new(),
            new_session: None,
        }
    }
}

fn ttl_ms(seconds: u64) -> Millis {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
}

#[cfg(test)]
mod tests;
