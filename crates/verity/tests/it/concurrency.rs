//! Lost updates: concurrent changes of one template through the API all land, on SQLite and
//! on PostgreSQL (each template write is checked against the revision it was read at).

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
