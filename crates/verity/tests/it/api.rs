//! The REST API end to end: lifecycle, idempotency, pagination, filters, inflection, and
//! bad input that must be refused with a clear error while storing nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::server::TestServer;

fn status_of(body: &Value) -> &str {
    body["data"]["attributes"]["status"].as_str().unwrap_or("?")
}

async fn count_inquiries(s: &TestServer) -> usize {
    let (status, body) = s.get("/api/v1/inquiries?page%5Bsize%5D=100").await;
    assert_eq!(status, 200);
    body["data"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn lifecycle_create_get_resume_expire_resume_decide() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (status, created) = s
        .create_inquiry(&template, json!({"reference-id": "user-42", "fields": {"name-first": "Jane", "birthdate": "1990-02-03"}}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(status_of(&created), "created");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("inq_"));
    assert_eq!(
        created["data"]["attributes"]["fields"]["name-first"],
        json!({"type": "string", "value": "Jane"})
    );
    let account = created["data"]["relationships"]["account"]["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, got) = s
        .get(&format!("/api/v1/inquiries/{id}?include=account,sessions"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["data"], created["data"]);
    assert_eq!(got["included"][0]["id"], json!(account));

    let (status, resumed) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "{resumed}");
    let token1 = resumed["meta"]["session-token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status_of(&resumed), "created");

    let (status, expired) = s
        .post(&format!("/api/v1/inquiries/{id}/expire"), json!({}))
        .await;
    assert_eq!((status, status_of(&expired)), (200, "expired"));
    let (status, again) = s
        .post(&format!("/api/v1/inquiries/{id}/expire"), json!({}))
        .await;
    assert_eq!(
        status, 409,
        "expiring twice is an illegal transition: {again}"
    );

    let (status, resumed) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!((status, status_of(&resumed)), (200, "pending"));
    let token2 = resumed["meta"]["session-token"].as_str().unwrap();
    assert_ne!(token1, token2);

    let (status, body) = s
        .post(&format!("/api/v1/inquiries/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 409, "a pending inquiry cannot be approved: {body}");
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("pending"));

    // The same reference id finds the same account.
    let (_, second) = s
        .create_inquiry(&template, json!({"reference-id": "user-42"}))
        .await;
    assert_eq!(
        second["data"]["relationships"]["account"]["data"]["id"],
        json!(account)
    );
    let (status, accounts) = s
        .get("/api/v1/accounts?filter%5Breference-id%5D=user-42")
        .await;
    assert_eq!(status, 200);
    assert_eq!(accounts["data"].as_array().unwrap().len(), 1);

    // The event log holds every change, newest first.
    let (_, events) = s
        .get(&format!(
            "/api/v1/events?filter%5Binquiry-id%5D={id}&page%5Bsize%5D=100"
        ))
        .await;
    let names: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["attributes"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "inquiry.created",
            "inquiry-session.started",
            "inquiry.expired",
            "inquiry-session.expired",
            "inquiry.resumed",
            "inquiry-session.started"
        ]
    );
    let created_event =
        &events["data"].as_array().unwrap().last().unwrap()["attributes"]["payload"]["data"];
    assert_eq!(created_event["id"], json!(id));
    assert_eq!(
        created_event["relationships"]["account"]["data"]["id"],
        json!(account)
    );
}

#[tokio::test]
async fn update_fields_validates_and_redaction_clears() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (_, created) = s.create_inquiry(&template, json!({})).await;
    let id = created["data"]["id"].as_str().unwrap();
    let path = format!("/api/v1/inquiries/{id}");
    let (status, body) = s
        .call(
            Method::PATCH,
            &path,
            Some(json!({"data": {"attributes": {"fields": {"birthdate": "1990-13-01"}}}})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/data/attributes/fields/birthdate"
    );
    let (status, body) = s
        .call(Method::PATCH, &path, Some(json!({"data": {"attributes": {"fields": {"name-last": "Doe", "birthdate": "1990-12-01"}}}})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["attributes"]["fields"]["name-last"]["value"],
        "Doe"
    );

    let (status, redacted) = s.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200);
    assert!(redacted["data"]["attributes"]["redacted-at"].is_string());
    let (_, got) = s.get(&path).await;
    assert!(got["data"]["attributes"]["fields"]
        .as_object()
        .unwrap()
        .values()
        .all(|f| f["value"].is_null()));
    let (status, _) = s.post(&format!("{path}/expire"), json!({})).await;
    assert_eq!(status, 409, "a redacted inquiry cannot change");
    // Erasure is idempotent: a second DELETE answers the redacted inquiry, not a conflict.
    let (status, again) = s.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["data"]["attributes"]["redacted-at"],
        redacted["data"]["attributes"]["redacted-at"]
    );
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_a_different_body() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let body =
        json!({"data": {"attributes": {"inquiry-template-id": template, "reference-id": "idem"}}});
    let send = |b: Value| {
        s.client
            .post(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .header("Idempotency-Key", "key-1")
            .json(&b)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let replay = send(body.clone()).await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay, first);
    assert_eq!(count_inquiries(&s).await, 1);

    let mut other = body.clone();
    other["data"]["attributes"]["reference-id"] = json!("someone-else");
    let refused = send(other).await.unwrap();
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.unwrap();
    assert!(refused["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("Idempotency-Key"));
    assert_eq!(count_inquiries(&s).await, 1);
}

#[tokio::test]
async fn cursor_pages_walk_forwards_and_backwards_with_filters() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let mut ids = Vec::new();
    for n in 0..25 {
        let reference = if n % 2 == 0 { "even" } else { "odd" };
        let (status, body) = s
            .create_inquiry(&template, json!({"reference-id": reference}))
            .await;
        assert_eq!(status, 201);
        ids.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    ids.reverse(); // lists are newest first
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/inquiries?page%5Bsize%5D=10".to_owned());
    let mut pages = Vec::new();
    while let Some(path) = next {
        let (status, body) = s.get(&path).await;
        assert_eq!(status, 200);
        for item in body["data"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        pages.push(body.clone());
        next = body["links"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ids, "no gaps, no duplicates, newest first");
    assert_eq!(pages.len(), 3);
    // Back from the last page.
    let prev = pages[2]["links"]["prev"].as_str().unwrap();
    let (_, back) = s.get(prev).await;
    let back_ids: Vec<_> = back["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(back_ids, ids[10..20]);

    let (_, odd) = s
        .get("/api/v1/inquiries?filter%5Breference-id%5D=odd&page%5Bsize%5D=100")
        .await;
    assert_eq!(odd["data"].as_array().unwrap().len(), 12);
    let (_, created) = s
        .get("/api/v1/inquiries?filter%5Bstatus%5D=created&page%5Bsize%5D=5")
        .await;
    assert_eq!(created["data"].as_array().unwrap().len(), 5);
    assert!(created["links"]["next"]
        .as_str()
        .unwrap()
        .contains("filter%5Bstatus%5D=created"));

    for bad in [
        "page%5Bsize%5D=0",
        "page%5Bsize%5D=101",
        "page%5Bsize%5D=x",
        "filter%5Bstatus%5D=done",
        "page%5Bafter%5D=inq_nope1234567",
    ] {
        let (status, body) = s.get(&format!("/api/v1/inquiries?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["errors"][0]["details"].is_string());
    }
}

#[tokio::test]
async fn key_inflection_camel_and_snake() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (_, created) = s
        .create_inquiry(&template, json!({"reference-id": "r"}))
        .await;
    let id = created["data"]["id"].as_str().unwrap();
    for (inflection, key) in [("camel", "referenceId"), ("snake", "reference_id")] {
        let body: Value = s
            .client
            .get(s.url(&format!("/api/v1/inquiries/{id}")))
            .bearer_auth(&s.api_key)
            .header("Key-Inflection", inflection)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["attributes"][key], "r", "{inflection}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_clearly_and_stores_nothing() {
    let s = TestServer::builder()
        .env("VERITY_JSON_BODY_LIMIT", "4096")
        .start();
    let template = s.template_id("Demo: ID").await;
    let inactive = s.template_id("Demo: inactive").await;
    let raw = |body: &'static str| {
        s.client
            .post(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let cases: Vec<(u16, Value, &str)> = vec![
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": template, "reference-id": 7}}}),
            "/data/attributes/reference-id",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": template, "fields": {"birthdate": "yesterday"}}}}),
            "/data/attributes/fields/birthdate",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": template, "fields": {"unknown-field": "x"}}}}),
            "/data/attributes/fields/unknown-field",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": "act_0123456789abcdef"}}}),
            "/data/attributes/inquiry-template-id",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": "itmpl_0123456789abcdef"}}}),
            "/data/attributes/inquiry-template-id",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": inactive}}}),
            "/data/attributes/inquiry-template-id",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": template, "surprise": 1}}}),
            "/data/attributes",
        ),
        (
            422,
            json!({"data": {"attributes": {}}}),
            "/data/attributes/inquiry-template-id",
        ),
        (
            422,
            json!({"data": {"attributes": {"inquiry-template-id": template, "reference-id": "a", "account-id": "act_0123456789abcdef"}}}),
            "/data/attributes/account-id",
        ),
    ];
    for (want, body, pointer) in cases {
        let (status, resp) = s.post("/api/v1/inquiries", body.clone()).await;
        assert_eq!(status, want, "{body} -> {resp}");
        let p = resp["errors"][0]["source"]["pointer"]
            .as_str()
            .unwrap_or("");
        assert!(
            p.starts_with(pointer),
            "{body}: pointer {p} should start with {pointer}"
        );
        assert_eq!(resp["errors"][0]["title"], "Unprocessable entity");
    }
    let malformed = raw("{\"data\": ").await.unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));

    let big = format!(
        "{{\"data\":{{\"attributes\":{{\"note\":\"{}\"}}}}}}",
        "x".repeat(8000)
    );
    let resp = s
        .client
        .post(s.url("/api/v1/inquiries"))
        .bearer_auth(&s.api_key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("4096"));

    let no_type = s
        .client
        .post(s.url("/api/v1/inquiries"))
        .bearer_auth(&s.api_key)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(no_type.status(), 415);

    for path in [
        "/api/v1/inquiries/inq_0123456789abcdef",
        "/api/v1/inquiries/act_0123456789abcdef",
        "/api/v1/inquiries/nonsense",
        "/api/v1/accounts/inq_0123456789abcdef",
        "/api/v1/nope",
    ] {
        let (status, body) = s.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body["errors"][0]["details"].is_string(), "{path}: {body}");
    }
    assert_eq!(
        count_inquiries(&s).await,
        0,
        "nothing stored by any bad request"
    );
}

#[tokio::test]
async fn api_keys_missing_wrong_and_revoked_are_401() {
    let s = TestServer::start();
    let anon = s
        .client
        .get(s.url("/api/v1/inquiries"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let body: Value = anon.json().await.unwrap();
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("Authorization"));
    let wrong = s
        .client
        .get(s.url("/api/v1/inquiries"))
        .bearer_auth("vk_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // A session token is a credential, but not for the REST API.
    let template = s.template_id("Demo: ID").await;
    let (_, created) = s.create_inquiry(&template, json!({})).await;
    let id = created["data"]["id"].as_str().unwrap();
    let (_, resumed) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    let session_token = resumed["meta"]["session-token"].as_str().unwrap();
    let forbidden = s
        .client
        .get(s.url("/api/v1/inquiries"))
        .bearer_auth(session_token)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    let body: Value = forbidden.json().await.unwrap();
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("API key"));

    // A second key, created and revoked with the CLI against the same database.
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
            .args(args)
            .env("VERITY_DATA_DIR", &s.data_dir)
            .output()
            .expect("run verity");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let key = cli(&["api-key", "create", "--name", "temp"])
        .trim()
        .to_owned();
    let ok = s
        .client
        .get(s.url("/api/v1/inquiries"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let listing = cli(&["api-key", "list"]);
    assert!(!listing.contains(&key), "listing never shows secrets");
    let id = listing
        .lines()
        .find(|l| l.ends_with("temp"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    cli(&["api-key", "revoke", &id]);
    let revoked = s
        .client
        .get(s.url("/api/v1/inquiries"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    let body: Value = revoked.json().await.unwrap();
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("revoked"));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = TestServer::builder()
        .env("VERITY_RATE_LIMIT_PER_SECOND", "1")
        .env("VERITY_RATE_LIMIT_BURST", "3")
        .start();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = s
            .client
            .get(s.url("/api/v1/inquiries"))
            .bearer_auth(&s.api_key)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(statuses[0], 200);
}

#[tokio::test]
async fn templates_create_publish_deactivate() {
    let s = TestServer::start();
    let definition = json!({"data": {"attributes": {
        "name": "KYC light",
        "kind": "dynamic",
        "steps": [
            {"name": "start", "kind": "start", "name-display": "Start"},
            {"name": "details", "kind": "fields", "name-display": "Details"},
            {"name": "done", "kind": "completion", "name-display": "Done"}
        ],
        "fields": [{"key": "age", "type": "integer", "required": true}],
        "allowed-domains": ["shop.example.com"]
    }}});
    let (status, created) = s.post("/api/v1/inquiry-templates", definition).await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("itmpl_"));
    let v1 = created["data"]["relationships"]["latest-published-version"]["data"]["id"].clone();

    let (status, _) = s
        .call(
            Method::PATCH,
            &format!("/api/v1/inquiry-templates/{id}"),
            Some(json!({"data": {"attributes": {"inquiry-ttl-seconds": 600}}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, published) = s
        .post(
            &format!("/api/v1/inquiry-templates/{id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let v2 = published["data"]["relationships"]["latest-published-version"]["data"]["id"].clone();
    assert_ne!(v1, v2);
    assert_eq!(
        published["data"]["relationships"]["inquiry-template-versions"]["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // An inquiry pinned to version 1 keeps the 24 h default TTL.
    let (status, old) = s.post("/api/v1/inquiries", json!({"data": {"attributes": {"inquiry-template-version-id": v1, "fields": {"age": "33"}}}})).await;
    assert_eq!(status, 201, "{old}");
    assert_eq!(old["data"]["attributes"]["fields"]["age"]["value"], 33);

    let (status, _) = s
        .post(
            &format!("/api/v1/inquiry-templates/{id}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, refused) = s.create_inquiry(&id, json!({})).await;
    assert_eq!(status, 422);
    assert!(refused["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("inactive"));
    let (status, _) = s
        .post(
            &format!("/api/v1/inquiry-templates/{id}/activate"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.create_inquiry(&id, json!({})).await.0, 201);

    let bad = json!({"data": {"attributes": {"name": "x", "steps": [], "fields": []}}});
    let (status, body) = s.post("/api/v1/inquiry-templates", bad).await;
    assert_eq!(status, 422);
    assert!(body["errors"][0]["details"]
        .as_str()
        .unwrap()
        .contains("step"));
}

#[tokio::test]
async fn operations_endpoints() {
    let s = TestServer::start();
    let health = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: Value = s
        .client
        .get(s.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["database"], "sqlite");
    s.get("/api/v1/inquiries").await;
    let metrics = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "verity_http_requests_total{method=\"GET\",route=\"/api/v1/inquiries\",status=\"200\"}"
        ),
        "{metrics}"
    );
    let openapi: Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(openapi["openapi"], "3.1.0");
    for path in [
        "/api/v1/inquiries",
        "/api/v1/inquiries/{id}/resume",
        "/api/v1/inquiry-templates/{id}/publish",
        "/api/v1/events",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} documented");
    }
    let page = s
        .client
        .get(s.url("/docs/api"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/openapi.json"));
}

#[tokio::test]
async fn sdk_and_demo_are_served() {
    let s = TestServer::start();
    let sdk = s
        .client
        .get(s.url("/sdk/v1/verity.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(sdk.status(), 200);
    assert!(sdk.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(sdk.text().await.unwrap().contains("export"));
    let page = s.client.get(s.url("/demo")).send().await.unwrap();
    assert_eq!(page.status(), 200, "/demo redirects to /demo/");
    assert!(page.text().await.unwrap().contains("demo.js"));
    let templates: Value = s
        .client
        .get(s.url("/demo/api/templates"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(templates.as_array().unwrap().len(), 3);
    let template = s.template_id("Demo: ID").await;
    // The demo helper shows only inquiries the demo page created (docs/contract.md).
    let created: Value = s
        .client
        .post(s.url("/demo/api/inquiries"))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["inquiryId"].as_str().unwrap();
    let shown: Value = s
        .client
        .get(s.url(&format!("/demo/api/inquiries/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["attributes"]["status"], "created");

    let off = TestServer::builder()
        .env("VERITY_DEMO", "false")
        .api_key("unused")
        .start();
    assert_eq!(
        off.client
            .get(off.url("/demo/"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        off.client
            .get(off.url("/sdk/v1/verity.js"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
