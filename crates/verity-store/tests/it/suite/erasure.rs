//! Erasure: after a redaction commit and `Store::checkpoint`, nothing of the redacted
//! inquiry's name or document bytes is left in the database's files (SQLite: the file,
//! its `-wal` and `-shm`; PostgreSQL's files are the server's, so there only the
//! checkpoint's answer is checked) — not even sealed: the deleted rows' ciphertext and
//! wrapped data key are overwritten (`secure_delete`), not left in free pages.

use std::path::Path;

use verity_core::capture::{Capture, CaptureMethod, IdClass, Side};
use verity_core::id::InquiryId;
use verity_core::inquiry::Command;
use verity_store::{Change, Document};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

const NAME_MARKER: &str = "Qzxname7731marker";
const IMAGE_MARKER: &[u8] = b"Qzximage4412marker";

/// A document of `len` bytes with the image marker repeated through it (large ones
/// spill into overflow pages, which a deletion frees).
fn marked_document(inquiry: &InquiryId, side: Side, len: usize) -> Document {
    let bytes: Vec<u8> = IMAGE_MARKER.iter().copied().cycle().take(len).collect();
    Document {
        id: fixtures::id(),
        inquiry_id: inquiry.clone(),
        capture: Capture::GovernmentId {
            id_class: IdClass::DriversLicense,
            side,
            country: Some("US".into()),
        },
        capture_method: CaptureMethod::Upload,
        content_type: "image/jpeg".into(),
        byte_size: len as i64,
        sha256: format!("sha-{side}"),
        bytes,
        created_at: NOW,
    }
}

/// Whether `needle` occurs in any of the database's files.
fn in_files(db: &Path, needle: &[u8]) -> bool {
    ["", "-wal", "-shm"].iter().any(|suffix| {
        std::fs::read(format!("{}{suffix}", db.display()))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
    })
}

/// 32 bytes from the middle of a sealed value: random, so found only where it was copied.
fn middle(sealed: &[u8]) -> Vec<u8> {
    let start = sealed.len().saturating_sub(32) / 2;
    sealed[start..(start + 32).min(sealed.len())].to_vec()
}

/// Which of the markers occur in the database's files.
fn markers_in_files(db: &Path) -> (bool, bool) {
    let mut found = (false, false);
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", db.display());
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        found.0 |= contains(NAME_MARKER.as_bytes());
        found.1 |= contains(IMAGE_MARKER);
    }
    found
}

pub async fn erasure_redaction_and_checkpoint_leave_no_marker_in_the_files(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create_named(&template, NAME_MARKER, None, NOW);
    let id = created.inquiry.id.clone();
    let documents = vec![
        marked_document(&id, Side::Front, 200),
        marked_document(&id, Side::Back, 20_000),
    ];
    store
        .commit(Change {
            documents,
            ..fixtures::insert(created, NOW)
        })
        .await
        .expect("create with documents");
    // The markers are really stored (reads give them back), but only sealed
    // (docs/encryption.md), so not even the files before the redaction hold them.
    let before = store.documents_for_inquiry(&id).await.expect("list");
    let back = store
        .document(&before[1].id)
        .await
        .expect("read")
        .expect("stored");
    assert!(back
        .bytes
        .windows(IMAGE_MARKER.len())
        .any(|w| w == IMAGE_MARKER));
    let sealed = [
        h.raw_bytes(
            "SELECT bytes FROM documents WHERE id = $1",
            before[1].id.as_str(),
        )
        .await,
        h.raw_bytes(
            "SELECT wrapped FROM data_keys WHERE owner = $1",
            id.as_str(),
        )
        .await,
    ]
    .map(|bytes| middle(&bytes));
    if let Harness::Sqlite { path, .. } = h {
        assert_eq!(
            markers_in_files(path),
            (false, false),
            "before the redaction"
        );
        assert!(store.checkpoint().await.expect("checkpoint"));
        for needle in &sealed {
            assert!(in_files(path, needle), "sealed bytes are in the file");
        }
    }

    let read = store.inquiry(&id).await.expect("read").expect("stored");
    store
        .commit(Change {
            delete_documents_of: Some(id.clone()),
            ..fixtures::update(&read, Command::Redact, NOW + 1)
        })
        .await
        .expect("redact");
    assert!(store.checkpoint().await.expect("checkpoint"), "log emptied");

    if let Harness::Sqlite { path, .. } = h {
        assert_eq!(
            markers_in_files(path),
            (false, false),
            "after the checkpoint"
        );
        for needle in &sealed {
            assert!(!in_files(path, needle), "sealed bytes left in free space");
        }
    }
    let stored = store.inquiry(&id).await.expect("read").expect("stored");
    assert!(!serde_json::to_string(&stored.fields)
        .expect("fields")
        .contains(NAME_MARKER));
}

