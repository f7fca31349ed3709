//! Webhook endpoints and the delivery outbox: CRUD, the outbox written by `commit`, the
//! claim (due, leased, ordered per endpoint and inquiry, concurrent claimers disjoint),
//! recording outcomes, the deliveries list and redelivery.

use std::collections::HashSet;

use serde_json::json;
use verity_core::event::EventName;
use verity_core::id::{InquiryId, WebhookId};
use verity_store::{
    Attempt, AttemptOutcome, AttemptResult, Change, ClaimedDelivery, DeliveryStatus,
    EndpointHealth, NewEvent, Store, StoreError, Subscription, Webhook, WebhookStatus,
};

use super::first_page;
use crate::fixtures::{self, NOW};
use crate::harness::Harness;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn webhook(events: Subscription, status: WebhookStatus) -> Webhook {
    Webhook {
        id: fixtures::id(),
        url: "https://example.com/hook".into(),
        status,
        events,
        blocklist: vec!["fields".into()],
        secret: SECRET.into(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        disabled_reason: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn event(name: EventName, inquiry: &InquiryId, at: i64) -> NewEvent {
    NewEvent {
        id: fixtures::id(),
        name,
        subject_id: inquiry.to_string(),
        inquiry_id: Some(inquiry.clone()),
        created_at: at,
        payload: json!({ "data": { "id": inquiry.to_string() } }),
    }
}

async fn commit_events(store: &dyn Store, events: Vec<NewEvent>) {
    store
        .commit(Change {
            events,
            ..Change::default()
        })
        .await
        .expect("commit events");
}

fn outcome(d: &ClaimedDelivery, result: AttemptResult, endpoint: EndpointHealth) -> AttemptOutcome {
    AttemptOutcome {
        delivery_id: d.id.clone(),
        webhook_id: d.webhook.id.clone(),
        attempt: Attempt {
            attempt: d.attempts + 1,
            started_at: NOW + 10,
            latency_ms: 5,
            status_code: Some(if result == AttemptResult::Delivered {
                200
            } else {
                500
            }),
            error: (result != AttemptResult::Delivered).then(|| "answered 500".into()),
            next_attempt_at: match result {
                AttemptResult::RetryAt(at) => Some(at),
                _ => None,
            },
        },
        result,
        endpoint,
    }
}

pub async fn webhooks_insert_update_get_list(h: &Harness) {
    let store = h.open().await;
    let mut w = webhook(
        Subscription::Only(vec![EventName::InquiryCreated]),
        WebhookStatus::Enabled,
    );
    store.insert_webhook(&w).await.expect("insert");
    assert!(matches!(
        store.insert_webhook(&w).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert_eq!(store.webhook(&w.id).await.expect("get"), Some(w.clone()));
    assert!(
        !format!("{w:?}").contains(SECRET),
        "Debug must redact the secret"
    );

    // Disabled by the worker with a failure time; enabling again clears it.
    let claimed_outcome = AttemptOutcome {
        delivery_id: fixtures::id(),
        webhook_id: w.id.clone(),
        attempt: Attempt {
            attempt: 1,
            started_at: NOW,
            latency_ms: 1,
            status_code: Some(410),
            error: Some("gone".into()),
            next_attempt_at: None,
        },
        result: AttemptResult::GiveUp,
        endpoint: EndpointHealth::Disable("gone".into()),
    };
    // An outcome for an unknown delivery is refused (its attempt row has no delivery).
    assert!(store.record_attempts(&[claimed_outcome]).await.is_err());

    w.url = "https://example.org/other".into();
    w.events = Subscription::All;
    w.previous_secret = Some(SECRET.into());
    w.previous_secret_expires_at = Some(NOW + 1000);
    w.secret = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
    w.status = WebhookStatus::Disabled;
    w.updated_at = NOW + 1;
    store.update_webhook(&w).await.expect("update");
    assert_eq!(store.webhook(&w.id).await.expect("get"), Some(w.clone()));
    assert_eq!(w.signing_secrets(NOW).len(), 2);
    assert_eq!(w.signing_secrets(NOW + 1000).len(), 1);

    let missing = webhook(Subscription::All, WebhookStatus::Enabled);
    assert!(matches!(
        store.update_webhook(&missing).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.webhook(&missing.id).await.expect("get"), None);

    let second = webhook(Subscription::All, WebhookStatus::Enabled);
    store.insert_webhook(&second).await.expect("insert");
    let page = store.list_webhooks(&first_page(1)).await.expect("list");
    assert_eq!(page.items, vec![second.clone()], "newest first");
    assert!(page.next_after.is_some());
}

/// The event names of an endpoint's deliveries, newest first; all pending and fresh.
async fn names(store: &dyn Store, id: &WebhookId, inquiry: &InquiryId) -> Vec<EventName> {
    let page = store
        .list_deliveries(id, &first_page(100))
        .await
        .expect("list");
    page.items
        .iter()
        .map(|d| {
            assert_eq!(d.status, DeliveryStatus::Pending);
            assert_eq!(d.inquiry_id.as_ref(), Some(inquiry));
            assert_eq!(d.attempts, 0);
            d.event_name
        })
        .collect()
}

pub async fn webhooks_commit_writes_the_outbox(h: &Harness) {
    let store = h.open().await;
    let all = webhook(Subscription::All, WebhookStatus::Enabled);
    let created_only = webhook(
        Subscription::Only(vec![EventName::InquiryCreated]),
        WebhookStatus::Enabled,
    );
    let disabled = webhook(Subscription::All, WebhookStatus::Disabled);
    for w in [&all, &created_only, &disabled] {
        store.insert_webhook(w).await.expect("insert");
    }
    let inquiry: InquiryId = fixtures::id();
    let created = event(EventName::InquiryCreated, &inquiry, NOW);
    let expired = event(EventName::InquiryExpired, &inquiry, NOW + 1);
    commit_events(store.as_ref(), vec![created.clone(), expired.clone()]).await;

    assert_eq!(
        names(store.as_ref(), &all.id, &inquiry).await,
        vec![EventName::InquiryExpired, EventName::InquiryCreated]
    );
    assert_eq!(
        names(store.as_ref(), &created_only.id, &inquiry).await,
        vec![EventName::InquiryCreated]
    );
    assert!(names(store.as_ref(), &disabled.id, &inquiry)
        .await
        .is_empty());

    // A failing commit writes no deliveries either.
    let duplicate = Change {
        events: vec![
            event(EventName::InquiryCreated, &inquiry, NOW),
            created.clone(),
        ],
        ..Change::default()
    };
    assert!(store.commit(duplicate).await.is_err());
    assert_eq!(names(store.as_ref(), &all.id, &inquiry).await.len(), 2);
}

pub async fn webhooks_claim_is_ordered_per_inquiry_and_leased(h: &Harness) {
    let store = h.open().await;
    let w = webhook(Subscription::All, WebhookStatus::Enabled);
    store.insert_webhook(&w).await.expect("insert");
    let (a, b): (InquiryId, InquiryId) = (fixtures::id(), fixtures::id());
    let a1 = event(EventName::InquiryCreated, &a, NOW);
    let b1 = event(EventName::InquiryCreated, &b, NOW);
    commit_events(store.as_ref(), vec![a1.clone(), b1.clone()]).await;
    let a2 = event(EventName::InquiryExpired, &a, NOW + 1);
    commit_events(store.as_ref(), vec![a2.clone()]).await;

    // Not yet due.
    assert!(store
        .claim_deliveries(NOW - 1, NOW + 100, 10)
        .await
        .expect("claim")
        .is_empty());
    // a2 waits for a1; b1 is independent.
    let first = store
        .claim_deliveries(NOW, NOW + 100, 10)
        .await
        .expect("claim");
    let ids: HashSet<_> = first.iter().map(|d| d.event.id.clone()).collect();
    assert_eq!(ids, HashSet::from([a1.id.clone(), b1.id.clone()]));
    let d_a1 = first
        .iter()
        .find(|d| d.event.id == a1.id)
        .expect("a1")
        .clone();
    assert_eq!(d_a1.webhook, w);
    assert_eq!(d_a1.event.payload, a1.payload);
    assert_eq!(d_a1.attempts, 0);
    // Leased: nobody else gets them, and a2 stays blocked.
    assert!(store
        .claim_deliveries(NOW + 50, NOW + 150, 10)
        .await
        .expect("claim")
        .is_empty());

    // a1 fails and is retried later: a2 stays blocked behind it.
    store
        .record_attempts(&[outcome(
            &d_a1,
            AttemptResult::RetryAt(NOW + 500),
            EndpointHealth::Failing,
        )])
        .await
        .expect("record");
    let stored = store.webhook(&w.id).await.expect("get").expect("webhook");
    assert_eq!(stored.failing_since, Some(NOW + 10));
    assert!(store
        .claim_deliveries(NOW + 60, NOW + 300, 10)
        .await
        .expect("claim")
        .is_empty());

    // The lease of b1 expires (its worker died): claimable again.
    let again = store
        .claim_deliveries(NOW + 150, NOW + 10_000, 10)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].event.id, b1.id);

    // a1 is due again, delivered on its second attempt; then a2 becomes claimable.
    let retry = store
        .claim_deliveries(NOW + 500, NOW + 600, 10)
        .await
        .expect("claim");
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].event.id, a1.id);
    assert_eq!(retry[0].attempts, 1);
    store
        .record_attempts(&[outcome(
            &retry[0],
            AttemptResult::Delivered,
            EndpointHealth::Healthy,
        )])
        .await
        .expect("record");
    let stored = store.webhook(&w.id).await.expect("get").expect("webhook");
    assert_eq!(stored.failing_since, None);
    let next = store
        .claim_deliveries(NOW + 500, NOW + 600, 10)
        .await
        .expect("claim");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].event.id, a2.id);

    let delivered = store
        .delivery(&retry[0].id)
        .await
        .expect("get")
        .expect("delivery");
    assert_eq!(delivered.status, DeliveryStatus::Delivered);
    assert_eq!(delivered.attempts, 2);
    assert_eq!(delivered.history.len(), 2);
    assert_eq!(delivered.history[0].status_code, Some(500));
    assert_eq!(delivered.history[0].next_attempt_at, Some(NOW + 500));
    assert_eq!(delivered.history[1].status_code, Some(200));

    // Giving up with a disable: the endpoint is disabled and its deliveries park.
    store
        .record_attempts(&[outcome(
            &next[0],
            AttemptResult::GiveUp,
            EndpointHealth::Disable("gone".into()),
        )])
        .await
        .expect("record");
    let stored = store.webhook(&w.id).await.expect("get").expect("webhook");
    assert_eq!(stored.status, WebhookStatus::Disabled);
    assert_eq!(stored.disabled_reason.as_deref(), Some("gone"));
    assert_eq!(
        store
            .delivery(&next[0].id)
            .await
            .expect("get")
            .expect("delivery")
            .status,
        DeliveryStatus::Failed
    );
    store
        .redeliver(&next[0].id, NOW + 700)
        .await
        .expect("redeliver");
    assert!(store
        .claim_deliveries(NOW + 700, NOW + 800, 10)
        .await
        .expect("claim")
        .is_empty());
    let mut enabled = stored.clone();
    enabled.status = WebhookStatus::Enabled;
    enabled.disabled_reason = None;
    store.update_webhook(&enabled).await.expect("enable");
    let stored = store.webhook(&w.id).await.expect("get").expect("webhook");
    assert_eq!(stored.failing_since, None, "enabling clears failing_since");
    let redelivered = store
        .claim_deliveries(NOW + 700, NOW + 800, 10)
        .await
        .expect("claim");
    assert_eq!(redelivered.len(), 1);
    assert_eq!(redelivered[0].event.id, a2.id);
    assert_eq!(redelivered[0].attempts, 0, "a fresh schedule");
    assert!(matches!(
        store.redeliver(&fixtures::id(), NOW).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn webhooks_concurrent_claimers_never_share_a_delivery(h: &Harness) {
    let first = h.open().await;
    let second = h.open().await;
    let w = webhook(Subscription::All, WebhookStatus::Enabled);
    first.insert_webhook(&w).await.expect("insert");
    for _ in 0..20 {
        let events = (0..10)
            .map(|n| event(EventName::InquiryCreated, &fixtures::id(), NOW + n))
            .collect();
        commit_events(first.as_ref(), events).await;
    }
    let claim = |store: std::sync::Arc<dyn Store>| async move {
        let mut got = Vec::new();
        loop {
            let batch = store
                .claim_deliveries(NOW + 100, NOW + 10_000, 7)
                .await
                .expect("claim");
            if batch.is_empty() {
                return got;
            }
            got.extend(batch.into_iter().map(|d| d.id));
        }
    };
    let (x, y) = tokio::join!(
        tokio::spawn(claim(first.clone())),
        tokio::spawn(claim(second.clone()))
    );
    let (x, y) = (x.expect("task"), y.expect("task"));
    let all: HashSet<_> = x.iter().chain(y.iter()).cloned().collect();
    assert_eq!(x.len() + y.len(), 200, "every delivery claimed once");
    assert_eq!(all.len(), 200, "no delivery claimed twice");
}

pub async fn webhooks_deliveries_for_inquiry_cover_every_endpoint_newest_first(h: &Harness) {
    let store = h.open().await;
    let (one, two) = (
        webhook(Subscription::All, WebhookStatus::Enabled),
        webhook(Subscription::All, WebhookStatus::Enabled),
    );
    for w in [&one, &two] {
        store.insert_webhook(w).await.expect("insert");
    }
    let (a, b): (InquiryId, InquiryId) = (fixtures::id(), fixtures::id());
    let a1 = event(EventName::InquiryCreated, &a, NOW);
    let b1 = event(EventName::InquiryCreated, &b, NOW);
    commit_events(store.as_ref(), vec![a1, b1]).await;
    commit_events(
        store.as_ref(),
        vec![event(EventName::InquiryExpired, &a, NOW + 1)],
    )
    .await;
    let of_a = store.deliveries_for_inquiry(&a, 10).await.expect("list");
    let seen: Vec<(EventName, bool)> = of_a
        .iter()
        .map(|d| (d.event_name, d.webhook_id == one.id))
        .collect();
    assert_eq!(seen.len(), 4, "two events to two endpoints");
    assert!(of_a.iter().all(|d| d.inquiry_id.as_ref() == Some(&a)));
    assert_eq!(
        seen[..2].iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [EventName::InquiryExpired; 2],
        "newest first"
    );
    assert_eq!(seen.iter().filter(|(_, to_one)| *to_one).count(), 2);
    assert_eq!(
        store
            .deliveries_for_inquiry(&a, 1)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        store
            .deliveries_for_inquiry(&b, 10)
            .await
            .expect("list")
            .len(),
        2
    );
    assert!(store
        .deliveries_for_inquiry(&fixtures::id(), 10)
        .await
        .expect("list")
        .is_empty());
}
