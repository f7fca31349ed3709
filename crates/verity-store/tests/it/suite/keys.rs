//! API keys and idempotency records.

use verity_core::id::ApiKeyId;
use verity_store::{ApiKey, Change, IdempotencyRecord, StoreError};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

fn key(name: &str, hash: &str, at: i64) -> ApiKey {
    ApiKey {
        id: fixtures::id(),
        name: name.into(),
        hash: hash.into(),
        hint: "vk_live_ab".into(),
        created_at: at,
        revoked_at: None,
    }
}

pub async fn api_keys_insert_lookup_list_revoke(h: &Harness) {
    let store = h.open().await;
    let first = key("ci", "hash-1", NOW);
    let second = key("prod", "hash-2", NOW + 1);
    store.insert_api_key(&first).await.expect("insert");
    store.insert_api_key(&second).await.expect("insert");

    let same_hash = key("copy", "hash-1", NOW + 2);
    let dup = store.insert_api_key(&same_hash).await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { what: "API key" })),
        "{dup:?}"
    );
    assert_eq!(
        store.api_key_by_hash("hash-1").await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(store.api_key_by_hash("nope").await.expect("read"), None);
    assert_eq!(
        store.list_api_keys().await.expect("list"),
        [first.clone(), second.clone()],
        "oldest first"
    );

    store
        .revoke_api_key(&first.id, NOW + 10)
        .await
        .expect("revoke");
    store
        .revoke_api_key(&first.id, NOW + 20)
        .await
        .expect("revoke again");
    let revoked = store
        .api_key_by_hash("hash-1")
        .await
        .expect("read")
        .expect("still found");
    assert_eq!(revoked.revoked_at, Some(NOW + 10), "the first time is kept");
    let unknown = store.revoke_api_key(&fixtures::id(), NOW).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { what: "API key" })),
        "{unknown:?}"
    );
    assert_eq!(
        store
            .api_key_by_hash("hash-2")
            .await
            .expect("read")
            .and_then(|k| k.revoked_at),
        None
    );
}

pub async fn idempotency_records_and_purge(h: &Harness) {
    let store = h.open().await;
    let api_key: ApiKeyId = fixtures::id();
    for (n, at) in [NOW, NOW + 100, NOW + 200].into_iter().enumerate() {
        let record = IdempotencyRecord {
            api_key_id: api_key.clone(),
            key: format!("k{n}"),
            request_hash: format!("h{n}"),
            status: 200,
            body: vec![n as u8; 3],
            created_at: at,
        };
        store
            .commit(Change {
                idempotency: Some(record),
                ..Change::default()
            })
            .await
            .expect("record");
    }
    assert_eq!(
        store
            .idempotency_record(&api_key, "k1")
            .await
            .expect("read")
            .map(|r| (r.request_hash, r.status, r.body, r.created_at)),
        Some(("h1".to_owned(), 200, vec![1, 1, 1], NOW + 100))
    );
    assert_eq!(
        store
            .idempotency_record(&fixtures::id(), "k1")
            .await
            .expect("read"),
        None
    );
    // Strictly before: the record at exactly NOW + 100 stays.
    assert_eq!(store.purge_idempotency(NOW + 100).await.expect("purge"), 1);
    assert!(store
        .idempotency_record(&api_key, "k0")
        .await
        .expect("read")
        .is_none());
    assert!(store
        .idempotency_record(&api_key, "k1")
        .await
        .expect("read")
        .is_some());
    assert_eq!(store.purge_idempotency(NOW + 1000).await.expect("purge"), 2);
    assert_eq!(store.purge_idempotency(NOW + 1000).await.expect("purge"), 0);
}
