//! API keys and idempotency records.

use verity_core::id::ApiKeyId;
use verity_store::{
    ApiKey, Change, ClaimOutcome, IdempotencyClaim, IdempotencyEntry, IdempotencyRecord, StoreError,
};

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
            claim_token: None,
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

fn claim(api_key: &ApiKeyId, token: &str, at: i64) -> IdempotencyClaim {
    IdempotencyClaim {
        api_key_id: api_key.clone(),
        key: "k".into(),
        request_hash: "h".into(),
        token: token.into(),
        claimed_at: at,
    }
}

fn answer(claim: &IdempotencyClaim, body: &[u8]) -> IdempotencyRecord {
    IdempotencyRecord {
        api_key_id: claim.api_key_id.clone(),
        key: claim.key.clone(),
        request_hash: claim.request_hash.clone(),
        status: 201,
        body: body.to_vec(),
        created_at: claim.claimed_at,
        claim_token: Some(claim.token.clone()),
    }
}

/// A claim holds the key until it is answered, released or stale; only its own token
/// completes it; the answer is what later claims find.
pub async fn idempotency_claims_hold_a_key_until_answered_released_or_stale(h: &Harness) {
    let store = h.open().await;
    let api_key: ApiKeyId = fixtures::id();
    let first = claim(&api_key, "t1", NOW);
    let (fresh, never) = (NOW - 60_000, NOW - 86_400_000);
    assert_eq!(
        store
            .claim_idempotency(&first, fresh, never)
            .await
            .expect("claim"),
        ClaimOutcome::Claimed
    );
    let second = claim(&api_key, "t2", NOW + 1);
    let in_progress = ClaimOutcome::Taken(IdempotencyEntry::InProgress {
        request_hash: "h".into(),
        claimed_at: NOW,
    });
    assert_eq!(
        store
            .claim_idempotency(&second, fresh, never)
            .await
            .expect("claim"),
        in_progress
    );
    assert!(
        store
            .idempotency_record(&api_key, "k")
            .await
            .expect("read")
            .is_none(),
        "no answer yet"
    );

    // Released: the next claim runs.
    store.release_idempotency(&first).await.expect("release");
    assert_eq!(
        store.idempotency_entry(&api_key, "k").await.expect("read"),
        None
    );
    assert_eq!(
        store
            .claim_idempotency(&second, fresh, never)
            .await
            .expect("claim"),
        ClaimOutcome::Claimed
    );

    // Only the holder answers; the answer is found by every later claim.
    assert!(!store
        .complete_idempotency(&answer(&first, b"stale"))
        .await
        .expect("complete"));
    assert!(store
        .complete_idempotency(&answer(&second, b"ok"))
        .await
        .expect("complete"));
    assert!(!store
        .complete_idempotency(&answer(&second, b"twice"))
        .await
        .expect("complete"));
    store
        .release_idempotency(&second)
        .await
        .expect("release keeps an answer");
    let done = store
        .claim_idempotency(&claim(&api_key, "t3", NOW + 2), fresh, never)
        .await
        .expect("claim");
    let ClaimOutcome::Taken(IdempotencyEntry::Done(record)) = done else {
        panic!("expected the answer, got {done:?}");
    };
    assert_eq!((record.status, record.body.as_slice()), (201, &b"ok"[..]));

    // A stale claim (its request crashed) is taken over, and its late answer is refused.
    let other: ApiKeyId = fixtures::id();
    let crashed = claim(&other, "c1", NOW);
    assert_eq!(
        store
            .claim_idempotency(&crashed, fresh, never)
            .await
            .expect("claim"),
        ClaimOutcome::Claimed
    );
    let retry = claim(&other, "c2", NOW + 61_000);
    assert_eq!(
        store
            .claim_idempotency(&retry, NOW + 1, never)
            .await
            .expect("claim"),
        ClaimOutcome::Claimed
    );
    assert!(!store
        .complete_idempotency(&answer(&crashed, b"late"))
        .await
        .expect("complete"));
    let late_commit = store
        .commit(Change {
            idempotency: Some(answer(&crashed, b"late")),
            ..Change::default()
        })
        .await;
    assert!(
        matches!(late_commit, Err(StoreError::IdempotencyKeyUsed)),
        "{late_commit:?}"
    );
    // The answer written in a commit completes the claim like `complete_idempotency`.
    store
        .commit(Change {
            idempotency: Some(answer(&retry, b"in-commit")),
            ..Change::default()
        })
        .await
        .expect("commit the answer");
    let found = store
        .idempotency_record(&other, "k")
        .await
        .expect("read")
        .expect("answered");
    assert_eq!(found.body, b"in-commit".to_vec());
}

/// Of many concurrent claims of one key exactly one holds it.
pub async fn idempotency_concurrent_claims_one_wins(h: &Harness) {
    let store = h.open().await;
    let api_key: ApiKeyId = fixtures::id();
    let claims: Vec<_> = (0..20)
        .map(|n| claim(&api_key, &format!("t{n}"), NOW))
        .collect();
    let outcomes = futures::future::join_all(
        claims
            .iter()
            .map(|c| store.claim_idempotency(c, NOW - 60_000, NOW - 86_400_000)),
    )
    .await;
    let won = outcomes
        .into_iter()
        .map(|o| o.expect("claim"))
        .filter(|o| *o == ClaimOutcome::Claimed)
        .count();
    assert_eq!(won, 1);
}
