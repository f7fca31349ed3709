//! `Store::commit`: everything of a change or nothing, revision checks, idempotency,
//! accounts, sessions, and concurrency.

use std::sync::Arc;

use verity_core::event::EventName;
use verity_core::id::ApiKeyId;
use verity_core::inquiry::{Command, InquiryStatus};
use verity_core::session::SessionStatus;
use verity_store::{AccountLink, Change, IdempotencyRecord, InquiryWrite, Store, StoreError};

use super::events_of;
use crate::fixtures::{self, NOW};
use crate::harness::Harness;

pub async fn commit_creates_inquiry_with_events_session_and_account(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    // Created and resumed in one change, as the flow does when it first loads.
    let created = fixtures::create(&template, Some("user-7"), NOW);
    let resumed = created
        .inquiry
        .apply(fixtures::resume("hash-7"), NOW)
        .expect("resume");
    let mut events = fixtures::events(&created, NOW);
    events.extend(fixtures::events(&resumed, NOW));
    let account_id = fixtures::id();
    let change = Change {
        inquiry: Some(InquiryWrite::Insert(resumed.inquiry.clone())),
        account: Some(AccountLink {
            reference_id: "user-7".into(),
            new_id: account_id.clone(),
        }),
        new_session: resumed.new_session.clone(),
        events: events.clone(),
        ..Change::default()
    };
    let committed = store.commit(change).await.expect("commit");
    assert!(committed.account_created);

    let stored = committed.inquiry.expect("inquiry returned");
    assert_eq!(stored.account_id.as_ref(), Some(&account_id));
    assert_eq!(stored.revision, 0);
    assert_eq!(stored.session_count, 1);
    assert_eq!(
        store.inquiry(&stored.id).await.expect("read"),
        Some(stored.clone())
    );

    let account = store
        .account(&account_id)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.reference_id.as_deref(), Some("user-7"));
    assert_eq!(account.created_at, NOW);

    let session = resumed.new_session.expect("session");
    assert_eq!(
        store.session_by_token_hash("hash-7").await.expect("read"),
        Some(session.clone())
    );
    assert_eq!(
        store.session_by_token_hash("other").await.expect("read"),
        None
    );
    assert_eq!(
        store.sessions_for_inquiry(&stored.id).await.expect("read"),
        vec![session]
    );

    let logged = events_of(store.as_ref(), &stored.id).await;
    let names: Vec<_> = logged.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [EventName::InquiryCreated, EventName::SessionStarted],
        "events in the order given"
    );
    assert!(logged[0].seq < logged[1].seq);
    assert_eq!(logged[0].id, events[0].id);
    assert_eq!(logged[0].payload, events[0].payload);
}

pub async fn commit_same_reference_id_finds_the_account(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let mut accounts = Vec::new();
    for n in 0..2 {
        let change = Change {
            account: Some(AccountLink {
                reference_id: "same-person".into(),
                new_id: fixtures::id(),
            }),
            ..fixtures::insert(
                fixtures::create(&template, Some("same-person"), NOW + n),
                NOW,
            )
        };
        let committed = store.commit(change).await.expect("commit");
        let account = committed
            .inquiry
            .expect("inquiry")
            .account_id
            .expect("linked");
        accounts.push((account, committed.account_created));
    }
    assert!(accounts[0].1, "first commit creates the account");
    assert!(!accounts[1].1, "second commit finds it");
    assert_eq!(accounts[0].0, accounts[1].0);

    // An inquiry that already names an account keeps it; the link only resolves one.
    let existing = accounts[0].0.clone();
    let mut created = fixtures::create(&template, Some("someone-else"), NOW);
    created.inquiry.account_id = Some(existing.clone());
    let change = Change {
        account: Some(AccountLink {
            reference_id: "someone-else".into(),
            new_id: fixtures::id(),
        }),
        ..fixtures::insert(created, NOW)
    };
    let committed = store.commit(change).await.expect("commit");
    assert!(committed.account_created);
    assert_eq!(
        committed.inquiry.expect("inquiry").account_id,
        Some(existing)
    );

    // An account link without an inquiry is allowed too.
    let committed = store
        .commit(Change {
            account: Some(AccountLink {
                reference_id: "same-person".into(),
                new_id: fixtures::id(),
            }),
            ..Change::default()
        })
        .await
        .expect("commit");
    assert!(!committed.account_created);
    assert!(committed.inquiry.is_none());
}

