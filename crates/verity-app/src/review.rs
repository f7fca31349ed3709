//! An operator's review tools beside the decision (docs/console.md §4): tags, comments and
//! redaction. Each goes through the one change path ([`crate::change`]) with its audit
//! record in the same commit, so nothing is changed without its record and a comment
//! cannot land on an inquiry redacted in the meantime (the revision check re-reads it).

use rand::rngs::OsRng;
use serde_json::json;
use verity_core::audit::AuditAction;
use verity_core::id::{CommentId, InquiryId};
use verity_core::inquiry::{Command, Inquiry, InquiryError};
use verity_store::Comment;

use crate::audit::Requester;
use crate::change::{change, Changed, Plan};
use crate::{App, AppError};

/// Longest tag, in characters (the same bound as a workflow's `add-tag`).
pub const MAX_TAG_LEN: usize = 64;
/// Longest comment, in characters.
pub const MAX_COMMENT_LEN: usize = 4000;

/// Trimmed; refused when empty, longer than [`MAX_TAG_LEN`], or holding a `|` or a
/// control character (the store lists tags between `|`).
pub fn clean_tag(tag: &str) -> Result<String, AppError> {
    let tag = tag.trim();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN {
        return Err(AppError::invalid(
            "tag",
            format!("a tag has 1 to {MAX_TAG_LEN} characters"),
        ));
    }
    if tag.chars().any(|c| c == '|' || c.is_control()) {
        return Err(AppError::invalid(
            "tag",
            "a tag holds no `|` and no control character",
        ));
    }
    Ok(tag.to_owned())
}

/// Adds (`add`) or removes a tag, with an `inquiry.tagged` or `inquiry.untagged` record
/// whose detail is the tag. The `inquiry.updated` event names the actor in `meta`.
pub async fn tag(
    app: &App,
    id: &InquiryId,
    tag: &str,
    add: bool,
    who: &Requester,
) -> Result<Changed, AppError> {
    let tag = clean_tag(tag)?;
    let (command, action) = if add {
        (Command::AddTag(tag.clone()), AuditAction::Tagged)
    } else {
        (Command::RemoveTag(tag.clone()), AuditAction::Untagged)
    };
    let meta = json!({"actor": {"kind": who.actor.kind(), "id": who.actor.id()}});
    change(app, id, |_, _| {
        let mut plan = Plan::command(command.clone());
        plan.meta = Some(meta.clone());
        plan.writes.audit = vec![who.record(app, action, Some(id), Some(tag.clone()))];
        async move { plan.go() }
    })
    .await
}

/// Adds a comment by `who` (an operator: its email is the author). The audit record's
/// detail is the comment's id, never its text (a record outlives a redaction).
pub async fn comment(
    app: &App,
    id: &InquiryId,
    body: &str,
    who: &Requester,
) -> Result<Changed<CommentId>, AppError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_COMMENT_LEN {
        return Err(AppError::invalid(
            "body",
            format!("a comment has 1 to {MAX_COMMENT_LEN} characters"),
        ));
    }
    change(app, id, |current: Inquiry, now| {
        let decision = if current.redacted_at.is_some() {
            Err(InquiryError::Redacted.into())
        } else {
            let comment = Comment {
                id: CommentId::generate(&mut OsRng),
                inquiry_id: id.clone(),
                author: who.actor.id().to_owned(),
                body: body.to_owned(),
                created_at: now,
            };
            let record = who.record(
                app,
                AuditAction::Commented,
                Some(id),
                Some(comment.id.to_string()),
            );
            let comment_id = comment.id.clone();
            let mut plan = Plan::default();
            plan.writes.comments = vec![comment];
            plan.writes.audit = vec![record];
            Ok(Some((plan, comment_id)))
        };
        async move { decision }
    })
    .await
}

/// Redacts inquiry `id` for `who`, its `inquiry.redacted` record in the same commit, then
/// checkpoints (see [`crate::inquiries`]). Redacting a redacted inquiry is refused
/// (`Conflict`), so every record stands for an erasure that happened.
pub async fn redact(app: &App, id: &InquiryId, who: &Requester) -> Result<Changed, AppError> {
    let changed = change(app, id, |current: Inquiry, _| {
        let decision = if current.redacted_at.is_some() {
            Err(InquiryError::Redacted.into())
        } else {
            let mut plan = Plan::command(Command::Redact);
            plan.writes.audit = vec![who.record(app, AuditAction::Redacted, Some(id), None)];
            plan.go()
        };
        async move { decision }
    })
    .await?;
    crate::inquiries::checkpoint(app).await;
    Ok(changed)
}
