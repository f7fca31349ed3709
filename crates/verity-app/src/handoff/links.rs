//! Creating, withdrawing and reading one-time links: the domain decides
//! (`Inquiry::apply(Resume)` draws the phone's session), and the session, the link and
//! their events commit in one transaction. Shared by the flow and the REST API.

use verity_core::handoff::{link_expiry, phase, LinkStatus, OneTimeLink, Phase, CODE_PREFIX};
use verity_core::id::{InquiryId, SessionId};
use verity_core::inquiry::{Command, Inquiry, InquiryError, InquiryStatus};
use verity_core::session::{HandoffMethod, SessionStatus};
use verity_core::token;
use verity_core::Millis;
use verity_store::HandoffWrite;

use crate::change::{change, Plan};
use crate::inquiries::{definition_of, load, new_session};
use crate::{App, AppError};

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
    app: &App,
    id: &InquiryId,
    method: HandoffMethod,
    ttl_ms: Millis,
) -> Result<CreatedLink, AppError> {
    let code = token::generate(CODE_PREFIX, &mut rand::rngs::OsRng);
    let code_hash = &code.hash;
    let changed = change(app, id, |current, now| async move {
        if current.redacted_at.is_some() {
            return Err(InquiryError::Redacted.into());
        }
        if !matches!(
            current.status,
            InquiryStatus::Created | InquiryStatus::Pending
        ) {
            return Err(AppError::Conflict(format!(
                "cannot make a one-time link for an inquiry whose status is {}",
                current.status
            )));
        }
        // The phone's token is drawn when the link is opened; until then the session
        // holds the hash of a secret nobody ever sees.
        let placeholder = token::generate("vst_", &mut rand::rngs::OsRng);
        let mut session = new_session(Some(method), None);
        session.token_hash = placeholder.hash;
        let session_id = session.id.clone();
        let command = Command::Resume(session);
        let expires = current.apply(command.clone(), now)?.inquiry.expires_at;
        let made = OneTimeLink {
            session_id,
            inquiry_id: id.clone(),
            code_hash: code_hash.clone(),
            method,
            status: LinkStatus::Sent,
            step: current.current_step.clone().unwrap_or_default(),
            created_at: now,
            expires_at: link_expiry(now, ttl_ms, expires),
            opened_at: None,
        };
        let mut plan = Plan::command(command);
        plan.writes.handoff.push(HandoffWrite::Insert(made.clone()));
        Ok(Some((plan, made)))
    })
    .await?;
    let link = changed
        .decided
        .ok_or_else(|| anyhow::anyhow!("no link was made"))?;
    Ok(CreatedLink {
        link,
        url: format!("{}/verify?code={}", app.config.public_url, code.plaintext),
        inquiry: changed.inquiry,
    })
}

/// Withdraws `link` and ends its session (the desktop continues itself, or a message could
/// not be sent). Idempotent.
pub async fn cancel(app: &App, link: &OneTimeLink) -> Result<(), AppError> {
    change(app, &link.inquiry_id, |_, _| async move {
        let session = app
            .store
            .sessions_for_inquiry(&link.inquiry_id)
            .await?
            .into_iter()
            .find(|s| s.id == link.session_id);
        let mut plan = Plan::default();
        plan.writes
            .handoff
            .push(HandoffWrite::Cancel(link.session_id.clone()));
        if let Some(ended) = session.and_then(|s| s.end(SessionStatus::Canceled)) {
            plan.end_session(ended);
        }
        plan.go()
    })
    .await?;
    Ok(())
}

/// The link of session `session` if it belongs to inquiry `id`.
pub async fn of_inquiry(app: &App, id: &InquiryId, session: &str) -> Result<OneTimeLink, AppError> {
    let session_id = SessionId::parse(session)?;
    app.store
        .one_time_link(&session_id)
        .await?
        .filter(|l| &l.inquiry_id == id)
        .ok_or_else(|| AppError::not_found("one-time link", session))
}

/// The link of `session` and the phase of its hand-off, as the desktop sees it.
pub async fn status(
    app: &App,
    id: &InquiryId,
    session: &str,
) -> Result<(OneTimeLink, Phase), AppError> {
    let link = of_inquiry(app, id, session).await?;
    let inquiry = load(app, id).await?;
    let definition = definition_of(app, &inquiry).await?;
    let phase = phase(
        &link,
        inquiry.status,
        inquiry.current_step.as_deref(),
        &definition,
        app.now(),
    );
    Ok((link, phase))
}

/// Bounds of the REST API's `expires-in-seconds`.
pub const API_TTL_SECONDS: std::ops::RangeInclusive<i64> = 1..=7 * 24 * 3600;

/// A link the integrator delivers itself (`device-handoff-method` = `api`), living
/// `expires_in_seconds` or the configured lifetime.
pub async fn create_for_api(
    app: &App,
    id: &InquiryId,
    expires_in_seconds: Option<i64>,
) -> Result<CreatedLink, AppError> {
    let ttl_ms = match expires_in_seconds {
        None => app.handoff.link_ttl_ms,
        Some(s) if API_TTL_SECONDS.contains(&s) => s * 1000,
        Some(_) => {
            return Err(AppError::invalid(
                "expires-in-seconds",
                format!(
                    "must be between {} and {}",
                    API_TTL_SECONDS.start(),
                    API_TTL_SECONDS.end()
                ),
            ))
        }
    };
    create(app, id, HandoffMethod::Api, ttl_ms).await
}