pub async fn commit_duplicate_inquiry_writes_nothing(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created.clone(), NOW))
        .await
        .expect("first");
    let again = store
        .commit(Change {
            account: Some(AccountLink {
                reference_id: "dup".into(),
                new_id: fixtures::id(),
            }),
            ..fixtures::insert(created, NOW)
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { what: "inquiry" })),
        "{again:?}"
    );
    assert_eq!(events_of(store.as_ref(), &id).await.len(), 1);
    let accounts = store
        .list_accounts(Some("dup"), &super::first_page(10))
        .await
        .expect("list");
    assert!(accounts.items.is_empty(), "the account was rolled back too");
}

pub async fn commit_stale_revision_conflicts_and_writes_nothing(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("create");
    let read = store.inquiry(&id).await.expect("read").expect("exists");

    let first = fixtures::update(&read, Command::Start, NOW + 1);
    let second = fixtures::update(&read, Command::AddTag("vip".into()), NOW + 2);
    let won = store.commit(first).await.expect("first update");
    let won = won.inquiry.expect("inquiry");
    assert_eq!(won.revision, 1);
    assert_eq!(won.status, InquiryStatus::Pending);

    let lost = store.commit(second).await;
    assert!(matches!(lost, Err(StoreError::Conflict)), "{lost:?}");
    assert_eq!(store.inquiry(&id).await.expect("read"), Some(won.clone()));
    let names: Vec<_> = events_of(store.as_ref(), &id)
        .await
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(
        names,
        [EventName::InquiryCreated, EventName::InquiryStarted]
    );

    // Re-reading and re-applying succeeds.
    let retry = fixtures::update(&won, Command::AddTag("vip".into()), NOW + 3);
    let stored = store
        .commit(retry)
        .await
        .expect("retry")
        .inquiry
        .expect("inquiry");
    assert_eq!(stored.revision, 2);
    assert_eq!(stored.tags, ["vip"]);
}

pub async fn commit_update_of_missing_inquiry_is_not_found(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let never_stored = fixtures::create(&template, None, NOW).inquiry;
    let result = store
        .commit(fixtures::update(&never_stored, Command::Start, NOW))
        .await;
    assert!(
        matches!(result, Err(StoreError::NotFound { what: "inquiry" })),
        "{result:?}"
    );
    assert!(events_of(store.as_ref(), &never_stored.id).await.is_empty());
}

