//! Creating and withdrawing one-time links: the domain decides (`Inquiry::apply(Resume)`
//! draws the phone's session), the store commits the session, the link and their events
//! in one transaction. Shared by the flow and the REST API.

use rand::rngs::OsRng;
use serde_json::json;
use verity_core::event::EventName;
use verity_core::handoff::{link_expiry, LinkStatus, OneTimeLink, CODE_PREFIX};
use verity_core::id::{EventId, InquiryId, SessionId};
use verity_core::inquiry::{Command, Inquiry, InquiryStatus};
use verity_core::session::{HandoffMethod, SessionStatus};
use verity_core::token;
use verity_core::Millis;
use verity_store::{Change, HandoffWrite, InquiryWrite, NewEvent, StoreError};

use crate::error::ApiError;
use crate::resource;
use crate::service::inquiries as service;
use crate::state::AppState;

/// A link just made: the code is in `url` only, shown once.
pub struct CreatedLink {
    pub link: OneTimeLink,
    pub url: String,
    pub inquiry: Inquiry,
}

/// Makes a link to inquiry `id` for `method`, living `ttl_ms` (capped by the inquiry's
/// expiry). Only open inquiries (`created`, `pending`) get links: a link never revives an
/// expired one.
pub async fn create(
    state: &AppState,
    id: &InquiryId,
    method: HandoffMethod,
    ttl_ms: Millis,
) -> Result<CreatedLink, ApiError> {
    const ATTEMPTS: u32 = 16;
    for _ in 0..ATTEMPTS {
        let current = state
            .store
            .inquiry(id)
            .await?
            .ok_or_else(|| ApiError::not_found("inquiry", id.as_str()))?;
        if !matches!(
            current.status,
            InquiryStatus::Created | InquiryStatus::Pending
        ) {
            return Err(ApiError::Conflict(format!(
                "cannot make a one-time link for an inquiry whose status is {}",
                current.status
            )));
        }
        let code = token::generate(CODE_PREFIX, &mut OsRng);
        // The phone's token is drawn when the link is opened; until then the session
        // holds the hash of a secret nobody ever sees.
        let placeholder = token::generate("vst_", &mut OsRng);
        let mut session = service::new_session(Some(method), None);
        session.token_hash = placeholder.hash;
        let session_id = session.id.clone();
        let now = state.now();
        let transition = current.apply(Command::Resume(session), now)?;
        let link = OneTimeLink {
            session_id,
            inquiry_id: id.clone(),
            code_hash: code.hash,
            method,
            status: LinkStatus::Sent,
            step: current.current_step.clone().unwrap_or_default(),
            created_at: now,
            expires_at: link_expiry(now, ttl_ms, transition.inquiry.expires_at),
            opened_at: None,
        };
        let change = Change {
            events: service::events_for(&transition, &[], now),
            new_session: transition.new_session.clone(),
            inquiry: Some(InquiryWrite::Update {
                inquiry: transition.inquiry.clone(),
                expected_revision: current.revision,
            }),
            handoff: vec![HandoffWrite::Insert(link.clone())],
            ..Change::default()
        };
        match state.store.commit(change).await {
            Ok(committed) => {
                let url = format!("{}/verify?code={}", state.config.public_url, code.plaintext);
                return Ok(CreatedLink {
                    link,
                    url,
                    inquiry: committed.inquiry.unwrap_or(transition.inquiry),
                });
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(
        "the inquiry is being changed by many requests at once; retry".into(),
    ))
}

/// Withdraws the link of session `session_id` and ends that session (the desktop
/// continues itself, or a message could not be sent). Idempotent.
pub async fn cancel(state: &AppState, link: &OneTimeLink) -> Result<(), ApiError> {
    let session = state
        .store
        .sessions_for_inquiry(&link.inquiry_id)
        .await?
        .into_iter()
        .find(|s| s.id == link.session_id);
    let mut change = Change {
        handoff: vec![HandoffWrite::Cancel(link.session_id.clone())],
        ..Change::default()
    };
    if let Some(mut session) = session.filter(|s| s.status == SessionStatus::Active) {
        session.status = SessionStatus::Canceled;
        change.session_updates = vec![(session.id.clone(), SessionStatus::Canceled)];
        change.events = vec![NewEvent {
            id: EventId::generate(&mut OsRng),
            name: EventName::SessionCanceled,
            subject_id: session.id.to_string(),
            inquiry_id: Some(link.inquiry_id.clone()),
            created_at: state.now(),
            payload: json!({ "data": resource::session(&session) }),
        }];
    }
    state.store.commit(change).await?;
    Ok(())
}

/// The link of session `session` if it belongs to inquiry `id`.
pub async fn of_inquiry(
    state: &AppState,
    id: &InquiryId,
    session: &str,
) -> Result<OneTimeLink, ApiError> {
    let session_id = SessionId::parse(session)?;
    state
        .store
        .one_time_link(&session_id)
        .await?
        .filter(|l| &l.inquiry_id == id)
        .ok_or_else(|| ApiError::not_found("one-time link", session))
}
