//! Admins' webhook pages (docs/console.md §7): the endpoints; one endpoint with its
//! deliveries (status, attempts, the last answer and its latency) and a redeliver button
//! each; rotate the secret (the new one on this answer only); disable and enable.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::admin;
use verity_core::id::{DeliveryId, WebhookId};
use verity_store::{Delivery, PageRequest, Subscription, Webhook, WebhookStatus};
use verity_webhooks::Secret;

use super::admin::{button, opt_time, shown_once};
use super::auth::{CsrfForm, Signed};
use super::error::ConsoleError;
use super::html::{self, esc};
use super::pages::render;
use crate::state::AppState;

/// How long a rotated-out secret keeps signing (the REST API's default).
const KEEP_PREVIOUS_MS: i64 = 24 * 3600 * 1000;

fn events(w: &Webhook) -> String {
    match &w.events {
        Subscription::All => "all".into(),
        Subscription::Only(names) => names
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, ConsoleError> {
    super::admin::page(&signed)?;
    let page = state
        .store
        .list_webhooks(&PageRequest {
            size: 100,
            ..Default::default()
        })
        .await?;
    let rows: String = page
        .items
        .iter()
        .map(|w| {
            format!(
                "<tr><td><a href=\"/console/webhooks/{id}\">{id}</a></td><td>{url}</td>\
                 <td class=\"status\">{status}</td><td>{events}</td><td>{failing}</td></tr>",
                id = esc(w.id.as_str()),
                url = esc(&w.url),
                status = w.status.as_str(),
                events = esc(&events(w)),
                failing = opt_time(w.failing_since),
            )
        })
        .collect();
    let table = if rows.is_empty() {
        "<p>No webhook endpoints. Create them through the REST API (<code>POST /api/v1/webhooks</code>).</p>".to_owned()
    } else {
        format!(
            "<table><caption class=\"skip\">Webhook endpoints</caption><thead><tr>\
             <th scope=\"col\">Endpoint</th><th scope=\"col\">URL</th><th scope=\"col\">Status</th>\
             <th scope=\"col\">Events</th><th scope=\"col\">Failing since</th></tr></thead>\
             <tbody>{rows}</tbody></table>"
        )
    };
    let body = format!("<h1>Webhooks</h1>{table}");
    render(&state, &signed, "Webhooks", &body).await
}

fn delivery_rows(w: &Webhook, deliveries: &[Delivery], csrf: &str) -> String {
    deliveries
        .iter()
        .map(|d| {
            let (answer, latency) = match d.history.last() {
                None => ("not tried yet".to_owned(), String::new()),
                Some(a) => {
                    let answer = match (a.status_code, &a.error) {
                        (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
                        (Some(code), None) => format!("HTTP {code}"),
                        (None, Some(e)) => e.clone(),
                        (None, None) => String::new(),
                    };
                    (answer, format!("{} ms", a.latency_ms))
                }
            };
            let path = format!("/console/webhooks/{}/deliveries/{}/redeliver", w.id, d.id);
            format!(
                "<tr><td>{id}</td><td>{event}</td><td class=\"status\">{status}</td><td>{attempts}</td>\
                 <td>{latency}</td><td>{answer}</td><td>{at}</td><td>{redeliver}</td></tr>",
                id = esc(d.id.as_str()),
                event = d.event_name.as_str(),
                status = d.status.as_str(),
                attempts = d.attempts,
                answer = esc(&answer),
                at = html::time(d.updated_at),
                redeliver = button(&path, csrf, "Redeliver", ""),
            )
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct DeliveriesQuery {
    after: Option<String>,
}

/// The endpoint's page; `secret` is the one a rotation just made (shown on that answer only).
async fn show(
    state: &AppState,
    signed: &Signed,
    w: &Webhook,
    after: Option<String>,
    secret: Option<&Secret>,
) -> Result<Response, ConsoleError> {
    let request = PageRequest {
        after,
        before: None,
        size: 50,
    };
    let page = state.store.list_deliveries(&w.id, &request).await?;
    let base = format!("/console/webhooks/{}", w.id);
    let toggle = match w.status {
        WebhookStatus::Enabled => button(
            &format!("{base}/disable"),
            &signed.csrf,
            "Disable",
            "decline",
        ),
        WebhookStatus::Disabled => button(&format!("{base}/enable"), &signed.csrf, "Enable", ""),
    };
    let rotate = button(
        &format!("{base}/rotate-secret"),
        &signed.csrf,
        "Rotate the secret",
        "",
    );
    let older = page.next_after.as_deref().map_or_else(String::new, |c| {
        let query = html::query(&[("after", c)]);
        format!(
            "<nav class=\"pager\" aria-label=\"Pages\"><a href=\"{}?{}\">Older</a></nav>",
            esc(&base),
            esc(&query)
        )
    });
    let rows = delivery_rows(w, &page.items, &signed.csrf);
    let deliveries = if rows.is_empty() {
        "<p>No deliveries.</p>".to_owned()
    } else {
        format!(
            "<table><caption class=\"skip\">Deliveries</caption><thead><tr><th scope=\"col\">Delivery</th>\
             <th scope=\"col\">Event</th><th scope=\"col\">Status</th><th scope=\"col\">Attempts</th>\
             <th scope=\"col\">Latency</th><th scope=\"col\">Last answer</th><th scope=\"col\">Updated</th>\
             <th scope=\"col\">Action</th></tr></thead><tbody>{rows}</tbody></table>{older}"
        )
    };
    let body = format!(
        "<h1>Webhook {id}</h1>{secret}<dl class=\"facts\"><dt>URL</dt><dd>{url}</dd><dt>Status</dt>\
         <dd class=\"status\">{status}</dd><dt>Disabled because</dt><dd>{reason}</dd><dt>Events</dt><dd>{events}</dd>\
         <dt>Previous secret valid until</dt><dd>{previous}</dd></dl><div class=\"actions\">{toggle}{rotate}</div>\
         <h2 id=\"deliveries\">Deliveries</h2>{deliveries}",
        id = esc(w.id.as_str()),
        secret = secret.map_or_else(String::new, |s| shown_once("The new signing secret", s.expose())),
        url = esc(&w.url),
        status = w.status.as_str(),
        reason = esc(w.disabled_reason.as_deref().unwrap_or("—")),
        events = esc(&events(w)),
        previous = opt_time(w.previous_secret_expires_at),
    );
    render(state, signed, &format!("Webhook {}", w.id), &body).await
}

async fn load(state: &AppState, id: &str) -> Result<Webhook, ConsoleError> {
    let id = WebhookId::parse(id)?;
    state
        .store
        .webhook(&id)
        .await?
        .ok_or_else(|| ConsoleError::NotFound(format!("no webhook {id}")))
}

pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<DeliveriesQuery>,
) -> Result<Response, ConsoleError> {
    super::admin::page(&signed)?;
    let w = load(&state, &id).await?;
    show(&state, &signed, &w, q.after, None).await
}

pub async fn redeliver(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, delivery)): Path<(String, String)>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let id = WebhookId::parse(&id)?;
    let delivery = DeliveryId::parse(&delivery)?;
    admin::redeliver(&state.app, &id, &delivery, &signed.requester()).await?;
    Ok(Redirect::to(&format!("/console/webhooks/{id}#deliveries")).into_response())
}

/// Rotates the secret and answers the page with the new one, this once.
pub async fn rotate(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let id = WebhookId::parse(&id)?;
    let secret = Secret::generate(&mut rand::thread_rng());
    let w = admin::rotate_webhook_secret(
        &state.app,
        &id,
        secret.expose(),
        KEEP_PREVIOUS_MS,
        &signed.requester(),
    )
    .await?;
    show(&state, &signed, &w, None, Some(&secret)).await
}

async fn set_status(
    state: AppState,
    signed: Signed,
    headers: HeaderMap,
    id: String,
    csrf: String,
    status: WebhookStatus,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &csrf)?;
    let id = WebhookId::parse(&id)?;
    admin::set_webhook_status(&state.app, &id, status, &signed.requester()).await?;
    Ok(Redirect::to(&format!("/console/webhooks/{id}")).into_response())
}

pub async fn disable(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    set_status(
        state,
        signed,
        headers,
        id,
        input.csrf,
        WebhookStatus::Disabled,
    )
    .await
}

pub async fn enable(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    set_status(
        state,
        signed,
        headers,
        id,
        input.csrf,
        WebhookStatus::Enabled,
    )
    .await
}
