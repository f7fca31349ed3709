//! One binary, split by configuration: an API-only process (`workers = []`) and a
//! workers-only process (`run_api = false`) sharing one PostgreSQL database complete a
//! verification together; the API-only process alone never checks one.

use std::time::{Duration, Instant};

use verity_checks::fixtures::{self, LicenceVariant};

use crate::postgres::{drop_database, fresh_database};
use crate::server::TestServer;
use crate::verifications::{included_verifications, strict_template, wait_for_status, Flow};

/// The statuses of the inquiry's verifications, sorted.
async fn verification_statuses(s: &TestServer, id: &str) -> Vec<String> {
    let mut statuses: Vec<String> = included_verifications(s, id)
        .await
        .iter()
        .map(|v| v["attributes"]["status"].as_str().unwrap_or("").to_owned())
        .collect();
    statuses.sort_unstable();
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_only_and_a_workers_only_process_complete_a_verification_together() {
    let url = fresh_database().await;
    let api = TestServer::builder()
        .database_url(&url)
        .env("VERITY_WORKERS", "[]")
        .env("VERITY_CHECKS_POLL_INTERVAL_MS", "50")
        .start();
    let (code, template) = api
        .post("/api/v1/inquiry-templates", strict_template())
        .await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    let today = chrono::Utc::now().date_naive();
    let flow = Flow::start(&api, &template_id).await;
    let after = flow
        .run(&fixtures::licence(LicenceVariant::Valid, today))
        .await;
    assert_eq!(after["inquiry"]["status"], "pending");

    // Alone, the API process stores the verifications and never checks them: over many
    // of its (unused) poll intervals they stay `submitted`.
    let watched_until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < watched_until {
        assert_eq!(
            verification_statuses(&api, &flow.id).await,
            ["submitted", "submitted"],
            "an API-only process ran checks"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A workers-only process on the same database claims and checks them; the API process
    // serves the outcome.
    let workers = TestServer::builder()
        .database_url(&url)
        .api_key(&api.api_key)
        .env("VERITY_RUN_API", "false")
        .env("VERITY_CHECKS_POLL_INTERVAL_MS", "50")
        .start();
    let (code, _) = workers.get("/api/v1/inquiries").await;
    assert_eq!(code, 404, "a workers-only process serves no API");
    let ready = workers
        .client
        .get(workers.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    wait_for_status(&api, &flow.id, "approved").await;
    assert_eq!(
        verification_statuses(&api, &flow.id).await,
        ["passed", "passed"]
    );
    drop(workers);
    drop(api);
    drop_database(&url).await;
}
