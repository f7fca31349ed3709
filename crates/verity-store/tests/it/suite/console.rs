//! The operator console's records: operators, their sign-in throttle, sessions, the
//! append-only audit trail and the review queue (docs/console.md).

use futures::future::join_all;
use verity_core::audit::{Actor, AuditAction};
use verity_core::inquiry::{Command, Inquiry};
use verity_core::operator::OperatorRole;
use verity_store::{
    AuditFilter, AuditRecord, Change, Operator, OperatorSession, Store, StoreError,
};

use super::first_page;
use crate::fixtures::{self, NOW};
use crate::harness::Harness;

fn operator(email: &str, role: OperatorRole) -> Operator {
    Operator {
        id: fixtures::id(),
        email: email.into(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled_at: None,
        failed_sign_ins: 0,
        locked_until: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn audit(actor: Actor, action: AuditAction, inquiry: Option<&Inquiry>, at: i64) -> AuditRecord {
    AuditRecord {
        id: fixtures::id(),
        actor,
        action,
        inquiry_id: inquiry.map(|i| i.id.clone()),
        address: Some("203.0.113.7".into()),
        detail: Some("front".into()),
        created_at: at,
    }
}

pub async fn operators_insert_lookup_update_list(h: &Harness) {
    let store = h.open().await;
    let admin = operator("admin@example.com", OperatorRole::Admin);
    let viewer = operator("viewer@example.com", OperatorRole::Viewer);
    store.insert_operator(&admin).await.expect("insert");
    store.insert_operator(&viewer).await.expect("insert");
    let same_email = operator("admin@example.com", OperatorRole::Viewer);
    let dup = store.insert_operator(&same_email).await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { what: "operator" })),
        "{dup:?}"
    );
    assert_eq!(
        store.operator(&admin.id).await.expect("read"),
        Some(admin.clone())
    );
    assert_eq!(
        store
            .operator_by_email("viewer@example.com")
            .await
            .expect("read"),
        Some(viewer.clone())
    );
    assert_eq!(
        store
            .operator_by_email("nobody@example.com")
            .await
            .expect("read"),
        None
    );

    let mut changed = viewer.clone();
    changed.role = OperatorRole::Reviewer;
    changed.disabled_at = Some(NOW + 5);
    changed.password_hash = "$argon2id$other".into();
    changed.updated_at = NOW + 5;
    store.update_operator(&changed).await.expect("update");
    assert_eq!(
        store.list_operators().await.expect("list"),
        [admin.clone(), changed],
        "oldest first, the update kept"
    );
    let missing = store
        .update_operator(&operator("x@example.com", OperatorRole::Admin))
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { what: "operator" })),
        "{missing:?}"
    );
}

pub async fn operators_failed_sign_ins_lock_at_the_limit(h: &Harness) {
    let store = h.open().await;
    let op = operator("r@example.com", OperatorRole::Reviewer);
    store.insert_operator(&op).await.expect("insert");
    for n in 1..10 {
        let failed = store
            .record_failed_sign_in(&op.id, 10, NOW + 900_000)
            .await
            .expect("count");
        assert_eq!((failed.failed_sign_ins, failed.locked_until), (n, None));
    }
    let tenth = store
        .record_failed_sign_in(&op.id, 10, NOW + 900_000)
        .await
        .expect("count");
    assert_eq!(
        (tenth.failed_sign_ins, tenth.locked_until),
        (0, Some(NOW + 900_000))
    );
    let read = store.operator(&op.id).await.expect("read").expect("found");
    assert_eq!(read.locked_until, Some(NOW + 900_000));

    store.clear_failed_sign_ins(&op.id).await.expect("clear");
    let read = store.operator(&op.id).await.expect("read").expect("found");
    assert_eq!((read.failed_sign_ins, read.locked_until), (0, None));
    let missing = store.record_failed_sign_in(&fixtures::id(), 10, NOW).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
}

/// Wrong passwords arriving at once (two stores: two processes) all count: exactly one of
/// ten sets the lock.
pub async fn operators_concurrent_failed_sign_ins_all_count(h: &Harness) {
    let (one, two) = (h.open().await, h.open().await);
    let op = operator("c@example.com", OperatorRole::Viewer);
    one.insert_operator(&op).await.expect("insert");
    let attempts = (0..10).map(|n| {
        let store = if n % 2 == 0 { one.clone() } else { two.clone() };
        let id = op.id.clone();
        async move {
            store
                .record_failed_sign_in(&id, 10, NOW + 1)
                .await
                .expect("count")
        }
    });
    let locks = join_all(attempts)
        .await
        .into_iter()
        .filter(|f| f.failed_sign_ins == 0)
        .count();
    assert_eq!(locks, 1, "exactly the tenth failure locks");
    let read = one.operator(&op.id).await.expect("read").expect("found");
    assert_eq!(read.locked_until, Some(NOW + 1));
}

