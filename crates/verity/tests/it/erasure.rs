//! Erasure: after `DELETE /api/v1/inquiries/{id}` no personal value of the inquiry is left in
//! any API response (the event log included, which webhook deliveries and redeliveries send)
//! or idempotency replay, and the inquiry's old session tokens are refused.

use reqwest::Method;
use serde_json::json;

use crate::postgres::{drop_database, fresh_database};
use crate::server::TestServer;

const MARKER: &str = "Zebulonquistmarker";

#[tokio::test]
async fn after_a_redaction_no_event_names_the_person_and_old_tokens_are_refused_sqlite() {
    nothing_left_after_redaction(&TestServer::start()).await;
}

#[tokio::test]
async fn after_a_redaction_no_event_names_the_person_and_old_tokens_are_refused_postgres() {
    let url = fresh_database().await;
    let s = TestServer::builder().database_url(&url).start();
    nothing_left_after_redaction(&s).await;
    drop(s);
    drop_database(&url).await;
}

async fn nothing_left_after_redaction(s: &TestServer) {
    let template = s.template_id("Demo: ID").await;
    let create = json!({"data": {"attributes": {
        "inquiry-template-id": template, "fields": {"name-first": MARKER}}}});
    let send_create = || {
        s.client
            .post(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .header("Idempotency-Key", "erasure-create")
            .json(&create)
            .send()
    };
    let resp = send_create().await.expect("create");
    assert_eq!(resp.status().as_u16(), 201);
    let created: serde_json::Value = resp.json().await.expect("json");
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    let (status, resumed) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "{resumed}");
    let token = resumed["meta"]["session-token"]
        .as_str()
        .expect("token")
        .to_owned();
    let events = format!("/api/v1/events?filter[inquiry-id]={id}&page[size]=100");
    let (_, before) = s.get(&events).await;
    assert!(
        before.to_string().contains(MARKER),
        "the marker is in the log before: {before}"
    );

    let (status, _) = s
        .call(Method::DELETE, &format!("/api/v1/inquiries/{id}"), None)
        .await;
    assert_eq!(status, 200);
    let (_, after) = s.get(&events).await;
    assert!(!after["data"].as_array().expect("events").is_empty());
    assert!(
        !after.to_string().contains(MARKER),
        "no event keeps the name: {after}"
    );
    let (_, inquiry) = s
        .get(&format!("/api/v1/inquiries/{id}?include=sessions"))
        .await;
    assert!(!inquiry.to_string().contains(MARKER), "{inquiry}");

    // Replaying the create answers the same (now redacted) inquiry, without the name.
    let replay = send_create().await.expect("replay");
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed = replay.text().await.unwrap_or_default();
    assert!(replayed.contains(&id), "{replayed}");
    assert!(
        !replayed.contains(MARKER),
        "the replay keeps no name: {replayed}"
    );

    let resp = s
        .client
        .post(s.url(&format!("/flow/v1/inquiries/{id}/steps/start")))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("step");
    let code = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    assert!(
        matches!(code, 401 | 409),
        "the old session is refused: {code} {body}"
    );
    assert!(!body.contains(MARKER), "{body}");
}
