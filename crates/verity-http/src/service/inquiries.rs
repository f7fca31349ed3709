//! Creating inquiries and applying commands to them.

use rand::rngs::OsRng;
use serde_json::{json, Map, Value};
use verity_core::event::{EventDraft, EventName};
use verity_core::id::{
    AccountId, EventId, InquiryId, InquiryTemplateVersionId, SessionId, TemplateId,
};
use verity_core::inquiry::{Command, Inquiry, InquiryStatus, NewInquiry, NewSession, Transition};
use verity_core::session::{HandoffMethod, InquirySession, SessionStatus};
use verity_core::template::{Template, TemplateStatus, TemplateVersion};
use verity_core::token;
use verity_store::{AccountLink, Change, InquiryWrite, NewEvent, StoreError};

use crate::error::ApiError;
use crate::resource;
use crate::state::AppState;

/// How many times a command is re-applied when another writer changed the inquiry first.
const MAX_CONFLICT_RETRIES: u32 = 32;

/// Which template an inquiry is created from.
#[derive(Debug, Clone)]
pub enum TemplateRef {
    Template(TemplateId),
    Version(InquiryTemplateVersionId),
}

#[derive(Debug, Clone, Default)]
pub struct CreateInquiry {
    pub template: Option<TemplateRef>,
    pub reference_id: Option<String>,
    pub account_id: Option<AccountId>,
    pub fields: Map<String, Value>,
    pub note: Option<String>,
    pub tags: Vec<String>,
}

/// Why a template cannot start an inquiry; the flow maps these to its error codes.
#[derive(Debug, thiserror::Error)]
pub enum TemplateProblem {
    #[error("no template with id `{0}`")]
    Unknown(String),
    #[error("the template `{0}` is inactive")]
    Inactive(String),
    #[error("the template `{0}` has no published version")]
    Unpublished(String),
}

/// Finds the template and version an inquiry would use.
pub async fn resolve_template(
    state: &AppState,
    r: &TemplateRef,
) -> Result<Result<(Template, TemplateVersion), TemplateProblem>, ApiError> {
    let (template, version_id) = match r {
        TemplateRef::Template(id) => (state.store.template(id).await?, None),
        TemplateRef::Version(v) => (state.store.template_by_version(v).await?, Some(v)),
    };
    let shown = match r {
        TemplateRef::Template(id) => id.to_string(),
        TemplateRef::Version(v) => v.to_string(),
    };
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
pub async fn create(state: &AppState, req: CreateInquiry) -> Result<Inquiry, ApiError> {
    let template_ref = req.template.clone().ok_or_else(|| {
        ApiError::invalid(
            "/data/attributes/inquiry-template-id",
            "give inquiry-template-id, template-id or inquiry-template-version-id",
        )
    })?;
    let (template, version) = resolve_template(state, &template_ref)
        .await?
        .map_err(|p| ApiError::invalid("/data/attributes/inquiry-template-id", p.to_string()))?;
    if let Some(account_id) = &req.account_id {
        if state.store.account(account_id).await?.is_none() {
            return Err(ApiError::invalid(
                "/data/attributes/account-id",
                format!("no account with id `{account_id}`"),
            ));
        }
    }
    let now = state.now();
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
    let mut change = Change::default();
    if let (None, Some(reference_id)) = (&req.account_id, &req.reference_id) {
        // The store finds or creates the account in the commit; we predict its id so the
        // `inquiry.created` payload names it (a concurrent first use of the same
        // reference id elsewhere can make the prediction stale, never the stored row).
        let existing = state
            .store
            .list_accounts(
                Some(reference_id),
                &verity_store::PageRequest {
                    size: 1,
                    ..Default::default()
                },
            )
            .await?
            .items
            .into_iter()
            .next();
        let new_id = AccountId::generate(&mut OsRng);
        let predicted = existing.map_or_else(|| new_id.clone(), |a| a.id);
        change.account = Some(AccountLink {
            reference_id: reference_id.clone(),
            new_id,
        });
        let mut rendered = transition.clone();
        rendered.inquiry.account_id = Some(predicted);
        change.events = events_for(&rendered, &[], now);
    } else {
        change.events = events_for(&transition, &[], now);
    }
    change.inquiry = Some(InquiryWrite::Insert(transition.inquiry));
    let committed = state.store.commit(change).await?;
    let stored = committed
        .inquiry
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("commit returned no inquiry")))?;
    Ok(stored)
}

/// What a command produced: the inquiry as stored and, for `resume`, the new session
/// and its token (shown once).
pub struct Applied {
    pub inquiry: Inquiry,
    pub session: Option<(InquirySession, String)>,
}

