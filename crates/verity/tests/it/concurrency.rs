//! Lost updates: concurrent changes of one template or one webhook endpoint through the API
//! all land, on SQLite and on PostgreSQL (each write is checked against the revision it was
//! read at).

use serde_json::json;

use crate::postgres::{drop_database, fresh_database};
use crate::server::TestServer;

/// Ten publishes at once answer 200 and leave ten new versions, every inquiry's version
/// among them.
async fn ten_concurrent_publishes_keep_ten_versions(s: &TestServer) {
    let template = s.template_id("Demo: ID").await;
    let path = format!("/api/v1/inquiry-templates/{template}");
    let (_, before) = s.get(&path).await;
    let count = |doc: &serde_json::Value| {
        doc["data"]["relationships"]["inquiry-template-versions"]["data"]
            .as_array()
            .map(Vec::len)
            .unwrap_or_default()
    };
    let versions_before = count(&before);
    let publish = format!("{path}/publish");
    let answers = futures::future::join_all((0..10).map(|_| s.post(&publish, json!({})))).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    let (_, after) = s.get(&path).await;
    assert_eq!(count(&after), versions_before + 10, "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_lose_nothing_on_sqlite() {
    let s = TestServer::start();
    ten_concurrent_publishes_keep_ten_versions(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_lose_nothing_on_postgres() {
    let url = fresh_database().await;
    let s = TestServer::builder().database_url(&url).start();
    ten_concurrent_publishes_keep_ten_versions(&s).await;
    drop(s);
    drop_database(&url).await;
}

/// Concurrent changes of different parts of one webhook endpoint (its URL, its payload
/// blocklist, its status) all land: none overwrites another with what it read before.
async fn concurrent_webhook_changes_all_land(s: &TestServer) {
    let (id, _) = crate::webhooks::create_webhook(s, "http://127.0.0.1:9/hook", json!({})).await;
    let path = format!("/api/v1/webhooks/{id}");
    let patch = |attributes: serde_json::Value| {
        s.call(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"data": {"attributes": attributes}})),
        )
    };
    for round in 0..5 {
        let url = format!("http://127.0.0.1:9/hook/{round}");
        let key = format!("secret-{round}");
        let status = if round % 2 == 0 {
            "disabled"
        } else {
            "enabled"
        };
        let answers = futures::join!(
            patch(json!({"url": url})),
            patch(json!({"payload-blocklist": [key]})),
            patch(json!({"status": status})),
        );
        for (code, body) in [&answers.0, &answers.1, &answers.2] {
            assert_eq!(*code, 200, "{body}");
        }
        let (_, got) = s.get(&path).await;
        let a = &got["data"]["attributes"];
        assert_eq!(a["url"], url.as_str(), "round {round}: {got}");
        assert_eq!(a["payload-blocklist"], json!([key]), "round {round}: {got}");
        assert_eq!(a["status"], status, "round {round}: {got}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_webhook_changes_all_land_on_sqlite() {
    let s = TestServer::builder()
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .start();
    concurrent_webhook_changes_all_land(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_webhook_changes_all_land_on_postgres() {
    let url = fresh_database().await;
    let s = TestServer::builder()
        .database_url(&url)
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .start();
    concurrent_webhook_changes_all_land(&s).await;
    drop(s);
    drop_database(&url).await;
}
