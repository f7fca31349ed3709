//! What one attempt's response means, decided without I/O: the delivery is delivered,
//! retried later (exponential backoff with jitter from `verity_core::retry`, at least the
//! receiver's `Retry-After` on 429/503) or given up; its endpoint is healthy, failing, or
//! disabled (410 Gone, or failing without a success for `disable_after`).

use verity_core::retry::{endpoint_should_disable, next_attempt};
use verity_core::Millis;
use verity_store::{Attempt, AttemptOutcome, AttemptResult, ClaimedDelivery, EndpointHealth};

use crate::deliver::Response;
use crate::DeliveryConfig;

/// The outcome of attempt number `attempt` (from 1) of `delivery`, started at `started_at`.
/// `jitter` is a uniform draw from `[0, 1)`.
pub fn outcome(
    config: &DeliveryConfig,
    delivery: &ClaimedDelivery,
    attempt: u32,
    started_at: Millis,
    response: Response,
    jitter: f64,
) -> AttemptOutcome {
    let finished = started_at + response.latency_ms;
    let success = response.error.is_none();
    let (result, endpoint) = if success {
        (AttemptResult::Delivered, EndpointHealth::Healthy)
    } else if response.status == Some(410) {
        (
            AttemptResult::GiveUp,
            EndpointHealth::Disable("gone".into()),
        )
    } else {
        let result = match next_attempt(attempt, &config.schedule, response.retry_after, jitter) {
            Some(delay) => AttemptResult::RetryAt(finished + delay),
            None => AttemptResult::GiveUp,
        };
        let failing_since = delivery.webhook.failing_since.unwrap_or(started_at);
        let endpoint = if endpoint_should_disable(failing_since, finished, config.disable_after) {
            EndpointHealth::Disable("failing".into())
        } else {
            EndpointHealth::Failing
        };
        (result, endpoint)
    };
    let next_attempt_at = match result {
        AttemptResult::RetryAt(at) => Some(at),
        AttemptResult::Delivered | AttemptResult::GiveUp => None,
    };
    AttemptOutcome {
        delivery_id: delivery.id.clone(),
        webhook_id: delivery.webhook.id.clone(),
        attempt: Attempt {
            attempt,
            started_at,
            latency_ms: response.latency_ms,
            status_code: response.status,
            error: response.error,
            next_attempt_at,
        },
        result,
        endpoint,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use serde_json::json;
    use verity_core::event::EventName;
    use verity_core::id::Id;
    use verity_core::retry::RetrySchedule;
    use verity_store::{StoredEvent, Subscription, Webhook, WebhookStatus};

    use super::*;

    fn delivery(failing_since: Option<Millis>) -> ClaimedDelivery {
        let rng = &mut rand::rngs::StdRng::seed_from_u64(1);
        ClaimedDelivery {
            id: Id::generate(rng),
            attempts: 0,
            webhook: Webhook {
                id: Id::generate(rng),
                url: "https://example.com/hook".into(),
                status: WebhookStatus::Enabled,
                events: Subscription::All,
                blocklist: vec![],
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
                previous_secret: None,
                previous_secret_expires_at: None,
                failing_since,
                disabled_reason: None,
                created_at: 0,
                updated_at: 0,
            },
            event: StoredEvent {
                id: Id::generate(rng),
                seq: 1,
                name: EventName::InquiryCreated,
                subject_id: "inq_x".into(),
                inquiry_id: None,
                created_at: 0,
                payload: json!({"data": {}}),
            },
        }
    }

    fn config() -> DeliveryConfig {
        DeliveryConfig {
            schedule: RetrySchedule::new(vec![0, 1_000, 60_000], 10_000).expect("schedule"),
            disable_after: 100_000,
            ..DeliveryConfig::default()
        }
    }

    fn answered(status: u16, retry_after: Option<Millis>) -> Response {
        Response {
            status: Some(status),
            retry_after,
            error: (!(200..300).contains(&status)).then(|| format!("answered {status}")),
            latency_ms: 10,
        }
    }

    #[test]
    fn success_delivers_and_heals() {
        let o = outcome(
            &config(),
            &delivery(Some(5)),
            1,
            1_000,
            answered(204, None),
            0.5,
        );
        assert_eq!(o.result, AttemptResult::Delivered);
        assert_eq!(o.endpoint, EndpointHealth::Healthy);
        assert_eq!(o.attempt.next_attempt_at, None);
    }

    #[test]
    fn failures_follow_the_schedule_then_give_up() {
        let c = config();
        let o = outcome(&c, &delivery(None), 1, 1_000, answered(500, None), 0.5);
        assert_eq!(o.result, AttemptResult::RetryAt(1_010 + 1_000));
        assert_eq!(o.endpoint, EndpointHealth::Failing);
        let o = outcome(&c, &delivery(None), 2, 1_000, answered(500, None), 0.5);
        assert_eq!(o.result, AttemptResult::RetryAt(1_010 + 60_000));
        let o = outcome(&c, &delivery(None), 3, 1_000, answered(500, None), 0.5);
        assert_eq!(o.result, AttemptResult::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let c = config();
        let o = outcome(&c, &delivery(None), 1, 0, answered(429, Some(5_000)), 0.5);
        assert_eq!(o.result, AttemptResult::RetryAt(10 + 5_000));
        let o = outcome(&c, &delivery(None), 1, 0, answered(503, Some(999_000)), 0.5);
        assert_eq!(o.result, AttemptResult::RetryAt(10 + 10_000));
    }

    #[test]
    fn gone_disables_and_long_failure_disables() {
        let c = config();
        let o = outcome(&c, &delivery(None), 1, 0, answered(410, None), 0.5);
        assert_eq!(o.result, AttemptResult::GiveUp);
        assert_eq!(o.endpoint, EndpointHealth::Disable("gone".into()));
        let o = outcome(&c, &delivery(Some(0)), 1, 200_000, answered(500, None), 0.5);
        assert_eq!(o.endpoint, EndpointHealth::Disable("failing".into()));
        let o = outcome(
            &c,
            &delivery(Some(150_000)),
            1,
            200_000,
            answered(500, None),
            0.5,
        );
        assert_eq!(o.endpoint, EndpointHealth::Failing);
    }
}
