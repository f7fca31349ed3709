//! Listing inquiries (filters, cursors), overdue inquiries and accounts.

use std::collections::HashSet;

use verity_core::id::InquiryId;
use verity_core::inquiry::{Command, InquiryStatus};
use verity_store::{AccountLink, Change, InquiryFilter, PageRequest, Store, StoreError};

use super::first_page;
use crate::fixtures::{self, NOW};
use crate::harness::Harness;

async fn ids(store: &dyn Store, filter: &InquiryFilter) -> Vec<InquiryId> {
    let page = store
        .list_inquiries(filter, &first_page(100))
        .await
        .expect("list");
    page.items.into_iter().map(|i| i.id).collect()
}

pub async fn inquiries_list_filters(h: &Harness) {
    let store = h.open().await;
    let kyc = fixtures::template("kyc", NOW);
    let age = fixtures::template("age", NOW);
    let mut created = Vec::new();
    // (template, reference id, start it?)
    let plan = [
        (&kyc, Some("alice"), false),
        (&kyc, Some("bob"), true),
        (&age, Some("alice"), true),
        (&age, None, false),
    ];
    for (n, (template, reference, start)) in plan.into_iter().enumerate() {
        let now = NOW + n as i64;
        let change = Change {
            account: reference.map(|r| AccountLink {
                reference_id: r.into(),
                new_id: fixtures::id(),
            }),
            ..fixtures::insert(fixtures::create(template, reference, now), now)
        };
        let mut inquiry = store
            .commit(change)
            .await
            .expect("create")
            .inquiry
            .expect("inquiry");
        if start {
            inquiry = store
                .commit(fixtures::update(&inquiry, Command::Start, now))
                .await
                .expect("start")
                .inquiry
                .expect("inquiry");
        }
        created.push(inquiry);
    }
    let id = |n: usize| created[n].id.clone();

    assert_eq!(
        ids(store.as_ref(), &InquiryFilter::default()).await,
        [id(3), id(2), id(1), id(0)],
        "newest first"
    );
    let by_reference = InquiryFilter {
        reference_id: Some("alice".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store.as_ref(), &by_reference).await, [id(2), id(0)]);
    let by_status = InquiryFilter {
        status: Some(InquiryStatus::Pending),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store.as_ref(), &by_status).await, [id(2), id(1)]);
    let by_template = InquiryFilter {
        template_id: Some(age.id.to_string()),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store.as_ref(), &by_template).await, [id(3), id(2)]);
    let by_account = InquiryFilter {
        account_id: created[0].account_id.clone(),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store.as_ref(), &by_account).await, [id(2), id(0)]);
    let combined = InquiryFilter {
        reference_id: Some("alice".into()),
        status: Some(InquiryStatus::Created),
        template_id: Some(kyc.id.to_string()),
        account_id: created[0].account_id.clone(),
        ..InquiryFilter::default()
    };
    assert_eq!(ids(store.as_ref(), &combined).await, [id(0)]);
    let nothing = InquiryFilter {
        status: Some(InquiryStatus::Approved),
        ..InquiryFilter::default()
    };
    assert!(ids(store.as_ref(), &nothing).await.is_empty());
}

pub async fn inquiries_paginate_forwards_and_backwards(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let mut all = Vec::new();
    for n in 0..25 {
        let created = fixtures::create(&template, None, NOW + n);
        all.push(created.inquiry.id.clone());
        store
            .commit(fixtures::insert(created, NOW + n))
            .await
            .expect("create");
    }
    all.reverse(); // newest first, as listed
    let filter = InquiryFilter::default();
    let list = |page: PageRequest| {
        let store = store.clone();
        let filter = filter.clone();
        async move { store.list_inquiries(&filter, &page).await.expect("list") }
    };
    let ids = |items: &[verity_core::inquiry::Inquiry]| -> Vec<InquiryId> {
        items.iter().map(|i| i.id.clone()).collect()
    };

    // Forwards: 10, 10, 5.
    let p1 = list(first_page(10)).await;
    assert_eq!(ids(&p1.items), all[0..10]);
    assert_eq!(p1.prev_before, None);
    assert_eq!(p1.next_after.as_deref(), Some(all[9].as_str()));
    let p2 = list(PageRequest {
        after: p1.next_after.clone(),
        before: None,
        size: 10,
    })
    .await;
    assert_eq!(ids(&p2.items), all[10..20]);
    assert_eq!(p2.prev_before.as_deref(), Some(all[10].as_str()));
    assert_eq!(p2.next_after.as_deref(), Some(all[19].as_str()));
    let p3 = list(PageRequest {
        after: p2.next_after.clone(),
        before: None,
        size: 10,
    })
    .await;
    assert_eq!(ids(&p3.items), all[20..25]);
    assert_eq!(p3.next_after, None, "nothing older");
    assert_eq!(p3.prev_before.as_deref(), Some(all[20].as_str()));

    let mut seen = HashSet::new();
    for page in [&p1, &p2, &p3] {
        for item in &page.items {
            assert!(seen.insert(item.id.clone()), "duplicate {}", item.id);
        }
    }
    assert_eq!(seen.len(), 25, "no gaps");

    // Backwards from the last page: the same pages again.
    let b2 = list(PageRequest {
        after: None,
        before: p3.prev_before.clone(),
        size: 10,
    })
    .await;
    assert_eq!(ids(&b2.items), all[10..20]);
    assert_eq!(b2.next_after.as_deref(), Some(all[19].as_str()));
    assert_eq!(b2.prev_before.as_deref(), Some(all[10].as_str()));
    let b1 = list(PageRequest {
        after: None,
        before: b2.prev_before.clone(),
        size: 10,
    })
    .await;
    assert_eq!(ids(&b1.items), all[0..10]);
    assert_eq!(b1.prev_before, None, "nothing newer");
    assert_eq!(b1.next_after.as_deref(), Some(all[9].as_str()));

    // A short page backwards from the middle.
    let short = list(PageRequest {
        after: None,
        before: Some(all[3].to_string()),
        size: 10,
    })
    .await;
    assert_eq!(ids(&short.items), all[0..3]);
    assert_eq!(short.prev_before, None);
    assert_eq!(short.next_after.as_deref(), Some(all[2].as_str()));
}

