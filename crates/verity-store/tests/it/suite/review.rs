//! The console's review tools in the store (docs/console.md §4): comments written with a
//! commit, sealed, listed and deleted by redaction; the inquiry list's created-date, tag
//! and failed-check filters, with cursor paging.

use verity_core::id::InquiryId;
use verity_core::inquiry::{Command, Inquiry, InquiryStatus};
use verity_core::verification::{CheckOutcome, CheckResult, Verification, VerificationType};
use verity_store::{
    Change, Comment, InquiryFilter, InquiryWrite, PageRequest, Store, VerificationWrite,
};

use super::first_page;
use crate::fixtures::{self, NOW};
use crate::harness::Harness;

async fn create(store: &dyn Store, now: i64) -> Inquiry {
    let template = fixtures::template("t", now);
    store
        .commit(fixtures::insert(
            fixtures::create(&template, None, now),
            now,
        ))
        .await
        .expect("create")
        .inquiry
        .expect("inquiry")
}

async fn apply(store: &dyn Store, read: &Inquiry, command: Command, now: i64) -> Inquiry {
    store
        .commit(fixtures::update(read, command, now))
        .await
        .expect("commit")
        .inquiry
        .expect("inquiry")
}

fn comment(inquiry: &Inquiry, body: &str, at: i64) -> Comment {
    Comment {
        id: fixtures::id(),
        inquiry_id: inquiry.id.clone(),
        author: "ana@example.com".into(),
        body: body.into(),
        created_at: at,
    }
}

/// A change that writes `comments` with the inquiry unchanged but for its revision.
fn with_comments(read: &Inquiry, comments: Vec<Comment>) -> Change {
    Change {
        inquiry: Some(InquiryWrite::Update {
            inquiry: read.clone(),
            expected_revision: read.revision,
        }),
        comments,
        ..Change::default()
    }
}

pub async fn comments_commit_with_the_inquiry_list_oldest_first_and_go_with_redaction(h: &Harness) {
    let store = h.open().await;
    let inquiry = create(store.as_ref(), NOW).await;
    let other = create(store.as_ref(), NOW).await;
    let first = comment(&inquiry, "Name on the card has a typo <b>", NOW + 1);
    let second = comment(&inquiry, "Called the customer", NOW + 2);
    let stored = store
        .commit(with_comments(&inquiry, vec![first.clone()]))
        .await
        .expect("first")
        .inquiry
        .expect("inquiry");
    // A stale revision writes no comment.
    let stale = store
        .commit(with_comments(
            &inquiry,
            vec![comment(&inquiry, "lost", NOW)],
        ))
        .await;
    assert!(stale.is_err(), "{stale:?}");
    store
        .commit(with_comments(&stored, vec![second.clone()]))
        .await
        .expect("second");
    let second_id = second.id.clone();
    store
        .commit(with_comments(&other, vec![comment(&other, "other", NOW)]))
        .await
        .expect("other");
    assert_eq!(
        store.comments_for_inquiry(&inquiry.id).await.expect("list"),
        [first, second]
    );
    let raw = h
        .raw_text(
            "SELECT body FROM inquiry_comments WHERE id = $1",
            second_id.as_str(),
        )
        .await;
    assert!(!raw.contains("Called the customer"), "sealed: {raw}");

    let read = store
        .inquiry(&inquiry.id)
        .await
        .expect("read")
        .expect("kept");
    let mut redacted = fixtures::update(&read, Command::Redact, NOW + 3);
    redacted.delete_documents_of = Some(inquiry.id.clone());
    store.commit(redacted).await.expect("redact");
    assert!(store
        .comments_for_inquiry(&inquiry.id)
        .await
        .expect("list")
        .is_empty());
    assert_eq!(
        store
            .comments_for_inquiry(&other.id)
            .await
            .expect("list")
            .len(),
        1
    );
}

async fn ids(store: &dyn Store, filter: &InquiryFilter, page: &PageRequest) -> Vec<InquiryId> {
    let page = store.list_inquiries(filter, page).await.expect("list");
    page.items.into_iter().map(|i| i.id).collect()
}

