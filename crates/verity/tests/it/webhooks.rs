//! Webhook delivery end to end: a real receiver on 127.0.0.1 gets signed deliveries from
//! the real binary. Signatures are checked by the unmodified `standardwebhooks` npm
//! package and an independent Persona-Signature HMAC (web/webhooks-node/test/
//! deliveries.test.js, run with node); retries keep the `webhook-id`; 410 disables; a
//! redirect is a failure; the SSRF guard refuses 127.0.0.1 unless allowed; and a `kill -9`
//! in the middle of a burst loses no event and keeps each inquiry's events in order.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::server::TestServer;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Bytes,
}

/// A webhook receiver on 127.0.0.1: `POST /hook/{behaviour}` records the request and answers
/// by `behaviour` (`ok`, `flaky`, `gone`, `redirect`). Shared with `webhooks_postgres`.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub(crate) fn all(&self) -> Vec<Received> {
        self.got.lock().expect("receiver lock").clone()
    }
}

async fn receive(
    State(r): State<Receiver>,
    Path(behaviour): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: HashMap<String, String> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let seen_before = {
        let mut got = r.got.lock().expect("receiver lock");
        let seen = got
            .iter()
            .any(|g| g.path == behaviour && g.headers.get("webhook-id") == Some(&id));
        got.push(Received {
            path: behaviour.clone(),
            headers,
            body,
        });
        seen
    };
    match behaviour.as_str() {
        "flaky" if !seen_before => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "gone" => StatusCode::GONE.into_response(),
        "redirect" => (StatusCode::FOUND, [("location", "/hook/ok")]).into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

pub(crate) async fn start_receiver() -> (Receiver, SocketAddr) {
    let receiver = Receiver::default();
    let app = axum::Router::new()
        .route("/hook/{behaviour}", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let addr = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, addr)
}

fn server_allowing_private(dir: Option<std::path::PathBuf>, key: Option<&str>) -> TestServer {
    let mut b = TestServer::builder()
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("VERITY_WEBHOOK_RETRY_DELAYS_MS", "[0, 300, 300, 300]")
        .env("VERITY_WEBHOOK_TIMEOUT_SECONDS", "2")
        .env("VERITY_WEBHOOK_POLL_INTERVAL_MS", "100");
    if let Some(dir) = dir {
        b = b.data_dir(dir);
    }
    if let Some(key) = key {
        b = b.api_key(key);
    }
    b.start()
}

pub(crate) async fn create_webhook(s: &TestServer, url: &str, extra: Value) -> (String, String) {
    let mut attributes = json!({"url": url, "enabled-events": ["*"]});
    if let (Some(a), Some(e)) = (attributes.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let (status, body) = s
        .post(
            "/api/v1/webhooks",
            json!({"data": {"attributes": attributes}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().expect("webhook id").to_owned();
    let secret = body["meta"]["secret"].as_str().expect("secret").to_owned();
    (id, secret)
}

/// Polls `check` until it returns `Some`, failing after `secs` seconds.
pub(crate) async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every event in the log, oldest first (the API lists newest first).
pub(crate) async fn all_events(s: &TestServer) -> Vec<Value> {
    let mut events = Vec::new();
    let mut next = Some("/api/v1/events?page%5Bsize%5D=100".to_owned());
    while let Some(path) = next {
        let (status, page) = s.get(&path).await;
        assert_eq!(status, 200, "{page}");
        events.extend(page["data"].as_array().expect("data").iter().cloned());
        next = page["links"]["next"].as_str().map(str::to_owned);
    }
    events.reverse();
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_verify_with_standardwebhooks_and_persona_format() {
    let (receiver, addr) = start_receiver().await;
    let s = server_allowing_private(None, None);
    let (webhook, old_secret) = create_webhook(
        &s,
        &format!("http://{addr}/hook/ok"),
        json!({"payload-blocklist": ["fields", "reference-id"]}),
    )
    .await;
    // The secret is shown once: never in a read.
    let (_, read) = s.get(&format!("/api/v1/webhooks/{webhook}")).await;
    assert!(!read.to_string().contains(&old_secret), "{read}");

    let template = s.template_id("Demo: ID").await;
    let (status, created) = s
        .create_inquiry(
            &template,
            json!({"reference-id": "personal-ref", "fields": {"name-first": "Ada"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let first = eventually(20, "the first delivery", || {
        let r = receiver.clone();
        async move { r.all().into_iter().next() }
    })
    .await;
    let body: Value = serde_json::from_slice(&first.body).expect("JSON body");
    assert_eq!(body["data"]["type"], "event");
    assert_eq!(body["data"]["id"], first.headers["webhook-id"]);
    assert_eq!(body["data"]["attributes"]["name"], "inquiry.created");
    let attributes = &body["data"]["attributes"]["payload"]["data"]["attributes"];
    assert!(attributes.get("status").is_some(), "{body}");
    assert!(attributes.get("fields").is_none(), "blocklisted: {body}");
    assert!(
        attributes.get("reference-id").is_none(),
        "blocklisted: {body}"
    );
    assert!(!String::from_utf8_lossy(&first.body).contains("personal-ref"));
    assert_eq!(first.headers["verity-attempt"], "1");

    // Rotate, keeping the old secret valid: the next delivery carries both signatures.
    let (status, rotated) = s
        .post(
            &format!("/api/v1/webhooks/{webhook}/rotate-secret"),
            json!({"data": {"attributes": {"previous-secret-expires-in-seconds": 3600}}}),
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["meta"]["secret"]
        .as_str()
        .expect("new secret")
        .to_owned();
    let inquiry = created["data"]["id"].as_str().expect("inquiry id");
    let (status, _) = s
        .post(&format!("/api/v1/inquiries/{inquiry}/expire"), json!({}))
        .await;
    assert_eq!(status, 200);
    let rotated_delivery = eventually(20, "a delivery after rotation", || {
        let r = receiver.clone();
        async move {
            r.all()
                .into_iter()
                .find(|g| g.headers["webhook-signature"].contains(' '))
        }
    })
    .await;
    assert_eq!(
        rotated_delivery.headers["persona-signature"]
            .split(' ')
            .count(),
        2
    );

    // Hand both deliveries to node: `standardwebhooks` (unmodified) and node:crypto.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("deliveries.json");
    let cases = json!([
        {"secrets": [old_secret], "delivery": as_json(&first)},
        {"secrets": [new_secret, old_secret], "delivery": as_json(&rotated_delivery)},
    ]);
    std::fs::write(&file, cases.to_string()).expect("write deliveries");
    let test = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/webhooks-node/test/deliveries.test.js"
    );
    let out = std::process::Command::new("node")
        .arg("--test")
        .arg(test)
        .env("VERITY_DELIVERIES", &file)
        .output()
        .expect("run node (install web/webhooks-node's dev dependencies first)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node verification failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("# pass 4"), "{stdout}");
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

fn as_json(r: &Received) -> Value {
    json!({"headers": r.headers, "body": String::from_utf8_lossy(&r.body)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_gone_redirects_and_the_ssrf_guard() {
    let (receiver, addr) = start_receiver().await;
    let s = server_allowing_private(None, None);
    let (flaky, _) = create_webhook(&s, &format!("http://{addr}/hook/flaky"), json!({})).await;
    let (gone, _) = create_webhook(&s, &format!("http://{addr}/hook/gone"), json!({})).await;
    let (redirect, _) =
        create_webhook(&s, &format!("http://{addr}/hook/redirect"), json!({})).await;
    let template = s.template_id("Demo: ID").await;
    let (status, _) = s.create_inquiry(&template, json!({})).await;
    assert_eq!(status, 201);

    // 500 then 204: delivered on attempt 2 with the same webhook-id.
    let delivered = eventually(20, "the flaky endpoint's delivery", || {
        let s = &s;
        let flaky = flaky.clone();
        async move {
            let (_, page) = s.get(&format!("/api/v1/webhooks/{flaky}/deliveries")).await;
            let d = page["data"][0].clone();
            (d["attributes"]["status"] == "delivered").then_some(d)
        }
    })
    .await;
    let attempts = delivered["attributes"]["attempts"]
        .as_array()
        .expect("attempts");
    assert_eq!(attempts.len(), 2, "{delivered}");
    assert_eq!(attempts[0]["response-code"], 500);
    assert_eq!(attempts[0]["status"], "failed");
    assert!(attempts[0]["next-attempt-at"].is_string());
    assert_eq!(attempts[1]["response-code"], 204);
    assert!(attempts[1]["latency-ms"].is_i64());
    let ids: Vec<String> = receiver
        .all()
        .iter()
        .filter(|g| g.path == "flaky")
        .map(|g| g.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "a retry keeps its webhook-id");

    // 410 disables the endpoint.
    eventually(20, "the 410 endpoint to be disabled", || {
        let s = &s;
        let gone = gone.clone();
        async move {
            let (_, w) = s.get(&format!("/api/v1/webhooks/{gone}")).await;
            (w["data"]["attributes"]["status"] == "disabled").then_some(())
        }
    })
    .await;

    // A redirect is a failure, retried until the (short) schedule gives up; never followed.
    let failed = eventually(20, "the redirecting endpoint's delivery to fail", || {
        let s = &s;
        let redirect = redirect.clone();
        async move {
            let (_, page) = s
                .get(&format!("/api/v1/webhooks/{redirect}/deliveries"))
                .await;
            let d = page["data"][0].clone();
            (d["attributes"]["status"] == "failed").then_some(d)
        }
    })
    .await;
    let attempts = failed["attributes"]["attempts"]
        .as_array()
        .expect("attempts");
    assert_eq!(attempts.len(), 4, "{failed}");
    assert!(attempts.iter().all(|a| a["response-code"] == 302));
    assert!(
        receiver.all().iter().all(|g| g.path != "ok"),
        "redirect followed"
    );

    // Redeliver makes it pending again and it is attempted once more.
    let delivery = failed["id"].as_str().expect("delivery id");
    let (status, again) = s
        .post(
            &format!("/api/v1/webhooks/{redirect}/deliveries/{delivery}/redeliver"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{again}");
    let before = receiver
        .all()
        .iter()
        .filter(|g| g.path == "redirect")
        .count();
    eventually(20, "the redelivery", || {
        let r = receiver.clone();
        async move { (r.all().iter().filter(|g| g.path == "redirect").count() > before).then_some(()) }
    })
    .await;

    // Without the allowance, 127.0.0.1 and metadata addresses are refused with a 422.
    let strict = TestServer::start();
    for url in [
        format!("http://{addr}/hook/ok"),
        "http://169.254.169.254/latest".into(),
        "http://[fd00:ec2::254]/".into(),
        "ftp://example.com/".into(),
    ] {
        let (status, body) = strict
            .post(
                "/api/v1/webhooks",
                json!({"data": {"attributes": {"url": url}}}),
            )
            .await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(
            body["errors"][0]["source"]["pointer"], "/data/attributes/url",
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_event_and_keeps_order() {
    let (receiver, addr) = start_receiver().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = server_allowing_private(Some(data.clone()), None);
    let key = s.api_key.clone();
    create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    let template = s.template_id("Demo: ID").await;

    // 8 clients, each: create, resume, expire on its own inquiries: ~2,100 changes.
    let changes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (client, base, key, template, changes) = (
            s.client.clone(),
            s.base.clone(),
            key.clone(),
            template.clone(),
            changes.clone(),
        );
        clients.push(tokio::spawn(async move {
            for _ in 0..88 {
                let body = json!({"data": {"attributes": {"inquiry-template-id": template}}});
                let Ok(r) = client
                    .post(format!("{base}/api/v1/inquiries"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                else {
                    return;
                };
                let Ok(created) = r.json::<Value>().await else {
                    return;
                };
                let Some(id) = created["data"]["id"].as_str() else {
                    return;
                };
                changes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                for action in ["resume", "expire"] {
                    let url = format!("{base}/api/v1/inquiries/{id}/{action}");
                    let Ok(r) = client
                        .post(url)
                        .bearer_auth(&key)
                        .json(&json!({}))
                        .send()
                        .await
                    else {
                        return;
                    };
                    if !r.status().is_success() {
                        return;
                    }
                    changes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    eventually(120, "half the burst", || {
        let c = changes.clone();
        async move { (c.load(std::sync::atomic::Ordering::Relaxed) >= 1_000).then_some(()) }
    })
    .await;
    s.kill9();
    for c in clients {
        let _ = c.await;
    }
    let s = server_allowing_private(Some(data), Some(&key));

    let events = all_events(&s).await;
    assert!(events.len() >= 1_000, "{} events", events.len());
    let expected: HashSet<String> = events
        .iter()
        .map(|e| e["id"].as_str().expect("event id").to_owned())
        .collect();
    eventually(120, "every committed event at the receiver", || {
        let r = receiver.clone();
        let expected = &expected;
        async move {
            let got: HashSet<String> = r
                .all()
                .iter()
                .map(|g| g.headers["webhook-id"].clone())
                .collect();
            expected.is_subset(&got).then_some(())
        }
    })
    .await;

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
    let mut first_seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen = HashSet::new();
    for g in receiver.all() {
        let id = g.headers["webhook-id"].clone();
        if !seen.insert(id.clone()) {
            continue;
        }
        let body: Value = serde_json::from_slice(&g.body).expect("JSON body");
        let inquiry = inquiry_of(&body["data"]["attributes"]["payload"]["data"]);
        if inquiry.starts_with("inq_") {
            first_seen.entry(inquiry).or_default().push(id);
        }
    }
    for (inquiry, order) in &log_order {
        assert_eq!(first_seen.get(inquiry), Some(order), "order of {inquiry}");
    }
}
