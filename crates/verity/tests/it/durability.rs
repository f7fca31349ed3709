//! Nothing committed is lost: across a graceful restart, and across `kill -9` in the
//! middle of a burst of creates (every inquiry whose POST returned 201 is there after).

use std::sync::Arc;

use serde_json::json;
use tokio::sync::Mutex;

use crate::server::TestServer;

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = TestServer::builder().data_dir(data.clone()).start();
    let key = s.api_key.clone();
    let template = s.template_id("Demo: ID").await;
    let (_, created) = s
        .create_inquiry(
            &template,
            json!({"reference-id": "persist", "fields": {"name-first": "Ada"}}),
        )
        .await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    s.stop();

    let s = TestServer::builder().data_dir(data).api_key(&key).start();
    let (status, got) = s.get(&format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        got["data"]["attributes"]["fields"]["name-first"]["value"],
        "Ada"
    );
    // Demo templates are seeded once, not again on restart.
    let (_, templates) = s.get("/api/v1/inquiry-templates").await;
    assert_eq!(templates["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn kill_9_during_a_burst_loses_no_acknowledged_inquiry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = TestServer::builder().data_dir(data.clone()).start();
    let key = s.api_key.clone();
    let template = s.template_id("Demo: ID").await;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let (enough_tx, mut enough_rx) = tokio::sync::mpsc::channel::<()>(1);

    let mut workers = Vec::new();
    for w in 0..16 {
        let client = s.client.clone();
        let url = s.url("/api/v1/inquiries");
        let key = key.clone();
        let template = template.clone();
        let acknowledged = acknowledged.clone();
        let enough_tx = enough_tx.clone();
        workers.push(tokio::spawn(async move {
            for n in 0..10_000 {
                let body = json!({"data": {"attributes": {"inquiry-template-id": template, "reference-id": format!("w{w}-{n}")}}});
                let Ok(resp) = client.post(&url).bearer_auth(&key).json(&body).send().await else { return };
                if resp.status() != 201 {
                    return;
                }
                let Ok(v) = resp.json::<serde_json::Value>().await else { return };
                let mut acked = acknowledged.lock().await;
                acked.push(v["data"]["id"].as_str().unwrap().to_owned());
                if acked.len() >= 300 {
                    let _ = enough_tx.try_send(());
                }
            }
        }));
    }
    // Kill while requests are in flight, once a good number have been acknowledged.
    enough_rx.recv().await;
    s.kill9();
    for w in workers {
        let _ = w.await;
    }
    let acked = acknowledged.lock().await.clone();
    assert!(acked.len() >= 300);

    let s = TestServer::builder().data_dir(data).api_key(&key).start();
    for id in &acked {
        let (status, _) = s.get(&format!("/api/v1/inquiries/{id}")).await;
        assert_eq!(status, 200, "acknowledged inquiry {id} was lost");
    }
}