pub async fn operator_sessions_touch_end_and_end_everywhere(h: &Harness) {
    let store = h.open().await;
    let op = operator("s@example.com", OperatorRole::Admin);
    store.insert_operator(&op).await.expect("insert");
    let session = |hash: &str| OperatorSession {
        token_hash: hash.into(),
        operator_id: op.id.clone(),
        created_at: NOW,
        last_seen_at: NOW,
        ended_at: None,
        totp_pending: false,
    };
    for hash in ["h1", "h2", "h3"] {
        store
            .insert_operator_session(&session(hash))
            .await
            .expect("insert");
    }
    let orphan = OperatorSession {
        operator_id: fixtures::id(),
        ..session("h4")
    };
    let refused = store.insert_operator_session(&orphan).await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { what: "operator" })),
        "{refused:?}"
    );

    store
        .touch_operator_session("h1", NOW + 50)
        .await
        .expect("touch");
    store
        .touch_operator_session("h1", NOW + 10)
        .await
        .expect("touch back");
    let read = store
        .operator_session("h1")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(read.last_seen_at, NOW + 50, "never moves back");

    store
        .end_operator_session("h1", NOW + 60)
        .await
        .expect("end");
    store
        .end_operator_session("h1", NOW + 70)
        .await
        .expect("end again");
    let ended = store
        .operator_session("h1")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(ended.ended_at, Some(NOW + 60), "the first end is kept");
    assert_eq!(
        store
            .end_operator_sessions(&op.id, NOW + 80)
            .await
            .expect("all"),
        2
    );
    for hash in ["h2", "h3"] {
        let read = store
            .operator_session(hash)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(read.ended_at, Some(NOW + 80));
    }
    assert_eq!(store.operator_session("nope").await.expect("read"), None);
}

async fn decided(store: &dyn Store, at: i64) -> Inquiry {
    let template = fixtures::template("kyc", NOW);
    store.insert_template(&template).await.expect("template");
    let inquiry = store
        .commit(fixtures::insert(fixtures::create(&template, None, at), at))
        .await
        .expect("create")
        .inquiry
        .expect("inquiry");
    let mut read = inquiry;
    for command in [Command::Start, Command::Complete] {
        read = store
            .commit(fixtures::update(&read, command, at))
            .await
            .expect("advance")
            .inquiry
            .expect("inquiry");
    }
    read
}

pub async fn audit_records_append_with_changes_list_filter_and_refuse_changes(h: &Harness) {
    let store = h.open().await;
    let inquiry = decided(store.as_ref(), NOW).await;
    let reviewer = Actor::Operator("r@example.com".into());
    let viewed = audit(
        reviewer.clone(),
        AuditAction::ImageViewed,
        Some(&inquiry),
        NOW + 1,
    );
    store
        .insert_audit_records(std::slice::from_ref(&viewed))
        .await
        .expect("append");

    let approve = audit(
        reviewer.clone(),
        AuditAction::Approved,
        Some(&inquiry),
        NOW + 2,
    );
    let change = Change {
        audit: vec![approve.clone()],
        ..fixtures::update(&inquiry, Command::Approve, NOW + 2)
    };
    store.commit(change).await.expect("approve");
    // A change that fails (a stale revision) writes no audit record either.
    let stale = Change {
        audit: vec![audit(
            reviewer.clone(),
            AuditAction::Declined,
            Some(&inquiry),
            NOW + 3,
        )],
        ..fixtures::update(&inquiry, Command::Decline, NOW + 3)
    };
    assert!(matches!(
        store.commit(stale).await,
        Err(StoreError::Conflict)
    ));
    let key = audit(
        Actor::ApiKey("key_1".into()),
        AuditAction::Redacted,
        None,
        NOW + 4,
    );
    store
        .insert_audit_records(std::slice::from_ref(&key))
        .await
        .expect("append");

    let all = store
        .list_audit_records(&AuditFilter::default(), &first_page(10))
        .await
        .expect("list");
    assert_eq!(
        all.items,
        [key.clone(), approve.clone(), viewed.clone()],
        "newest first"
    );
    let of_inquiry = AuditFilter {
        inquiry_id: Some(inquiry.id.clone()),
        ..AuditFilter::default()
    };
    let page = store
        .list_audit_records(&of_inquiry, &first_page(1))
        .await
        .expect("list");
    assert_eq!(page.items, std::slice::from_ref(&approve));
    let cursor = page.next_after.expect("a next page");
    let next = verity_store::PageRequest {
        after: Some(cursor),
        ..first_page(1)
    };
    let page = store
        .list_audit_records(&of_inquiry, &next)
        .await
        .expect("list");
    assert_eq!(page.items, std::slice::from_ref(&viewed));
    let by_actor = AuditFilter {
        actor: Some("key_1".into()),
        action: Some(AuditAction::Redacted),
        ..AuditFilter::default()
    };
    let page = store
        .list_audit_records(&by_actor, &first_page(10))
        .await
        .expect("list");
    assert_eq!(page.items, [key]);

    let update = h
        .raw_try(
            "UPDATE audit_records SET actor = 'someone' WHERE id = $1",
            viewed.id.as_str(),
        )
        .await;
    assert!(update.is_err(), "updates are refused: {update:?}");
    let delete = h
        .raw_try(
            "DELETE FROM audit_records WHERE id = $1",
            viewed.id.as_str(),
        )
        .await;
    assert!(delete.is_err(), "deletes are refused: {delete:?}");
}

