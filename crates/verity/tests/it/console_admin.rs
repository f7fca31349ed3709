//! The console's admin pages end to end (docs/console.md §7): templates (edit with the
//! validation error shown, publish, (de)activate, try), webhooks (deliveries, redeliver,
//! rotate, disable/enable), API keys and operators — each page and action as an admin, 403
//! for reviewers and viewers, refused cross-site posts, secrets shown once, audit records —
//! and the optional TOTP second factor, with `console_require_totp`.

use reqwest::header::LOCATION;
use serde_json::{json, Value};

use crate::console::{create_operator, Browser};
use crate::server::TestServer;
use crate::webhooks::{create_webhook, eventually, start_receiver};

fn admin(s: &TestServer) -> (String, String) {
    s.console_admin
        .clone()
        .expect("the demo printed a console sign-in")
}

async fn signed_in<'a>(s: &'a TestServer, email: &str, password: &str) -> Browser<'a> {
    let mut browser = Browser::new(s);
    let answer = browser.sign_in(email, password).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    browser
}

/// The audit records of `action`, newest first.
async fn records(s: &TestServer, action: &str) -> Vec<Value> {
    let (status, body) = s
        .get(&format!(
            "/api/v1/audit-records?filter%5Baction%5D={action}&page%5Bsize%5D=100"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().cloned().unwrap_or_default()
}

/// The text of the first `<code class="secret-value">` on a page.
fn secret_on(page: &str) -> String {
    let marker = "<code class=\"secret-value\">";
    let start = page.find(marker).expect("a secret on the page") + marker.len();
    page[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn location(answer: &crate::console::Answer) -> String {
    answer.headers[LOCATION]
        .to_str()
        .expect("location")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_templates_and_webhooks_and_others_are_refused() {
    let s = crate::verifications::server();
    let (email, password) = admin(&s);
    let browser = signed_in(&s, &email, &password).await;
    let template = s.template_id("Demo: legacy").await;
    let (receiver, addr) = start_receiver().await;
    let (hook, first_secret) =
        create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    let (code, _) = s
        .post(
            "/api/v1/inquiries",
            json!({"data": {"attributes": {"inquiry-template-id": template}}}),
        )
        .await;
    assert_eq!(code, 201);
    eventually(15, "a delivery", || {
        let got = receiver.all();
        async move { (!got.is_empty()).then_some(()) }
    })
    .await;

    // Every page, as an admin; the navigation links them.
    let pages = [
        "/console/templates".to_owned(),
        format!("/console/templates/{template}"),
        format!("/console/templates/{template}?format=json"),
        "/console/webhooks".to_owned(),
        format!("/console/webhooks/{hook}"),
        "/console/api-keys".to_owned(),
        "/console/operators".to_owned(),
    ];
    for path in &pages {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains("href=\"/console/templates\""), "{path}");
        assert_eq!(page.headers["x-frame-options"], "DENY", "{path}");
        assert!(
            !page.body.contains(&first_secret),
            "{path} shows no webhook secret"
        );
    }
    // The attempt is recorded once the receiver has answered.
    let hook_path = format!("/console/webhooks/{hook}");
    let hook_page = eventually(15, "the delivery's answer on the page", || {
        let (b, path) = (&browser, hook_path.clone());
        async move {
            let page = b.get(&path).await;
            page.body.contains("HTTP 204").then_some(page.body)
        }
    })
    .await;
    assert!(hook_page.contains("inquiry.created"), "{hook_page}");
    let delivery = hook_page
        .split("/deliveries/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a delivery's redeliver form")
        .to_owned();

    // Reviewers and viewers: 403 on every page and action, and no admin links.
    let actions = [
        format!("/console/templates/{template}"),
        format!("/console/templates/{template}/publish"),
        format!("/console/templates/{template}/activate"),
        format!("/console/templates/{template}/deactivate"),
        format!("/console/templates/{template}/try"),
        format!("/console/webhooks/{hook}/deliveries/{delivery}/redeliver"),
        format!("/console/webhooks/{hook}/rotate-secret"),
        format!("/console/webhooks/{hook}/disable"),
        format!("/console/webhooks/{hook}/enable"),
        "/console/api-keys".to_owned(),
        "/console/operators".to_owned(),
    ];
    for role in ["reviewer", "viewer"] {
        let who = format!("{role}@example.com");
        let other = signed_in(&s, &who, &create_operator(&s, &who, role)).await;
        let csrf = other.csrf("/console/queue").await;
        let queue = other.get("/console/queue").await;
        assert!(
            !queue.body.contains("/console/templates"),
            "{role}: no admin links"
        );
        for path in &pages {
            assert_eq!(other.get(path).await.status, 403, "{role} {path}");
        }
        for path in &actions {
            let answer = other.post(path, &[("csrf", &csrf), ("name", "x")]).await;
            assert_eq!(answer.status, 403, "{role} {path}: {}", answer.body);
        }
    }

    // Templates: an invalid draft is shown again with its rule's error; a valid one saved,
    // published, deactivated, activated, tried.
    let detail = format!("/console/templates/{template}");
    let csrf = browser.csrf(&detail).await;
    let bad = json!({"steps": [{"name": "done", "kind": "completion", "name-display": "Done"}],
        "workflow": [{"name": "odd", "when": {"status": "completed", "check-failed": "no-such-check"},
                      "then": [{"action": "mark-for-review"}]}]});
    let refused = browser
        .post(
            &detail,
            &[
                ("csrf", &csrf),
                ("format", "json"),
                ("definition", &bad.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("definition-errors") && refused.body.contains("no-such-check"),
        "{}",
        refused.body
    );
    let broken = browser
        .post(
            &detail,
            &[
                ("csrf", &csrf),
                ("format", "toml"),
                ("definition", "steps = ["),
            ],
        )
        .await;
    assert_eq!(broken.status, 422);
    assert!(
        broken.body.contains("<strong>TOML</strong>"),
        "{}",
        broken.body
    );
    let (_, before) = s
        .get(&format!("/api/v1/inquiry-templates/{template}"))
        .await;
    let versions_before = before["data"]["relationships"]["inquiry-template-versions"]["data"]
        .as_array()
        .map_or(0, Vec::len);
    let toml_page = browser.get(&detail).await;
    let text = toml_page
        .body
        .split("name=\"definition\"")
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split("</textarea>").next())
        .expect("the draft in the textarea")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let edited = text.replace("border-radius = 8", "border-radius = 20");
    assert_ne!(edited, text, "the TOML draft names border-radius: {text}");
    let saved = browser
        .post(
            &detail,
            &[("csrf", &csrf), ("format", "toml"), ("definition", &edited)],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(browser
        .get(&detail)
        .await
        .body
        .contains("not yet published"));
    let published = browser
        .post(&format!("{detail}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let (_, after) = s
        .get(&format!("/api/v1/inquiry-templates/{template}"))
        .await;
    assert_eq!(after["data"]["attributes"]["border-radius"], 20, "{after}");
    assert_eq!(
        after["data"]["relationships"]["inquiry-template-versions"]["data"]
            .as_array()
            .map_or(0, Vec::len),
        versions_before + 1,
        "{after}"
    );
    for (action, status) in [("deactivate", "inactive"), ("activate", "active")] {
        let answer = browser
            .post(&format!("{detail}/{action}"), &[("csrf", &csrf)])
            .await;
        assert_eq!(answer.status, 303, "{action}: {}", answer.body);
        let (_, t) = s
            .get(&format!("/api/v1/inquiry-templates/{template}"))
            .await;
        assert_eq!(t["data"]["attributes"]["status"], status);
    }
    let tried = browser
        .post(&format!("{detail}/try"), &[("csrf", &csrf)])
        .await;
    assert_eq!(tried.status, 303, "{}", tried.body);
    let flow = location(&tried);
    assert!(flow.starts_with("/verify?inquiry-id=inq_"), "{flow}");
    let inquiry = flow.trim_start_matches("/verify?inquiry-id=");
    assert_eq!(
        browser.get(&flow).await.status,
        200,
        "the hosted flow opens"
    );
    let (code, _) = s.get(&format!("/api/v1/inquiries/{inquiry}")).await;
    assert_eq!(code, 200, "the tried inquiry exists");

    // Webhooks: redeliver, rotate (the secret shown on that answer only), disable, enable.
    let redelivered = browser
        .post(
            &format!("{hook_path}/deliveries/{delivery}/redeliver"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(redelivered.status, 303, "{}", redelivered.body);
    let deliveries = format!("/api/v1/webhooks/{hook}/deliveries?page%5Bsize%5D=100");
    // A redelivery starts a fresh schedule; its attempt joins the delivery's history.
    eventually(15, "the redelivery's second attempt", || {
        let (s, path, id) = (&s, deliveries.clone(), delivery.clone());
        async move {
            let (_, page) = s.get(&path).await;
            page["data"]
                .as_array()?
                .iter()
                .find(|d| d["id"] == id.as_str())
                .filter(|d| d["attributes"]["attempts"].as_array().map_or(0, Vec::len) >= 2)
                .map(|_| ())
        }
    })
    .await;
    let rotated = browser
        .post(&format!("{hook_path}/rotate-secret"), &[("csrf", &csrf)])
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let secret = secret_on(&rotated.body);
    assert!(
        secret.starts_with("whsec_") && secret != first_secret,
        "{secret}"
    );
    assert!(
        !browser.get(&hook_path).await.body.contains(&secret),
        "shown once"
    );
    for (action, status) in [("disable", "disabled"), ("enable", "enabled")] {
        let answer = browser
            .post(&format!("{hook_path}/{action}"), &[("csrf", &csrf)])
            .await;
        assert_eq!(answer.status, 303, "{action}: {}", answer.body);
        let (_, w) = s.get(&format!("/api/v1/webhooks/{hook}")).await;
        assert_eq!(w["data"]["attributes"]["status"], status, "{w}");
    }

    // Every change has its record by the admin; none holds a secret.
    for action in [
        "template.updated",
        "template.published",
        "template.activated",
        "template.deactivated",
        "template.tried",
        "webhook.redelivered",
        "webhook.secret-rotated",
        "webhook.disabled",
        "webhook.enabled",
    ] {
        let found = records(&s, action).await;
        assert_eq!(found.len(), 1, "{action}: {found:?}");
        let record = &found[0]["attributes"];
        assert_eq!(record["actor"], email.as_str(), "{record}");
        assert!(!record.to_string().contains("whsec_"), "{record}");
    }
    let tried_record = &records(&s, "template.tried").await[0]["attributes"];
    assert_eq!(tried_record["inquiry-id"], inquiry);
    let trail = browser
        .get("/console/audit?action=webhook.secret-rotated")
        .await;
    assert!(trail.body.contains(&hook) && !trail.body.contains(&secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_api_keys_and_operators_with_secrets_shown_once() {
    let s = TestServer::start();
    let (email, password) = admin(&s);
    let browser = signed_in(&s, &email, &password).await;
    let csrf = browser.csrf("/console/api-keys").await;

    // A cross-site or token-less post of a new action is refused, and changes nothing.
    let foreign = browser
        .post_from(
            Some("https://evil.example"),
            "/console/api-keys",
            &[("csrf", &csrf), ("name", "evil")],
        )
        .await;
    assert_eq!(foreign.status, 403);
    let no_token = browser.post("/console/api-keys", &[("name", "evil")]).await;
    assert_eq!(no_token.status, 403);
    assert!(records(&s, "api-key.created").await.is_empty());

    // API keys: the secret once, working; revoked, refused.
    let created = browser
        .post(
            "/console/api-keys",
            &[("csrf", &csrf), ("name", "CI <key>")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let key = secret_on(&created.body);
    assert!(key.starts_with("vk_"), "{key}");
    assert!(created.body.contains("CI &lt;key&gt;"), "escaped");
    let list = browser.get("/console/api-keys").await;
    assert!(!list.body.contains(&key), "the secret is shown once");
    assert!(list.body.contains(&key[..9]), "its hint is listed");
    let with_key = |k: String| {
        let client = s.client.clone();
        let url = s.url("/api/v1/inquiry-templates");
        async move {
            let resp = client.get(url).bearer_auth(k).send().await.expect("get");
            resp.status().as_u16()
        }
    };
    assert_eq!(with_key(key.clone()).await, 200);
    let id = form_id(&list.body, "CI &lt;key&gt;", "/console/api-keys/");
    let revoked = browser
        .post(
            &format!("/console/api-keys/{id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(with_key(key.clone()).await, 401, "a revoked key is refused");

    // Operators: a generated password once; reset (shown once, the old one dead); disable;
    // never yourself.
    let made = browser
        .post(
            "/console/operators",
            &[
                ("csrf", &csrf),
                ("email", "new@example.com"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let first = secret_on(&made.body);
    assert_eq!(first.len(), 24, "{first}");
    let listed = browser.get("/console/operators").await;
    assert!(listed.body.contains("new@example.com") && !listed.body.contains(&first));
    signed_in(&s, "new@example.com", &first).await;
    let operator_id = form_id(&listed.body, "new@example.com", "/console/operators/");
    let reset = browser
        .post(
            &format!("/console/operators/{operator_id}/reset-password"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let second = secret_on(&reset.body);
    assert_ne!(second, first);
    assert!(!browser
        .get("/console/operators")
        .await
        .body
        .contains(&second));
    assert_eq!(
        Browser::new(&s)
            .sign_in("new@example.com", &first)
            .await
            .status,
        401
    );
    signed_in(&s, "new@example.com", &second).await;
    let disabled = browser
        .post(
            &format!("/console/operators/{operator_id}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(disabled.status, 303, "{}", disabled.body);
    assert_eq!(
        Browser::new(&s)
            .sign_in("new@example.com", &second)
            .await
            .status,
        401
    );
    let me = browser.get("/console/operators").await;
    assert!(
        !me.body.contains(&format!("Disable {email}")),
        "no disable button for yourself"
    );
    let admin_id = form_id(&me.body, &email, "/console/operators/");
    let myself = browser
        .post(
            &format!("/console/operators/{admin_id}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(myself.status, 409, "{}", myself.body);

    for action in [
        "api-key.created",
        "api-key.revoked",
        "operator.created",
        "operator.password-reset",
        "operator.disabled",
    ] {
        let found = records(&s, action).await;
        assert!(!found.is_empty(), "{action}");
        for record in &found {
            let text = record.to_string();
            assert_eq!(record["attributes"]["actor"], email.as_str());
            for secret in [&key, &first, &second] {
                assert!(!text.contains(secret.as_str()), "{action}: {text}");
            }
        }
    }
}

/// The id in the first form path under `prefix` in the table row that mentions `needle`.
fn form_id(page: &str, needle: &str, prefix: &str) -> String {
    let row = page
        .split("<tr>")
        .skip(1)
        .find(|row| row.contains(needle))
        .unwrap_or_else(|| panic!("a row with {needle}"));
    row.split(prefix)
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("a form in the row of {needle}"))
        .to_owned()
}

/// The current code of a base32 secret, `ahead` steps from now.
fn totp_code(secret: &str, ahead: i64) -> String {
    let bytes = verity_app::totp::from_base32(secret).expect("base32");
    let step = verity_app::totp::step_at(chrono::Utc::now().timestamp_millis()) + ahead;
    format!("{:06}", verity_app::totp::code(&bytes, step))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_is_enrolled_then_asked_for_and_required_for_admins_when_configured() {
    let s = TestServer::builder()
        .env("VERITY_CONSOLE_REQUIRE_TOTP", "true")
        .start();
    let (email, password) = admin(&s);
    let mut browser = Browser::new(&s);
    assert_eq!(browser.sign_in(&email, &password).await.status, 303);

    // Required for admins: every page sends the admin to enrol first.
    let forced = browser.get("/console/queue").await;
    assert_eq!(forced.status, 303);
    assert_eq!(location(&forced), "/console/totp");
    assert_eq!(browser.get("/console/api-keys").await.status, 303);
    let enrol = browser.get("/console/totp").await;
    assert_eq!(enrol.status, 200, "{}", enrol.body);
    let secret = secret_on(&enrol.body);
    assert_eq!(secret.len(), 32, "{secret}");
    assert!(enrol.body.contains("otpauth://totp/Verity:") && enrol.body.contains("<svg"));
    let csrf = browser.csrf("/console/totp").await;
    let wrong = browser
        .post(
            "/console/totp",
            &[("csrf", &csrf), ("secret", &secret), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    let code = totp_code(&secret, 0);
    let no_origin = browser
        .post_from(
            None,
            "/console/totp",
            &[("csrf", &csrf), ("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(no_origin.status, 403);
    let enrolled = browser
        .post(
            "/console/totp",
            &[("csrf", &csrf), ("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(enrolled.status, 303, "{}", enrolled.body);
    assert_eq!(browser.get("/console/queue").await.status, 200);
    let after = browser.get("/console/totp").await;
    assert!(
        !after.body.contains(&secret),
        "the secret is not shown again"
    );
    let record = records(&s, "operator.totp-enrolled").await;
    assert_eq!(record.len(), 1);
    assert!(!record[0].to_string().contains(&secret));

    // Sign-in now asks for the code after the password; a wrong or reused one is refused.
    let mut again = Browser::new(&s);
    let first = again.sign_in(&email, &password).await;
    assert_eq!(first.status, 303);
    assert_eq!(location(&first), "/console/sign-in/code");
    let waiting = again.get("/console/queue").await;
    assert_eq!(
        location(&waiting),
        "/console/sign-in/code",
        "no page before the code"
    );
    let csrf = again.csrf("/console/sign-in/code").await;
    let wrong = again
        .post(
            "/console/sign-in/code",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let replayed = again
        .post("/console/sign-in/code", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(replayed.status, 401, "the enrolment's code is used up");
    let next = totp_code(&secret, 1);
    let right = again
        .post("/console/sign-in/code", &[("csrf", &csrf), ("code", &next)])
        .await;
    assert_eq!(right.status, 303, "{}", right.body);
    assert_eq!(again.get("/console/queue").await.status, 200);

    // Others are not forced; a reviewer may still enrol by choice.
    let reviewer = create_operator(&s, "reviewer@example.com", "reviewer");
    let other = signed_in(&s, "reviewer@example.com", &reviewer).await;
    assert_eq!(other.get("/console/queue").await.status, 200);

    // Wrong codes count towards the account's lock, like wrong passwords.
    let mut third = Browser::new(&s);
    assert_eq!(third.sign_in(&email, &password).await.status, 303);
    let csrf = third.csrf("/console/sign-in/code").await;
    let mut last = 0;
    for _ in 0..10 {
        last = third
            .post(
                "/console/sign-in/code",
                &[("csrf", &csrf), ("code", "999999")],
            )
            .await
            .status;
    }
    assert_eq!(last, 429, "the tenth wrong code locks the account");
    assert_eq!(
        Browser::new(&s).sign_in(&email, &password).await.status,
        429
    );
}

/// A lost authenticator: `verity operator reset-totp` removes the second factor and ends the
/// operator's sessions, so it signs in with its password alone until it enrols again.
#[tokio::test]
async fn reset_totp_removes_the_second_factor_and_ends_the_sessions() {
    let s = TestServer::start();
    let password = create_operator(&s, "rita@example.com", "reviewer");
    let browser = signed_in(&s, "rita@example.com", &password).await;
    let enrol = browser.get("/console/totp").await;
    let secret = secret_on(&enrol.body);
    let csrf = browser.csrf("/console/totp").await;
    let code = totp_code(&secret, 0);
    let enrolled = browser
        .post(
            "/console/totp",
            &[("csrf", &csrf), ("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(enrolled.status, 303, "{}", enrolled.body);
    let mut asked = Browser::new(&s);
    let first = asked.sign_in("rita@example.com", &password).await;
    assert_eq!(location(&first), "/console/sign-in/code");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(["operator", "reset-totp", "--email", "rita@example.com"])
        .env("VERITY_DATA_DIR", &s.data_dir)
        .env("VERITY_LOG", "warn")
        .output()
        .expect("run verity operator reset-totp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        browser.get("/console/queue").await.status,
        303,
        "the enrolled session is ended"
    );
    let mut plain = Browser::new(&s);
    let signed = plain.sign_in("rita@example.com", &password).await;
    assert_eq!(signed.status, 303);
    assert_ne!(location(&signed), "/console/sign-in/code", "no code asked");
    assert_eq!(plain.get("/console/queue").await.status, 200);
}
