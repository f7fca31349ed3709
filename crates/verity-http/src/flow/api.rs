//! The flow JSON API under `/flow/v1`, called by the flow app. Authorised by the inquiry's
//! session token (`Authorization: Bearer vst_…`), never by an API key. Creating an inquiry
//! from a template is public, as with the vendor's flow.
//!
//! Every change goes through the service layer (`service::inquiries`), so each one commits
//! with its events. Step order is the template version's: submitting step N moves the
//! inquiry to step N+1. An ID or selfie step creates its verification in the same commit
//! (issue 7); moving onto the completion step decides the outcome at once when nothing is
//! left to check, else the checks worker decides it and the flow polls `GET` meanwhile.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use rand::rngs::OsRng;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use verity_core::event::EventName;
use verity_core::id::{
    AccountId, EventId, InquiryId, InquiryTemplateVersionId, TemplateId, VerificationId,
};
use verity_core::inquiry::{Command, Inquiry, InquiryStatus};
use verity_core::session::{InquirySession, SessionStatus};
use verity_core::template::{StepKind, TemplateDefinition};
use verity_core::token;
use verity_core::verification::{Verification, VerificationType};
use verity_store::{Change, NewEvent};

use super::error::FlowError;
use crate::resource;
use crate::service::inquiries::{self as service, CreateInquiry, TemplateProblem, TemplateRef};
use crate::state::AppState;

/// A bearer token, if the request carries one. Its validity is checked against the inquiry
/// in the path by [`authorise`].
pub struct Bearer(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = FlowError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Bearer(None));
        };
        let value = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| FlowError::Unauthenticated("malformed Authorization header".into()))?;
        Ok(Bearer(Some(value.to_owned())))
    }
}

/// The session presenting `token`, if it is usable for inquiry `id` now.
pub(super) async fn authorise(
    state: &AppState,
    id: &InquiryId,
    token: Option<&str>,
) -> Result<InquirySession, FlowError> {
    let token =
        token.ok_or_else(|| FlowError::Unauthenticated("a session token is required".into()))?;
    let session = state
        .store
        .session_by_token_hash(&token::hash(token))
        .await?;
    match session {
        Some(s) if &s.inquiry_id == id && s.is_usable(state.now()) => Ok(s),
        _ => Err(FlowError::Unauthenticated(
            "the session token is invalid or expired".into(),
        )),
    }
}

fn parse_inquiry_id(id: &str) -> Result<InquiryId, FlowError> {
    InquiryId::parse(id).map_err(|e| FlowError::InvalidConfig(e.to_string()))
}

pub(super) async fn definition_of(
    state: &AppState,
    inquiry: &Inquiry,
) -> Result<TemplateDefinition, FlowError> {
    let template = state
        .store
        .template_by_version(&inquiry.template_version_id)
        .await?;
    template
        .and_then(|t| {
            t.version(&inquiry.template_version_id)
                .map(|v| v.definition.clone())
        })
        .ok_or_else(|| {
            FlowError::Application(
                anyhow::anyhow!("template version of {} is missing", inquiry.id).into(),
            )
        })
}

pub(super) async fn load(state: &AppState, id: &InquiryId) -> Result<Inquiry, FlowError> {
    state
        .store
        .inquiry(id)
        .await?
        .ok_or_else(|| FlowError::InvalidConfig(format!("no inquiry with id `{id}`")))
}

/// The flow's view of an inquiry (camelCase; `fields` exactly as the REST API renders them).
pub(super) async fn flow_state(
    state: &AppState,
    inquiry: &Inquiry,
    session_token: Option<&str>,
) -> Result<Value, FlowError> {
    let documents: Vec<Value> = state
        .store
        .documents_for_inquiry(&inquiry.id)
        .await?
        .iter()
        .map(|d| json!({"kind": d.kind, "side": d.side, "idClass": d.id_class, "captureMethod": d.capture_method}))
        .collect();
    let mut body = json!({
        "inquiry": {
            "id": inquiry.id,
            "status": inquiry.status.as_str(),
            "currentStep": inquiry.current_step,
            "completedSteps": inquiry.completed_steps,
            "fields": inquiry.fields,
            "referenceId": inquiry.reference_id,
        },
        "documents": documents,
    });
    if let Some(t) = session_token {
        body["sessionToken"] = json!(t);
    }
    Ok(body)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    template_id: Option<String>,
    template_version_id: Option<String>,
    reference_id: Option<String>,
    account_id: Option<String>,
    #[serde(default)]
    fields: Map<String, Value>,
}

