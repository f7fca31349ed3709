//! Verifications end to end (docs/verifications.md): generated licences and selfies (verity-checks
//! fixtures, no real data) uploaded through the flow API of the real binary; the checks
//! worker decides each verification, the inquiry's outcome follows, the template's
//! workflow decides after it, and a webhook receiver gets every step.

use serde_json::{json, Value};
use verity_checks::fixtures::{self, IdFixture, LicenceVariant, SelfieVariant};

use crate::server::TestServer;
use crate::webhooks::{create_webhook, eventually, start_receiver};

/// A strict template: the default required checks, minimum age 18, the document number
/// filled from the barcode, and a workflow that declines expired IDs and approves clean
/// inquiries a moment after they complete.
pub(crate) fn strict_template() -> Value {
    json!({"data": {"attributes": {
        "name": "Strict ID",
        "kind": "dynamic",
        "steps": [
            {"name": "details", "kind": "fields", "name-display": "Details",
             "fields": ["name-first", "name-last", "birthdate"]},
            {"name": "government-id", "kind": "government_id", "name-display": "ID", "id-classes": ["dl"]},
            {"name": "selfie", "kind": "selfie", "name-display": "Selfie", "poses": ["center", "left", "right"]},
            {"name": "done", "kind": "completion", "name-display": "Done"}
        ],
        "fields": [
            {"key": "name-first", "type": "string", "required": true},
            {"key": "name-last", "type": "string", "required": true},
            {"key": "birthdate", "type": "date", "required": true},
            {"key": "document-number", "type": "string"}
        ],
        "allowed-domains": ["localhost"],
        "minimum-age": 18,
        "extracted-fields": {"document-number": "document_number"},
        "workflow": [
            {"name": "decline expired IDs",
             "when": {"status": "failed", "checks-failed": ["id_expiry"]},
             "then": [{"action": "add-tag", "tag": "expired-id"}, {"action": "decline"}]},
            {"name": "approve clean",
             "when": {"status": "completed", "min-age": 18},
             "then": [{"action": "wait", "seconds": 1}, {"action": "approve"}]}
        ]
    }}})
}

pub(crate) fn server() -> TestServer {
    TestServer::builder()
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("VERITY_WEBHOOK_POLL_INTERVAL_MS", "100")
        .env("VERITY_CHECKS_POLL_INTERVAL_MS", "100")
        .start()
}

/// A multipart form body built by hand (reqwest's multipart feature is not enabled).
pub(crate) fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "verity-test-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The individual's side: the flow API with the session token.
pub(crate) struct Flow<'a> {
    s: &'a TestServer,
    client: reqwest::Client,
    pub(crate) id: String,
    token: String,
}

