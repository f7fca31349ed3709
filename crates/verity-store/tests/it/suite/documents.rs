//! Documents: written with a commit, listed without bytes, read with them, deleted on
//! redaction.

use verity_core::id::InquiryId;
use verity_store::{CaptureRefusal, Change, Document, StoreError};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

fn document(inquiry: &InquiryId, side: &str, bytes: &[u8], now: i64) -> Document {
    Document {
        id: fixtures::id(),
        inquiry_id: inquiry.clone(),
        kind: "government_id".into(),
        side: side.into(),
        id_class: Some("dl".into()),
        country: Some("US".into()),
        capture_method: "upload".into(),
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
    let front = document(&id, "front", &[0xff, 0xd8, 0x00, 0x01], NOW);
    let back = document(&id, "back", &[0xff, 0xd8, 0x02], NOW + 1);
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
    let orphan = document(&orphan_inquiry, "front", b"x", NOW);
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
    let refusal = |inquiry: &InquiryId, kind: &str, side: &str| CaptureRefusal {
        inquiry_id: inquiry.clone(),
        kind: kind.into(),
        side: side.into(),
        check: "id_blur".into(),
        created_at: NOW,
    };
    for _ in 0..2 {
        let r = refusal(&id, "government_id", "front");
        store.insert_capture_refusal(&r).await.expect("refusal");
    }
    let r = refusal(&id, "selfie", "front");
    store.insert_capture_refusal(&r).await.expect("refusal");
    let count = |kind: &'static str, side: &'static str| {
        let (store, id) = (store.clone(), id.clone());
        async move {
            store
                .count_capture_refusals(&id, kind, side)
                .await
                .expect("count")
        }
    };
    assert_eq!(count("government_id", "front").await, 2);
    assert_eq!(count("government_id", "back").await, 0);
    assert_eq!(count("selfie", "front").await, 1);

    let orphan = refusal(&fixtures::id(), "government_id", "front");
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
    assert_eq!(count("government_id", "front").await, 0);
    assert_eq!(count("selfie", "front").await, 0);
}
