//! Creating inquiries and the REST API's use cases on them: update fields, resume, expire,
//! decide, redact. Every change goes through [`crate::change::change`].

use rand::rngs::OsRng;
use serde_json::{Map, Value};
use verity_core::field::FieldSchema;
use verity_core::id::{AccountId, InquiryId, InquiryTemplateVersionId, SessionId, TemplateId};
use verity_core::inquiry::{Command, Inquiry, NewInquiry, NewSession};
use verity_core::session::HandoffMethod;
use verity_core::template::{Template, TemplateDefinition, TemplateStatus, TemplateVersion};
use verity_store::AccountLink;

use crate::change::{change, Changed, Created, Plan};
use crate::error::TemplateProblem;
use crate::{App, AppError};

/// Which template an inquiry is created from.
#[derive(Debug, Clone)]
pub enum TemplateRef {
    Template(TemplateId),
    Version(InquiryTemplateVersionId),
}

/// Why a template reference does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateRefError {
    #[error("give only one of a template id and a template version id")]
    Both,
    #[error(transparent)]
    Template(verity_core::IdError),
    #[error(transparent)]
    Version(verity_core::IdError),
}

impl TemplateRef {
    /// The one parser of template references, shared by the REST API, the flow API and the
    /// widget query: at most one of a template id (`itmpl_…`, `tmpl_…`) and a template
    /// version id (`itmplv_…`). `Ok(None)` when neither is given.
    pub fn parse(
        template_id: Option<&str>,
        version_id: Option<&str>,
    ) -> Result<Option<TemplateRef>, TemplateRefError> {
        match (template_id, version_id) {
            (Some(_), Some(_)) => Err(TemplateRefError::Both),
            (Some(t), None) => TemplateId::parse(t)
                .map(|id| Some(TemplateRef::Template(id)))
                .map_err(TemplateRefError::Template),
            (None, Some(v)) => InquiryTemplateVersionId::parse(v)
                .map(|id| Some(TemplateRef::Version(id)))
                .map_err(TemplateRefError::Version),
            (None, None) => Ok(None),
        }
    }
}

impl std::fmt::Display for TemplateRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateRef::Template(id) => id.fmt(f),
            TemplateRef::Version(v) => v.fmt(f),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CreateInquiry {
    pub template: Option<TemplateRef>,
    pub reference_id: Option<String>,
    pub account_id: Option<AccountId>,
    pub fields: Map<String, Value>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    /// Records the answer of a claimed `Idempotency-Key` in the create's own commit.
    pub idempotency: Option<crate::idempotency::Responder>,
}

/// Finds the template and version an inquiry would use.
pub async fn resolve_template(
    app: &App,
    r: &TemplateRef,
) -> Result<Result<(Template, TemplateVersion), TemplateProblem>, AppError> {
    let (template, version_id) = match r {
        TemplateRef::Template(id) => (app.store.template(id).await?, None),
        TemplateRef::Version(v) => (app.store.template_by_version(v).await?, Some(v)),
    };
    let shown = r.to_string();
    let Some(template) = template else {
        return Ok(Err(TemplateProblem::Unknown(shown)));
    };
    if template.status != TemplateStatus::Active {
        return Ok(Err(TemplateProblem::Inactive(shown)));
    }
    let version = match version_id {
        Some(v) => template.version(v).cloned(),
        None => template.latest_version().cloned(),
    };
    match version {
        Some(version) => Ok(Ok((template, version))),
        None => Ok(Err(TemplateProblem::Unpublished(shown))),
    }
}

/// Creates an inquiry (status `created`) with its `inquiry.created` event, finding or
/// creating the account by reference id, in one transaction.
pub async fn create(app: &App, req: CreateInquiry) -> Result<Inquiry, AppError> {
    let template_ref = req.template.clone().ok_or_else(|| {
        AppError::invalid(
            "inquiry-template-id",
            "give inquiry-template-id, template-id or inquiry-template-version-id",
        )
    })?;
    let (template, version) = resolve_template(app, &template_ref)
        .await?
        .map_err(AppError::Template)?;
    if let Some(account_id) = &req.account_id {
        if app.store.account(account_id).await?.is_none() {
            return Err(AppError::invalid(
                "account-id",
                format!("no account with id `{account_id}`"),
            ));
        }
    }
    let now = app.now();
    let transition = Inquiry::create(
        NewInquiry {
            id: InquiryId::generate(&mut OsRng),
            template_id: template.id.clone(),
            template_version_id: version.id.clone(),
            schema: version.definition.fields.clone(),
            fields: req.fields,
            reference_id: req.reference_id.clone(),
            account_id: req.account_id.clone(),
            note: req.note,
            tags: req.tags,
            ttl_seconds: version.definition.inquiry_ttl_seconds,
        },
        now,
    )?;
    let account = match (&req.account_id, &req.reference_id) {
        (None, Some(reference_id)) => Some(account_link(app, reference_id).await?),
        _ => None,
    };
    crate::change::insert(
        app,
        Created {
            transition,
            account,
            idempotency: req.idempotency,
        },
    )
    .await
}