pub async fn commit_concurrent_updates_from_one_read_one_wins(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("create");
    let read = store.inquiry(&id).await.expect("read").expect("exists");

    let tasks: Vec<_> = (0..10)
        .map(|n| {
            let store = Arc::clone(&store);
            let change = fixtures::update(&read, Command::AddTag(format!("tag-{n}")), NOW + n);
            tokio::spawn(async move { store.commit(change).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(won, 1);
    let stored = store.inquiry(&id).await.expect("read").expect("exists");
    assert_eq!(stored.revision, 1);
    assert_eq!(stored.tags.len(), 1);
    assert_eq!(events_of(store.as_ref(), &id).await.len(), 2);
}

fn idempotency(api_key: &ApiKeyId, key: &str, body: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        api_key_id: api_key.clone(),
        key: key.into(),
        request_hash: "req-hash".into(),
        status: 201,
        body: body.as_bytes().to_vec(),
        created_at: NOW,
        claim_token: None,
    }
}

pub async fn commit_idempotency_key_reuse_writes_nothing(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let api_key: ApiKeyId = fixtures::id();

    let first = fixtures::create(&template, Some("a"), NOW);
    store
        .commit(Change {
            idempotency: Some(idempotency(&api_key, "k1", "first")),
            ..fixtures::insert(first, NOW)
        })
        .await
        .expect("first");
    let recorded = store
        .idempotency_record(&api_key, "k1")
        .await
        .expect("read")
        .expect("recorded");
    assert_eq!(recorded, idempotency(&api_key, "k1", "first"));

    let second = fixtures::create(&template, Some("b"), NOW);
    let second_id = second.inquiry.id.clone();
    let reused = store
        .commit(Change {
            idempotency: Some(idempotency(&api_key, "k1", "second")),
            account: Some(AccountLink {
                reference_id: "b".into(),
                new_id: fixtures::id(),
            }),
            ..fixtures::insert(second.clone(), NOW)
        })
        .await;
    assert!(
        matches!(reused, Err(StoreError::IdempotencyKeyUsed)),
        "{reused:?}"
    );
    assert_eq!(store.inquiry(&second_id).await.expect("read"), None);
    assert!(events_of(store.as_ref(), &second_id).await.is_empty());
    let accounts = store
        .list_accounts(Some("b"), &super::first_page(10))
        .await
        .expect("list");
    assert!(accounts.items.is_empty());
    assert_eq!(
        store
            .idempotency_record(&api_key, "k1")
            .await
            .expect("read")
            .map(|r| r.body),
        Some(b"first".to_vec()),
        "the first response is kept"
    );

    // The same key under another API key is a different record.
    let other_key: ApiKeyId = fixtures::id();
    store
        .commit(Change {
            idempotency: Some(idempotency(&other_key, "k1", "other")),
            ..fixtures::insert(second, NOW)
        })
        .await
        .expect("other API key");
    assert!(store.inquiry(&second_id).await.expect("read").is_some());
}

pub async fn commit_session_status_updates(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("create");
    let read = store.inquiry(&id).await.expect("read").expect("exists");
    let resumed = store
        .commit(fixtures::update(&read, fixtures::resume("tok-1"), NOW + 1))
        .await
        .expect("resume")
        .inquiry
        .expect("inquiry");
    let session = store
        .session_by_token_hash("tok-1")
        .await
        .expect("read")
        .expect("session");
    assert_eq!(session.status, SessionStatus::Active);

    store
        .commit(Change {
            session_updates: vec![(session.id.clone(), SessionStatus::Canceled)],
            ..Change::default()
        })
        .await
        .expect("cancel");
    let canceled = store
        .session_by_token_hash("tok-1")
        .await
        .expect("read")
        .expect("session");
    assert_eq!(canceled.status, SessionStatus::Canceled);
    assert_eq!(
        store.sessions_for_inquiry(&id).await.expect("read"),
        vec![canceled]
    );

    // An unknown session fails the whole change: the inquiry update is not written.
    let change = Change {
        session_updates: vec![(fixtures::id(), SessionStatus::Expired)],
        ..fixtures::update(&resumed, Command::AddTag("x".into()), NOW + 2)
    };
    let result = store.commit(change).await;
    assert!(
        matches!(
            result,
            Err(StoreError::NotFound {
                what: "inquiry session"
            })
        ),
        "{result:?}"
    );
    assert_eq!(store.inquiry(&id).await.expect("read"), Some(resumed));
}

pub async fn commit_concurrent_creates_all_land(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let store = Arc::clone(&store);
            let change = Change {
                account: Some(AccountLink {
                    // Ten people, five inquiries each: accounts are found or created
                    // concurrently too.
                    reference_id: format!("person-{}", n % 10),
                    new_id: fixtures::id(),
                }),
                ..fixtures::insert(
                    fixtures::create(&template, Some(&format!("person-{}", n % 10)), NOW + n),
                    NOW + n,
                )
            };
            tokio::spawn(async move { store.commit(change).await })
        })
        .collect();
    let mut created_accounts = 0;
    for task in tasks {
        let committed = task.await.expect("task").expect("commit");
        created_accounts += usize::from(committed.account_created);
    }
    assert_eq!(created_accounts, 10);
    let listed = store
        .list_inquiries(&Default::default(), &super::first_page(100))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 50);
    let accounts = store
        .list_accounts(None, &super::first_page(100))
        .await
        .expect("list");
    assert_eq!(accounts.items.len(), 10);
    let events = store
        .list_events(&Default::default(), &super::first_page(100))
        .await
        .expect("list");
    assert_eq!(events.items.len(), 50);
}

pub async fn commit_failing_changes_do_not_affect_concurrent_ones(h: &Harness) {
    let store: Arc<dyn Store> = h.open().await;
    let template = fixtures::template("t", NOW);
    let taken = fixtures::create(&template, None, NOW);
    store
        .commit(fixtures::insert(taken.clone(), NOW))
        .await
        .expect("seed");
    // Interleave good changes with duplicates of `taken`, all in flight at once, so a
    // group commit batches them together.
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let store = Arc::clone(&store);
            let change = if n % 2 == 0 {
                fixtures::insert(fixtures::create(&template, None, NOW + n), NOW + n)
            } else {
                fixtures::insert(taken.clone(), NOW + n)
            };
            tokio::spawn(async move { (n, store.commit(change).await) })
        })
        .collect();
    for task in tasks {
        let (n, result) = task.await.expect("task");
        if n % 2 == 0 {
            result.expect("good change");
        } else {
            assert!(
                matches!(result, Err(StoreError::Duplicate { what: "inquiry" })),
                "{result:?}"
            );
        }
    }
    let listed = store
        .list_inquiries(&Default::default(), &super::first_page(100))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 21);
    assert_eq!(events_of(store.as_ref(), &taken.inquiry.id).await.len(), 1);
}
