//! Inquiry sessions as the flow uses them: which session a token authorises, opening an
//! inquiry (docs/contract.md §5), and leaving it (`cancel`).

use verity_core::id::InquiryId;
use verity_core::inquiry::{Command, Inquiry, InquiryStatus};
use verity_core::session::{InquirySession, SessionStatus};
use verity_core::token;

use crate::change::{change, Plan};
use crate::inquiries::{self, new_session};
use crate::{App, AppError};

/// The session presenting `token`, if it is usable for inquiry `id` now.
pub async fn authorise(
    app: &App,
    id: &InquiryId,
    token: Option<&str>,
) -> Result<InquirySession, AppError> {
    let token = token.ok_or(AppError::Unauthenticated("a session token is required"))?;
    let session = app.store.session_by_token_hash(&token::hash(token)).await?;
    match session {
        Some(s) if &s.inquiry_id == id && s.is_usable(app.now()) => Ok(s),
        _ => Err(AppError::Unauthenticated(
            "the session token is invalid or expired",
        )),
    }
}

/// Opens inquiry `id` in the flow. With a token, it must be a usable session of this inquiry
/// (whatever the inquiry's status) and is kept; without one, only an inquiry still `created`
/// may be opened, and gets its first session. Returns the inquiry and the token to use.
pub async fn open(
    app: &App,
    id: &InquiryId,
    token: Option<String>,
) -> Result<(Inquiry, String), AppError> {
    let inquiry = inquiries::load(app, id).await?;
    match token {
        Some(token) => {
            authorise(app, id, Some(&token)).await?;
            Ok((inquiry, token))
        }
        None if inquiry.status == InquiryStatus::Created => open_anonymously(app, id).await,
        None => Err(AppError::Unauthenticated(
            "this inquiry has started: resuming it needs its session token",
        )),
    }
}

/// A token-less open of a `created` inquiry: a new anonymous session that replaces (ends,
/// in the same commit) the anonymous session before it, so however often anyone who knows
/// the inquiry's id opens it, the sessions the API or a hand-off issued are never crowded
/// out of the cap (docs/contract.md §5).
async fn open_anonymously(app: &App, id: &InquiryId) -> Result<(Inquiry, String), AppError> {
    let changed = change(app, id, |_, now| async move {
        let previous = app
            .store
            .sessions_for_inquiry(id)
            .await?
            .into_iter()
            .find(|s| s.anonymous && s.is_usable(now));
        let mut session = new_session(None, None);
        session.anonymous = true;
        session.replaces = previous.as_ref().map(|s| s.id.clone());
        let mut plan = Plan::command(Command::Resume(session));
        if let Some(previous) = previous {
            cancel_in(&mut plan, &previous);
        }
        plan.go()
    })
    .await?;
    let token = changed
        .session
        .map(|(_, token)| token)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("open returned no session")))?;
    Ok((changed.inquiry, token))
}

/// The individual leaves: `session` ends and a new session is drawn whose token the host
/// page keeps to resume later (docs/contract.md §2, `onCancel`), in one commit.
pub async fn cancel(
    app: &App,
    id: &InquiryId,
    session: &InquirySession,
) -> Result<(Inquiry, String), AppError> {
    let changed = change(app, id, |_, _| async move {
        let mut plan = Plan::command(Command::Resume(new_session(None, None)));
        cancel_in(&mut plan, session);
        plan.go()
    })
    .await?;
    let token = changed
        .session
        .map(|(_, token)| token)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("resume returned no session")))?;
    Ok((changed.inquiry, token))
}

/// Ends `session` (canceled) inside `plan`: its status write and its event, in the same
/// commit as whatever replaces it. A session already ended adds nothing.
fn cancel_in(plan: &mut Plan, session: &InquirySession) {
    if let Some(ended) = session.end(SessionStatus::Canceled) {
        plan.end_session(ended);
    }
}
