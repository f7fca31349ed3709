//! Idempotency records end to end, read back from the idempotency table of the SQLite
//! file: values shown once (session tokens, one-time links) are never stored there, and a
//! replay still answers 2xx, without them, saying they are shown only once.

use serde_json::{json, Value};
use sqlx::{Connection, Row};

use crate::server::TestServer;

/// `POST path` with an `Idempotency-Key` (and a `Key-Inflection`, if given): the status,
/// the body and whether it was a replay.
async fn post_once(
    s: &TestServer,
    path: &str,
    key: &str,
    inflection: Option<&str>,
) -> (u16, Value, bool) {
    let mut request = s
        .client
        .post(s.url(path))
        .bearer_auth(&s.api_key)
        .header("Idempotency-Key", key)
        .json(&json!({}));
    if let Some(inflection) = inflection {
        request = request.header("Key-Inflection", inflection);
    }
    let response = request.send().await.expect("POST");
    let replayed = response.headers().contains_key("idempotent-replayed");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"), replayed)
}

/// Every recorded response body, as the SQLite file holds it.
async fn recorded_bodies(s: &TestServer) -> Vec<String> {
    let url = format!(
        "sqlite://{}?mode=ro",
        s.data_dir.join("verity.db").display()
    );
    let mut db = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("open the SQLite file");
    let rows = sqlx::query("SELECT body FROM idempotency")
        .fetch_all(&mut db)
        .await
        .expect("read the idempotency table");
    rows.iter()
        .map(|row| String::from_utf8_lossy(&row.get::<Vec<u8>, _>("body")).into_owned())
        .collect()
}

/// Posts `path` twice with `key`: the first answer must carry `meta[member]`, which is
/// returned; the replay must answer the same status and data without it, and say why.
async fn shown_once(
    s: &TestServer,
    path: &str,
    key: &str,
    inflection: Option<&str>,
    member: &str,
) -> String {
    let (status, first, replayed) = post_once(s, path, key, inflection).await;
    assert!(
        (200..300).contains(&status) && !replayed,
        "{status} {first}"
    );
    let value = first["meta"][member].as_str().expect(member).to_owned();
    let (again, replay, replayed) = post_once(s, path, key, inflection).await;
    assert_eq!((again, replayed), (status, true), "{replay}");
    assert_eq!(replay["data"], first["data"]);
    assert!(replay["meta"].get(member).is_none(), "{replay}");
    let notice = replay["meta"]["notice"].as_str().expect("a notice");
    assert!(
        notice.contains(member) && notice.contains("only once"),
        "{notice}"
    );
    value
}

#[tokio::test]
async fn idempotency_records_never_hold_session_tokens_or_one_time_links() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (status, created) = s.create_inquiry(&template, json!({})).await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().expect("id");

    let resume = format!("/api/v1/inquiries/{id}/resume");
    let link = format!("/api/v1/inquiries/{id}/generate-one-time-link");
    let shown = [
        shown_once(&s, &resume, "resume-kebab", None, "session-token").await,
        shown_once(&s, &resume, "resume-camel", Some("camel"), "sessionToken").await,
        shown_once(&s, &resume, "resume-snake", Some("snake"), "session_token").await,
        shown_once(&s, &link, "link-kebab", None, "one-time-link").await,
    ];
    let code = shown[3].split("code=").nth(1).expect("a code").to_owned();

    let bodies = recorded_bodies(&s).await;
    assert_eq!(bodies.len(), 4, "one record per key: {bodies:?}");
    for body in &bodies {
        for secret in shown.iter().chain([&code]) {
            assert!(!body.contains(secret.as_str()), "{secret} stored: {body}");
        }
    }
}

/// Thirty concurrent creates with one `Idempotency-Key` and one body make exactly one
/// inquiry: the key is claimed before the handler runs, and every other request answers
/// that inquiry (a replay) or a 409 saying the first is still running.
async fn thirty_concurrent_same_key_creates_make_one_inquiry(s: &TestServer) {
    let template = s.template_id("Demo: ID").await;
    let body = json!({"data": {"attributes": {
        "inquiry-template-id": template, "reference-id": "same-key-user",
        "fields": {"name-first": "Jane"}}}});
    let send = || async {
        let response = s
            .client
            .post(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .header("Idempotency-Key", "one-key-for-thirty")
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.expect("JSON"))
    };
    let answers = futures::future::join_all((0..30).map(|_| send())).await;

    let (_, listed) = s
        .get("/api/v1/inquiries?filter[reference-id]=same-key-user&page[size]=100")
        .await;
    let made = listed["data"].as_array().expect("a list");
    assert_eq!(made.len(), 1, "{listed}");
    let id = made[0]["id"].as_str().expect("id");
    let mut created = 0;
    for (status, answer) in &answers {
        match status {
            201 => {
                assert_eq!(answer["data"]["id"], id, "{answer}");
                created += 1;
            }
            409 => {
                let title = answer.to_string();
                assert!(title.contains("still being processed"), "{answer}");
            }
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert!(created >= 1, "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_concurrent_same_key_creates_make_one_inquiry_on_sqlite() {
    let s = TestServer::start();
    thirty_concurrent_same_key_creates_make_one_inquiry(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_concurrent_same_key_creates_make_one_inquiry_on_postgres() {
    let url = crate::postgres::fresh_database().await;
    let s = TestServer::builder().database_url(&url).start();
    thirty_concurrent_same_key_creates_make_one_inquiry(&s).await;
    drop(s);
    crate::postgres::drop_database(&url).await;
}

/// A request that fails releases its claim: the same key with a corrected request runs.
#[tokio::test]
async fn a_failed_request_releases_its_idempotency_key() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let post = |body: Value| {
        s.client
            .post(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .header("Idempotency-Key", "fix-and-retry")
            .json(&body)
            .send()
    };
    let bad = post(json!({"data": {"attributes": {"inquiry-template-id": "itmpl_unknown"}}}))
        .await
        .expect("POST");
    assert_eq!(bad.status().as_u16(), 422);
    let good = post(json!({"data": {"attributes": {"inquiry-template-id": template}}}))
        .await
        .expect("POST");
    assert_eq!(good.status().as_u16(), 201, "{:?}", good.text().await);
}
