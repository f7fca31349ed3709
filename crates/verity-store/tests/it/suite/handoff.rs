//! One-time links: written with their session, opened exactly once, canceled,
//! refused when expired or when the inquiry closed, and announced to watchers.

use std::sync::Arc;

use verity_core::handoff::{LinkStatus, OneTimeLink};
use verity_core::inquiry::{Command, Inquiry, NewSession};
use verity_core::session::{HandoffMethod, SessionStatus};
use verity_core::Millis;
use verity_store::{Change, HandoffWrite, Store, StoreError};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

/// A pending inquiry and a QR link (code hash `code`) expiring at `expires_at`.
async fn inquiry_with_link(
    store: &dyn Store,
    code: &str,
    expires_at: Millis,
) -> (Inquiry, OneTimeLink) {
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("create");
    let read = store.inquiry(&id).await.expect("read").expect("exists");
    let session_id = fixtures::id();
    let mut change = fixtures::update(
        &read,
        Command::Resume(NewSession {
            id: session_id.clone(),
            token_hash: format!("unusable-{code}"),
            handoff: Some(HandoffMethod::Qr),
            max_lifetime_ms: None,
            anonymous: false,
            replaces: None,
        }),
        NOW + 1,
    );
    let link = OneTimeLink {
        session_id,
        inquiry_id: id.clone(),
        code_hash: code.into(),
        method: HandoffMethod::Qr,
        status: LinkStatus::Sent,
        step: "start".into(),
        created_at: NOW + 1,
        expires_at,
        opened_at: None,
    };
    change.handoff = vec![HandoffWrite::Insert(link.clone())];
    let inquiry = store
        .commit(change)
        .await
        .expect("link")
        .inquiry
        .expect("inquiry");
    (inquiry, link)
}

pub async fn handoff_link_is_written_with_its_session_and_opens_once(h: &Harness) {
    let store = h.open().await;
    let mut changes = store.inquiry_changes();
    let (inquiry, link) = inquiry_with_link(store.as_ref(), "code-1", NOW + 60_000).await;
    assert_eq!(
        store.one_time_link(&link.session_id).await.expect("read"),
        Some(link.clone())
    );
    assert_eq!(
        store
            .one_time_link_by_code_hash("code-1")
            .await
            .expect("read"),
        Some(link.clone())
    );
    assert_eq!(
        store
            .count_one_time_links(&inquiry.id, NOW)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        store
            .count_one_time_links(&inquiry.id, NOW + 2)
            .await
            .expect("count"),
        0
    );
    // The commits announced the inquiry (on PostgreSQL other tests' inquiries may come
    // first: the NOTIFY channel is shared by the whole database).
    let announced = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while changes.recv().await.expect("announced") != inquiry.id {}
    })
    .await;
    assert!(
        announced.is_ok(),
        "the inquiry's commits were not announced"
    );

    let opened = store
        .open_one_time_link("code-1", "phone-token", NOW + 10)
        .await
        .expect("open")
        .expect("the first open wins");
    assert_eq!(opened.status, LinkStatus::Started);
    assert_eq!(opened.opened_at, Some(NOW + 10));
    let session = store
        .session_by_token_hash("phone-token")
        .await
        .expect("read")
        .expect("the phone's token now names the session");
    assert_eq!(session.id, link.session_id);
    assert_eq!(session.device_handoff_method, Some(HandoffMethod::Qr));
    assert!(store
        .session_by_token_hash("unusable-code-1")
        .await
        .expect("read")
        .is_none());

    // A second open changes nothing.
    assert!(store
        .open_one_time_link("code-1", "other-token", NOW + 11)
        .await
        .expect("open")
        .is_none());
    assert!(store
        .session_by_token_hash("other-token")
        .await
        .expect("read")
        .is_none());
    assert!(store
        .open_one_time_link("no-such-code", "t", NOW + 11)
        .await
        .expect("open")
        .is_none());
}