pub async fn review_queue_lists_needs_review_and_failed_oldest_first(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("kyc", NOW);
    store.insert_template(&template).await.expect("template");
    let mut made = Vec::new();
    for (n, last) in [
        Command::Fail,
        Command::Complete,
        Command::Fail,
        Command::Complete,
    ]
    .into_iter()
    .enumerate()
    {
        let at = NOW + n as i64;
        let mut read = store
            .commit(fixtures::insert(fixtures::create(&template, None, at), at))
            .await
            .expect("create")
            .inquiry
            .expect("inquiry");
        for command in [Command::Start, last] {
            read = store
                .commit(fixtures::update(&read, command, at))
                .await
                .expect("advance")
                .inquiry
                .expect("inquiry");
        }
        made.push(read);
    }
    // The second is marked for review; the fourth stays completed.
    store
        .commit(fixtures::update(&made[1], Command::MarkForReview, NOW + 10))
        .await
        .expect("review");
    let queue: Vec<_> = store
        .review_queue(10)
        .await
        .expect("queue")
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        queue,
        [made[0].id.clone(), made[1].id.clone(), made[2].id.clone()]
    );
    assert_eq!(store.review_queue(1).await.expect("queue").len(), 1);
    assert_eq!(store.count_review_queue().await.expect("count"), 3);
}

pub async fn operator_totp_is_sealed_steps_are_used_once_and_sessions_confirm(h: &Harness) {
    let store = h.open().await;
    let op = operator("totp@example.com", OperatorRole::Admin);
    store.insert_operator(&op).await.expect("insert");
    assert_eq!(store.operator_totp(&op.id).await.expect("read"), None);
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    store
        .set_operator_totp(&op.id, Some(secret))
        .await
        .expect("set");
    assert_eq!(
        store.operator_totp(&op.id).await.expect("read").as_deref(),
        Some(secret)
    );
    let stored = h
        .raw_text(
            "SELECT totp_secret FROM operators WHERE id = $1",
            op.id.as_str(),
        )
        .await;
    assert!(
        stored.starts_with("sealed:1:s:") && !stored.contains(secret),
        "{stored}"
    );
    // Of concurrent uses of one step, one wins; an earlier step is refused after it.
    let uses = join_all((0..4).map(|_| store.use_totp_step(&op.id, 100))).await;
    let won = uses
        .into_iter()
        .filter(|u| *u.as_ref().expect("use"))
        .count();
    assert_eq!(won, 1);
    assert!(!store.use_totp_step(&op.id, 99).await.expect("use"));
    assert!(store.use_totp_step(&op.id, 101).await.expect("use"));
    // Enrolling again forgets the steps; clearing removes the secret.
    store
        .set_operator_totp(&op.id, Some(secret))
        .await
        .expect("set");
    assert!(store.use_totp_step(&op.id, 50).await.expect("use"));
    store.set_operator_totp(&op.id, None).await.expect("clear");
    assert_eq!(store.operator_totp(&op.id).await.expect("read"), None);
    let missing = store.set_operator_totp(&fixtures::id(), None).await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound { what: "operator" })
    ));

    let pending = OperatorSession {
        token_hash: "pending".into(),
        operator_id: op.id.clone(),
        created_at: NOW,
        last_seen_at: NOW,
        ended_at: None,
        totp_pending: true,
    };
    store
        .insert_operator_session(&pending)
        .await
        .expect("insert");
    let read = store.operator_session("pending").await.expect("read");
    assert_eq!(read.map(|s| s.totp_pending), Some(true));
    store
        .confirm_operator_session("pending")
        .await
        .expect("confirm");
    let read = store.operator_session("pending").await.expect("read");
    assert_eq!(read.map(|s| s.totp_pending), Some(false));
}
