//! The public flow endpoints as an attacker meets them: who may frame an error page,
//! anonymous opens against the session cap, the demo helpers (loopback peers only, and only
//! the demo's own inquiries) and production mode (`demo = false`: no demo at all).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::server::TestServer;

/// The `Content-Security-Policy` and status of `GET /widget?…`.
async fn widget(s: &TestServer, query: &[(&str, &str)]) -> (u16, String) {
    let response = s
        .client
        .get(s.url("/widget"))
        .query(query)
        .send()
        .await
        .expect("GET /widget");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("CSP")
        .to_owned();
    (response.status().as_u16(), csp)
}

/// An error page answering a host the template does not allow cannot be framed by it
/// (`frame-ancestors 'none'`), while an allowed host may frame its error page, so its
/// `onError` arrives (docs/contract.md §5).
#[tokio::test]
async fn widget_error_pages_cannot_be_framed_by_a_disallowed_origin() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (status, csp) = widget(
        &s,
        &[
            ("inquiry-template-id", &template),
            ("iframe-origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    let (status, csp) = widget(
        &s,
        &[
            ("inquiry-template-id", "itmpl_unknown"),
            ("iframe-origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    let (status, csp) = widget(
        &s,
        &[
            ("inquiry-template-id", &template),
            ("iframe-origin", "http://127.0.0.1:3000"),
            ("fields[birthdate]", "not-a-date"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        csp.ends_with("frame-ancestors http://127.0.0.1:3000"),
        "{csp}"
    );
}

async fn flow_resume(s: &TestServer, id: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = s
        .client
        .post(s.url(&format!("/flow/v1/inquiries/{id}/resume")))
        .json(&json!({}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("resume");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Far more anonymous opens than the session cap (25) neither fail nor lock out the API's
/// resume or the session the person was given: each replaces the anonymous one before it.
#[tokio::test]
async fn anonymous_resumes_do_not_exhaust_the_session_cap() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (_, created) = s.create_inquiry(&template, json!({})).await;
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    let (status, resumed) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "{resumed}");
    let persons = resumed["meta"]["session-token"]
        .as_str()
        .expect("token")
        .to_owned();

    let mut last = None;
    for _ in 0..40 {
        let (status, opened) = flow_resume(&s, &id, None).await;
        assert_eq!(status, 200, "{opened}");
        last = opened["sessionToken"].as_str().map(str::to_owned);
    }
    let (status, again) = s
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "the API's resume still works: {again}");
    let (status, _) = flow_resume(&s, &id, Some(&persons)).await;
    assert_eq!(status, 200, "the person's session still works");
    let (status, _) = flow_resume(&s, &id, last.as_deref()).await;
    assert_eq!(status, 200, "the newest anonymous session works");
    let (_, sessions) = s
        .get(&format!("/api/v1/inquiries/{id}?include=sessions"))
        .await;
    let active = sessions["included"]
        .as_array()
        .expect("included sessions")
        .iter()
        .filter(|s| s["attributes"]["status"] == "active")
        .count();
    assert_eq!(
        active, 3,
        "the person's, the API's second and one anonymous: {sessions}"
    );
}

/// The demo helpers show only inquiries the demo page created (through its own create),
/// and nothing else, even from this machine.
#[tokio::test]
async fn demo_helpers_answer_only_for_inquiries_the_demo_created() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let made = s
        .client
        .post(s.url("/demo/api/inquiries"))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .expect("demo create");
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: Value = made.json().await.expect("JSON");
    let demo_id = made["inquiryId"].as_str().expect("inquiryId");
    let shown = s
        .client
        .get(s.url(&format!("/demo/api/inquiries/{demo_id}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(shown.status(), StatusCode::OK);

    let (_, created) = s
        .create_inquiry(&template, json!({"fields": {"name-first": "Private"}}))
        .await;
    let api_id = created["data"]["id"].as_str().expect("id");
    let hidden = s
        .client
        .get(s.url(&format!("/demo/api/inquiries/{api_id}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert!(!hidden.text().await.expect("body").contains("Private"));
    // The demo's inquiry opens in the flow by id alone, as the demo page does.
    assert_eq!(flow_resume(&s, demo_id, None).await.0, 200);
}

/// This machine's address on its network (not loopback), if it has one: the local end of a
/// UDP "connection" towards a public address (connecting a UDP socket sends nothing).
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// The demo helpers need no key, so a request from another machine — here, this machine's
/// network address, which the server sees as a non-loopback peer — gets a 404 for every
/// one of them, while the demo page itself and the same requests over loopback still work.
#[tokio::test]
async fn demo_helpers_answer_loopback_only() {
    let Some(ip) = non_loopback_address() else {
        eprintln!("skipped: this machine has no non-loopback address to call from");
        return;
    };
    let s = TestServer::builder().every_address().start();
    let port = s.base.rsplit(':').next().expect("a port").to_owned();
    let remote = |path: &str| format!("http://{ip}:{port}{path}");
    let template = s.template_id("Demo: ID").await;
    let page = s.client.get(remote("/demo/")).send().await.expect("GET");
    assert_eq!(page.status(), StatusCode::OK, "the page itself is public");
    let path = "/demo/api/templates";
    let got = s.client.get(remote(path)).send().await.expect("GET");
    assert_eq!(got.status(), StatusCode::NOT_FOUND, "{path} from afar");
    let here = s.client.get(s.url(path)).send().await.expect("GET");
    assert_eq!(here.status(), StatusCode::OK, "{path} over loopback");
    let create = |url: String| {
        s.client
            .post(url)
            .json(&json!({ "templateId": template }))
            .send()
    };
    let far = create(remote("/demo/api/inquiries")).await.expect("POST");
    assert_eq!(far.status(), StatusCode::NOT_FOUND);
    let made = create(s.url("/demo/api/inquiries")).await.expect("POST");
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: Value = made.json().await.expect("JSON");
    let id = made["inquiryId"].as_str().expect("inquiryId");
    for path in [
        format!("/demo/api/inquiries/{id}"),
        format!("/demo/api/outbox?inquiry={id}"),
    ] {
        let far = s.client.get(remote(&path)).send().await.expect("GET");
        assert_eq!(far.status(), StatusCode::NOT_FOUND, "{path} from afar");
        let here = s.client.get(s.url(&path)).send().await.expect("GET");
        assert_eq!(here.status(), StatusCode::OK, "{path} over loopback");
    }
}

/// The demo's outbox holds one-time links, each of which opens a person's session: it lists
/// only the messages of an inquiry the demo page created, named in the request.
#[tokio::test]
async fn demo_outbox_lists_only_a_demo_inquirys_messages() {
    let s = TestServer::start();
    let template = s.template_id("Demo: ID").await;
    let (status, created) = s
        .post(
            "/api/v1/inquiries",
            json!({"data": {"attributes": {"inquiry-template-id": template}}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let integrators = created["data"]["id"].as_str().expect("id");
    let outbox = |query: String| {
        s.client
            .get(s.url(&format!("/demo/api/outbox{query}")))
            .send()
    };
    let listed = outbox(format!("?inquiry={integrators}"))
        .await
        .expect("GET");
    assert_eq!(
        listed.status(),
        StatusCode::NOT_FOUND,
        "not the demo page's inquiry"
    );
    let listed = outbox(String::new()).await.expect("GET");
    assert_eq!(listed.status(), StatusCode::BAD_REQUEST, "no inquiry named");
    let body: Value = listed.json().await.expect("JSON");
    assert!(body.to_string().contains("inquiry"), "{body}");

    let made = s
        .client
        .post(s.url("/demo/api/inquiries"))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .expect("POST");
    let made: Value = made.json().await.expect("JSON");
    let demo = made["inquiryId"].as_str().expect("inquiryId");
    let listed = outbox(format!("?inquiry={demo}")).await.expect("GET");
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.json::<Value>().await.expect("JSON"), json!([]));
}

/// Production mode: `demo = false` serves no demo page and no helper, and seeds no demo
/// template and no key (the operator makes one with `verity api-key create`).
#[tokio::test]
async fn production_mode_has_no_demo_pages_helpers_templates_or_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let key = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(["api-key", "create", "--name", "ops"])
        .env("VERITY_DATA_DIR", &data)
        .env("VERITY_DEMO", "false")
        .env("VERITY_LOG", "warn")
        .output()
        .expect("api-key create");
    let printed = String::from_utf8_lossy(&key.stdout);
    let secret = printed
        .split_whitespace()
        .find(|w| w.starts_with("vk_"))
        .expect("a key")
        .to_owned();
    let s = TestServer::builder()
        .data_dir(data)
        .env("VERITY_DEMO", "false")
        .api_key(&secret)
        .start();
    for path in [
        "/demo",
        "/demo/",
        "/demo/demo.js",
        "/demo/api/templates",
        "/demo/api/outbox",
        "/demo/api/inquiries/inq_00000000aaaaaaaaaaaaaaaa",
    ] {
        let got = s.client.get(s.url(path)).send().await.expect("GET");
        assert_eq!(got.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let posted = s
        .client
        .post(s.url("/demo/api/inquiries"))
        .json(&json!({"templateId": "itmpl_x"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(posted.status(), StatusCode::NOT_FOUND);
    let (status, templates) = s.get("/api/v1/inquiry-templates").await;
    assert_eq!(status, 200, "{templates}");
    assert_eq!(templates["data"], json!([]), "no demo template seeded");
    let keys = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(["api-key", "list"])
        .env("VERITY_DATA_DIR", s.data_dir.clone())
        .env("VERITY_LOG", "warn")
        .output()
        .expect("api-key list");
    let listed = String::from_utf8_lossy(&keys.stdout);
    assert_eq!(
        listed.matches("key_").count(),
        1,
        "only the operator's key: {listed}"
    );
}

/// A flat PNG of `width`×`height`: small on the wire, `width × height` pixels once decoded.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::GrayImage::from_pixel(width, height, image::Luma([200]));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

/// A new inquiry through the flow: its id and session token.
async fn flow_inquiry(s: &TestServer) -> (String, String) {
    let template = s.template_id("Demo: ID").await;
    let response = s
        .client
        .post(s.url("/flow/v1/inquiries"))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .expect("flow create");
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.expect("JSON");
    (
        body["inquiry"]["id"].as_str().expect("id").to_owned(),
        body["sessionToken"].as_str().expect("token").to_owned(),
    )
}

async fn upload(s: &TestServer, id: &str, token: &str, image: &[u8]) -> (u16, Value) {
    let fields = [
        ("kind", "government_id"),
        ("side", "front"),
        ("id-class", "dl"),
        ("capture-method", "upload"),
    ];
    let (content_type, body) = crate::verifications::multipart(&fields, image);
    let response = s
        .client
        .post(s.url(&format!("/flow/v1/inquiries/{id}/documents")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A small PNG declaring 7000×7000 pixels (49 MP, 147 MB decoded) is refused from its
/// header with a 422 naming the size and the budget; nothing is stored.
#[tokio::test]
async fn an_image_over_the_pixel_budget_is_refused_naming_its_size() {
    let s = TestServer::start();
    let (id, token) = flow_inquiry(&s).await;
    let bomb = png(7000, 7000);
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let (status, refused) = upload(&s, &id, &token, &bomb).await;
    assert_eq!(status, 422, "{refused}");
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("7000×7000") && message.contains("megapixels"),
        "{message}"
    );
    assert_eq!(refused["error"]["code"], "invalid_upload");
    let (_, inquiry) = s
        .get(&format!("/api/v1/inquiries/{id}?include=documents"))
        .await;
    let stored = inquiry["included"].as_array().map_or(0, Vec::len);
    assert_eq!(stored, 0, "{inquiry}");
}

/// An inquiry holds at most `max_documents_per_inquiry` documents: the next is a 409.
#[tokio::test]
async fn documents_per_inquiry_are_capped() {
    let s = TestServer::builder()
        .env("VERITY_MAX_DOCUMENTS_PER_INQUIRY", "2")
        .start();
    let (id, token) = flow_inquiry(&s).await;
    let image = png(200, 120);
    for _ in 0..2 {
        let (status, body) = upload(&s, &id, &token, &image).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, refused) = upload(&s, &id, &token, &image).await;
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(message.contains("maximum of 2 documents"), "{message}");
}

/// Flow writes are limited per inquiry and per client address (429 with `Retry-After` and
/// the flow's error document); `X-Forwarded-For` counts only from a trusted proxy.
#[tokio::test]
async fn flow_writes_are_rate_limited_per_inquiry_and_per_client_address() {
    let s = TestServer::builder()
        .env("VERITY_FLOW_RATE_LIMIT_PER_INQUIRY_PER_SECOND", "1")
        .env("VERITY_FLOW_RATE_LIMIT_PER_INQUIRY_BURST", "3")
        .start();
    let (id, token) = flow_inquiry(&s).await;
    let resume = || {
        s.client
            .post(s.url(&format!("/flow/v1/inquiries/{id}/resume")))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(resume().await.expect("resume").status(), StatusCode::OK);
    }
    let limited = resume().await.expect("resume");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.expect("JSON");
    assert_eq!(body["error"]["status"], 429, "{body}");
    let (other, _) = flow_inquiry(&s).await;
    assert_eq!(
        flow_resume(&s, &other, None).await.0,
        200,
        "another inquiry is not limited"
    );

    for trusted in [false, true] {
        let mut server = TestServer::builder()
            .env("VERITY_FLOW_RATE_LIMIT_PER_ADDRESS_PER_SECOND", "1")
            .env("VERITY_FLOW_RATE_LIMIT_PER_ADDRESS_BURST", "4");
        if trusted {
            server = server.env("VERITY_TRUSTED_PROXIES", "[\"127.0.0.1\"]");
        }
        let s = server.start();
        let template = s.template_id("Demo: ID").await;
        let mut statuses = Vec::new();
        for n in 0..6 {
            let created = s
                .client
                .post(s.url("/flow/v1/inquiries"))
                .header("x-forwarded-for", format!("203.0.113.{n}"))
                .json(&json!({ "templateId": template }))
                .send()
                .await
                .expect("create");
            statuses.push(created.status().as_u16());
        }
        if trusted {
            assert_eq!(
                statuses, [201; 6],
                "each forwarded client has its own budget"
            );
        } else {
            assert_eq!(
                statuses,
                [201, 201, 201, 201, 429, 429],
                "the header is ignored"
            );
        }
    }
}
