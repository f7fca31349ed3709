//! `/api/v1/webhooks`: endpoints that receive signed event deliveries, their secret
//! rotation, and their delivery log with a redeliver call.
//!
//! The secret (`whsec_…`) is returned exactly once, in `meta.secret` of the create and
//! rotate responses; it is stored (every delivery is signed with it) but never rendered
//! again. URLs pass the SSRF guard (`verity_worker::ssrf`) here and again at delivery.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use verity_app::audit::Requester;
use verity_app::webhooks::modify;
use verity_core::audit::Actor;
use verity_core::event::EventName;
use verity_core::id::{DeliveryId, Id, WebhookId};
use verity_store::{Subscription, Webhook, WebhookStatus};
use verity_webhooks::Secret;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Authenticated, ClientIp, PageParams};
use crate::jsonapi::Document;
use crate::routes::page::{items, list_links};
use crate::state::AppState;
use crate::wire::webhook as wire;

/// Longest a rotated-out secret may stay valid.
const MAX_PREVIOUS_SECRET_SECONDS: u64 = 7 * 24 * 3600;
const MAX_URL_LEN: usize = 2048;

async fn checked_url(state: &AppState, url: &str) -> Result<String, ApiError> {
    if url.len() > MAX_URL_LEN {
        return Err(ApiError::invalid(
            "/data/attributes/url",
            format!("url must be at most {MAX_URL_LEN} characters"),
        ));
    }
    verity_worker::ssrf::check(url, state.config.webhook_allow_private_addresses)
        .await
        .map(|u| u.to_string())
        .map_err(|e| ApiError::invalid("/data/attributes/url", e.to_string()))
}

fn parse_events(names: &[String]) -> Result<Subscription, ApiError> {
    const POINTER: &str = "/data/attributes/enabled-events";
    if names.iter().any(|n| n == "*") {
        return Ok(Subscription::All);
    }
    if names.is_empty() {
        return Err(ApiError::invalid(
            POINTER,
            "enabled-events needs at least one event name, or [\"*\"] for all",
        ));
    }
    let mut parsed = Vec::new();
    for name in names {
        let event = EventName::parse(name)
            .ok_or_else(|| ApiError::invalid(POINTER, format!("`{name}` is not an event name")))?;
        if !parsed.contains(&event) {
            parsed.push(event);
        }
    }
    Ok(Subscription::Only(parsed))
}

fn parse_status(status: &str) -> Result<WebhookStatus, ApiError> {
    WebhookStatus::parse(status).ok_or_else(|| {
        ApiError::invalid(
            "/data/attributes/status",
            "status must be `enabled` or `disabled`",
        )
    })
}

fn parse_blocklist(keys: Vec<String>) -> Result<Vec<String>, ApiError> {
    if keys.len() > 100 || keys.iter().any(|k| k.is_empty() || k.len() > 200) {
        return Err(ApiError::invalid(
            "/data/attributes/payload-blocklist",
            "payload-blocklist holds at most 100 attribute names of 1 to 200 characters",
        ));
    }
    Ok(keys)
}

fn with_secret(status: StatusCode, w: &Webhook, secret: &Secret, headers: &HeaderMap) -> Document {
    let doc = wire::WebhookWithSecret {
        data: w.into(),
        meta: wire::SecretMeta {
            secret: secret.expose().to_owned(),
        },
    };
    Document::typed(status, &doc, headers)
}

fn one(w: &Webhook, headers: &HeaderMap) -> Document {
    Document::typed(
        StatusCode::OK,
        &wire::WebhookOne { data: w.into() },
        headers,
    )
}

async fn load(state: &AppState, id: &str) -> Result<Webhook, ApiError> {
    let id = WebhookId::parse(id)?;
    state
        .store
        .webhook(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook", id.as_str()))
}

#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = wire::WebhookBody,
    responses((status = 201, description = "The webhook; its secret in meta.secret, shown only now", body = wire::WebhookWithSecret),
              (status = 422, description = "Invalid attributes or a URL that is not allowed")))]
pub async fn create(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiJson(body): ApiJson<wire::WebhookBody>,
) -> Result<Document, ApiError> {
    let a = body.data.attributes;
    let url = a
        .url
        .ok_or_else(|| ApiError::invalid("/data/attributes/url", "url is required"))?;
    let url = checked_url(&state, &url).await?;
    let events = parse_events(&a.enabled_events.unwrap_or_else(|| vec!["*".into()]))?;
    let status = a
        .status
        .as_deref()
        .map(parse_status)
        .transpose()?
        .unwrap_or(WebhookStatus::Enabled);
    let blocklist = parse_blocklist(a.payload_blocklist.unwrap_or_default())?;
    let (id, secret) = {
        let rng = &mut rand::thread_rng();
        (Id::generate(rng), Secret::generate(rng))
    };
    let now = state.now();
    let webhook = Webhook {
        id,
        url,
        status,
        events,
        blocklist,
        secret: secret.expose().to_owned(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    verity_app::webhooks::create(&state.app, &webhook).await?;
    Ok(with_secret(
        StatusCode::CREATED,
        &webhook,
        &secret,
        &headers,
    ))
}

#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    params(("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of webhooks, newest first", body = wire::WebhookList)))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Document, ApiError> {
    let page = page.to_request()?;
    let result = state.store.list_webhooks(&page).await?;
    let doc = wire::WebhookList {
        data: items(&result),
        links: list_links(&result, "/api/v1/webhooks", &[], page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, description = "The webhook (without its secret)", body = wire::WebhookOne), (status = 404, description = "No such webhook")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let webhook = load(&state, &id).await?;
    Ok(one(&webhook, &headers))
}

#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    request_body = wire::WebhookBody,
    responses((status = 200, description = "The updated webhook", body = wire::WebhookOne), (status = 422, description = "Invalid attributes")))]
