//! Operating a server (docs/operations.md): `verity backup` while it serves and `verity
//! restore` into an empty data directory, graceful shutdown on SIGTERM in the middle of an
//! upload burst, and the templates' `retention-days` attribute on the API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};
use tokio::sync::Notify;

use crate::server::TestServer;

/// Flow writes are not what these tests are about: no flow rate limits.
fn unlimited() -> crate::server::Builder {
    TestServer::builder()
        .env("VERITY_FLOW_RATE_LIMIT_PER_ADDRESS_PER_SECOND", "0")
        .env("VERITY_FLOW_RATE_LIMIT_PER_INQUIRY_PER_SECOND", "0")
}

/// A distinct PNG for each `n`, `width` × `height` gray pixels.
fn png(n: u32, width: u32, height: u32) -> Vec<u8> {
    let image = image::GrayImage::from_fn(width, height, |x, y| {
        image::Luma([((x * y + n * 37) % 251) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A new inquiry through the flow: its id and session token.
async fn flow_inquiry(s: &TestServer, template: &str) -> (String, String) {
    let response = s
        .client
        .post(s.url("/flow/v1/inquiries"))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .expect("flow create");
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.expect("JSON");
    (
        body["inquiry"]["id"].as_str().expect("id").to_owned(),
        body["sessionToken"].as_str().expect("token").to_owned(),
    )
}

/// Uploads `image` as an ID front; the status, or `None` when no answer came back.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    id: &str,
    token: &str,
    image: &[u8],
) -> Option<u16> {
    let fields = [
        ("kind", "government_id"),
        ("side", "front"),
        ("id-class", "dl"),
        ("capture-method", "upload"),
    ];
    let (content_type, body) = crate::verifications::multipart(&fields, image);
    let response = client
        .post(format!("{base}/flow/v1/inquiries/{id}/documents"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
}

/// Every item of a list, following `links.next`.
async fn all(s: &TestServer, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(format!("{path}?page%5Bsize%5D=100"));
    while let Some(page) = next {
        let (status, body) = s.get(&page).await;
        assert_eq!(status, 200, "{page}: {body}");
        items.extend(body["data"].as_array().expect("data").iter().cloned());
        next = body["links"]["next"].as_str().map(str::to_owned);
    }
    items
}

/// The inquiry with its documents, as the API renders it.
async fn inquiry_with_documents(s: &TestServer, id: &str) -> Value {
    let (status, body) = s
        .get(&format!("/api/v1/inquiries/{id}?include=documents"))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The stored bytes of every document, by id, read from a data directory's database.
async fn stored_images(data_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    // Read through the store with the data directory's keyring: the bytes are sealed at rest
    // (docs/encryption.md).
    let url = format!("sqlite://{}?mode=ro", data_dir.join("verity.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("open the database");
    let rows = sqlx::query("SELECT id FROM documents")
        .fetch_all(&mut db)
        .await
        .expect("documents");
    // The store may write on opening (pending migrations, the server data key).
    let rw = format!("sqlite://{}?mode=rwc", data_dir.join("verity.db").display());
    let store = crate::encryption::open_store(data_dir, &rw).await;
    let mut images = BTreeMap::new();
    for row in rows {
        let id: String = row.get("id");
        let doc = store
            .document(&id.parse().expect("document id"))
            .await
            .expect("readable")
            .expect("stored");
        images.insert(id, doc.bytes);
    }
    images
}

fn verity(args: &[&str], data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(args)
        .env("VERITY_DATA_DIR", data_dir)
        .env("VERITY_LOG", "warn")
        .current_dir(data_dir.parent().unwrap_or(data_dir))
        .output()
        .expect("run verity")
}

/// Creates inquiries through the API until `count` are made, four at a time; tells `started`
/// after the first few.
async fn write_burst(s: &TestServer, template: &str, count: usize, started: &Notify) -> usize {
    let done = AtomicUsize::new(0);
    let one = |n: usize| {
        let done = &done;
        async move {
            let attrs =
                json!({"reference-id": format!("burst-{n}"), "fields": {"name-first": "Burst"}});
            let (status, body) = s.create_inquiry(template, attrs).await;
            assert_eq!(status, 201, "{body}");
            if done.fetch_add(1, Ordering::SeqCst) + 1 == 8 {
                started.notify_one();
            }
        }
    };
    for chunk in (0..count).collect::<Vec<_>>().chunks(4) {
        futures::future::join_all(chunk.iter().map(|n| one(*n))).await;
    }
    done.load(Ordering::SeqCst)
}

/// docs/operations.md §2: a backup taken while a write burst runs restores into an
/// empty data directory, and a server on it answers every inquiry (with its documents), event
/// and image of the backup exactly as the original server does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_identically() {
    let s = unlimited().start();
    let template = s.template_id("Demo: ID").await;
    let mut sent = BTreeSet::new();
    for i in 0..4u32 {
        let (id, token) = flow_inquiry(&s, &template).await;
        for side in 0..2u32 {
            let image = png(i * 2 + side, 320, 240);
            sent.insert(sha256_hex(&image));
            let status = upload(&s.client, &s.base, &id, &token, &image).await;
            assert_eq!(status, Some(201));
        }
        if i == 0 {
            let (status, _) = s
                .post(&format!("/api/v1/inquiries/{id}/expire"), json!({}))
                .await;
            assert_eq!(status, 200);
        }
    }
    let before = all(&s, "/api/v1/inquiries").await;

    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("verity-backup.db");
    let started = Notify::new();
    let backup = async {
        started.notified().await;
        let (data_dir, file) = (s.data_dir.clone(), file.clone());
        tokio::task::spawn_blocking(move || {
            verity(&["backup", file.to_str().expect("path")], &data_dir)
        })
        .await
        .expect("backup thread")
    };
    let (written, out) = tokio::join!(write_burst(&s, &template, 80, &started), backup);
    assert_eq!(written, 80);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let restored_dir = tmp.path().join("restored");
    let out = verity(&["restore", file.to_str().expect("path")], &restored_dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = verity(&["restore", file.to_str().expect("path")], &restored_dir);
    assert!(
        !again.status.success(),
        "a non-empty data directory needs --force"
    );
    // The keyring is kept beside the backup, not in it (docs/operations.md §2).
    let keys = "encryption.keys";
    std::fs::copy(s.data_dir.join(keys), restored_dir.join(keys)).expect("copy the keyring");
    let images = stored_images(&restored_dir).await;
    let r = unlimited()
        .data_dir(restored_dir)
        .api_key(&s.api_key)
        .start();

    let restored = all(&r, "/api/v1/inquiries").await;
    let ids: BTreeSet<&str> = restored.iter().filter_map(|i| i["id"].as_str()).collect();
    for i in &before {
        assert!(ids.contains(i["id"].as_str().expect("id")), "lost {i}");
    }
    assert!(
        restored.len() > before.len(),
        "the backup has some of the burst"
    );
    for i in &restored {
        let id = i["id"].as_str().expect("id");
        assert_eq!(
            inquiry_with_documents(&r, id).await,
            inquiry_with_documents(&s, id).await
        );
    }
    let original_events = all(&s, "/api/v1/events").await;
    let restored_events = all(&r, "/api/v1/events").await;
    assert!(
        restored_events.len() >= restored.len(),
        "a creation event each"
    );
    for e in &restored_events {
        assert!(original_events.contains(e), "event differs: {e}");
    }
    let hashes: BTreeSet<String> = images.values().map(|b| sha256_hex(b)).collect();
    assert_eq!(hashes, sent, "every image, byte for byte");
}

/// docs/operations.md §3: SIGTERM once some of a burst of concurrent uploads have
/// answered. The uploads already in flight still answer, the process exits 0, and after a
/// restart every upload that got a 201 is stored, whole; nothing else is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_an_upload_burst_finishes_what_was_accepted() {
    let mut s = unlimited().start();
    let template = s.template_id("Demo: ID").await;
    let mut inquiries = Vec::new();
    for _ in 0..6 {
        inquiries.push(flow_inquiry(&s, &template).await);
    }
    let answered = Arc::new(AtomicUsize::new(0));
    let some_answered = Arc::new(Notify::new());
    let mut uploads = Vec::new();
    for n in 0..24u32 {
        let (id, token) = inquiries[n as usize % inquiries.len()].clone();
        let (client, base) = (reqwest::Client::new(), s.base.clone());
        let (answered, some_answered) = (answered.clone(), some_answered.clone());
        uploads.push(tokio::spawn(async move {
            // Large enough that decoding them one at a time keeps many in flight at SIGTERM.
            let image = png(1000 + n, 1024, 768);
            let status = upload(&client, &base, &id, &token, &image).await;
            if answered.fetch_add(1, Ordering::SeqCst) + 1 == 4 {
                some_answered.notify_one();
            }
            (id, sha256_hex(&image), status)
        }));
    }
    some_answered.notified().await;
    s.terminate();
    let mut results = Vec::new();
    for u in uploads {
        results.push(u.await.expect("upload task"));
    }
    let exit = s
        .wait_exit(Duration::from_secs(60))
        .expect("exits within the grace period");
    assert!(exit.success(), "{exit:?}");
    let accepted: BTreeSet<(String, String)> = results
        .iter()
        .filter(|(_, _, status)| *status == Some(201))
        .map(|(id, hash, _)| (id.clone(), hash.clone()))
        .collect();
    assert!(
        accepted.len() > 4,
        "uploads in flight at SIGTERM still answered"
    );

    let images = stored_images(&s.data_dir).await;
    let r = unlimited()
        .data_dir(s.data_dir.clone())
        .api_key(&s.api_key)
        .start();
    let mut stored = BTreeSet::new();
    for (id, _) in &inquiries {
        let body = inquiry_with_documents(&r, id).await;
        for d in body["included"].as_array().into_iter().flatten() {
            let hash = d["attributes"]["sha256"]
                .as_str()
                .expect("sha256")
                .to_owned();
            let bytes = images
                .get(d["id"].as_str().expect("id"))
                .expect("a listed document has its bytes");
            assert_eq!(sha256_hex(bytes), hash, "stored whole");
            stored.insert((id.clone(), hash));
        }
    }
    assert_eq!(stored, accepted, "exactly the uploads that got a 201");
}

/// docs/operations.md §1: `retention-days` is a template attribute on the API,
/// bounded, shown back, and changed by a PATCH.
#[tokio::test]
async fn templates_carry_retention_days() {
    let s = TestServer::start();
    let body = json!({"data": {"attributes": {
        "name": "Kept a week", "retention-days": 7,
        "steps": [{"name": "done", "kind": "completion", "name-display": "Done"}]
    }}});
    let (status, created) = s.post("/api/v1/inquiry-templates", body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["attributes"]["retention-days"], 7);
    let id = created["data"]["id"].as_str().expect("id");
    let patch = |days: u32| json!({"data": {"attributes": {"retention-days": days}}});
    let (status, refused) = s
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/inquiry-templates/{id}"),
            Some(patch(40_000)),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["errors"][0]["source"]["pointer"],
        "/data/attributes/retention-days"
    );
    let (status, changed) = s
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/inquiry-templates/{id}"),
            Some(patch(0)),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["data"]["attributes"]["retention-days"], 0);
}

/// docs/operations.md §4: with `log_format = "json"` every log line is one JSON object
/// (level, message and fields), from the start to the last line after a SIGTERM; an idle
/// server then exits 0.
#[test]
fn json_logs_are_one_object_a_line_until_a_clean_exit() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_verity"))
        .arg("serve")
        .env("VERITY_LISTEN", "127.0.0.1:0")
        .env("VERITY_DATA_DIR", tmp.path().join("data"))
        .env("VERITY_LOG", "info")
        .env("VERITY_LOG_FORMAT", "json")
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("spawn verity");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let mut logged = Vec::new();
    for line in lines.by_ref() {
        let serving = line.starts_with("Verity is serving");
        logged.push(line);
        if serving {
            break;
        }
    }
    let sent = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(sent.success());
    logged.extend(lines);
    assert!(child.wait().expect("wait").success(), "exit 0 on SIGTERM");
    // The first-start key and console sign-in and the announcements are printed for the
    // person, not logged.
    let json: Vec<Value> = logged
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let messages: Vec<&str> = json
        .iter()
        .map(|j| {
            assert!(j["level"].is_string() && j["timestamp"].is_string(), "{j}");
            j["fields"]["message"].as_str().unwrap_or_default()
        })
        .collect();
    for expected in ["database ready", "listening", "stopped"] {
        assert!(messages.contains(&expected), "{expected} in {messages:?}");
    }
    let printed = logged.iter().filter(|l| !l.starts_with('{'));
    for line in printed {
        assert!(
            line.is_empty()
                || line.contains("Verity is serving")
                || line.contains("first API key")
                || line.contains("Console sign-in (shown once)")
                || line.starts_with("Background workers")
                || line.starts_with("Demo host page"),
            "a log line that is not JSON: {line}"
        );
    }
}
