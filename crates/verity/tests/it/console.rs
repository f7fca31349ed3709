//! The operator console end to end (docs/console.md): the real binary, its demo admin, the
//! `verity operator` CLI, sign-in and its throttle, roles enforced on the server, refused
//! cross-site posts, and a review of an inquiry made by a real flow run: its images, an
//! approval with a reason that reaches the API, the webhook and the audit trail.

use std::process::{Command, Stdio};

use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};
use verity_checks::fixtures::{self, LicenceVariant};

use crate::server::TestServer;
use crate::verifications::{strict_template, wait_for_status, Flow};
use crate::webhooks::{create_webhook, eventually, start_receiver};

/// A browser without cookies of its own: the session cookie is kept by hand, redirects
/// are not followed, and every post says where it comes from (`Origin`).
pub(crate) struct Browser<'a> {
    s: &'a TestServer,
    pub(crate) client: reqwest::Client,
    pub(crate) cookie: Option<String>,
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl<'a> Browser<'a> {
    pub(crate) fn new(s: &'a TestServer) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            s,
            client,
            cookie: None,
        }
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap_or_default(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        let mut req = self.client.get(self.s.url(path));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        Self::answer(req.send().await.expect("get")).await
    }

    /// Posts a form from `origin` (`None`: no `Origin` header).
    pub(crate) async fn post_from(
        &self,
        origin: Option<&str>,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .client
            .post(self.s.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(pairs));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        Self::answer(req.send().await.expect("post")).await
    }

    pub(crate) async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        self.post_from(Some(&self.s.base), path, pairs).await
    }

    pub(crate) async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let answer = self
            .post(
                "/console/sign-in",
                &[("email", email), ("password", password)],
            )
            .await;
        if let Some(set) = answer.headers.get(SET_COOKIE).and_then(|v| v.to_str().ok()) {
            self.cookie = set.split(';').next().map(str::to_owned);
        }
        answer
    }

    /// The form token of the page at `path`.
    pub(crate) async fn csrf(&self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let marker = "name=\"csrf\" value=\"";
        let start = page.body.find(marker).expect("a form token on the page") + marker.len();
        page.body[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

/// `verity operator create …` against the server's data directory; the printed password.
pub(crate) fn create_operator(s: &TestServer, email: &str, role: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(["operator", "create", "--email", email, "--role", role])
        .env("VERITY_DATA_DIR", &s.data_dir)
        .env("VERITY_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run verity operator create");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("a generated password");
    line.trim().to_owned()
}

fn demo_admin(s: &TestServer) -> (String, String) {
    s.console_admin
        .clone()
        .expect("the demo printed a console sign-in")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sessions_security_headers_and_ten_wrong_passwords_lock_the_account() {
    let s = TestServer::start();
    let (email, password) = demo_admin(&s);
    let mut browser = Browser::new(&s);

    let signed_out = browser.get("/console/queue").await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(signed_out.headers[LOCATION], "/console/sign-in");
    let wrong = browser.sign_in(&email, "not the password").await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.body.contains("Wrong email or password."),
        "{}",
        wrong.body
    );
    let unknown = browser.sign_in("nobody@example.com", &password).await;
    assert_eq!(
        (
            unknown.status,
            unknown.body.contains("Wrong email or password.")
        ),
        (401, true)
    );
    assert!(browser.cookie.is_none());

    let signed = browser.sign_in(&email, &password).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let set = signed.headers[SET_COOKIE].to_str().expect("cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "served over http: {set}");
    let queue = browser.get("/console/queue").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let csp = queue.headers["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(queue.headers["x-frame-options"], "DENY");
    assert_eq!(queue.headers["x-content-type-options"], "nosniff");
    // Under `no-referrer` Chromium sends `Origin: null` with the console's own posts.
    assert_eq!(queue.headers["referrer-policy"], "same-origin");
    assert!(!queue.body.contains("<script>"), "no inline script");
    assert!(queue.body.len() < 100_000);

    // Ten wrong passwords lock the account; then even the right one is refused, saying so.
    let reviewer = "reviewer@example.com";
    let reviewer_password = create_operator(&s, reviewer, "reviewer");
    let mut other = Browser::new(&s);
    for n in 1..=10 {
        let answer = other.sign_in(reviewer, "wrong password!").await;
        let want = if n < 10 { 401 } else { 429 };
        assert_eq!(answer.status, want, "attempt {n}: {}", answer.body);
    }
    let locked = other.sign_in(reviewer, &reviewer_password).await;
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains("locked until"), "{}", locked.body);
    assert!(other.cookie.is_none());

    // Sign out everywhere ends every session of the operator.
    let mut second = Browser::new(&s);
    assert_eq!(second.sign_in(&email, &password).await.status, 303);
    let csrf = browser.csrf("/console/queue").await;
    let out = browser
        .post("/console/sign-out-everywhere", &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(browser.get("/console/queue").await.status, 303);
    assert_eq!(
        second.get("/console/queue").await.status,
        303,
        "the other session ended too"
    );
}

/// A template whose workflow sends every completed inquiry to a person.
fn review_template() -> Value {
    let mut template = strict_template();
    template["data"]["attributes"]["name"] = json!("Manual review");
    template["data"]["attributes"]["workflow"] = json!([
        {"name": "review everything", "when": {"status": "completed"},
         "then": [{"action": "mark-for-review"}]}
    ]);
    template
}

/// The `src` of every image on an inquiry page.
fn image_paths(page: &str) -> Vec<String> {
    page.split("<img src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

pub(crate) async fn audit_records(s: &TestServer, inquiry: &str) -> Vec<Value> {
    let (status, body) = s
        .get(&format!(
            "/api/v1/audit-records?filter%5Binquiry-id%5D={inquiry}&page%5Bsize%5D=100"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_with_a_reason_a_viewer_is_masked_and_cross_site_posts_are_refused() {
    let s = crate::verifications::server();
    let (receiver, addr) = start_receiver().await;
    create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    let (code, template) = s.post("/api/v1/inquiry-templates", review_template()).await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    let licence = fixtures::licence(LicenceVariant::Valid, chrono::Utc::now().date_naive());
    let flow = Flow::start(&s, &template_id).await;
    flow.run(&licence).await;
    wait_for_status(&s, &flow.id, "needs_review").await;
    let id = flow.id.clone();
    let first_name = licence.inquiry.name_first.clone().expect("a first name");

    let reviewer = "reviewer@example.com";
    let mut review = Browser::new(&s);
    assert_eq!(
        review
            .sign_in(reviewer, &create_operator(&s, reviewer, "reviewer"))
            .await
            .status,
        303
    );
    let mut view = Browser::new(&s);
    assert_eq!(
        view.sign_in(
            "viewer@example.com",
            &create_operator(&s, "viewer@example.com", "viewer")
        )
        .await
        .status,
        303
    );

    let queue = review.get("/console/queue").await;
    assert!(queue.body.contains(&id), "the queue lists the inquiry");
    let detail_path = format!("/console/inquiries/{id}");
    let page = review.get(&detail_path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&first_name),
        "a reviewer sees the values"
    );
    let images = image_paths(&page.body);
    assert_eq!(
        images.len(),
        5,
        "two ID sides and three selfie poses: {images:?}"
    );
    for path in &images {
        let image = review.get(path).await;
        assert_eq!(image.status, 200, "{path}");
        assert_eq!(image.headers["cache-control"], "no-store");
        assert_eq!(image.headers["x-content-type-options"], "nosniff");
        let kind = image.headers[CONTENT_TYPE].to_str().expect("type");
        assert!(
            ["image/jpeg", "image/png", "image/webp"].contains(&kind),
            "{kind}"
        );
    }

    // The viewer: masked values, no image, no decision.
    let masked = view.get(&detail_path).await;
    assert_eq!(masked.status, 200);
    assert!(
        !masked.body.contains(&first_name),
        "a viewer sees no personal value"
    );
    assert!(masked.body.contains("••••••") && !masked.body.contains("<img"));
    assert_eq!(view.get(&images[0]).await.status, 403);
    let view_csrf = view.csrf("/console/queue").await;
    let decision = format!("/console/inquiries/{id}/decision");
    let refused = view
        .post(
            &decision,
            &[
                ("csrf", &view_csrf),
                ("verdict", "approve"),
                ("reason", "looks fine"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // Cross-site posts: a foreign or missing Origin, a cross-site fetch, a missing or wrong token.
    let csrf = review.csrf(&detail_path).await;
    let approve = [
        ("csrf", csrf.as_str()),
        ("verdict", "approve"),
        ("reason", "x"),
    ];
    assert_eq!(
        review
            .post_from(Some("https://evil.example"), &decision, &approve)
            .await
            .status,
        403
    );
    assert_eq!(
        review.post_from(None, &decision, &approve).await.status,
        403
    );
    let no_token = [("verdict", "approve"), ("reason", "x")];
    assert_eq!(review.post(&decision, &no_token).await.status, 403);
    let wrong = [
        ("csrf", view_csrf.as_str()),
        ("verdict", "approve"),
        ("reason", "x"),
    ];
    assert_eq!(
        review.post(&decision, &wrong).await.status,
        403,
        "another session's token"
    );
    let cross = review
        .client
        .post(s.url(&decision))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("cookie", review.cookie.clone().unwrap_or_default())
        .header("origin", s.base.clone())
        .header("sec-fetch-site", "cross-site")
        .body(form(&approve))
        .send()
        .await
        .expect("post");
    assert_eq!(cross.status().as_u16(), 403);
    let no_reason = [
        ("csrf", csrf.as_str()),
        ("verdict", "approve"),
        ("reason", " "),
    ];
    assert_eq!(review.post(&decision, &no_reason).await.status, 422);
    assert_eq!(
        crate::verifications::status_of(&s, &id).await,
        "needs_review"
    );

    // The approval, with its reason, through the application's one change path.
    let reason = "Document and selfie match; checked by hand";
    let approved = review
        .post(
            &decision,
            &[("csrf", &csrf), ("verdict", "approve"), ("reason", reason)],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(crate::verifications::status_of(&s, &id).await, "approved");
    let hook = eventually(15, "the inquiry.approved webhook", || {
        let got = receiver.all();
        async move {
            got.iter()
                .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
                .find(|b| b["data"]["attributes"]["name"] == "inquiry.approved")
        }
    })
    .await;
    let payload = &hook["data"]["attributes"]["payload"];
    assert_eq!(payload["meta"]["reason"], reason, "{payload}");
    assert_eq!(
        payload["meta"]["actor"],
        json!({"kind": "operator", "id": reviewer})
    );

    // The audit trail: every image view and the decision, by the reviewer's email.
    let records = audit_records(&s, &id).await;
    let by = |action: &str| {
        records
            .iter()
            .filter(|r| r["attributes"]["action"] == action && r["attributes"]["actor"] == reviewer)
            .count()
    };
    assert_eq!(by("image.viewed"), images.len(), "{records:?}");
    assert_eq!(by("inquiry.approved"), 1);
    assert!(by("inquiry.viewed") >= 1);
    let decided = records
        .iter()
        .find(|r| r["attributes"]["action"] == "inquiry.approved")
        .expect("the decision");
    assert_eq!(decided["attributes"]["detail"], reason);
    assert!(
        !records
            .iter()
            .any(|r| r["attributes"]["actor"] == "viewer@example.com"),
        "a viewer's masked view and refused actions leave no record of personal data seen"
    );
    let (_, admin_password) = demo_admin(&s);
    let mut admin = Browser::new(&s);
    admin.sign_in("admin@verity.local", &admin_password).await;
    let trail = admin.get("/console/audit").await;
    assert_eq!(trail.status, 200);
    assert!(trail.body.contains("image.viewed") && trail.body.contains(reason));
    assert_eq!(
        review.get("/console/audit").await.status,
        403,
        "the audit page is for admins"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_decision_is_audited_with_its_key_and_carries_its_reason() {
    let s = TestServer::start();
    let (code, template) = s.post("/api/v1/inquiry-templates", json!({"data": {"attributes": {
        "name": "Fields only", "kind": "dynamic",
        "steps": [
            {"name": "details", "kind": "fields", "name-display": "Details", "fields": ["name-first"]},
            {"name": "done", "kind": "completion", "name-display": "Done"}
        ],
        "fields": [{"key": "name-first", "type": "string", "required": true}],
        "allowed-domains": ["localhost"]
    }}})).await;
    assert_eq!(code, 201, "{template}");
    let flow = Flow::start(&s, template["data"]["id"].as_str().expect("id")).await;
    flow.step("details", json!({"fields": {"name-first": "Ada"}}))
        .await;
    wait_for_status(&s, &flow.id, "completed").await;
    let (status, body) = s
        .post(
            &format!("/api/v1/inquiries/{}/decline", flow.id),
            json!({"meta": {"reason": "duplicate account"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["attributes"]["status"], "declined");
    let records = audit_records(&s, &flow.id).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0]["attributes"];
    assert_eq!(record["actor-kind"], "api-key");
    assert!(
        record["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("key_")),
        "{record}"
    );
    assert_eq!(record["detail"], "duplicate account");
    let events = crate::webhooks::all_events(&s).await;
    let declined = events
        .iter()
        .find(|e| e["attributes"]["name"] == "inquiry.declined")
        .expect("the event");
    assert_eq!(
        declined["attributes"]["payload"]["meta"]["reason"],
        "duplicate account"
    );
}
