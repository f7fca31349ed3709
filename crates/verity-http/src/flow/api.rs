//! The flow JSON API under `/flow/v1`, called by the flow app (docs/contract.md §5).
//! Authorised by the inquiry's session token (`Authorization: Bearer vst_…`, see
//! [`super::session`]), never by an API key. Creating an inquiry from a template is public,
//! as with the vendor's flow. Each handler parses, calls one use case of `verity-app` and
//! renders the flow's view of the inquiry.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use verity_app::inquiries::{self, CreateInquiry, TemplateRef, TemplateRefError};
use verity_app::{sessions, steps, AppError};
use verity_core::id::AccountId;
use verity_core::inquiry::Inquiry;

use super::error::FlowError;
use super::session::{Authorised, Bearer, InquiryPath};
use crate::state::AppState;

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
        .map(|d| json!({"kind": d.kind(), "side": d.shot(), "idClass": d.id_class(), "captureMethod": d.capture_method}))
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
    let exactly_one = || bad("give exactly one of templateId and templateVersionId".into());
    let template = TemplateRef::parse(
        body.template_id.as_deref(),
        body.template_version_id.as_deref(),
    )
    .map_err(|e| match e {
        TemplateRefError::Both => exactly_one(),
        other => bad(other.to_string()),
    })?
    .ok_or_else(exactly_one)?;
    if body.reference_id.is_some() && body.account_id.is_some() {
        return Err(bad("give only one of referenceId and accountId".into()));
    }
    let account_id = body
        .account_id
        .as_deref()
        .map(AccountId::parse)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let request = CreateInquiry {
        template: Some(template),
        reference_id: body.reference_id,
        account_id,
        fields: body.fields,
        ..CreateInquiry::default()
    };
    let inquiry = inquiries::create(&state.app, request)
        .await
        // Prefilled values come from the integrator's configuration: a bad one is `invalid_config`.
        .map_err(|e| match e {
            AppError::InvalidFields(f) => bad(f
                .into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
                .join("; ")),
            other => other.into(),
        })?;
    let (inquiry, token) = inquiries::start_session(&state.app, &inquiry.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(flow_state(&state, &inquiry, Some(&token)).await?),
    ))
}

/// `POST /flow/v1/inquiries/{id}/resume`: open an existing inquiry. With a token, it must be a
/// usable session of this inquiry (whatever the inquiry's status); without one, only an inquiry
/// still `created` may be opened, and gets its first session (docs/contract.md §5).
pub async fn resume(
    State(state): State<AppState>,
    InquiryPath(id): InquiryPath,
    Bearer(token): Bearer,
) -> Result<Json<Value>, FlowError> {
    let (inquiry, token) = sessions::open(&state.app, &id, token).await?;
    Ok(Json(flow_state(&state, &inquiry, Some(&token)).await?))
}

/// `GET /flow/v1/inquiries/{id}`.
pub async fn get(
    State(state): State<AppState>,
    Authorised { id, .. }: Authorised,
) -> Result<Json<Value>, FlowError> {
    let inquiry = inquiries::load(&state.app, &id).await?;
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
    Path((_, step_name)): Path<(String, String)>,
    Authorised { id, .. }: Authorised,
    body: Result<Json<StepBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, FlowError> {
    let Json(body) = body.map_err(|e| FlowError::InvalidConfig(e.body_text()))?;
    let inquiry = steps::submit(&state.app, &id, &step_name, body.fields).await?;
    Ok(Json(flow_state(&state, &inquiry, None).await?))
}

/// `POST /flow/v1/inquiries/{id}/cancel`: the individual leaves. Their session ends and a new
/// one is drawn whose token the host page keeps (`onCancel`'s `sessionToken`) to resume later.
pub async fn cancel(
    State(state): State<AppState>,
    Authorised { id, session }: Authorised,
) -> Result<Json<Value>, FlowError> {
    let (inquiry, fresh) = sessions::cancel(&state.app, &id, &session).await?;
    Ok(Json(
        json!({ "inquiryId": inquiry.id, "sessionToken": fresh }),
    ))
}