/// Redacted inquiries that stay open are never overdue, so they cannot fill the expiry
/// sweep's batches ahead of inquiries that really expire.
pub async fn erasure_redacted_open_inquiries_are_not_overdue(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let redacted = fixtures::create_named(&template, NAME_MARKER, None, NOW);
    let kept = fixtures::create_named(&template, "Kept", None, NOW + 1);
    let (redacted_id, kept_id) = (redacted.inquiry.id.clone(), kept.inquiry.id.clone());
    for created in [redacted, kept] {
        store
            .commit(fixtures::insert(created, NOW))
            .await
            .expect("create");
    }
    let later = NOW + 10 * 365 * 24 * 3600 * 1000;
    let overdue = store.overdue_inquiries(later, 1).await.expect("overdue");
    assert_eq!(
        overdue.iter().map(|i| &i.id).collect::<Vec<_>>(),
        [&redacted_id]
    );

    let read = store
        .inquiry(&redacted_id)
        .await
        .expect("read")
        .expect("stored");
    store
        .commit(Change {
            delete_documents_of: Some(redacted_id.clone()),
            ..fixtures::update(&read, Command::Redact, NOW + 2)
        })
        .await
        .expect("redact");
    let overdue = store.overdue_inquiries(later, 1).await.expect("overdue");
    assert_eq!(
        overdue.iter().map(|i| &i.id).collect::<Vec<_>>(),
        [&kept_id]
    );
}

/// docs/operations.md §1: `retained_inquiries` finds a template's inquiries that reached a
/// final state at or before the cutoff, the longest kept first; open, other templates' and
/// redacted inquiries are never among them, and a resumed expiry leaves the list.
pub async fn erasure_retained_inquiries_are_final_and_unredacted(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let other = fixtures::template("o", NOW);
    let mut ids = Vec::new();
    for (n, t) in [&template, &template, &template, &other]
        .into_iter()
        .enumerate()
    {
        let created = fixtures::create(t, None, NOW + n as i64);
        ids.push(created.inquiry.id.clone());
        store
            .commit(fixtures::insert(created, NOW))
            .await
            .expect("create");
    }
    let read = |id: &verity_core::id::InquiryId| {
        let id = id.clone();
        let store = store.clone();
        async move { store.inquiry(&id).await.expect("read").expect("stored") }
    };
    // ids[0] expires at NOW+10, ids[1] completes at NOW+20, ids[2] stays open, ids[3]
    // (the other template) expires at NOW+5.
    for (id, at, commands) in [
        (&ids[0], NOW + 10, vec![Command::Expire]),
        (&ids[1], NOW + 20, vec![Command::Start, Command::Complete]),
        (&ids[3], NOW + 5, vec![Command::Expire]),
    ] {
        for command in commands {
            let current = read(id).await;
            store
                .commit(fixtures::update(&current, command, at))
                .await
                .expect("finish");
        }
    }
    let due = |before| {
        let (store, template) = (store.clone(), template.id.clone());
        async move {
            let found = store
                .retained_inquiries(&template, before, 10)
                .await
                .expect("retained");
            found.into_iter().map(|i| i.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(due(NOW + 9).await, Vec::<verity_core::id::InquiryId>::new());
    assert_eq!(due(NOW + 10).await, [ids[0].clone()]);
    assert_eq!(due(NOW + 100).await, [ids[0].clone(), ids[1].clone()]);

    let completed = read(&ids[1]).await;
    store
        .commit(Change {
            delete_documents_of: Some(ids[1].clone()),
            ..fixtures::update(&completed, Command::Redact, NOW + 30)
        })
        .await
        .expect("redact");
    let expired = read(&ids[0]).await;
    let resumed = fixtures::update(
        &expired,
        fixtures::resume("retention-resume-hash"),
        NOW + 40,
    );
    store.commit(resumed).await.expect("resume");
    assert_eq!(
        due(NOW + 100).await,
        Vec::<verity_core::id::InquiryId>::new()
    );
}