pub async fn handoff_concurrent_opens_one_wins(h: &Harness) {
    let store = h.open().await;
    let (_, _) = inquiry_with_link(store.as_ref(), "race", NOW + 60_000).await;
    // Two more stores on the same database: on PostgreSQL these are separate pools, as
    // two processes would be.
    let others: Vec<Arc<dyn Store>> = vec![store.clone(), h.open().await, h.open().await];
    let mut tasks = Vec::new();
    for (n, s) in others.into_iter().cycle().take(8).enumerate() {
        tasks.push(tokio::spawn(async move {
            s.open_one_time_link("race", &format!("token-{n}"), NOW + 5)
                .await
                .expect("open")
        }));
    }
    let mut winners = 0;
    for t in tasks {
        if t.await.expect("task").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

pub async fn handoff_expired_canceled_and_closed_links_do_not_open(h: &Harness) {
    let store = h.open().await;
    // Expired: `now` at the expiry is too late.
    let (_, expired) = inquiry_with_link(store.as_ref(), "late", NOW + 100).await;
    assert!(store
        .open_one_time_link("late", "t1", NOW + 100)
        .await
        .expect("open")
        .is_none());
    assert_eq!(
        store
            .one_time_link(&expired.session_id)
            .await
            .expect("read")
            .expect("link")
            .status,
        LinkStatus::Sent
    );

    // Canceled by the desktop.
    let (_, canceled) = inquiry_with_link(store.as_ref(), "withdrawn", NOW + 60_000).await;
    store
        .commit(Change {
            handoff: vec![HandoffWrite::Cancel(canceled.session_id.clone())],
            session_updates: vec![(canceled.session_id.clone(), SessionStatus::Canceled)],
            ..Change::default()
        })
        .await
        .expect("cancel");
    assert_eq!(
        store
            .one_time_link(&canceled.session_id)
            .await
            .expect("read")
            .expect("link")
            .status,
        LinkStatus::Canceled
    );
    assert!(store
        .open_one_time_link("withdrawn", "t2", NOW + 10)
        .await
        .expect("open")
        .is_none());
    let unknown = store
        .commit(Change {
            handoff: vec![HandoffWrite::Cancel(fixtures::id())],
            ..Change::default()
        })
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound { .. })));

    // The inquiry was expired (its sessions with it).
    let (inquiry, closed) = inquiry_with_link(store.as_ref(), "closed", NOW + 60_000).await;
    let mut change = fixtures::update(&inquiry, Command::Expire, NOW + 20);
    change.session_updates = vec![(closed.session_id.clone(), SessionStatus::Expired)];
    store.commit(change).await.expect("expire");
    assert!(store
        .open_one_time_link("closed", "t3", NOW + 21)
        .await
        .expect("open")
        .is_none());

    // A second link with a used code hash is a duplicate, and nothing of it is written.
    let (inquiry, _) = inquiry_with_link(store.as_ref(), "dup", NOW + 60_000).await;
    let session_id = fixtures::id();
    let mut change = fixtures::update(
        &inquiry,
        Command::Resume(NewSession {
            id: session_id.clone(),
            token_hash: "unusable-dup-2".into(),
            handoff: Some(HandoffMethod::Email),
            max_lifetime_ms: None,
            anonymous: false,
            replaces: None,
        }),
        NOW + 30,
    );
    change.handoff = vec![HandoffWrite::Insert(OneTimeLink {
        session_id: session_id.clone(),
        inquiry_id: inquiry.id.clone(),
        code_hash: "dup".into(),
        method: HandoffMethod::Email,
        status: LinkStatus::Sent,
        step: "start".into(),
        created_at: NOW + 30,
        expires_at: NOW + 60_000,
        opened_at: None,
    })];
    assert!(matches!(
        store.commit(change).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert!(store
        .session_by_token_hash("unusable-dup-2")
        .await
        .expect("read")
        .is_none());
}
