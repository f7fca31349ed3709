//! Documents: written with a commit, listed without bytes, read with them, deleted on
//! redaction.

use verity_core::capture::{Capture, CaptureMethod, IdClass, Pose, Shot, Side};
use verity_core::id::InquiryId;
use verity_store::{CaptureRefusal, Change, Document, StoreError};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

fn document(inquiry: &InquiryId, side: Side, bytes: &[u8], now: i64) -> Document {
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
        byte_size: bytes.len() as i64,
        sha256: format!("sha-{side}"),
        bytes: bytes.to_vec(),
        created_at: now,
    }
}

pub async fn documents_insert_list_get_and_delete(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    let front = document(&id, Side::Front, &[0xff, 0xd8, 0x00, 0x01], NOW);
    let back = document(&id, Side::Back, &[0xff, 0xd8, 0x02], NOW + 1);
    store
        .commit(Change {
            documents: vec![front.clone()],
            ..fixtures::insert(created, NOW)
        })
        .await
        .expect("create with front");
    store
        .commit(Change {
            documents: vec![back.clone()],
            ..Change::default()
        })
        .await
        .expect("add back");

    let listed = store.documents_for_inquiry(&id).await.expect("list");
    let without_bytes = |d: &Document| Document {
        bytes: Vec::new(),
        ..d.clone()
    };
    assert_eq!(listed, [without_bytes(&front), without_bytes(&back)]);
    assert_eq!(
        store.document(&front.id).await.expect("read"),
        Some(front.clone())
    );

    // A document of an inquiry that does not exist is refused, and nothing is written.
    let orphan_inquiry: InquiryId = fixtures::id();
    let orphan = document(&orphan_inquiry, Side::Front, b"x", NOW);
    let result = store
        .commit(Change {
            documents: vec![orphan.clone()],
            ..Change::default()
        })
        .await;
    assert!(
        matches!(result, Err(StoreError::NotFound { what: "inquiry" })),
        "{result:?}"
    );
    assert_eq!(store.document(&orphan.id).await.expect("read"), None);

    store
        .commit(Change {
            delete_documents_of: Some(id.clone()),
            ..Change::default()
        })
        .await
        .expect("redact");
    assert!(store
        .documents_for_inquiry(&id)
        .await
        .expect("list")
        .is_empty());
    assert_eq!(store.document(&front.id).await.expect("read"), None);
    assert_eq!(store.document(&back.id).await.expect("read"), None);
}

/// Capture refusals (docs/verifications.md §5) count per inquiry, kind and side; a
/// refusal for an inquiry that does not exist is `NotFound`; a redaction deletes them.
pub async fn documents_capture_refusals_count_per_side_and_go_with_redaction(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("create");
    let (front, center) = (Shot::Id(Side::Front), Shot::Selfie(Pose::Center));
    let refusal = |inquiry: &InquiryId, shot: Shot| CaptureRefusal {
        inquiry_id: inquiry.clone(),
        shot,
        check: "id_blur".into(),
        created_at: NOW,
    };
    for _ in 0..2 {
        let r = refusal(&id, front);
        store.insert_capture_refusal(&r).await.expect("refusal");
    }
    let r = refusal(&id, center);
    store.insert_capture_refusal(&r).await.expect("refusal");
    let count = |shot: Shot| {
        let (store, id) = (store.clone(), id.clone());
        async move {
            store
                .count_capture_refusals(&id, shot)
                .await
                .expect("count")
        }
    };
    assert_eq!(count(front).await, 2);
    assert_eq!(count(Shot::Id(Side::Back)).await, 0);
    assert_eq!(count(center).await, 1);
    assert_eq!(count(Shot::Selfie(Pose::Left)).await, 0);

    let orphan = refusal(&fixtures::id(), front);
    let result = store.insert_capture_refusal(&orphan).await;
    assert!(
        matches!(result, Err(StoreError::NotFound { what: "inquiry" })),
        "{result:?}"
    );

    store
        .commit(Change {
            delete_documents_of: Some(id.clone()),
            ..Change::default()
        })
        .await
        .expect("redact");
    assert_eq!(count(front).await, 0);
    assert_eq!(count(center).await, 0);
}

/// A document row whose kind, side, ID class or capture method is none of the typed values
/// (written by hand, or by a future version) reads as `Corrupt`, for the listing and the
/// single read alike; the stored strings of typed values are the wire names.
pub async fn documents_with_unknown_stored_values_are_corrupt(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    let front = document(&id, Side::Front, &[0xff, 0xd8, 0x00], NOW);
    store
        .commit(Change {
            documents: vec![front.clone()],
            ..fixtures::insert(created, NOW)
        })
        .await
        .expect("create with front");
    let doc_id = front.id.to_string();
    let stored = |column: &'static str| {
        let (sql, doc_id) = (
            format!("SELECT {column} FROM documents WHERE id = $1"),
            doc_id.clone(),
        );
        async move { h.raw_text(&sql, &doc_id).await }
    };
    assert_eq!(stored("kind").await, "government_id");
    assert_eq!(stored("side").await, "front");
    assert_eq!(stored("id_class").await, "dl");
    assert_eq!(stored("capture_method").await, "upload");
    for (column, bad, good) in [
        ("kind", "passport", "government_id"),
        ("side", "left", "front"),
        ("id_class", "xx", "dl"),
        ("capture_method", "camera", "upload"),
    ] {
        let set = format!("UPDATE documents SET {column} = $2 WHERE id = $1");
        h.raw_set_text(&set, &doc_id, bad.into()).await;
        let listed = store.documents_for_inquiry(&id).await;
        assert!(
            matches!(listed, Err(StoreError::Corrupt(_))),
            "{column}: {listed:?}"
        );
        let read = store.document(&front.id).await;
        assert!(
            matches!(read, Err(StoreError::Corrupt(_))),
            "{column}: {read:?}"
        );
        h.raw_set_text(&set, &doc_id, good.into()).await;
    }
    assert_eq!(store.document(&front.id).await.expect("read"), Some(front));
}