/// Loads the inquiry, asks `decide` for the command, applies and commits it; repeats
/// when another writer got there first.
pub async fn act<F>(state: &AppState, id: &InquiryId, mut decide: F) -> Result<Applied, ApiError>
where
    F: FnMut(&Inquiry) -> Result<Command, ApiError>,
{
    for attempt in 0..MAX_CONFLICT_RETRIES {
        let current = state
            .store
            .inquiry(id)
            .await?
            .ok_or_else(|| ApiError::not_found("inquiry", id.as_str()))?;
        let command = decide(&current)?;
        let mut token_plaintext = None;
        let command = match command {
            Command::Resume(mut s) => {
                let secret = token::generate("vst_", &mut OsRng);
                s.token_hash = secret.hash;
                token_plaintext = Some(secret.plaintext);
                Command::Resume(s)
            }
            other => other,
        };
        let now = state.now();
        let transition = current.apply(command, now)?;
        let ending_sessions = if transition.inquiry.status == InquiryStatus::Expired
            && current.status != InquiryStatus::Expired
        {
            state
                .store
                .sessions_for_inquiry(id)
                .await?
                .into_iter()
                .filter(|s| s.status == SessionStatus::Active)
                .collect()
        } else {
            Vec::new()
        };
        let mut change = Change {
            events: events_for(&transition, &ending_sessions, now),
            session_updates: ending_sessions
                .iter()
                .map(|s| (s.id.clone(), SessionStatus::Expired))
                .collect(),
            new_session: transition.new_session.clone(),
            ..Change::default()
        };
        if transition.inquiry.redacted_at.is_some() && current.redacted_at.is_none() {
            change.delete_documents_of = Some(id.clone());
        }
        change.inquiry = Some(InquiryWrite::Update {
            inquiry: transition.inquiry.clone(),
            expected_revision: current.revision,
        });
        match state.store.commit(change).await {
            Ok(committed) => {
                let inquiry = committed.inquiry.unwrap_or(transition.inquiry);
                let session = transition.new_session.zip(token_plaintext);
                return Ok(Applied { inquiry, session });
            }
            Err(StoreError::Conflict) => {
                // Back off a little, with jitter, so colliding writers spread out.
                let cap_ms = 1u64 << attempt.min(6);
                let wait = rand::Rng::gen_range(&mut OsRng, 0..=cap_ms);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(
        "the inquiry is being changed by many requests at once; retry".into(),
    ))
}

/// Applies `commands` in order to `current` (as read from the store) and commits the
/// result together with `extra` (verifications, workflow runs, events of other resources,
/// which go first in the log) in one transaction, guarded by `current`'s revision. With no
/// command the inquiry is still written (revision + 1), so concurrent writers that decide
/// from the inquiry's state serialise on it. `Ok(None)`: another writer changed the
/// inquiry first; re-read and decide again.
pub async fn commit_commands(
    state: &AppState,
    current: &Inquiry,
    commands: Vec<Command>,
    mut extra: Change,
) -> Result<Option<Inquiry>, ApiError> {
    let now = state.now();
    let mut next = current.clone();
    for command in commands {
        let transition = next.apply(command, now)?;
        extra.events.extend(events_for(&transition, &[], now));
        next = transition.inquiry;
    }
    extra.inquiry = Some(InquiryWrite::Update {
        inquiry: next.clone(),
        expected_revision: current.revision,
    });
    match state.store.commit(extra).await {
        Ok(committed) => Ok(Some(committed.inquiry.unwrap_or(next))),
        Err(StoreError::Conflict) => {
            let wait = rand::Rng::gen_range(&mut OsRng, 0..=8u64);
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A fresh session for `resume`: the token is drawn in [`act`].
pub fn new_session(handoff: Option<HandoffMethod>, max_lifetime_ms: Option<i64>) -> NewSession {
    NewSession {
        id: SessionId::generate(&mut OsRng),
        token_hash: String::new(),
        handoff,
        max_lifetime_ms,
    }
}

/// The log entries for a transition: each event carries the resource it is about, as
/// the REST API renders it after the change.
pub(crate) fn events_for(
    t: &Transition,
    ending_sessions: &[InquirySession],
    now: i64,
) -> Vec<verity_store::NewEvent> {
    let inquiry_payload = json!({ "data": resource::inquiry(&t.inquiry) });
    let mut events: Vec<NewEvent> = t
        .events
        .iter()
        .map(|draft| {
            let payload = match (&t.new_session, draft.name) {
                (Some(s), EventName::SessionStarted) => json!({ "data": resource::session(s) }),
                _ => inquiry_payload.clone(),
            };
            to_event(draft, payload, now)
        })
        .collect();
    for session in ending_sessions {
        let mut ended = session.clone();
        ended.status = SessionStatus::Expired;
        events.push(to_event(
            &EventDraft {
                name: EventName::SessionExpired,
                subject_id: session.id.to_string(),
                inquiry_id: Some(session.inquiry_id.to_string()),
            },
            json!({ "data": resource::session(&ended) }),
            now,
        ));
    }
    events
}

fn to_event(draft: &EventDraft, payload: Value, now: i64) -> NewEvent {
    NewEvent {
        id: EventId::generate(&mut OsRng),
        name: draft.name,
        subject_id: draft.subject_id.clone(),
        inquiry_id: draft
            .inquiry_id
            .as_deref()
            .and_then(|i| InquiryId::parse(i).ok()),
        created_at: now,
        payload,
    }
}

/// The field schema of the template version an inquiry was created from.
pub async fn schema_of(
    state: &AppState,
    id: &InquiryId,
) -> Result<verity_core::field::FieldSchema, ApiError> {
    let inquiry = state
        .store
        .inquiry(id)
        .await?
        .ok_or_else(|| ApiError::not_found("inquiry", id.as_str()))?;
    let template = state
        .store
        .template_by_version(&inquiry.template_version_id)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("template version of {id} is missing"))
        })?;
    template
        .version(&inquiry.template_version_id)
        .map(|v| v.definition.fields.clone())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("template version of {id} is missing")))
}