pub async fn inquiries_unknown_cursor_is_not_found(h: &Harness) {
    let store = h.open().await;
    let unknown: InquiryId = fixtures::id();
    for page in [
        PageRequest {
            after: Some(unknown.to_string()),
            before: None,
            size: 10,
        },
        PageRequest {
            after: None,
            before: Some(unknown.to_string()),
            size: 10,
        },
    ] {
        let result = store.list_inquiries(&InquiryFilter::default(), &page).await;
        assert!(
            matches!(
                result,
                Err(StoreError::NotFound {
                    what: "page cursor"
                })
            ),
            "{result:?}"
        );
    }
}

pub async fn inquiries_overdue_oldest_first(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW); // ttl 3600 s
    let ttl = 3_600_000;
    let mut ids = Vec::new();
    // Created at NOW, NOW+10, NOW+20, NOW+30: expiring at NOW+ttl+{0,10,20,30}.
    for n in 0..4 {
        let now = NOW + n * 10;
        let created = fixtures::create(&template, None, now);
        let mut inquiry = store
            .commit(fixtures::insert(created, now))
            .await
            .expect("create")
            .inquiry
            .expect("inquiry");
        match n {
            1 => {
                inquiry = store
                    .commit(fixtures::update(&inquiry, Command::Start, now))
                    .await
                    .expect("start")
                    .inquiry
                    .expect("inquiry");
            }
            2 => {
                // Expired inquiries are no longer open: never overdue again.
                store
                    .commit(fixtures::update(&inquiry, Command::Expire, now))
                    .await
                    .expect("expire");
            }
            _ => {}
        }
        ids.push(inquiry.id);
    }
    let overdue = |now, limit| {
        let store = store.clone();
        async move {
            store
                .overdue_inquiries(now, limit)
                .await
                .expect("overdue")
                .into_iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(overdue(NOW + ttl - 1, 10).await.is_empty());
    assert_eq!(overdue(NOW + ttl, 10).await, [ids[0].clone()], "inclusive");
    assert_eq!(
        overdue(NOW + ttl + 30, 10).await,
        [ids[0].clone(), ids[1].clone(), ids[3].clone()]
    );
    assert_eq!(
        overdue(NOW + ttl + 30, 2).await,
        [ids[0].clone(), ids[1].clone()]
    );
}

pub async fn accounts_list_and_filter(h: &Harness) {
    let store = h.open().await;
    let mut accounts = Vec::new();
    for reference in ["r0", "r1", "r2"] {
        let id = fixtures::id();
        store
            .commit(Change {
                account: Some(AccountLink {
                    reference_id: reference.into(),
                    new_id: id.clone(),
                }),
                ..Change::default()
            })
            .await
            .expect("create account");
        accounts.push(id);
    }
    let page = store
        .list_accounts(None, &first_page(2))
        .await
        .expect("list");
    let listed: Vec<_> = page.items.iter().map(|a| a.id.clone()).collect();
    assert_eq!(listed, [accounts[2].clone(), accounts[1].clone()]);
    assert_eq!(page.next_after.as_deref(), Some(accounts[1].as_str()));
    let rest = store
        .list_accounts(
            None,
            &PageRequest {
                after: page.next_after,
                before: None,
                size: 2,
            },
        )
        .await
        .expect("list");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, accounts[0]);

    let filtered = store
        .list_accounts(Some("r1"), &first_page(10))
        .await
        .expect("list");
    assert_eq!(filtered.items.len(), 1);
    assert_eq!(filtered.items[0].id, accounts[1]);
    assert_eq!(filtered.items[0].reference_id.as_deref(), Some("r1"));
    assert_eq!(
        store.account(&accounts[1]).await.expect("read"),
        Some(filtered.items[0].clone())
    );
    assert_eq!(store.account(&fixtures::id()).await.expect("read"), None);
}