impl<'a> Flow<'a> {
    pub(crate) async fn start(s: &'a TestServer, template_id: &str) -> Flow<'a> {
        Self::start_with(s, json!({"templateId": template_id})).await
    }

    /// Creates the inquiry with the flow's create `body` (template, reference-id, fields).
    pub(crate) async fn start_with(s: &'a TestServer, body: Value) -> Flow<'a> {
        let client = reqwest::Client::new();
        let resp = client
            .post(s.url("/flow/v1/inquiries"))
            .json(&body)
            .send()
            .await
            .expect("create");
        assert_eq!(resp.status().as_u16(), 201);
        let body: Value = resp.json().await.expect("json");
        Flow {
            s,
            client,
            id: body["inquiry"]["id"].as_str().expect("id").to_owned(),
            token: body["sessionToken"].as_str().expect("token").to_owned(),
        }
    }

    /// The flow of an inquiry made elsewhere (the API), with a session token of it.
    pub(crate) fn resume(s: &'a TestServer, id: &str, token: &str) -> Flow<'a> {
        Flow {
            s,
            client: reqwest::Client::new(),
            id: id.to_owned(),
            token: token.to_owned(),
        }
    }

    pub(crate) async fn step(&self, name: &str, body: Value) -> Value {
        let (status, body) = self.try_step(name, body).await;
        assert_eq!(status, 200, "step {name}: {body}");
        body
    }

    pub(crate) async fn try_step(&self, name: &str, body: Value) -> (u16, Value) {
        let resp = self
            .client
            .post(
                self.s
                    .url(&format!("/flow/v1/inquiries/{}/steps/{name}", self.id)),
            )
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("step");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.expect("json");
        (status, body)
    }

    pub(crate) async fn upload(&self, fields: &[(&str, &str)], file: &[u8]) {
        let (status, body) = self.try_upload(fields, file).await;
        assert_eq!(status, 201, "{body}");
    }

    /// Uploads one image; the status and the JSON body as answered.
    pub(crate) async fn try_upload(&self, fields: &[(&str, &str)], file: &[u8]) -> (u16, Value) {
        let (content_type, body) = multipart(fields, file);
        let resp = self
            .client
            .post(
                self.s
                    .url(&format!("/flow/v1/inquiries/{}/documents", self.id)),
            )
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The flow state (`GET /flow/v1/inquiries/{id}`): the inquiry and its documents.
    pub(crate) async fn state(&self) -> Value {
        let resp = self
            .client
            .get(self.s.url(&format!("/flow/v1/inquiries/{}", self.id)))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("state");
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.expect("json")
    }

    /// Types the fixture's details, uploads its licence and a valid selfie, submits every step.
    pub(crate) async fn run(&self, id: &IdFixture) -> Value {
        let typed = &id.inquiry;
        self.step(
            "details",
            json!({"fields": {
                "name-first": typed.name_first, "name-last": typed.name_last,
                "birthdate": typed.birthdate.map(|d| d.to_string()),
            }}),
        )
        .await;
        let sides = [
            ("front", &id.input.front),
            ("back", id.input.back.as_ref().expect("back")),
        ];
        for (side, bytes) in sides {
            self.upload(
                &[
                    ("kind", "government_id"),
                    ("side", side),
                    ("id-class", "dl"),
                    ("country", "US"),
                    ("capture-method", "upload"),
                ],
                bytes,
            )
            .await;
        }
        self.step("government-id", json!({})).await;
        for (pose, bytes) in fixtures::selfie(SelfieVariant::Valid).poses {
            self.upload(
                &[
                    ("kind", "selfie"),
                    ("side", &pose),
                    ("capture-method", "auto"),
                ],
                &bytes,
            )
            .await;
        }
        self.step("selfie", json!({})).await
    }
}

/// docs/contract.md §5: a step is accepted only after every step before it. Jumping straight
/// to the selfie step of a fresh inquiry (no fields, no ID) is refused with a 409 naming the
/// step expected, and nothing is stored: no verification, no step recorded, still pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skipped_step_is_refused_with_409_naming_the_expected_step() {
    let s = server();
    let (code, template) = s.post("/api/v1/inquiry-templates", strict_template()).await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    let flow = Flow::start(&s, &template_id).await;
    for (pose, bytes) in fixtures::selfie(SelfieVariant::Valid).poses {
        flow.upload(
            &[
                ("kind", "selfie"),
                ("side", &pose),
                ("capture-method", "auto"),
            ],
            &bytes,
        )
        .await;
    }
    let (status, body) = flow.try_step("selfie", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.to_string().contains("`details`"),
        "names the expected step: {body}"
    );
    let (status, body) = flow.try_step("government-id", json!({})).await;
    assert_eq!(status, 409, "{body}");
    let (_, inquiry) = s.get(&format!("/api/v1/inquiries/{}", flow.id)).await;
    let attributes = &inquiry["data"]["attributes"];
    assert!(
        matches!(attributes["status"].as_str(), Some("created" | "pending")),
        "{inquiry}"
    );
    assert!(included_verifications(&s, &flow.id).await.is_empty());
    let (_, events) = s.get("/api/v1/events?page[size]=100").await;
    let names: Vec<&str> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["attributes"]["payload"]["data"]["id"] == flow.id.as_str())
        .filter_map(|e| e["attributes"]["name"].as_str())
        .collect();
    assert!(!names.contains(&"inquiry.completed"), "{names:?}");
}

pub(crate) async fn status_of(s: &TestServer, id: &str) -> String {
    let (code, body) = s.get(&format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(code, 200, "{body}");
    body["data"]["attributes"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until the inquiry's status is `want`.
/// Polls the inquiry's status. The deadline is generous: a verification runs the face and
/// OCR models, which in a debug build on 2 busy cores can take tens of seconds.
pub(crate) async fn wait_for_status(s: &TestServer, id: &str, want: &str) {
    eventually(120, &format!("{id} to become {want}"), || async {
        (status_of(s, id).await == want).then_some(())
    })
    .await;
}

pub(crate) async fn included_verifications(s: &TestServer, id: &str) -> Vec<Value> {
    let (code, body) = s
        .get(&format!("/api/v1/inquiries/{id}?include=verifications"))
        .await;
    assert_eq!(code, 200, "{body}");
    let refs = body["data"]["relationships"]["verifications"]["data"]
        .as_array()
        .expect("relationships.verifications")
        .len();
    let included = body["included"].as_array().expect("included").clone();
    assert_eq!(refs, included.len());
    included
}

pub(crate) fn failed_required(v: &Value) -> Vec<String> {
    v["attributes"]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "failed")
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_licence_completes_then_is_approved_and_expired_fails_then_is_declined() {
    let s = server();
    let (receiver, addr) = start_receiver().await;
    create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    let (code, template) = s.post("/api/v1/inquiry-templates", strict_template()).await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    let today = chrono::Utc::now().date_naive();

    // Valid licence: both verifications pass, the inquiry completes, the workflow approves
    // it after its one-second wait.
    let valid = Flow::start(&s, &template_id).await;
    let after_last_step = valid
        .run(&fixtures::licence(LicenceVariant::Valid, today))
        .await;
    assert_eq!(after_last_step["inquiry"]["currentStep"], "done");
    wait_for_status(&s, &valid.id, "completed").await;
    let verifications = included_verifications(&s, &valid.id).await;
    assert_eq!(verifications.len(), 2);
    let mut types: Vec<&str> = verifications
        .iter()
        .map(|v| v["type"].as_str().unwrap_or(""))
        .collect();
    types.sort_unstable();
    assert_eq!(types, ["verification/government-id", "verification/selfie"]);
    for v in &verifications {
        assert_eq!(v["attributes"]["status"], "passed", "{v}");
        assert!(v["id"].as_str().is_some_and(|id| id.starts_with("ver_")));
        let (code, one) = s
            .get(&format!(
                "/api/v1/verifications/{}",
                v["id"].as_str().unwrap_or("")
            ))
            .await;
        assert_eq!(code, 200);
        assert_eq!(one["data"]["attributes"]["status"], "passed");
    }
    let gov = verifications
        .iter()
        .find(|v| v["type"] == "verification/government-id")
        .expect("gov");
    let face = gov["attributes"]["checks"]
        .as_array()
        .expect("checks")
        .len();
    assert_eq!(face, verity_checks::names::GOVERNMENT_ID.len());
    let (_, inquiry) = s.get(&format!("/api/v1/inquiries/{}", valid.id)).await;
    assert_eq!(
        inquiry["data"]["attributes"]["fields"]["document-number"]["value"], "S1234567",
        "extracted-fields filled the field from the barcode"
    );
    wait_for_status(&s, &valid.id, "approved").await;

    // Expired licence: the ID verification fails on `id_expiry` alone, the inquiry fails,
    // and the workflow tags and declines it.
    let expired = Flow::start(&s, &template_id).await;
    expired
        .run(&fixtures::licence(LicenceVariant::Expired, today))
        .await;
    wait_for_status(&s, &expired.id, "declined").await;
    let verifications = included_verifications(&s, &expired.id).await;
    let gov = verifications
        .iter()
        .find(|v| v["type"] == "verification/government-id")
        .expect("gov");
    assert_eq!(gov["attributes"]["status"], "failed");
    assert_eq!(failed_required(gov), ["id_expiry"]);
    let (_, inquiry) = s.get(&format!("/api/v1/inquiries/{}", expired.id)).await;
    assert_eq!(inquiry["data"]["attributes"]["tags"], json!(["expired-id"]));
    assert!(inquiry["data"]["attributes"]["failed-at"].is_string());

    // Webhooks: each verification result and each decision arrived, in order per inquiry.
    let names_for = |id: &str| -> Vec<String> {
        receiver
            .all()
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter(|b| {
                let p = &b["data"]["attributes"]["payload"]["data"];
                p["id"] == id || p["relationships"]["inquiry"]["data"]["id"] == id
            })
            .map(|b| {
                b["data"]["attributes"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    let valid_id = valid.id.clone();
    let names = eventually(15, "the approval webhook", || {
        let names = names_for(&valid_id);
        async move {
            names
                .contains(&"inquiry.approved".to_owned())
                .then_some(names)
        }
    })
    .await;
    let pos = |n: &str| names.iter().position(|x| x == n).unwrap_or(usize::MAX);
    assert_eq!(
        names.iter().filter(|n| *n == "verification.passed").count(),
        2,
        "{names:?}"
    );
    assert!(
        pos("verification.passed") < pos("inquiry.completed"),
        "{names:?}"
    );
    assert!(
        pos("inquiry.completed") < pos("inquiry.approved"),
        "{names:?}"
    );
    let expired_id = expired.id.clone();
    eventually(15, "the decline webhook", || {
        let names = names_for(&expired_id);
        async move {
            (names.contains(&"verification.failed".to_owned())
                && names.contains(&"inquiry.failed".to_owned())
                && names.contains(&"inquiry.declined".to_owned()))
            .then_some(())
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_past_the_time_limit_fail_the_verification_and_bad_rules_are_named() {
    let s = TestServer::builder()
        .env("VERITY_CHECKS_TIME_LIMIT_MS", "1")
        .env("VERITY_CHECKS_POLL_INTERVAL_MS", "100")
        .start();
    let (code, template) = s.post("/api/v1/inquiry-templates", strict_template()).await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    let flow = Flow::start(&s, &template_id).await;
    flow.run(&fixtures::licence(
        LicenceVariant::Valid,
        chrono::Utc::now().date_naive(),
    ))
    .await;
    wait_for_status(&s, &flow.id, "failed").await;
    for v in included_verifications(&s, &flow.id).await {
        assert_eq!(v["attributes"]["status"], "failed");
        assert_eq!(failed_required(&v), ["checks_time_limit"], "{v}");
        let reason = &v["attributes"]["checks"][0]["reasons"][0];
        assert!(
            reason.as_str().is_some_and(|r| r.contains("1 ms")),
            "{reason}"
        );
    }

    // A workflow rule naming an unknown check is refused, naming the rule.
    let mut bad = strict_template();
    bad["data"]["attributes"]["workflow"][1]["when"]["checks-passed"] = json!(["id_nonsense"]);
    let (code, body) = s.post("/api/v1/inquiry-templates", bad).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/data/attributes/workflow"
    );
    let details = body["errors"][0]["details"].as_str().unwrap_or_default();
    assert!(
        details.contains("approve clean") && details.contains("id_nonsense"),
        "{details}"
    );
    let mut bad = strict_template();
    bad["data"]["attributes"]["workflow"][0]["then"] = json!([{"action": "wait", "seconds": 0}]);
    let (code, body) = s.post("/api/v1/inquiry-templates", bad).await;
    assert_eq!(code, 422, "{body}");
    assert!(
        body["errors"][0]["details"]
            .as_str()
            .is_some_and(|d| d.contains("decline expired IDs")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_workflow_wait_survives_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let start = |key: Option<&str>| {
        let mut b = TestServer::builder()
            .data_dir(data.clone())
            .env("VERITY_CHECKS_POLL_INTERVAL_MS", "100");
        if let Some(key) = key {
            b = b.api_key(key);
        }
        b.start()
    };
    let mut s = start(None);
    let key = s.api_key.clone();
    let mut template = strict_template();
    template["data"]["attributes"]["workflow"][1]["then"][0]["seconds"] = json!(5);
    let (code, template) = s.post("/api/v1/inquiry-templates", template).await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    let inquiry_id = {
        let flow = Flow::start(&s, &template_id).await;
        flow.run(&fixtures::licence(
            LicenceVariant::Valid,
            chrono::Utc::now().date_naive(),
        ))
        .await;
        flow.id
    };
    wait_for_status(&s, &inquiry_id, "completed").await;
    // Killed during the workflow's five-second wait, once the run and its due time are
    // stored. (Killed while the runner still held its claim, the run would wait for the
    // claim's lease to run out first: a crash delays a claimed run by at most the lease.)
    wait_for_stored_wait(&data, &inquiry_id).await;
    s.kill9();

    let s = start(Some(&key));
    assert_eq!(
        status_of(&s, &inquiry_id).await,
        "completed",
        "the wait is not over yet"
    );
    wait_for_status(&s, &inquiry_id, "approved").await;
}

/// Waits until `inquiry`'s workflow run is stored as a pending wait that nobody holds:
/// its rule chosen, its next action after the `wait`, and no lease.
async fn wait_for_stored_wait(data_dir: &std::path::Path, inquiry: &str) {
    let url = format!("sqlite://{}", data_dir.join("verity.db").display());
    let db = sqlx::SqlitePool::connect(&url).await.expect("connect");
    let db = &db;
    eventually(120, "the workflow's wait to be stored", || async move {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT status, action, lease_until FROM workflow_runs WHERE inquiry_id = $1",
        )
        .bind(inquiry)
        .fetch_optional(db)
        .await
        .expect("workflow run");
        row.filter(|(status, action, lease)| status == "pending" && *action == 1 && *lease == 0)
            .map(|_| ())
    })
    .await;
}