pub async fn update(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<wire::WebhookBody>,
) -> Result<Document, ApiError> {
    let id = WebhookId::parse(&id)?;
    let a = body.data.attributes;
    let url = match a.url {
        Some(url) => Some(checked_url(&state, &url).await?),
        None => None,
    };
    let events = a.enabled_events.as_deref().map(parse_events).transpose()?;
    let status = a.status.as_deref().map(parse_status).transpose()?;
    let blocklist = a.payload_blocklist.map(parse_blocklist).transpose()?;
    let webhook = modify(&state.app, &id, |webhook, now| {
        if let Some(url) = &url {
            webhook.url = url.clone();
        }
        if let Some(events) = &events {
            webhook.events = events.clone();
        }
        if let Some(status) = status {
            webhook.status = status;
            if status == WebhookStatus::Enabled {
                webhook.disabled_reason = None;
            }
        }
        if let Some(blocklist) = &blocklist {
            webhook.blocklist = blocklist.clone();
        }
        webhook.updated_at = now;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(one(&webhook, &headers))
}

#[utoipa::path(post, path = "/webhooks/{id}/disable", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, description = "The disabled webhook", body = wire::WebhookOne)))]
pub async fn disable(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = WebhookId::parse(&id)?;
    let webhook = modify(&state.app, &id, |webhook, now| {
        webhook.status = WebhookStatus::Disabled;
        webhook.updated_at = now;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(one(&webhook, &headers))
}

#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = String, Path)),
    request_body(content = Option<wire::RotateSecret>, description = "Optional; an empty body keeps the old secret valid for a day"),
    responses((status = 200, description = "The webhook; the new secret in meta.secret, shown only now", body = wire::WebhookWithSecret)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    raw: axum::body::Bytes,
) -> Result<Document, ApiError> {
    let id = WebhookId::parse(&id)?;
    // The body is optional: an empty POST keeps the old secret valid for a day.
    let attributes = if raw.iter().all(u8::is_ascii_whitespace) {
        wire::RotateInput::default()
    } else {
        serde_json::from_slice::<wire::RotateSecret>(&raw)
            .map_err(|e| ApiError::invalid("/data/attributes", e.to_string()))?
            .data
            .attributes
    };
    let keep = attributes
        .previous_secret_expires_in_seconds
        .unwrap_or(24 * 3600);
    if keep > MAX_PREVIOUS_SECRET_SECONDS {
        return Err(ApiError::invalid(
            "/data/attributes/previous-secret-expires-in-seconds",
            format!("at most {MAX_PREVIOUS_SECRET_SECONDS} seconds"),
        ));
    }
    let secret = Secret::generate(&mut rand::thread_rng());
    let keep_ms = i64::try_from(keep * 1000).unwrap_or(i64::MAX);
    let webhook = modify(&state.app, &id, |webhook, now| {
        webhook.previous_secret = Some(std::mem::replace(
            &mut webhook.secret,
            secret.expose().to_owned(),
        ));
        webhook.previous_secret_expires_at = Some(now + keep_ms);
        webhook.updated_at = now;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(with_secret(StatusCode::OK, &webhook, &secret, &headers))
}

#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path),
    ("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "Deliveries newest first, each with its attempts", body = wire::DeliveryList)))]
pub async fn deliveries(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Document, ApiError> {
    let webhook = load(&state, &id).await?;
    let page = page.to_request()?;
    let result = state.store.list_deliveries(&webhook.id, &page).await?;
    let path = format!("/api/v1/webhooks/{}/deliveries", webhook.id);
    let doc = wire::DeliveryList {
        data: items(&result),
        links: list_links(&result, &path, &[], page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, description = "The delivery, pending again", body = wire::DeliveryOne), (status = 404, description = "No such delivery")))]
pub async fn redeliver(
    State(state): State<AppState>,
    Authenticated(key): Authenticated,
    ip: ClientIp,
    headers: HeaderMap,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<Document, ApiError> {
    let webhook = load(&state, &id).await?;
    let delivery_id = DeliveryId::parse(&delivery_id)?;
    let who = Requester {
        actor: Actor::ApiKey(key.id.to_string()),
        address: ip.0.map(|ip| ip.to_string()),
    };
    let delivery =
        verity_app::admin::redeliver(&state.app, &webhook.id, &delivery_id, &who).await?;
    let doc = wire::DeliveryOne {
        data: (&delivery).into(),
    };
    Ok(Document::typed(StatusCode::ACCEPTED, &doc, &headers))
}
