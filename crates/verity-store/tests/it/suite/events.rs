//! The event log: filters by name, inquiry and time; pagination; one event by id.

use serde_json::json;
use verity_core::event::EventName;
use verity_core::id::{EventId, InquiryId};
use verity_store::{Change, EventFilter, NewEvent, PageRequest, Store};

use super::first_page;
use crate::fixtures::{self, NOW};
use crate::harness::Harness;

fn event(name: EventName, inquiry: &InquiryId, at: i64) -> NewEvent {
    NewEvent {
        id: fixtures::id(),
        name,
        subject_id: inquiry.to_string(),
        inquiry_id: Some(inquiry.clone()),
        created_at: at,
        payload: json!({ "data": { "id": inquiry.to_string(), "n": at } }),
    }
}

async fn list(store: &dyn Store, filter: EventFilter) -> Vec<EventId> {
    let page = store
        .list_events(&filter, &first_page(100))
        .await
        .expect("list");
    page.items.into_iter().map(|e| e.id).collect()
}

pub async fn events_filters_and_pagination(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    let mut inquiries = Vec::new();
    for _ in 0..2 {
        let created = fixtures::create(&template, None, NOW);
        inquiries.push(created.inquiry.id.clone());
        store
            .commit(Change {
                events: Vec::new(),
                ..fixtures::insert(created, NOW)
            })
            .await
            .expect("create");
    }
    // Six events: alternating inquiries, alternating names, one millisecond apart.
    let mut written = Vec::new();
    for n in 0..6 {
        let name = if n % 2 == 0 {
            EventName::InquiryCreated
        } else {
            EventName::InquiryCompleted
        };
        written.push(event(name, &inquiries[n % 2], NOW + n as i64));
    }
    // The first three in one commit: sequence numbers follow the order given.
    store
        .commit(Change {
            events: written[..3].to_vec(),
            ..Change::default()
        })
        .await
        .expect("append");
    for e in &written[3..] {
        store
            .commit(Change {
                events: vec![e.clone()],
                ..Change::default()
            })
            .await
            .expect("append");
    }
    let ids_of = |indices: &[usize]| -> Vec<EventId> {
        indices.iter().map(|&i| written[i].id.clone()).collect()
    };

    assert_eq!(
        list(store.as_ref(), EventFilter::default()).await,
        ids_of(&[5, 4, 3, 2, 1, 0])
    );
    let by_name = EventFilter {
        name: Some(EventName::InquiryCompleted),
        ..EventFilter::default()
    };
    assert_eq!(list(store.as_ref(), by_name).await, ids_of(&[5, 3, 1]));
    let by_inquiry = EventFilter {
        inquiry_id: Some(inquiries[0].clone()),
        ..EventFilter::default()
    };
    assert_eq!(list(store.as_ref(), by_inquiry).await, ids_of(&[4, 2, 0]));
    let window = EventFilter {
        created_after: Some(NOW + 1),
        created_before: Some(NOW + 4),
        ..EventFilter::default()
    };
    assert_eq!(
        list(store.as_ref(), window).await,
        ids_of(&[3, 2]),
        "bounds exclusive"
    );

    let stored = store
        .event(&written[2].id)
        .await
        .expect("read")
        .expect("event");
    assert_eq!(stored.name, written[2].name);
    assert_eq!(stored.subject_id, written[2].subject_id);
    assert_eq!(stored.inquiry_id, written[2].inquiry_id);
    assert_eq!(stored.created_at, written[2].created_at);
    assert_eq!(stored.payload, written[2].payload);
    assert_eq!(store.event(&fixtures::id()).await.expect("read"), None);

    let all = store
        .list_events(&EventFilter::default(), &first_page(100))
        .await
        .expect("list");
    let seqs: Vec<i64> = all.items.iter().rev().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // Pagination with a filter: two pages of the three `completed` events.
    let by_name = EventFilter {
        name: Some(EventName::InquiryCompleted),
        ..EventFilter::default()
    };
    let p1 = store
        .list_events(&by_name, &first_page(2))
        .await
        .expect("page 1");
    assert_eq!(
        p1.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids_of(&[5, 3])
    );
    let p2 = store
        .list_events(
            &by_name,
            &PageRequest {
                after: p1.next_after.clone(),
                before: None,
                size: 2,
            },
        )
        .await
        .expect("page 2");
    assert_eq!(
        p2.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids_of(&[1])
    );
    assert_eq!(p2.next_after, None);
    let back = store
        .list_events(
            &by_name,
            &PageRequest {
                after: None,
                before: p2.prev_before.clone(),
                size: 2,
            },
        )
        .await
        .expect("back");
    assert_eq!(
        back.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids_of(&[5, 3])
    );
    assert_eq!(back.prev_before, None);
}