/// `POST /flow/v1/inquiries`: a new inquiry from a template and its first session.
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<CreateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), FlowError> {
    let Json(body) = body.map_err(|e| FlowError::InvalidConfig(e.body_text()))?;
    let bad = |m: String| FlowError::InvalidConfig(m);
    let template = match (&body.template_id, &body.template_version_id) {
        (Some(t), None) => {
            TemplateRef::Template(TemplateId::parse(t).map_err(|e| bad(e.to_string()))?)
        }
        (None, Some(v)) => TemplateRef::Version(
            InquiryTemplateVersionId::parse(v).map_err(|e| bad(e.to_string()))?,
        ),
        _ => {
            return Err(bad(
                "give exactly one of templateId and templateVersionId".into()
            ))
        }
    };
    // Checked here (not only in `service::create`) so an inactive template is its own code.
    if let Err(p) = service::resolve_template(&state, &template).await? {
        return Err(match p {
            TemplateProblem::Inactive(_) => FlowError::InactiveTemplate(p.to_string()),
            other => bad(other.to_string()),
        });
    }
    if body.reference_id.is_some() && body.account_id.is_some() {
        return Err(bad("give only one of referenceId and accountId".into()));
    }
    let account_id = body
        .account_id
        .as_deref()
        .map(AccountId::parse)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let inquiry = service::create(
        &state,
        CreateInquiry {
            template: Some(template),
            reference_id: body.reference_id,
            account_id,
            fields: body.fields,
            ..CreateInquiry::default()
        },
    )
    .await
    // Prefilled values come from the integrator's configuration: a bad one is `invalid_config`.
    .map_err(|e| match FlowError::from(e) {
        FlowError::InvalidFields(f) => {
            bad(f.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join("; "))
        }
        other => other,
    })?;
    let (inquiry, token) = new_session(&state, &inquiry.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(flow_state(&state, &inquiry, Some(&token)).await?),
    ))
}

async fn new_session(state: &AppState, id: &InquiryId) -> Result<(Inquiry, String), FlowError> {
    let applied = service::act(state, id, |_| {
        Ok(Command::Resume(service::new_session(None, None)))
    })
    .await?;
    let token = applied.session.map(|(_, token)| token).ok_or_else(|| {
        FlowError::Application(anyhow::anyhow!("resume returned no session").into())
    })?;
    Ok((applied.inquiry, token))
}

/// `POST /flow/v1/inquiries/{id}/resume`: open an existing inquiry. With a token, it must be a
/// usable session of this inquiry (whatever the inquiry's status); without one, only an inquiry
/// still `created` may be opened, and gets its first session (issue 3 §5).
pub async fn resume(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Bearer(token): Bearer,
) -> Result<Json<Value>, FlowError> {
    let id = parse_inquiry_id(&id)?;
    let inquiry = load(&state, &id).await?;
    match token {
        Some(token) => {
            authorise(&state, &id, Some(&token)).await?;
            Ok(Json(flow_state(&state, &inquiry, Some(&token)).await?))
        }
        None if inquiry.status == InquiryStatus::Created => {
            let (inquiry, token) = new_session(&state, &id).await?;
            Ok(Json(flow_state(&state, &inquiry, Some(&token)).await?))
        }
        None => Err(FlowError::Unauthenticated(
            "this inquiry has started: resuming it needs its session token".into(),
        )),
    }
}

/// `GET /flow/v1/inquiries/{id}`.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Bearer(token): Bearer,
) -> Result<Json<Value>, FlowError> {
    let id = parse_inquiry_id(&id)?;
    authorise(&state, &id, token.as_deref()).await?;
    let inquiry = load(&state, &id).await?;
    Ok(Json(flow_state(&state, &inquiry, None).await?))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    #[serde(default)]
    fields: Option<Map<String, Value>>,
}

