//! Encryption at rest through the real server (docs/encryption.md): after an upload of a
//! PNG carrying a unique marker and a create with a unique field value, neither is in
//! plaintext in the SQLite files or any PostgreSQL table; a tampered row is a 500 naming
//! the problem; `verity keys rotate`, dropping the old key and a restart still read
//! everything; a redaction deletes the inquiry's data key.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use sqlx::Connection;

use crate::postgres::{drop_database, fresh_database};
use crate::server::TestServer;

/// A PNG with `marker` after its end chunk (decoders ignore it; the stored bytes keep it).
fn marked_png(marker: &str) -> Vec<u8> {
    let image = image::GrayImage::from_pixel(96, 96, image::Luma([120]));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode PNG");
    let mut png = out.into_inner();
    png.extend_from_slice(marker.as_bytes());
    png
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{:016x}", rand::random::<u64>())
}

struct Created {
    /// The inquiry created through the API with the field value.
    api_inquiry: String,
    /// The flow inquiry the PNG was uploaded to.
    flow_inquiry: String,
    document: String,
}

/// Uploads the marked PNG through the flow and creates an inquiry through the API (with an
/// `Idempotency-Key`, so its answer is recorded too) whose first name is `value`.
async fn upload_and_create(s: &TestServer, marker: &str, value: &str) -> Created {
    let template = s.template_id("Demo: ID").await;
    let opened: Value = s
        .client
        .post(s.url("/flow/v1/inquiries"))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .expect("flow create")
        .json()
        .await
        .expect("JSON");
    let flow_inquiry = opened["inquiry"]["id"].as_str().expect("id").to_owned();
    let token = opened["sessionToken"].as_str().expect("token");
    let fields = [
        ("kind", "government_id"),
        ("side", "front"),
        ("id-class", "dl"),
        ("capture-method", "upload"),
    ];
    let (content_type, body) = crate::verifications::multipart(&fields, &marked_png(marker));
    let uploaded = s
        .client
        .post(s.url(&format!("/flow/v1/inquiries/{flow_inquiry}/documents")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = uploaded.status().as_u16();
    let uploaded: Value = uploaded.json().await.expect("JSON");
    assert_eq!(status, 201, "{uploaded}");
    let document = find_id(&uploaded, "doc_").expect("document id in the upload answer");

    let create = json!({"data": {"attributes": {
        "inquiry-template-id": template, "fields": {"name-first": value}}}});
    let resp = s
        .client
        .post(s.url("/api/v1/inquiries"))
        .bearer_auth(&s.api_key)
        .header("Idempotency-Key", "encryption-create")
        .json(&create)
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = resp.json().await.expect("JSON");
    Created {
        api_inquiry: created["data"]["id"].as_str().expect("id").to_owned(),
        flow_inquiry,
        document,
    }
}

/// The first string in `value` that starts with `prefix`.
fn find_id(value: &Value, prefix: &str) -> Option<String> {
    match value {
        Value::String(s) if s.starts_with(prefix) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(|v| find_id(v, prefix)),
        Value::Object(map) => map.values().find_map(|v| find_id(v, prefix)),
        _ => None,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether any of the SQLite files (`.db`, `-wal`, `-shm`) holds `needle`.
fn in_sqlite_files(data_dir: &Path, needle: &str) -> bool {
    ["verity.db", "verity.db-wal", "verity.db-shm"]
        .iter()
        .filter_map(|name| std::fs::read(data_dir.join(name)).ok())
        .any(|bytes| contains(&bytes, needle.as_bytes()))
}

/// The store of a stopped server, opened with its keyring file: what the server stored.
pub(crate) async fn open_store(
    data_dir: &Path,
    url: &str,
) -> std::sync::Arc<dyn verity_store::Store> {
    let keys = std::fs::read_to_string(data_dir.join("encryption.keys")).expect("keyring file");
    let keyring = verity_store::Keyring::parse(&keys).expect("keyring");
    verity_store::open(url, keyring).await.expect("open store")
}

fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("verity.db").display())
}

#[tokio::test]
async fn no_marker_or_field_value_is_in_plaintext_in_the_sqlite_files() {
    let mut s = TestServer::start();
    let (marker, value) = (unique("Pngmarker"), unique("Fieldvalue"));
    let created = upload_and_create(&s, &marker, &value).await;
    // While it runs (the write-ahead log holds the newest pages) and after it stopped.
    assert!(
        !in_sqlite_files(&s.data_dir, &marker),
        "image marker while running"
    );
    assert!(
        !in_sqlite_files(&s.data_dir, &value),
        "field value while running"
    );
    s.stop();
    assert!(
        !in_sqlite_files(&s.data_dir, &marker),
        "image marker after stop"
    );
    assert!(
        !in_sqlite_files(&s.data_dir, &value),
        "field value after stop"
    );

    // Both really are stored: the store opened with the keyring reads them back.
    let store = open_store(&s.data_dir, &sqlite_url(&s.data_dir)).await;
    let document = store
        .document(&created.document.parse().expect("document id"))
        .await
        .expect("read document")
        .expect("stored");
    assert!(contains(&document.bytes, marker.as_bytes()));
    let inquiry = store
        .inquiry(&created.api_inquiry.parse().expect("inquiry id"))
        .await
        .expect("read inquiry")
        .expect("stored");
    assert!(serde_json::to_string(&inquiry.fields)
        .expect("JSON")
        .contains(&value));
}

/// Every row of every table of the database, as PostgreSQL prints it (`bytea` as hex).
async fn dump_postgres(url: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    assert!(tables.iter().any(|(t,)| t == "documents"), "{tables:?}");
    let mut dump = String::new();
    for (table,) in tables {
        let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM \"{table}\" t"))
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        for (row,) in rows {
            dump.push_str(&row);
            dump.push('\n');
        }
    }
    dump
}