/// Finishes a government-ID verification of `inquiry` whose check `failed` failed.
async fn failed_check(store: &dyn Store, inquiry: &InquiryId, failed: &str, at: i64) {
    let v = Verification::submitted(
        fixtures::id(),
        inquiry.clone(),
        VerificationType::GovernmentId,
        "id".into(),
        at,
    );
    let check = |name: &str, status| CheckResult {
        name: name.into(),
        status,
        reasons: vec![],
        details: serde_json::Value::Null,
        required: true,
    };
    let checks = vec![
        check("id_barcode_matches", CheckOutcome::Passed),
        check(failed, CheckOutcome::Failed),
    ];
    let done = v
        .clone()
        .finish(checks, true, serde_json::Value::Null, at + 1);
    for write in [
        VerificationWrite::Insert(v),
        VerificationWrite::Finish(done),
    ] {
        store
            .commit(Change {
                verifications: vec![write],
                ..Change::default()
            })
            .await
            .expect("verification");
    }
}

pub async fn inquiries_filter_by_created_range_tag_and_failed_check(h: &Harness) {
    let store = h.open().await;
    let store = store.as_ref();
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(create(store, NOW + n * 1000).await);
    }
    let made_ids: Vec<InquiryId> = made.iter().map(|i| i.id.clone()).collect();
    let id = |n: usize| made_ids[n].clone();
    // Tags: 1 and 3 carry `vip`; 2 had it removed; 4 carries `v_p` (a LIKE wildcard).
    for n in [1, 2, 3] {
        made[n] = apply(store, &made[n], Command::AddTag("vip".into()), NOW + 10).await;
    }
    made[2] = apply(store, &made[2], Command::RemoveTag("vip".into()), NOW + 11).await;
    made[4] = apply(store, &made[4], Command::AddTag("v_p".into()), NOW + 12).await;
    failed_check(store, &id(0), "id_expiry", NOW).await;
    failed_check(store, &id(3), "id_expiry", NOW).await;
    failed_check(store, &id(4), "id_age", NOW).await;

    let all = first_page(100);
    let range = InquiryFilter {
        created_from: Some(NOW + 1000),
        created_until: Some(NOW + 3000),
        ..InquiryFilter::default()
    };
    assert_eq!(
        ids(store, &range, &all).await,
        [id(2), id(1)],
        "[from, until)"
    );
    let tag = InquiryFilter {
        tag: Some("vip".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store, &tag, &all).await, [id(3), id(1)]);
    let wildcard = InquiryFilter {
        tag: Some("v_p".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store, &wildcard, &all).await, [id(4)], "`_` is literal");
    let check = InquiryFilter {
        failed_check: Some("id_expiry".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store, &check, &all).await, [id(3), id(0)]);
    let passed = InquiryFilter {
        failed_check: Some("id_barcode_matches".into()),
        ..InquiryFilter::default()
    };
    assert!(
        ids(store, &passed, &all).await.is_empty(),
        "passed checks do not match"
    );
    let combined = InquiryFilter {
        tag: Some("vip".into()),
        failed_check: Some("id_expiry".into()),
        status: Some(InquiryStatus::Created),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store, &combined, &all).await, [id(3)]);

    // Cursor paging keeps the filter: one a page, forwards then back.
    let one = |after: Option<String>, before: Option<String>| PageRequest {
        after,
        before,
        size: 1,
    };
    let page1 = store
        .list_inquiries(&check, &one(None, None))
        .await
        .expect("page");
    assert_eq!(page1.items[0].id, id(3));
    let page2 = store
        .list_inquiries(&check, &one(page1.next_after.clone(), None))
        .await
        .expect("page");
    assert_eq!(page2.items[0].id, id(0));
    assert_eq!(page2.next_after, None);
    let back = store
        .list_inquiries(&check, &one(None, page2.prev_before.clone()))
        .await
        .expect("page");
    assert_eq!(back.items[0].id, id(3));
}
