//! Records of webhook endpoints and their delivery outbox.
//!
//! A [`Webhook`] holds its signing secrets in clear (every delivery is signed with them);
//! its `Debug` prints them redacted so they never reach a log.

use verity_core::event::EventName;
use verity_core::id::{DeliveryId, EventId, InquiryId, WebhookId};
use verity_core::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    Enabled,
    Disabled,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Enabled => "enabled",
            WebhookStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookStatus> {
        match s {
            "enabled" => Some(WebhookStatus::Enabled),
            "disabled" => Some(WebhookStatus::Disabled),
            _ => None,
        }
    }
}

/// Which events an endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    All,
    /// Non-empty, no duplicates.
    Only(Vec<EventName>),
}

impl Subscription {
    pub fn matches(&self, name: EventName) -> bool {
        match self {
            Subscription::All => true,
            Subscription::Only(names) => names.contains(&name),
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    pub status: WebhookStatus,
    pub events: Subscription,
    /// Attribute names removed from `payload.data.attributes` before delivery.
    pub blocklist: Vec<String>,
    /// The current secret as shown once (`whsec_…`).
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_secret_expires_at`.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<Millis>,
    /// First failed attempt since the last success; `None` while healthy. Maintained by
    /// the delivery worker, ignored by [`crate::Store::update_webhook`].
    pub failing_since: Option<Millis>,
    /// Why the endpoint was disabled automatically (`gone`, `failing`), if it was.
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Webhook {
    /// The secrets that sign a delivery at `now`: the current one first, then the previous
    /// one while it has not expired.
    pub fn signing_secrets(&self, now: Millis) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, self.previous_secret_expires_at)
        {
            if until > now {
                secrets.push(previous);
            }
        }
        secrets
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("status", &self.status)
            .field("events", &self.events)
            .field("blocklist", &self.blocklist)
            .field("secret", &"<redacted>")
            .field(
                "previous_secret",
                &self.previous_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "previous_secret_expires_at",
                &self.previous_secret_expires_at,
            )
            .field("failing_since", &self.failing_since)
            .field("disabled_reason", &self.disabled_reason)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or in flight while leased).
    Pending,
    Delivered,
    /// The retry schedule was used up.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One attempt of a delivery, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub attempt: u32,
    pub started_at: Millis,
    pub latency_ms: i64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// Why the attempt failed (`None` on success).
    pub error: Option<String>,
    /// When the next attempt is due; `None` once delivered or given up.
    pub next_attempt_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_name: EventName,
    pub inquiry_id: Option<InquiryId>,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: Millis,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Oldest first (filled by [`crate::Store::list_deliveries`] and [`crate::Store::delivery`]).
    pub history: Vec<Attempt>,
}

/// A delivery leased to one worker, with everything needed to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: DeliveryId,
    /// Attempts made before this one.
    pub attempts: u32,
    pub webhook: Webhook,
    pub event: crate::StoredEvent,
}

/// What an attempt did to its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    Delivered,
    /// Try again at this time.
    RetryAt(Millis),
    /// Give up: the delivery is failed.
    GiveUp,
}

/// What an attempt did to its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointHealth {
    /// A success: `failing_since` is cleared.
    Healthy,
    /// A failure: `failing_since` is set if it was not.
    Failing,
    /// Disable the endpoint, with a reason (`gone` for a 410, `failing` after days of failures).
    Disable(String),
}

/// The outcome of one attempt, written by [`crate::Store::record_attempts`].
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub delivery_id: DeliveryId,
    pub webhook_id: WebhookId,
    pub attempt: Attempt,
    pub result: AttemptResult,
    pub endpoint: EndpointHealth,
}
