//! Decisions on a finished inquiry — approve, decline, mark for review — by an operator or
//! an API key, with an optional reason (the console requires one). Through the one change
//! path ([`crate::change`]): the event's payload carries `meta.reason` and `meta.actor`,
//! so does its webhook, and the audit record commits with the decision (docs/console.md §4).

use serde_json::json;
use verity_core::audit::AuditAction;
use verity_core::id::InquiryId;
use verity_core::inquiry::Command;

use crate::audit::Requester;
use crate::change::{change, Changed, Plan};
use crate::{App, AppError};

/// Longest reason kept, in characters.
pub const MAX_REASON_LEN: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Decline,
    MarkForReview,
}

impl Verdict {
    fn command(self) -> Command {
        match self {
            Verdict::Approve => Command::Approve,
            Verdict::Decline => Command::Decline,
            Verdict::MarkForReview => Command::MarkForReview,
        }
    }

    fn audit_action(self) -> AuditAction {
        match self {
            Verdict::Approve => AuditAction::Approved,
            Verdict::Decline => AuditAction::Declined,
            Verdict::MarkForReview => AuditAction::MarkedForReview,
        }
    }
}

/// Trimmed; `None` when empty. Refused when longer than [`MAX_REASON_LEN`].
pub fn clean_reason(reason: Option<&str>) -> Result<Option<String>, AppError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_LEN) {
        return Err(AppError::invalid(
            "reason",
            format!("a reason has at most {MAX_REASON_LEN} characters"),
        ));
    }
    Ok(reason.map(str::to_owned))
}

/// Applies `verdict` to inquiry `id` for `who`, with `reason`.
pub async fn decide(
    app: &App,
    id: &InquiryId,
    verdict: Verdict,
    reason: Option<&str>,
    who: &Requester,
) -> Result<Changed, AppError> {
    let reason = clean_reason(reason)?;
    let meta = json!({
        "reason": reason,
        "actor": {"kind": who.actor.kind(), "id": who.actor.id()},
    });
    change(app, id, |_, _| {
        let record = who.record(app, verdict.audit_action(), Some(id), reason.clone());
        let mut plan = Plan::command(verdict.command());
        plan.meta = Some(meta.clone());
        plan.writes.audit.push(record);
        async move { plan.go() }
    })
    .await
}
