//! The flow's hand-off requests (desktop side), authorised by the desktop's session token:
//! make a link (and send it, or get its QR code), read the hand-off's phase, withdraw it.
//! Also the REST API's `POST /api/v1/inquiries/{id}/generate-one-time-link`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use verity_app::handoff::{links, request};
use verity_core::handoff::OneTimeLink;
use verity_core::id::InquiryId;

use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::extract::ClientIp;
use crate::flow::error::FlowError;
use crate::flow::session::Authorised;
use crate::jsonapi::{Document, Inflection};
use crate::resource;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    /// `qr`, `email` or `sms`.
    method: String,
    /// The email address or phone number (E.164), for `email` and `sms`.
    to: Option<String>,
}

/// `POST /flow/v1/inquiries/{id}/handoff`: a link for the phone, from the desktop's current
/// step. `qr` answers with the link and its QR code (SVG); `email` and `sms` send it and
/// answer without it.
pub async fn create(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Authorised { id, session }: Authorised,
    body: Result<Json<CreateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), FlowError> {
    let Json(body) = body.map_err(|e| FlowError::InvalidConfig(e.body_text()))?;
    let qr = body.method == "qr";
    let asked = request::Request {
        method: body.method,
        to: body.to,
        client,
    };
    let created = request::hand_off(&state.app, &id, &session, asked).await?;
    let mut answer = link_json(&created.link);
    if qr {
        let svg = super::qr::svg(&created.url).ok_or_else(|| {
            FlowError::Application(anyhow::anyhow!("the link does not fit a QR code").into())
        })?;
        answer["url"] = json!(created.url);
        answer["qrSvg"] = json!(svg);
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

fn link_json(link: &OneTimeLink) -> Value {
    json!({
        "sessionId": link.session_id,
        "method": link.method,
        "expiresAt": link.expires_at,
    })
}

/// The hand-off as the desktop sees it (also each server-sent event's data).
pub(super) async fn status_of(
    state: &AppState,
    id: &InquiryId,
    session: &str,
) -> Result<Value, FlowError> {
    let (link, phase) = links::status(&state.app, id, session).await?;
    let mut body = link_json(&link);
    body["phase"] = json!(phase);
    Ok(body)
}

/// `GET /flow/v1/inquiries/{id}/handoff/{session}`: the polling fallback.
pub async fn status(
    State(state): State<AppState>,
    Path((_, session)): Path<(String, String)>,
    Authorised { id, .. }: Authorised,
) -> Result<Json<Value>, FlowError> {
    Ok(Json(status_of(&state, &id, &session).await?))
}

/// `POST /flow/v1/inquiries/{id}/handoff/{session}/cancel`: the person continues on this
/// device; the link can no longer be opened and the phone's session ends.
pub async fn cancel(
    State(state): State<AppState>,
    Path((_, session)): Path<(String, String)>,
    Authorised { id, session: mine }: Authorised,
) -> Result<Json<Value>, FlowError> {
    let link = links::of_inquiry(&state.app, &id, &session).await?;
    if mine.id == link.session_id {
        return Err(FlowError::Conflict(
            "a hand-off is withdrawn from the other device".into(),
        ));
    }
    links::cancel(&state.app, &link).await?;
    Ok(Json(status_of(&state, &id, &session).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct GenerateAttributes {
    expires_in_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateData {
    #[serde(default)]
    attributes: GenerateAttributes,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateBody {
    #[serde(default)]
    data: GenerateData,
}

/// `POST /api/v1/inquiries/{id}/generate-one-time-link`: a link the integrator delivers
/// itself (`device-handoff-method` = `api`). Optional body:
/// `{"data": {"attributes": {"expires-in-seconds": 3600}}}`.
#[utoipa::path(post, path = "/api/v1/inquiries/{id}/generate-one-time-link", tag = "inquiries",
    params(("id" = String, Path)),
    request_body(content = String, content_type = "application/json",
        description = "Optional: `{\"data\": {\"attributes\": {\"expires-in-seconds\": 3600}}}`"),
    responses((status = 201, description = "The inquiry; `meta.one-time-link` is the link (shown once)"),
              (status = 404, description = "No such inquiry"),
              (status = 409, description = "The inquiry is not open"),
              (status = 422, description = "Invalid `expires-in-seconds`")))]
pub async fn generate(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Document, ApiError> {
    let id = InquiryId::parse(&id)?;
    let body: GenerateBody = if body.iter().all(u8::is_ascii_whitespace) {
        GenerateBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(vec![crate::error::Problem::new(e.to_string())]))?
    };
    let ttl = body.data.attributes.expires_in_seconds;
    let created = links::create_for_api(&state.app, &id, ttl).await?;
    let body = json!({
        "data": resource::inquiry(&created.inquiry),
        "meta": {
            "one-time-link": created.url,
            "session-id": created.link.session_id,
            "expires-at": verity_core::rfc3339(created.link.expires_at),
        }
    });
    Ok(Document::new(
        StatusCode::CREATED,
        body,
        Inflection::from_headers(&headers),
    ))
}