/// `POST /flow/v1/inquiries/{id}/steps/{step}`: submit a step and move to the next one.
pub async fn submit_step(
    State(state): State<AppState>,
    Path((id, step_name)): Path<(String, String)>,
    Bearer(token): Bearer,
    body: Result<Json<StepBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, FlowError> {
    let Json(body) = body.map_err(|e| FlowError::InvalidConfig(e.body_text()))?;
    let id = parse_inquiry_id(&id)?;
    authorise(&state, &id, token.as_deref()).await?;
    let inquiry = load(&state, &id).await?;
    let definition = definition_of(&state, &inquiry).await?;
    let index = definition
        .steps
        .iter()
        .position(|s| s.name == step_name)
        .ok_or_else(|| FlowError::Conflict(format!("the template has no step `{step_name}`")))?;
    let step = &definition.steps[index];
    if !inquiry.status.is_open() {
        return Err(FlowError::Conflict(format!(
            "the inquiry is {}",
            inquiry.status
        )));
    }
    // Issue 7: an ID or selfie step owes a verification, created with the step's commit.
    let mut verification = None;
    match step.kind {
        StepKind::Fields => {
            let raw = body.fields.unwrap_or_default();
            let shown: Vec<&str> = if step.fields.is_empty() {
                definition
                    .fields
                    .0
                    .iter()
                    .filter(|f| !f.field_type.is_capture())
                    .map(|f| f.key.as_str())
                    .collect()
            } else {
                step.fields.iter().map(String::as_str).collect()
            };
            if let Some(extra) = raw.keys().find(|k| !shown.contains(&k.as_str())) {
                return Err(FlowError::InvalidFields(vec![(
                    extra.clone(),
                    format!("field `{extra}` is not on this step"),
                )]));
            }
            let values = definition.fields.coerce_all(&raw).map_err(|errs| {
                FlowError::InvalidFields(
                    errs.iter()
                        .map(|e| (e.key().to_owned(), e.to_string()))
                        .collect(),
                )
            })?;
            let mut merged = inquiry.fields.clone();
            merged.extend(values.clone());
            let missing: Vec<(String, String)> = definition
                .fields
                .missing_required(&merged)
                .iter()
                .filter(|e| shown.contains(&e.key()))
                .map(|e| (e.key().to_owned(), e.to_string()))
                .collect();
            if !missing.is_empty() {
                return Err(FlowError::InvalidFields(missing));
            }
            service::act(&state, &id, |_| Ok(Command::UpdateFields(values.clone()))).await?;
        }
        StepKind::GovernmentId | StepKind::Selfie => {
            let docs = state.store.documents_for_inquiry(&id).await?;
            let have =
                |kind: &str, side: &str| docs.iter().any(|d| d.kind == kind && d.side == side);
            let missing: Vec<String> = if step.kind == StepKind::Selfie {
                poses(step)
                    .into_iter()
                    .filter(|p| !have("selfie", p))
                    .collect()
            } else {
                // Passports have one side; every other class needs both (super::documents).
                let id_doc = docs.iter().rev().find(|d| d.kind == "government_id");
                match id_doc.and_then(|d| d.id_class.clone()) {
                    None => vec!["front".into()],
                    Some(class) => super::documents::sides_for(&class)
                        .iter()
                        .filter(|s| !have("government_id", s))
                        .map(|s| s.to_string())
                        .collect(),
                }
            };
            if !missing.is_empty() {
                return Err(FlowError::Conflict(format!(
                    "missing images: {}",
                    missing.join(", ")
                )));
            }
            let kind = if step.kind == StepKind::Selfie {
                VerificationType::Selfie
            } else {
                VerificationType::GovernmentId
            };
            verification = Some(Verification::submitted(
                VerificationId::generate(&mut OsRng),
                id.clone(),
                kind,
                step_name.clone(),
                state.now(),
            ));
        }
        StepKind::Start => {}
        StepKind::Completion => {
            return Err(FlowError::Conflict(
                "the completion step is not submitted".into(),
            ))
        }
    }
    let next = definition.steps.get(index + 1).unwrap_or(step);
    let inquiry = crate::verifications::outcome::submit_step(
        &state,
        &id,
        &definition,
        next.name.clone(),
        step_name.clone(),
        verification,
    )
    .await?;
    Ok(Json(flow_state(&state, &inquiry, None).await?))
}

pub(crate) fn poses(step: &verity_core::template::Step) -> Vec<String> {
    if step.poses.is_empty() {
        vec!["center".into(), "left".into(), "right".into()]
    } else {
        step.poses.clone()
    }
}

/// `POST /flow/v1/inquiries/{id}/cancel`: the individual leaves. Their session ends and a new
/// one is drawn whose token the host page keeps (`onCancel`'s `sessionToken`) to resume later.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Bearer(token): Bearer,
) -> Result<Json<Value>, FlowError> {
    let id = parse_inquiry_id(&id)?;
    let current = authorise(&state, &id, token.as_deref()).await?;
    let (inquiry, fresh) = new_session(&state, &id).await?;
    let mut ended = current.clone();
    ended.status = SessionStatus::Canceled;
    let now = state.now();
    state
        .store
        .commit(Change {
            session_updates: vec![(current.id.clone(), SessionStatus::Canceled)],
            events: vec![NewEvent {
                id: EventId::generate(&mut OsRng),
                name: EventName::SessionCanceled,
                subject_id: current.id.to_string(),
                inquiry_id: Some(id.clone()),
                created_at: now,
                payload: json!({ "data": resource::session(&ended) }),
            }],
            ..Change::default()
        })
        .await?;
    Ok(Json(
        json!({ "inquiryId": inquiry.id, "sessionToken": fresh }),
    ))
}
