//! Templates: insert, update, lookups, listing.

use verity_store::StoreError;

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

pub async fn templates_insert_update_and_lookup(h: &Harness) {
    let store = h.open().await;
    let mut template = fixtures::template("KYC", NOW);
    store.insert_template(&template).await.expect("insert");

    let again = store.insert_template(&template).await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { what: "template" })),
        "{again:?}"
    );
    assert_eq!(
        store.template(&template.id).await.expect("read"),
        Some(template.clone())
    );
    let first_version = template.versions[0].id.clone();
    assert_eq!(
        store
            .template_by_version(&first_version)
            .await
            .expect("by version"),
        Some(template.clone())
    );

    // Publishing a second version and renaming: both versions lead to the new state.
    template.name = "KYC v2".into();
    template
        .publish(fixtures::id(), NOW + 1000)
        .expect("publish");
    store.update_template(&template).await.expect("update");
    let second_version = template.versions[1].id.clone();
    for version in [&first_version, &second_version] {
        assert_eq!(
            store.template_by_version(version).await.expect("lookup"),
            Some(template.clone())
        );
    }
    assert_eq!(
        store.template(&template.id).await.expect("read"),
        Some(template.clone())
    );

    let unknown = fixtures::template("never stored", NOW);
    let missing = store.update_template(&unknown).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { what: "template" })),
        "{missing:?}"
    );
    assert_eq!(store.template(&unknown.id).await.expect("read"), None);
    assert_eq!(
        store
            .template_by_version(&unknown.versions[0].id)
            .await
            .expect("lookup"),
        None,
        "a failed update records no versions"
    );
}

pub async fn templates_list_newest_first(h: &Harness) {
    let store = h.open().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let template = fixtures::template(&format!("t{n}"), NOW + n);
        store.insert_template(&template).await.expect("insert");
        ids.push(template.id);
    }
    ids.reverse();
    let page = store
        .list_templates(&super::first_page(2))
        .await
        .expect("list");
    let listed: Vec<_> = page.items.iter().map(|t| t.id.clone()).collect();
    assert_eq!(listed, ids[..2]);
    assert_eq!(page.next_after.as_deref(), Some(ids[1].as_str()));
    assert_eq!(page.prev_before, None);
    let rest = store
        .list_templates(&verity_store::PageRequest {
            after: page.next_after,
            before: None,
            size: 2,
        })
        .await
        .expect("list");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, ids[2]);
    assert_eq!(rest.next_after, None);
    assert_eq!(rest.prev_before.as_deref(), Some(ids[2].as_str()));
}
