//! Webhook delivery with two `verity serve` processes on one PostgreSQL database and one
//! receiver (docs/webhooks.md §4): both workers claim from the same outbox (`FOR UPDATE SKIP LOCKED`
//! with leases), so every event arrives, each inquiry's events arrive in log order even when
//! its changes were made through different processes, and double deliveries stay rare.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::postgres::{drop_database, fresh_database};
use crate::server::TestServer;
use crate::webhooks::{all_events, start_receiver, Receiver};

/// Inquiries in the burst; each is created, resumed and expired (three state changes, each
/// made through a different process than the one before it).
const INQUIRIES: usize = 300;
/// Concurrent API clients driving the burst.
const CLIENTS: usize = 12;

/// One delivery as the receiver saw it: its `webhook-id` and the inquiry it is about.
#[derive(Clone, Debug)]
struct Arrival {
    webhook_id: String,
    inquiry: String,
}

/// Everything the shared receiver got, in arrival order.
fn arrivals(receiver: &Receiver) -> Vec<Arrival> {
    receiver
        .all()
        .into_iter()
        .map(|r| Arrival {
            webhook_id: r.headers.get("webhook-id").cloned().unwrap_or_default(),
            inquiry: serde_json::from_slice::<Value>(&r.body)
                .map(|b| inquiry_of(&b["data"]["attributes"]["payload"]["data"]))
                .unwrap_or_default(),
        })
        .collect()
}

/// The inquiry a payload's resource belongs to: itself, or its `inquiry` relationship.
fn inquiry_of(resource: &Value) -> String {
    let own = resource["id"].as_str().unwrap_or("");
    if own.starts_with("inq_") {
        return own.to_owned();
    }
    resource["relationships"]["inquiry"]["data"]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn server(url: &str, key: Option<&str>) -> TestServer {
    let mut b = TestServer::builder()
        .database_url(url)
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("VERITY_WEBHOOK_RETRY_DELAYS_MS", "[0, 300, 300, 300]")
        .env("VERITY_WEBHOOK_TIMEOUT_SECONDS", "2")
        // The other process's commits do not wake this worker: it finds them by polling.
        .env("VERITY_WEBHOOK_POLL_INTERVAL_MS", "100");
    if let Some(key) = key {
        b = b.api_key(key);
    }
    b.start()
}

/// POSTs `body` to `base` + `path` and fails the test unless it succeeds; returns the JSON.
async fn post_ok(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    path: &str,
    body: Value,
) -> Value {
    let response = client
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {path}: {status} {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_deliver_every_event_in_order_with_few_duplicates() {
    let (receiver, addr) = start_receiver().await;
    let url = fresh_database().await;
    let a = server(&url, None);
    let b = server(&url, Some(&a.api_key));
    let (status, created) = a
        .post(
            "/api/v1/webhooks",
            json!({"data": {"attributes": {"url": format!("http://{addr}/hook/ok"), "enabled-events": ["*"]}}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let template = a.template_id("Demo: ID").await;

    // Inquiry n is created through one process, resumed through the other, and expired
    // through the first again: consecutive events of one inquiry come from both outboxes.
    let bases = Arc::new([a.base.clone(), b.base.clone()]);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (client, key, template, bases, next) = (
            a.client.clone(),
            a.api_key.clone(),
            template.clone(),
            bases.clone(),
            next.clone(),
        );
        clients.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= INQUIRIES {
                    break;
                }
                let (here, there) = (&bases[n % 2], &bases[(n + 1) % 2]);
                let body = json!({"data": {"attributes": {"inquiry-template-id": template}}});
                let created = post_ok(&client, here, &key, "/api/v1/inquiries", body).await;
                let id = created["data"]["id"].as_str().expect("inquiry id");
                let resume = format!("/api/v1/inquiries/{id}/resume");
                post_ok(&client, there, &key, &resume, json!({})).await;
                let expire = format!("/api/v1/inquiries/{id}/expire");
                post_ok(&client, here, &key, &expire, json!({})).await;
            }
        }));
    }
    for c in clients {
        c.await.expect("API client");
    }

    let events = all_events(&a).await;
    assert!(events.len() >= 3 * INQUIRIES, "{} events", events.len());
    let expected: HashSet<String> = events
        .iter()
        .map(|e| e["id"].as_str().expect("event id").to_owned())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got: HashSet<String> = arrivals(&receiver)
            .into_iter()
            .map(|g| g.webhook_id)
            .collect();
        if expected.is_subset(&got) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "timed out: {} of {} events at the receiver",
            expected.intersection(&got).count(),
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let arrivals = arrivals(&receiver);
    let mut first_seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut duplicates = 0_usize;
    for g in &arrivals {
        if !seen.insert(g.webhook_id.clone()) {
            duplicates += 1;
            continue;
        }
        if g.inquiry.starts_with("inq_") {
            first_seen
                .entry(g.inquiry.clone())
                .or_default()
                .push(g.webhook_id.clone());
        }
    }
    println!(
        "two processes: {} events, {} deliveries, {duplicates} duplicates",
        expected.len(),
        arrivals.len()
    );
    assert!(
        seen.is_subset(&expected),
        "the receiver got ids that are not in the event log"
    );

    // Per inquiry, events first arrive in log order.
    let mut log_order: HashMap<String, Vec<String>> = HashMap::new();
    for e in &events {
        let inquiry = inquiry_of(&e["attributes"]["payload"]["data"]);
        if inquiry.starts_with("inq_") {
            log_order
                .entry(inquiry)
                .or_default()
                .push(e["id"].as_str().unwrap_or("").to_owned());
        }
    }
    assert_eq!(log_order.len(), INQUIRIES);
    for (inquiry, order) in &log_order {
        assert!(order.len() >= 3, "{inquiry}: {order:?}");
        assert_eq!(first_seen.get(inquiry), Some(order), "order of {inquiry}");
    }
    assert!(
        duplicates * 100 < expected.len(),
        "{duplicates} duplicates of {} events (limit: under 1 %)",
        expected.len()
    );

    drop(a);
    drop(b);
    drop_database(&url).await;
}
