//! Cross-device hand-off (docs/handoff.md) through the real binary: one-time links from the REST API
//! and from the flow; a link works once (also under two concurrent opens), an expired link
//! and a link of an expired inquiry are refused with a human page; email through a local
//! SMTP sink, SMS through a signed HTTP gateway; failed sends and rate limits are errors.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::server::TestServer;
use crate::webhooks::start_receiver;

/// `POST /api/v1/inquiries/{id}/generate-one-time-link`; returns (status, body).
async fn generate(server: &TestServer, id: &str, body: Option<Value>) -> (u16, Value) {
    server
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/inquiries/{id}/generate-one-time-link"),
            body,
        )
        .await
}

async fn new_inquiry(server: &TestServer) -> String {
    let template = server.template_id("Demo: ID").await;
    let (status, created) = server.create_inquiry(&template, json!({})).await;
    assert_eq!(status, 201, "{created}");
    created["data"]["id"].as_str().expect("id").to_owned()
}

/// The link, on this server's address (the link names `localhost`).
fn on(server: &TestServer, link: &str) -> String {
    let path = &link[link.find("/verify").expect("a /verify link")..];
    server.url(path)
}

fn code_of(link: &str) -> String {
    link.split("code=").nth(1).expect("a code").to_owned()
}

/// `GET` the landing page: (status, HTML).
async fn land(server: &TestServer, link: &str) -> (u16, String) {
    let resp = server
        .client
        .get(on(server, link))
        .send()
        .await
        .expect("GET link");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

/// `POST /flow/v1/handoff/open`: (status, body).
async fn open(server: &TestServer, code: &str) -> (u16, Value) {
    let resp = server
        .client
        .post(server.url("/flow/v1/handoff/open"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("POST open");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_api_link_works_once_and_its_session_is_recorded() {
    let server = TestServer::start();
    let id = new_inquiry(&server).await;
    let (status, made) = generate(&server, &id, None).await;
    assert_eq!(status, 201, "{made}");
    let link = made["meta"]["one-time-link"]
        .as_str()
        .expect("link")
        .to_owned();
    assert!(
        link.starts_with(&format!(
            "http://localhost:{}/verify?code=otl_",
            server.base.rsplit(':').next().unwrap_or_default()
        )),
        "{link}"
    );
    // The link never outlives the inquiry (which lives 24 h; the default link 15 min).
    assert_ne!(
        made["meta"]["expires-at"],
        made["data"]["attributes"]["expires-at"]
    );

    let (status, page) = land(&server, &link).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("\"handoff\":true"),
        "the flow is told to spend the code"
    );
    let (status, opened) = open(&server, &code_of(&link)).await;
    assert_eq!(status, 200, "{opened}");
    let token = opened["sessionToken"].as_str().expect("token").to_owned();
    assert_eq!(opened["inquiry"]["id"], json!(id));
    assert_eq!(opened["handoff"]["method"], "api");
    // The phone's token works on the flow API.
    let resp = server
        .client
        .get(server.url(&format!("/flow/v1/inquiries/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET inquiry");
    assert_eq!(resp.status().as_u16(), 200);

    // Once only: the page and the open are refused, and say why.
    let (status, page) = land(&server, &link).await;
    assert_eq!(status, 410);
    assert!(page.contains("already been used"), "{page}");
    let (status, again) = open(&server, &code_of(&link)).await;
    assert_eq!(status, 410, "{again}");
    assert!(again["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("already been used"));
    let (status, page) = land(&server, "/verify?code=otl_NoSuchCode").await;
    assert_eq!(status, 404);
    assert!(page.contains("not valid"), "{page}");

    // The hand-off session is on the inquiry, with its method, and was announced.
    let (_, with) = server
        .get(&format!("/api/v1/inquiries/{id}?include=sessions"))
        .await;
    let methods: Vec<Value> = with["included"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["attributes"]["device-handoff-method"].clone())
        .collect();
    assert_eq!(methods, vec![json!("api")]);
    let (_, events) = server
        .get(&format!(
            "/api/v1/events?filter[inquiry-id]={id}&filter[name]=inquiry-session.started"
        ))
        .await;
    assert_eq!(events["data"].as_array().map(Vec::len), Some(1), "{events}");
}

#[tokio::test]
async fn two_concurrent_opens_of_one_link_one_wins() {
    let server = TestServer::start();
    let id = new_inquiry(&server).await;
    let (_, made) = generate(&server, &id, None).await;
    let code = code_of(made["meta"]["one-time-link"].as_str().expect("link"));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (client, url, code) = (
                server.client.clone(),
                server.url("/flow/v1/handoff/open"),
                code.clone(),
            );
            tokio::spawn(async move {
                let resp = client.post(url).json(&json!({ "code": code })).send().await;
                resp.expect("POST open").status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 410),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn expired_links_and_links_of_expired_inquiries_are_refused() {
    let server = TestServer::start();
    // A link of one second: wait until its expiry has passed, then it is refused.
    let id = new_inquiry(&server).await;
    let (status, made) = generate(
        &server,
        &id,
        Some(json!({"data": {"attributes": {"expires-in-seconds": 1}}})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let link = made["meta"]["one-time-link"]
        .as_str()
        .expect("link")
        .to_owned();
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(made["meta"]["expires-at"].as_str().expect("expiry"))
            .expect("rfc3339");
    let wait = (expires_at.timestamp_millis() - chrono::Utc::now().timestamp_millis()).max(0) + 50;
    // Time must pass for a link to expire: this waits for the deadline, not for another task.
    tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
    let (status, page) = land(&server, &link).await;
    assert_eq!(status, 410);
    assert!(page.contains("expired"), "{page}");
    let (status, _) = open(&server, &code_of(&link)).await;
    assert_eq!(status, 410);

    // A fresh link, then the inquiry expires: the link is refused.
    let id = new_inquiry(&server).await;
    let (_, made) = generate(&server, &id, None).await;
    let link = made["meta"]["one-time-link"]
        .as_str()
        .expect("link")
        .to_owned();
    let (status, _) = server
        .post(&format!("/api/v1/inquiries/{id}/expire"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, page) = land(&server, &link).await;
    assert_eq!(status, 410);
    assert!(page.contains("no longer open"), "{page}");
    let (status, _) = open(&server, &code_of(&link)).await;
    assert_eq!(status, 410);
    // And an expired inquiry gets no new link (a link never revives it).
    let (status, refused) = generate(&server, &id, None).await;
    assert_eq!(status, 409, "{refused}");
    // Bad input is named.
    let id = new_inquiry(&server).await;
    let (status, bad) = generate(
        &server,
        &id,
        Some(json!({"data": {"attributes": {"expires-in-seconds": 0}}})),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(
        bad["errors"][0]["source"]["pointer"],
        "/data/attributes/expires-in-seconds"
    );
}

/// A desktop session at the government-ID step of the demo template, through the flow API.
async fn desktop_at_government_id(server: &TestServer) -> (String, String) {
    let template = server.template_id("Demo: ID").await;
    let resp = server
        .client
        .post(server.url("/flow/v1/inquiries"))
        .json(&json!({"templateId": template}))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = resp.json().await.expect("json");
    let id = created["inquiry"]["id"].as_str().expect("id").to_owned();
    let token = created["sessionToken"].as_str().expect("token").to_owned();
    for (step, body) in [
        ("start", json!({})),
        (
            "fields",
            json!({"fields": {"name-first": "Jane", "name-last": "Doe", "birthdate": "1990-02-03"}}),
        ),
    ] {
        let resp = server
            .client
            .post(server.url(&format!("/flow/v1/inquiries/{id}/steps/{step}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("step");
        assert_eq!(resp.status().as_u16(), 200, "{step}");
    }
    (id, token)
}

/// `POST /flow/v1/inquiries/{id}/handoff` from the desktop: (status, body).
async fn hand_off(server: &TestServer, id: &str, token: &str, body: Value) -> (u16, Value) {
    let resp = server
        .client
        .post(server.url(&format!("/flow/v1/inquiries/{id}/handoff")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("handoff");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A minimal SMTP server on 127.0.0.1 that accepts every message and keeps its DATA.
async fn smtp_sink() -> (Arc<Mutex<Vec<String>>>, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mail = Arc::new(Mutex::new(Vec::new()));
    let kept = mail.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if verb.starts_with("DATA") {
                        let _ = write.write_all(b"354 go on\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        kept.lock().expect("sink lock").push(data);
                        b"250 kept\r\n"
                    } else if verb.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (mail, port)
}

#[tokio::test]
async fn an_email_hand_off_arrives_through_smtp_and_its_link_opens() {
    let (mail, port) = smtp_sink().await;
    let server = TestServer::builder()
        .env("VERITY_HANDOFF_EMAIL_SENDER", "smtp")
        .env("VERITY_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))
        .env("VERITY_SMTP_FROM", "Verity <verify@example.com>")
        .start();
    let (id, token) = desktop_at_government_id(&server).await;
    let (status, sent) = hand_off(
        &server,
        &id,
        &token,
        json!({"method": "email", "to": "jane@example.com"}),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert!(
        sent.get("url").is_none(),
        "the desktop never sees an emailed link"
    );
    let session = sent["sessionId"].as_str().expect("session").to_owned();

    let message = mail
        .lock()
        .expect("sink lock")
        .first()
        .cloned()
        .expect("an email was delivered");
    assert!(message.contains("To: jane@example.com"), "{message}");
    // The mailer may use quoted-printable: undo its soft line breaks and `=3D`.
    let text = if message.contains("Content-Transfer-Encoding: quoted-printable") {
        message.replace("=\n", "").replace("=3D", "=")
    } else {
        message.clone()
    };
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/verify?code=otl_"))
        .expect("a link in the email")
        .to_owned();

    let status_of = || async {
        let resp = server
            .client
            .get(server.url(&format!("/flow/v1/inquiries/{id}/handoff/{session}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("status");
        resp.json::<Value>().await.expect("json")["phase"].clone()
    };
    assert_eq!(status_of().await, "waiting");
    let (status, _) = land(&server, &link).await;
    assert_eq!(status, 200);
    let (status, opened) = open(&server, &code_of(&link)).await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["handoff"]["method"], "email");
    assert_eq!(opened["handoff"]["step"], "government-id");
    assert_eq!(status_of().await, "started");

    // The server-sent event stream says the same (and ends once the desktop takes over).
    let resp = server
        .client
        .get(server.url(&format!("/flow/v1/inquiries/{id}/handoff/{session}/events")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("events");
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let cancel = server
        .client
        .post(server.url(&format!("/flow/v1/inquiries/{id}/handoff/{session}/cancel")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancel.status().as_u16(), 200);
    let stream = tokio::time::timeout(Duration::from_secs(20), resp.text())
        .await
        .expect("the stream ends after a final phase")
        .expect("stream body");
    let phases: Vec<&str> = stream
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| d.split("\"phase\":\"").nth(1))
        .filter_map(|p| p.split('"').next())
        .collect();
    assert_eq!(phases.first(), Some(&"started"), "{stream}");
    assert_eq!(phases.last(), Some(&"canceled"), "{stream}");
    // The phone's session ended with the hand-off.
    let phone = opened["sessionToken"].as_str().expect("token");
    let resp = server
        .client
        .get(server.url(&format!("/flow/v1/inquiries/{id}")))
        .bearer_auth(phone)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 409);
}

#[tokio::test]
async fn sms_goes_to_the_gateway_signed_and_failures_are_errors() {
    let (receiver, addr) = start_receiver().await;
    let secret = "gateway-secret";
    let server = TestServer::builder()
        .env("VERITY_HANDOFF_SMS_SENDER", "http")
        .env("VERITY_SMS_GATEWAY_URL", &format!("http://{addr}/hook/ok"))
        .env("VERITY_SMS_GATEWAY_SECRET", secret)
        // Nothing listens there: every email fails.
        .env("VERITY_HANDOFF_EMAIL_SENDER", "smtp")
        .env(
            "VERITY_SMTP_URL",
            &format!("smtp://127.0.0.1:{}", crate::server::free_port()),
        )
        .env("VERITY_HANDOFF_SENDS_PER_IP_PER_HOUR", "2")
        .start();
    let (id, token) = desktop_at_government_id(&server).await;

    let (status, bad) = hand_off(&server, &id, &token, json!({"method": "sms", "to": "555"})).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["error"]["fields"][0]["key"], "to");

    let (status, sent) = hand_off(
        &server,
        &id,
        &token,
        json!({"method": "sms", "to": "+15551234567"}),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let got = receiver.all();
    assert_eq!(got.len(), 1);
    let body = std::str::from_utf8(&got[0].body).expect("utf-8").to_owned();
    let parsed: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(parsed["to"], "+15551234567");
    assert!(parsed["text"]
        .as_str()
        .unwrap_or_default()
        .contains("/verify?code=otl_"));
    let header = got[0].headers.get("verity-signature").expect("signed");
    let (t, v1) = header
        .split_once(",v1=")
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v)))
        .expect("t=…,v1=…");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    assert_eq!(hex::encode(mac.finalize().into_bytes()), v1);

    // A failed email is an error naming it, and its link is withdrawn.
    let (status, failed) = hand_off(
        &server,
        &id,
        &token,
        json!({"method": "email", "to": "jane@example.com"}),
    )
    .await;
    assert_eq!(status, 502, "{failed}");
    assert_eq!(failed["error"]["message"], "the email could not be sent");
    let (_, with) = server
        .get(&format!("/api/v1/inquiries/{id}?include=sessions"))
        .await;
    let statuses: Vec<(Value, Value)> = with["included"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            (
                s["attributes"]["device-handoff-method"].clone(),
                s["attributes"]["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (Value::Null, json!("active")),
            (json!("sms"), json!("active")),
            (json!("email"), json!("canceled")),
        ]
    );

    // Two sends an hour from this address (the failed one counts): the third is refused with Retry-After.
    let resp = server
        .client
        .post(server.url(&format!("/flow/v1/inquiries/{id}/handoff")))
        .bearer_auth(&token)
        .json(&json!({"method": "sms", "to": "+15551234567"}))
        .send()
        .await
        .expect("handoff");
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    // A QR code sends nothing and is not limited by address.
    let (status, qr) = hand_off(&server, &id, &token, json!({"method": "qr"})).await;
    assert_eq!(status, 201, "{qr}");
    assert!(qr["qrSvg"].as_str().unwrap_or_default().contains("<svg"));
    assert!(qr["url"]
        .as_str()
        .unwrap_or_default()
        .contains("/verify?code=otl_"));
}

#[tokio::test]
async fn progress_crosses_processes_on_postgresql_by_notify() {
    let url = crate::postgres::fresh_database().await;
    // Re-reads only every minute: a prompt event can only come from LISTEN/NOTIFY.
    let slow = "60000";
    let desktop = TestServer::builder()
        .database_url(&url)
        .env("VERITY_HANDOFF_POLL_INTERVAL_MS", slow)
        .start();
    let phone = TestServer::builder()
        .database_url(&url)
        .api_key(&desktop.api_key)
        .env("VERITY_HANDOFF_POLL_INTERVAL_MS", slow)
        .start();
    let (id, token) = desktop_at_government_id(&desktop).await;
    let (status, made) = hand_off(&desktop, &id, &token, json!({"method": "qr"})).await;
    assert_eq!(status, 201, "{made}");
    let session = made["sessionId"].as_str().expect("session").to_owned();
    let link = made["url"].as_str().expect("link").to_owned();

    let mut stream = desktop
        .client
        .get(desktop.url(&format!("/flow/v1/inquiries/{id}/handoff/{session}/events")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("events");
    let mut seen = String::new();
    while !seen.contains("\"phase\":\"waiting\"") {
        seen.push_str(&next_chunk(&mut stream).await);
    }
    // The phone opens the link on the other process.
    let (status, opened) = open(&phone, &code_of(&link)).await;
    assert_eq!(status, 200, "{opened}");
    while !seen.contains("\"phase\":\"started\"") {
        seen.push_str(&next_chunk(&mut stream).await);
    }
    drop(desktop);
    drop(phone);
    crate::postgres::drop_database(&url).await;
}

/// The next piece of an event stream, within 15 s (well under the 60 s re-read).
async fn next_chunk(stream: &mut reqwest::Response) -> String {
    let chunk = tokio::time::timeout(Duration::from_secs(15), stream.chunk())
        .await
        .expect("an event within 15 s (the poll would take 60)")
        .expect("stream")
        .expect("open stream");
    String::from_utf8_lossy(&chunk).into_owned()
}

/// A redaction withdraws the inquiry's unopened one-time links: the landing page and the
/// open both answer 410, and no session token is handed out.
async fn a_redaction_withdraws_one_time_links(server: &TestServer) {
    let id = new_inquiry(server).await;
    let (status, made) = generate(server, &id, None).await;
    assert_eq!(status, 201, "{made}");
    let link = made["meta"]["one-time-link"]
        .as_str()
        .expect("link")
        .to_owned();
    let (status, _) = server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/inquiries/{id}"),
            None,
        )
        .await;
    assert!((200..300).contains(&status), "redaction answered {status}");
    let (status, page) = land(server, &link).await;
    assert_eq!(status, 410, "{page}");
    let (status, opened) = open(server, &code_of(&link)).await;
    assert_eq!(status, 410, "{opened}");
    assert!(!opened.to_string().contains("vst_"), "{opened}");
}

#[tokio::test]
async fn a_redaction_withdraws_one_time_links_on_sqlite() {
    a_redaction_withdraws_one_time_links(&TestServer::start()).await;
}

#[tokio::test]
async fn a_redaction_withdraws_one_time_links_on_postgres() {
    let url = crate::postgres::fresh_database().await;
    let server = TestServer::builder().database_url(&url).start();
    a_redaction_withdraws_one_time_links(&server).await;
    drop(server);
    crate::postgres::drop_database(&url).await;
}