#[tokio::test]
async fn no_marker_or_field_value_is_in_plaintext_in_any_postgres_table() {
    let url = fresh_database().await;
    let s = TestServer::builder().database_url(&url).start();
    let (marker, value) = (unique("Pngmarker"), unique("Fieldvalue"));
    let created = upload_and_create(&s, &marker, &value).await;
    let dump = dump_postgres(&url).await;
    assert!(
        dump.contains(&created.flow_inquiry),
        "the dump holds the rows"
    );
    for needle in [&marker, &value] {
        assert!(!dump.contains(needle.as_str()), "{needle} in plaintext");
        assert!(
            !dump.contains(&hex::encode(needle)),
            "{needle} as bytea hex"
        );
    }
    drop(s);
    drop_database(&url).await;
}

#[tokio::test]
async fn a_tampered_row_is_a_500_naming_the_problem() {
    let s = TestServer::start();
    let created = upload_and_create(&s, &unique("Pngmarker"), &unique("Fieldvalue")).await;
    let id = &created.api_inquiry;
    let mut db = sqlx::SqliteConnection::connect(&sqlite_url(&s.data_dir))
        .await
        .expect("connect");
    let (doc,): (String,) = sqlx::query_as("SELECT doc FROM inquiries WHERE id = $1")
        .bind(id)
        .fetch_one(&mut db)
        .await
        .expect("row");
    let mut bytes = doc.into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).expect("ASCII");
    sqlx::query("UPDATE inquiries SET doc = $2 WHERE id = $1")
        .bind(id)
        .bind(tampered)
        .execute(&mut db)
        .await
        .expect("tamper");
    db.close().await.expect("close");

    let (status, body) = s.get(&format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        body["errors"][0]["title"],
        "Stored data cannot be decrypted"
    );
    let details = body["errors"][0]["details"].as_str().expect("details");
    assert!(
        details.contains(id.as_str()) && details.contains("authentication failed"),
        "{details}"
    );
    // The other inquiry is untouched.
    let (status, _) = s
        .get(&format!("/api/v1/inquiries/{}", created.flow_inquiry))
        .await;
    assert_eq!(status, 200);
}

fn verity(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(args)
        .env("VERITY_DATA_DIR", data_dir)
        .env_remove("VERITY_ENCRYPTION_KEY")
        .output()
        .expect("run verity")
}

#[tokio::test]
async fn rotate_then_drop_the_old_key_and_restart_still_reads_everything() {
    let mut s = TestServer::start();
    let (marker, value) = (unique("Pngmarker"), unique("Fieldvalue"));
    let created = upload_and_create(&s, &marker, &value).await;
    let (api_key, data_dir) = (s.api_key.clone(), s.data_dir.clone());
    s.stop();
    let key_file = data_dir.join("encryption.keys");
    let before = std::fs::read_to_string(&key_file).expect("keyring file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only its owner may read the keyring");
    }

    let out = verity(&data_dir, &["keys", "rotate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("re-wrapped") && !said.contains("re-wrapped 0 "),
        "{said}"
    );
    // Drop every key but the new one.
    let after = std::fs::read_to_string(&key_file).expect("keyring file");
    let new_line = after
        .lines()
        .rfind(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .expect("a key")
        .to_owned();
    assert!(!before.contains(&new_line), "a new key was added");
    std::fs::write(&key_file, format!("{new_line}\n")).expect("drop the old key");

    let s = TestServer::builder()
        .data_dir(data_dir.clone())
        .api_key(&api_key)
        .start();
    let (status, inquiry) = s
        .get(&format!("/api/v1/inquiries/{}", created.api_inquiry))
        .await;
    assert_eq!(status, 200, "{inquiry}");
    assert!(inquiry.to_string().contains(&value), "{inquiry}");
    let events = format!("/api/v1/events?filter[inquiry-id]={}", created.api_inquiry);
    let (status, listed) = s.get(&events).await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.to_string().contains(&value));
    drop(s);
    let store = open_store(&data_dir, &sqlite_url(&data_dir)).await;
    let document = store
        .document(&created.document.parse().expect("document id"))
        .await
        .expect("read document with the new key alone")
        .expect("stored");
    assert!(contains(&document.bytes, marker.as_bytes()));
}

#[tokio::test]
async fn a_redaction_deletes_the_inquirys_data_key() {
    let s = TestServer::start();
    let created = upload_and_create(&s, &unique("Pngmarker"), &unique("Fieldvalue")).await;
    let id = &created.api_inquiry;
    let count = |id: String| {
        let url = sqlite_url(&s.data_dir);
        async move {
            let mut db = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM data_keys WHERE owner = $1")
                .bind(id)
                .fetch_one(&mut db)
                .await
                .expect("count");
            n
        }
    };
    assert_eq!(
        count(id.clone()).await,
        1,
        "the inquiry has its own data key"
    );
    let (status, _) = s
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/inquiries/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(count(id.clone()).await, 0, "redaction deleted it");
    let (status, inquiry) = s.get(&format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(status, 200, "the redacted inquiry still reads: {inquiry}");
}