/// The store finds or creates the account by `reference_id` in the commit; the id it
/// will have is predicted so the `inquiry.created` payload names it (a concurrent first
/// use of the same reference id elsewhere can make the prediction stale, never the
/// stored row).
async fn account_link(app: &App, reference_id: &str) -> Result<(AccountLink, AccountId), AppError> {
    let page = verity_store::PageRequest {
        size: 1,
        ..Default::default()
    };
    let existing = app
        .store
        .list_accounts(Some(reference_id), &page)
        .await?
        .items
        .into_iter()
        .next();
    let new_id = AccountId::generate(&mut OsRng);
    let named = existing.map_or_else(|| new_id.clone(), |a| a.id);
    let link = AccountLink {
        reference_id: reference_id.to_owned(),
        new_id,
    };
    Ok((link, named))
}

/// A fresh session for `resume`: its token is drawn by [`crate::change::change`].
pub fn new_session(handoff: Option<HandoffMethod>, max_lifetime_ms: Option<i64>) -> NewSession {
    NewSession {
        id: SessionId::generate(&mut OsRng),
        token_hash: String::new(),
        handoff,
        max_lifetime_ms,
        anonymous: false,
        replaces: None,
    }
}

/// The state-changing actions of the REST API that take no input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Resume,
    Expire,
    Approve,
    Decline,
    MarkForReview,
    Redact,
}

impl Action {
    fn command(self) -> Command {
        match self {
            Action::Resume => Command::Resume(new_session(None, None)),
            Action::Expire => Command::Expire,
            Action::Approve => Command::Approve,
            Action::Decline => Command::Decline,
            Action::MarkForReview => Command::MarkForReview,
            Action::Redact => Command::Redact,
        }
    }
}

/// Applies `action` to inquiry `id`. `Resume` answers with the new session and its token.
pub async fn act(app: &App, id: &InquiryId, action: Action) -> Result<Changed, AppError> {
    if action == Action::Redact {
        return redact(app, id).await;
    }
    change(app, id, |_, _| async move {
        Plan::command(action.command()).go()
    })
    .await
}

/// Redacts inquiry `id`. Erasure is idempotent: redacting a redacted inquiry answers it as
/// it is. Afterwards the SQLite write-ahead log is checkpointed (the database runs with
/// `secure_delete`), so the erased values and images leave the files, not only the rows.
async fn redact(app: &App, id: &InquiryId) -> Result<Changed, AppError> {
    let changed = redact_if(app, id, |_| true).await?;
    checkpoint(app).await;
    Ok(changed)
}

/// Redacts inquiry `id` if `due` holds for it as read (and re-read after a conflict), without
/// the checkpoint: a caller redacting many checkpoints once ([`checkpoint`]). `decided` is
/// `Some` when this call redacted it.
pub(crate) async fn redact_if<F>(app: &App, id: &InquiryId, due: F) -> Result<Changed, AppError>
where
    F: Fn(&Inquiry) -> bool + Sync,
{
    change(app, id, |current, _| {
        let go = current.redacted_at.is_none() && due(&current);
        async move {
            if !go {
                return Ok(None);
            }
            Plan::command(Command::Redact).go()
        }
    })
    .await
}

/// Checkpoints the SQLite write-ahead log after redactions, retrying while readers hold it.
pub(crate) async fn checkpoint(app: &App) {
    for attempt in 0..5u64 {
        match app.store.checkpoint().await {
            Ok(true) => break,
            Ok(false) => tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await,
            Err(e) => {
                tracing::warn!(error = %e, "checkpoint after a redaction failed");
                break;
            }
        }
    }
}

/// Draws a first (or another) session for inquiry `id`; the token is shown once.
pub async fn start_session(app: &App, id: &InquiryId) -> Result<(Inquiry, String), AppError> {
    let changed = act(app, id, Action::Resume).await?;
    let token = changed
        .session
        .map(|(_, token)| token)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("resume returned no session")))?;
    Ok((changed.inquiry, token))
}

/// Merges raw field values, checked against the inquiry's schema.
pub async fn update_fields(
    app: &App,
    id: &InquiryId,
    raw: &Map<String, Value>,
) -> Result<Inquiry, AppError> {
    let schema = schema_of(app, id).await?;
    let values = schema
        .coerce_all(raw)
        .map_err(verity_core::inquiry::InquiryError::Fields)?;
    let values = &values;
    let changed = change(app, id, |_, _| async move {
        Plan::command(Command::UpdateFields(values.clone())).go()
    })
    .await?;
    Ok(changed.inquiry)
}

/// Reads inquiry `id` or says it does not exist.
pub async fn load(app: &App, id: &InquiryId) -> Result<Inquiry, AppError> {
    app.store
        .inquiry(id)
        .await?
        .ok_or_else(|| AppError::not_found("inquiry", id))
}

/// The definition of the template version `inquiry` was created from.
pub async fn definition_of(app: &App, inquiry: &Inquiry) -> Result<TemplateDefinition, AppError> {
    app.store
        .template_by_version(&inquiry.template_version_id)
        .await?
        .and_then(|t| {
            t.version(&inquiry.template_version_id)
                .map(|v| v.definition.clone())
        })
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "template version of {} is missing",
                inquiry.id
            ))
        })
}

/// The field schema of the template version an inquiry was created from.
pub async fn schema_of(app: &App, id: &InquiryId) -> Result<FieldSchema, AppError> {
    let inquiry = load(app, id).await?;
    Ok(definition_of(app, &inquiry).await?.fields)
}
