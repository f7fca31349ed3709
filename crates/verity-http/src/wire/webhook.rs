//! Webhooks on the wire: the endpoint resource (never its secret, except once in
//! `meta.secret`), its deliveries with their attempts, and the create/update/rotate bodies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use verity_store::{Delivery, DeliveryStatus, Subscription, Webhook};

use super::{documents, maybe_time, request, time, ToOne};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookResource {
    #[serde(rename = "type")]
    #[schema(example = "webhook")]
    pub kind: String,
    #[schema(example = "wbh_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: WebhookAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct WebhookAttributes {
    #[schema(example = "https://example.com/hooks/verity")]
    pub url: String,
    /// `enabled` or `disabled`.
    #[schema(example = "enabled")]
    pub status: String,
    /// Event names, or `["*"]` for all.
    #[schema(example = json!(["inquiry.completed"]))]
    pub enabled_events: Vec<String>,
    /// Attribute names removed from `payload.data.attributes`.
    pub payload_blocklist: Vec<String>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<String>,
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Webhook> for WebhookResource {
    fn from(w: &Webhook) -> Self {
        let enabled_events = match &w.events {
            Subscription::All => vec!["*".to_owned()],
            Subscription::Only(names) => names.iter().map(|n| n.as_str().to_owned()).collect(),
        };
        WebhookResource {
            kind: "webhook".into(),
            id: w.id.to_string(),
            attributes: WebhookAttributes {
                url: w.url.clone(),
                status: w.status.as_str().into(),
                enabled_events,
                payload_blocklist: w.blocklist.clone(),
                disabled_reason: w.disabled_reason.clone(),
                failing_since: maybe_time(w.failing_since),
                previous_secret_expires_at: maybe_time(w.previous_secret_expires_at),
                created_at: time(w.created_at),
                updated_at: time(w.updated_at),
            },
        }
    }
}

documents!(WebhookResource, WebhookOne, WebhookList, "webhook");

/// The create and rotate answers: the webhook and, shown only now, its signing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    pub data: WebhookResource,
    pub meta: SecretMeta,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SecretMeta {
    #[schema(example = "whsec_c2VjcmV0LXNob3duLW9uY2U=")]
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryResource {
    #[serde(rename = "type")]
    #[schema(example = "webhook-delivery")]
    pub kind: String,
    pub id: String,
    pub attributes: DeliveryAttributes,
    pub relationships: DeliveryRelationships,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct DeliveryAttributes {
    /// `pending`, `succeeded`, `failed` or `parked`.
    pub status: String,
    pub event_id: String,
    #[schema(example = "inquiry.completed")]
    pub event_name: String,
    pub inquiry_id: Option<String>,
    pub attempt_count: u32,
    /// Only while pending.
    pub next_attempt_at: Option<String>,
    pub attempts: Vec<AttemptRecord>,
    pub created_at: String,
    pub updated_at: String,
}

/// One try to deliver, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct AttemptRecord {
    pub attempt: u32,
    /// `succeeded` or `failed`.
    pub status: String,
    pub started_at: String,
    pub latency_ms: i64,
    pub response_code: Option<u16>,
    pub error: Option<String>,
    pub next_attempt_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryRelationships {
    pub webhook: ToOne,
}

impl From<&Delivery> for DeliveryResource {
    fn from(d: &Delivery) -> Self {
        let attempts = d
            .history
            .iter()
            .map(|a| AttemptRecord {
                attempt: a.attempt,
                status: if a.error.is_none() {
                    "succeeded"
                } else {
                    "failed"
                }
                .into(),
                started_at: time(a.started_at),
                latency_ms: a.latency_ms,
                response_code: a.status_code,
                error: a.error.clone(),
                next_attempt_at: maybe_time(a.next_attempt_at),
            })
            .collect();
        DeliveryResource {
            kind: "webhook-delivery".into(),
            id: d.id.to_string(),
            attributes: DeliveryAttributes {
                status: d.status.as_str().into(),
                event_id: d.event_id.to_string(),
                event_name: d.event_name.as_str().into(),
                inquiry_id: d.inquiry_id.as_ref().map(ToString::to_string),
                attempt_count: d.attempts,
                next_attempt_at: (d.status == DeliveryStatus::Pending)
                    .then(|| time(d.next_attempt_at)),
                attempts,
                created_at: time(d.created_at),
                updated_at: time(d.updated_at),
            },
            relationships: DeliveryRelationships {
                webhook: ToOne::to("webhook", d.webhook_id.to_string()),
            },
        }
    }
}

documents!(
    DeliveryResource,
    DeliveryOne,
    DeliveryList,
    "webhook delivery"
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schema(example = json!({"url": "https://example.com/hooks/verity", "enabled-events": ["*"]}))]
pub struct WebhookInput {
    /// Required on create; `https`, public addresses only (unless the server allows private).
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// Event names, or `["*"]` for all (the default).
    pub enabled_events: Option<Vec<String>>,
    /// `enabled` or `disabled`.
    pub status: Option<String>,
    /// Attribute names removed from `payload.data.attributes` (personal data).
    pub payload_blocklist: Option<Vec<String>>,
}

request!(
    WebhookBody,
    WebhookBodyData,
    WebhookInput,
    "`POST /webhooks` and `PATCH /webhooks/{id}`"
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RotateInput {
    /// How long the old secret stays valid, at most 7 days; 1 day when left out.
    #[schema(maximum = 604800, example = 3600)]
    pub previous_secret_expires_in_seconds: Option<u64>,
}

request!(
    RotateSecret,
    RotateSecretData,
    RotateInput,
    "`POST /webhooks/{id}/rotate-secret` (optional)"
);
