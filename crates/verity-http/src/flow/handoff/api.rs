//! The flow's hand-off requests (desktop side), authorised by the desktop's session token:
//! make a link (and send it, or get its QR code), read the hand-off's phase, withdraw it.
//! Also the REST API's `POST /api/v1/inquiries/{id}/generate-one-time-link`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use verity_core::handoff::{phase, OneTimeLink};
use verity_core::id::InquiryId;
use verity_core::session::HandoffMethod;

use super::links;
use super::send::{valid_email, valid_phone, Channel, Message};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::flow::api::{authorise, definition_of, load, Bearer};
use crate::flow::error::FlowError;
use crate::jsonapi::{Document, Inflection};
use crate::resource;
use crate::state::AppState;

/// The client's address, when the server was started with connection info (it is, by
/// `verity serve`); rate limits fall back to one shared bucket otherwise.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    /// `qr`, `email` or `sms`.
    method: String,
    /// The email address or phone number (E.164), for `email` and `sms`.
    to: Option<String>,
}

fn parse_id(id: &str) -> Result<InquiryId, FlowError> {
    InquiryId::parse(id).map_err(|e| FlowError::InvalidConfig(e.to_string()))
}

/// `POST /flow/v1/inquiries/{id}/handoff`: a link for the phone, from the desktop's current
/// step. `qr` answers with the link and its QR code (SVG); `email` and `sms` send it and
/// answer without it.
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    Bearer(token): Bearer,
    body: Result<Json<CreateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), FlowError> {
    let Json(body) = body.map_err(|e| FlowError::InvalidConfig(e.body_text()))?;
    let id = parse_id(&id)?;
    let session = authorise(&state, &id, token.as_deref()).await?;
    if session.device_handoff_method.is_some() {
        return Err(FlowError::Conflict(
            "this device already continues a hand-off".into(),
        ));
    }
    let inquiry = load(&state, &id).await?;
    let definition = definition_of(&state, &inquiry).await?;
    let here = inquiry
        .current_step
        .as_deref()
        .and_then(|name| definition.steps.iter().find(|s| s.name == name));
    if !here.is_some_and(|s| s.can_hand_off()) {
        return Err(FlowError::Conflict(
            "this step cannot be continued on another device".into(),
        ));
    }
    let field_error = |m: &str| FlowError::InvalidFields(vec![("to".into(), m.into())]);
    let (method, channel) = match body.method.as_str() {
        "qr" => (HandoffMethod::Qr, None),
        "email" => (HandoffMethod::Email, Some(Channel::Email)),
        "sms" => (HandoffMethod::Sms, Some(Channel::Sms)),
        other => {
            return Err(FlowError::InvalidConfig(format!(
                "`method` must be qr, email or sms, not `{other}`"
            )))
        }
    };
    let to = match channel {
        None => None,
        Some(channel) => {
            let to = body.to.as_deref().map(str::trim).unwrap_or_default();
            let ok = match channel {
                Channel::Email => valid_email(to),
                Channel::Sms => valid_phone(to),
            };
            if !ok {
                return Err(field_error(match channel {
                    Channel::Email => "enter a valid email address",
                    Channel::Sms => "enter a phone number with its country code, e.g. +15551234567",
                }));
            }
            Some((channel, to.to_owned()))
        }
    };
    let now = state.now();
    let handoff = &state.handoff;
    if to.is_some() {
        let key = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        handoff
            .sends_per_ip
            .check(&key, now)
            .map_err(FlowError::RateLimited)?;
    }
    if handoff.links_per_inquiry_per_hour > 0 {
        let recent = state
            .store
            .count_one_time_links(&id, now - 3600 * 1000)
            .await?;
        if recent >= u64::from(handoff.links_per_inquiry_per_hour) {
            return Err(FlowError::RateLimited(600));
        }
    }

    let created = links::create(&state, &id, method, handoff.link_ttl_ms).await?;
    let mut answer = link_json(&created.link);
    match to {
        None => {
            let svg = super::qr::svg(&created.url).ok_or_else(|| {
                FlowError::Application(anyhow::anyhow!("the link does not fit a QR code").into())
            })?;
            answer["url"] = json!(created.url);
            answer["qrSvg"] = json!(svg);
        }
        Some((channel, to)) => {
            let minutes = ((created.link.expires_at - now) / 60_000).max(1);
            let message = Message::handoff(channel, &to, &created.url, minutes);
            let sender = match channel {
                Channel::Email => &handoff.email,
                Channel::Sms => &handoff.sms,
            };
            if let Err(e) = sender.send(&message).await {
                // Nobody can use a link that never arrived: withdraw it, then say so.
                links::cancel(&state, &created.link).await?;
                return Err(FlowError::SendFailed(e.to_string()));
            }
        }
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
    let link = links::of_inquiry(state, id, session).await?;
    let inquiry = load(state, id).await?;
    let definition = definition_of(state, &inquiry).await?;
    let phase = phase(
        &link,
        inquiry.status,
        inquiry.current_step.as_deref(),
        &definition,
        state.now(),
    );
    let mut body = link_json(&link);
    body["phase"] = json!(phase);
    Ok(body)
}

/// `GET /flow/v1/inquiries/{id}/handoff/{session}`: the polling fallback.
pub async fn status(
    State(state): State<AppState>,
    Path((id, session)): Path<(String, String)>,
    Bearer(token): Bearer,
) -> Result<Json<Value>, FlowError> {
    let id = parse_id(&id)?;
    authorise(&state, &id, token.as_deref()).await?;
    Ok(Json(status_of(&state, &id, &session).await?))
}

/// `POST /flow/v1/inquiries/{id}/handoff/{session}/cancel`: the person continues on this
/// device; the link can no longer be opened and the phone's session ends.
pub async fn cancel(
    State(state): State<AppState>,
    Path((id, session)): Path<(String, String)>,
    Bearer(token): Bearer,
) -> Result<Json<Value>, FlowError> {
    let id = parse_id(&id)?;
    let mine = authorise(&state, &id, token.as_deref()).await?;
    let link = links::of_inquiry(&state, &id, &session).await?;
    if mine.id == link.session_id {
        return Err(FlowError::Conflict(
            "a hand-off is withdrawn from the other device".into(),
        ));
    }
    links::cancel(&state, &link).await?;
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

/// Bounds of `expires-in-seconds`.
const API_TTL_SECONDS: std::ops::RangeInclusive<i64> = 1..=7 * 24 * 3600;

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
    let ttl_ms = match body.data.attributes.expires_in_seconds {
        None => state.handoff.link_ttl_ms,
        Some(s) if API_TTL_SECONDS.contains(&s) => s * 1000,
        Some(_) => {
            return Err(ApiError::invalid(
                "/data/attributes/expires-in-seconds",
                format!(
                    "must be between {} and {}",
                    API_TTL_SECONDS.start(),
                    API_TTL_SECONDS.end()
                ),
            ))
        }
    };
    let created = links::create(&state, &id, HandoffMethod::Api, ttl_ms).await?;
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
