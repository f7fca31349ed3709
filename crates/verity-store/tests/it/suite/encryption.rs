//! Encryption at rest (docs/encryption.md): personal data is sealed in every row that holds
//! it, reads open it transparently, an altered ciphertext is an `Undecryptable` error, a
//! redaction destroys the inquiry's data key, and a KEK rotation re-wraps the data keys
//! so the old KEK can be dropped.

use serde_json::json;
use verity_core::capture::{Capture, CaptureMethod, Pose};
use verity_core::event::EventName;
use verity_core::id::{ApiKeyId, EventId, InquiryId};
use verity_core::inquiry::Command;
use verity_store::{Change, Document, IdempotencyRecord, Keyring, NewEvent, Store, StoreError};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

const NAME: &str = "Qzxsealedname5150";
const IMAGE: &[u8] = b"Qzxsealedimage2718";

struct Stored {
    id: InquiryId,
    document: Document,
    event: EventId,
    api_key: ApiKeyId,
}

/// An inquiry named [`NAME`] with a document full of [`IMAGE`], an event and a recorded
/// idempotent response that both carry the name.
async fn create(store: &dyn Store) -> Stored {
    let template = fixtures::template("t", NOW);
    let created = fixtures::create_named(&template, NAME, None, NOW);
    let id = created.inquiry.id.clone();
    let bytes: Vec<u8> = IMAGE.iter().copied().cycle().take(5000).collect();
    let document = Document {
        id: fixtures::id(),
        inquiry_id: id.clone(),
        capture: Capture::Selfie(Pose::Center),
        capture_method: CaptureMethod::Manual,
        content_type: "image/png".into(),
        byte_size: bytes.len() as i64,
        sha256: "sha".into(),
        bytes,
        created_at: NOW,
    };
    let event = NewEvent {
        id: fixtures::id(),
        name: EventName::InquiryCreated,
        subject_id: id.to_string(),
        inquiry_id: Some(id.clone()),
        created_at: NOW,
        payload: json!({"data": {"id": id.as_str(), "attributes": {"name-first": NAME}}}),
    };
    let api_key: ApiKeyId = fixtures::id();
    let body = json!({"data": {"type": "inquiry", "id": id.as_str(), "name": NAME}});
    let mut change = fixtures::insert(created, NOW);
    change.documents = vec![document.clone()];
    change.events.push(event.clone());
    change.idempotency = Some(IdempotencyRecord {
        api_key_id: api_key.clone(),
        key: "create-1".into(),
        request_hash: "h".into(),
        status: 201,
        body: body.to_string().into_bytes(),
        created_at: NOW,
        claim_token: None,
    });
    store.commit(change).await.expect("create");
    Stored {
        id,
        document,
        event: event.id,
        api_key,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub async fn encryption_rows_are_sealed_and_read_back(h: &Harness) {
    let store = h.open().await;
    let s = create(store.as_ref()).await;
    let doc = h
        .raw_text("SELECT doc FROM inquiries WHERE id = $1", s.id.as_str())
        .await;
    assert!(
        doc.starts_with("sealed:1:i:"),
        "sealed with the inquiry key"
    );
    let payload = h
        .raw_text("SELECT payload FROM events WHERE id = $1", s.event.as_str())
        .await;
    let bytes = h
        .raw_bytes(
            "SELECT bytes FROM documents WHERE id = $1",
            s.document.id.as_str(),
        )
        .await;
    let body = h
        .raw_bytes("SELECT body FROM idempotency WHERE key = $1", "create-1")
        .await;
    for raw in [doc.as_bytes(), payload.as_bytes(), &body] {
        assert!(!contains(raw, NAME.as_bytes()), "no plaintext name");
    }
    assert!(!contains(&bytes, IMAGE), "no plaintext image");
    if let Harness::Sqlite { path, .. } = h {
        for suffix in ["", "-wal"] {
            let file = std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default();
            assert!(
                !contains(&file, NAME.as_bytes()) && !contains(&file, IMAGE),
                "{suffix}"
            );
        }
    }

    // Every read opens them again, also in a new store with the same keyring.
    let store = h.open().await;
    let inquiry = store.inquiry(&s.id).await.expect("read").expect("stored");
    assert!(serde_json::to_string(&inquiry.fields)
        .expect("JSON")
        .contains(NAME));
    let document = store
        .document(&s.document.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(document.bytes, s.document.bytes);
    let event = store.event(&s.event).await.expect("read").expect("stored");
    assert_eq!(
        event.payload["data"]["attributes"]["name-first"],
        json!(NAME)
    );
    let record = store
        .idempotency_record(&s.api_key, "create-1")
        .await
        .expect("read")
        .expect("stored");
    assert!(contains(&record.body, NAME.as_bytes()));
}

pub async fn encryption_tampered_ciphertext_is_an_error(h: &Harness) {
    let store = h.open().await;
    let s = create(store.as_ref()).await;
    let doc = h
        .raw_text("SELECT doc FROM inquiries WHERE id = $1", s.id.as_str())
        .await;
    // One base64 character in the middle of the ciphertext changed.
    let mut chars: Vec<char> = doc.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    h.raw_set_text(
        "UPDATE inquiries SET doc = $2 WHERE id = $1",
        s.id.as_str(),
        tampered,
    )
    .await;
    let err = store.inquiry(&s.id).await.expect_err("tampered inquiry");
    assert!(
        matches!(err, StoreError::Undecryptable(ref what) if what.contains(s.id.as_str())),
        "{err}"
    );

    let bytes = h
        .raw_bytes(
            "SELECT bytes FROM documents WHERE id = $1",
            s.document.id.as_str(),
        )
        .await;
    for at in [0, bytes.len() / 2] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x01;
        h.raw_set_bytes(
            "UPDATE documents SET bytes = $2 WHERE id = $1",
            s.document.id.as_str(),
            flipped,
        )
        .await;
        let err = store
            .document(&s.document.id)
            .await
            .expect_err("tampered document");
        assert!(
            matches!(err, StoreError::Undecryptable(_)),
            "byte {at}: {err}"
        );
    }
    // Restored, it reads again: the error was the tampering, not the row.
    h.raw_set_bytes(
        "UPDATE documents SET bytes = $2 WHERE id = $1",
        s.document.id.as_str(),
        bytes,
    )
    .await;
    let document = store
        .document(&s.document.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(document.bytes, s.document.bytes);
}

pub async fn encryption_redaction_destroys_the_data_key(h: &Harness) {
    let store = h.open().await;
    let s = create(store.as_ref()).await;
    let old_payload = h
        .raw_text("SELECT payload FROM events WHERE id = $1", s.event.as_str())
        .await;
    let read = store.inquiry(&s.id).await.expect("read").expect("stored");
    store
        .commit(Change {
            delete_documents_of: Some(s.id.clone()),
            ..fixtures::update(&read, Command::Redact, NOW + 1)
        })
        .await
        .expect("redact");

    // The redacted rows still read (sealed with the server key now) …
    let redacted = store.inquiry(&s.id).await.expect("read").expect("stored");
    assert!(!serde_json::to_string(&redacted.fields)
        .expect("json")
        .contains(NAME));
    let doc = h
        .raw_text("SELECT doc FROM inquiries WHERE id = $1", s.id.as_str())
        .await;
    assert!(doc.starts_with("sealed:1:s:"), "{doc}");
    assert!(store.event(&s.event).await.expect("read").is_some());

    // … but a ciphertext from before the redaction (a backup, say) no longer opens, in
    // this store or a new one.
    h.raw_set_text(
        "UPDATE events SET payload = $2 WHERE id = $1",
        s.event.as_str(),
        old_payload,
    )
    .await;
    for store in [store, h.open().await] {
        let err = store.event(&s.event).await.expect_err("old ciphertext");
        assert!(
            matches!(err, StoreError::Undecryptable(ref why) if why.contains("no longer exists")),
            "{err}"
        );
    }
}

pub async fn encryption_rotation_rewraps_and_the_old_kek_can_be_dropped(h: &Harness) {
    let store = h.open().await;
    let s = create(store.as_ref()).await;
    drop(store);
    let new_line = Keyring::generate_line("k2");
    let both = Keyring::parse(&format!("{}\n{new_line}", h.keys())).expect("keyring");
    assert_eq!(both.current_id(), "k2");
    let store = h.open_with(both).await.expect("open with both keys");
    let rewrapped = store.rewrap_data_keys().await.expect("rewrap");
    assert!(rewrapped >= 1, "the inquiry's key at least");
    assert_eq!(
        store.rewrap_data_keys().await.expect("again"),
        0,
        "nothing left to move"
    );
    drop(store);

    let only_new = Keyring::parse(&new_line).expect("keyring");
    let store = h
        .open_with(only_new)
        .await
        .expect("open with the new key alone");
    let inquiry = store.inquiry(&s.id).await.expect("read").expect("stored");
    assert!(serde_json::to_string(&inquiry.fields)
        .expect("JSON")
        .contains(NAME));
    let document = store
        .document(&s.document.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(document.bytes, s.document.bytes);
    drop(store);

    // The old key alone no longer unwraps anything: refused at open, not at a read.
    let only_old = Keyring::parse(h.keys()).expect("keyring");
    let err = h.open_with(only_old).await.err().expect("old key refused");
    assert!(
        matches!(err, StoreError::MissingKek(ref id) if id == "k2"),
        "{err}"
    );
}
