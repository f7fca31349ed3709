//! Erasure (docs/encryption.md §5): after `DELETE /api/v1/inquiries/{id}` of
//! an inquiry that went through the whole flow — typed fields, ID and selfie uploads,
//! verifications with data read from the document, a workflow decision, webhooks — no
//! personal value of it is left in any API response (the inquiry with everything it can
//! include, its verifications, events, account, audit records, the deliveries list), in any
//! webhook request sent after the deletion (new deliveries and a redelivery of an old one),
//! in the replay of its `Idempotency-Key` create or in the SQLite files; its old session
//! token is refused for every flow write; and a second `DELETE` answers 200.

use reqwest::Method;
use serde_json::{json, Value};
use verity_checks::fixtures::{self, LicenceVariant};

use crate::postgres::{drop_database, fresh_database};
use crate::server::TestServer;
use crate::verifications::{multipart, strict_template, wait_for_status, Flow};
use crate::webhooks::{create_webhook, eventually, start_receiver};

/// The first name given at the create, replaced by the typed one in the flow: it lives on
/// only in the create's event, its webhook and its recorded `Idempotency-Key` answer.
const MARKER: &str = "Zebulonquistmarker";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_redaction_nothing_personal_is_left_anywhere_on_sqlite() {
    let s = server(None);
    nothing_left_after_redaction(&s, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_redaction_nothing_personal_is_left_anywhere_on_postgres() {
    let url = fresh_database().await;
    let s = server(Some(&url));
    nothing_left_after_redaction(&s, false).await;
    drop(s);
    drop_database(&url).await;
}

fn server(database_url: Option<&str>) -> TestServer {
    let mut b = TestServer::builder()
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("VERITY_WEBHOOK_POLL_INTERVAL_MS", "100")
        .env("VERITY_CHECKS_POLL_INTERVAL_MS", "100");
    if let Some(url) = database_url {
        b = b.database_url(url);
    }
    b.start()
}

/// The personal values of the inquiry: the name given at the create, what the person typed
/// and what the checks read from the licence (names, number, birth date).
fn personal_values() -> Vec<String> {
    let licence = fixtures::licence(LicenceVariant::Valid, chrono::Utc::now().date_naive());
    let holder = &licence.holder;
    vec![
        MARKER.to_owned(),
        "Muñoz-Ríos".to_owned(),
        holder.name_last.clone(),
        holder.document_number.clone(),
        holder.birthdate.to_string(),
    ]
}

/// The personal values found in `text`.
fn found_in(text: &str) -> Vec<String> {
    personal_values()
        .into_iter()
        .filter(|v| text.contains(v.as_str()))
        .collect()
}

async fn nothing_left_after_redaction(s: &TestServer, sqlite: bool) {
    let (receiver, addr) = start_receiver().await;
    let (webhook, _) = create_webhook(s, &format!("http://{addr}/hook/ok"), json!({})).await;
    let (code, template) = s.post("/api/v1/inquiry-templates", strict_template()).await;
    assert_eq!(code, 201, "{template}");
    let template = template["data"]["id"].as_str().expect("id").to_owned();

    let create = json!({"data": {"attributes": {"inquiry-template-id": template,
        "reference-id": "erasure-ref", "fields": {"name-first": MARKER}}}});
    let send_create = || {
        s.client
            .post(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .header("Idempotency-Key", "erasure-create")
            .json(&create)
            .send()
    };
    let created = send_create().await.expect("create");
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("JSON");
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    let (status, resumed) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "{resumed}");
    let token = resumed["meta"]["session-token"].as_str().expect("token");
    let flow = Flow::resume(s, &id, token);
    let today = chrono::Utc::now().date_naive();
    flow.run(&fixtures::licence(LicenceVariant::Valid, today))
        .await;
    wait_for_status(s, &id, "approved").await;

    // Before: the values are really there, in the API and in what the receiver got.
    let everything = api_answers(s, &id, &webhook).await;
    for value in personal_values() {
        assert!(everything.contains(&value), "{value} is shown before");
    }
    // Every event of the inquiry delivered (one delivery each), so nothing sent before the
    // deletion arrives after it.
    let (_, events) = s
        .get(&format!(
            "/api/v1/events?filter[inquiry-id]={id}&page[size]=100"
        ))
        .await;
    let count = events["data"].as_array().map_or(0, Vec::len);
    eventually(60, "every event delivered", || async {
        let about = receiver
            .all()
            .iter()
            .filter(|r| String::from_utf8_lossy(&r.body).contains(id.as_str()))
            .count();
        (about >= count).then_some(())
    })
    .await;
    let sent_before = bodies_since(&receiver, 0);
    assert!(
        !found_in(&sent_before).is_empty(),
        "webhooks named the person"
    );
    let delivered = receiver.all().len();
    let (_, deliveries) = s
        .get(&format!(
            "/api/v1/webhooks/{webhook}/deliveries?page[size]=100"
        ))
        .await;
    let oldest = deliveries["data"]
        .as_array()
        .and_then(|d| d.last())
        .and_then(|d| d["id"].as_str())
        .expect("a delivery")
        .to_owned();

    let path = format!("/api/v1/inquiries/{id}");
    let (status, _) = s.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200);
    let (status, again) = s.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "a second DELETE is no conflict: {again}");

    let after = api_answers(s, &id, &webhook).await;
    assert_eq!(found_in(&after), Vec::<String>::new(), "{after}");
    let replay = send_create().await.expect("replay");
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed = replay.text().await.unwrap_or_default();
    assert!(replayed.contains(&id), "{replayed}");
    assert_eq!(found_in(&replayed), Vec::<String>::new(), "{replayed}");

    // Webhooks sent after the deletion: its own event and a redelivery of the oldest one.
    let (status, body) = s
        .post(
            &format!("/api/v1/webhooks/{webhook}/deliveries/{oldest}/redeliver"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    eventually(60, "the redacted event and the redelivery", || async {
        let all = receiver.all();
        let (old, new) = all.split_at(delivered.min(all.len()));
        let id_of = |r: &crate::webhooks::Received| r.headers.get("webhook-id").cloned();
        let redelivered = new.iter().any(|r| old.iter().any(|o| id_of(o) == id_of(r)));
        let redacted = new
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains("inquiry.redacted"));
        (redelivered && redacted).then_some(())
    })
    .await;
    let later = bodies_since(&receiver, delivered);
    assert_eq!(found_in(&later), Vec::<String>::new(), "{later}");

    old_session_is_refused(s, &flow, &id, token).await;
    if sqlite {
        let files = sqlite_files(s);
        assert_eq!(found_in(&files), Vec::<String>::new(), "the SQLite files");
    }
}

/// Everything the API answers about the inquiry, as one text: the inquiry with every
/// include, each of its verifications and events, its account, its audit records and the
/// webhook's deliveries.
async fn api_answers(s: &TestServer, id: &str, webhook: &str) -> String {
    let mut texts = Vec::new();
    let (status, inquiry) = s
        .get(&format!(
            "/api/v1/inquiries/{id}?include=account,sessions,documents,template,verifications"
        ))
        .await;
    assert_eq!(status, 200, "{inquiry}");
    let related = |name: &str| -> Vec<String> {
        inquiry["data"]["relationships"][name]["data"]
            .as_array()
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut paths: Vec<String> = related("verifications")
        .iter()
        .map(|v| format!("/api/v1/verifications/{v}"))
        .collect();
    if let Some(account) = inquiry["data"]["relationships"]["account"]["data"]["id"].as_str() {
        paths.push(format!("/api/v1/accounts/{account}"));
    }
    let (_, events) = s
        .get(&format!(
            "/api/v1/events?filter[inquiry-id]={id}&page[size]=100"
        ))
        .await;
    for event in events["data"].as_array().into_iter().flatten() {
        if let Some(event) = event["id"].as_str() {
            paths.push(format!("/api/v1/events/{event}"));
        }
    }
    paths.extend([
        "/api/v1/accounts?filter[reference-id]=erasure-ref".to_owned(),
        format!("/api/v1/audit-records?filter[inquiry-id]={id}&page[size]=100"),
        format!("/api/v1/webhooks/{webhook}/deliveries?page[size]=100"),
    ]);
    texts.push(inquiry.to_string());
    texts.push(events.to_string());
    for path in paths {
        let (status, body) = s.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        texts.push(body.to_string());
    }
    texts.join("\n")
}

/// The bodies of the webhook requests received after the first `from`.
fn bodies_since(receiver: &crate::webhooks::Receiver, from: usize) -> String {
    receiver
        .all()
        .iter()
        .skip(from)
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The old session token writes nothing: no upload, no step, no hand-off; the API makes
/// no new session or link; a token-less open gets none either.
async fn old_session_is_refused(s: &TestServer, flow: &Flow<'_>, id: &str, token: &str) {
    let fields = [
        ("kind", "government_id"),
        ("side", "front"),
        ("id-class", "dl"),
        ("capture-method", "upload"),
    ];
    let licence = fixtures::licence(LicenceVariant::Valid, chrono::Utc::now().date_naive());
    let (content_type, upload) = multipart(&fields, &licence.input.front);
    let flow_url = |tail: &str| s.url(&format!("/flow/v1/inquiries/{id}{tail}"));
    let requests = [
        s.client
            .post(flow_url("/documents"))
            .header("content-type", content_type)
            .body(upload),
        s.client
            .post(flow_url("/steps/details"))
            .json(&json!({"fields": {"name-first": "Again"}})),
        s.client
            .post(flow_url("/handoff"))
            .json(&json!({"method": "qr"})),
        s.client.get(flow_url("")),
    ];
    for request in requests {
        let response = request.bearer_auth(token).send().await.expect("flow call");
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        // The flow's answer to a dead session (docs/contract.md §3): 409, code `unauthenticated`.
        assert_eq!(status, 409, "the old session is refused: {body}");
        assert!(body.contains("\"unauthenticated\""), "its code: {body}");
        assert!(body.contains("invalid or expired"), "a clear error: {body}");
    }
    let (status, _) = flow.try_step("government-id", json!({})).await;
    assert_eq!(status, 409);
    for tail in ["resume", "generate-one-time-link"] {
        let (status, body) = s
            .post(&format!("/api/v1/inquiries/{id}/{tail}"), json!({}))
            .await;
        assert_eq!(status, 409, "{tail}: {body}");
        assert!(body.to_string().contains("redacted"), "{tail}: {body}");
    }
    let anonymous = s
        .client
        .post(flow_url("/resume"))
        .json(&json!({}))
        .send()
        .await
        .expect("open");
    assert!(
        anonymous.status().is_client_error(),
        "{}",
        anonymous.status()
    );
}

/// The SQLite files (database, write-ahead log, shared memory) as one lossy text.
fn sqlite_files(s: &TestServer) -> String {
    ["verity.db", "verity.db-wal", "verity.db-shm"]
        .iter()
        .filter_map(|name| std::fs::read(s.data_dir.join(name)).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}
