//! Opening, migrating, pinging, reopening.

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

pub async fn lifecycle_ping_backend_and_idempotent_migrate(h: &Harness) {
    let store = h.open().await;
    assert_eq!(store.backend(), h.backend());
    store.ping().await.expect("ping");
    // Already migrated by open; running again changes nothing and does not fail.
    store.migrate().await.expect("second migrate");
    store.migrate().await.expect("third migrate");
}

pub async fn lifecycle_concurrent_first_start(h: &Harness) {
    // Several processes starting at once on an empty database must all come up with one
    // schema (PostgreSQL: sqlx's migrator holds an advisory lock while migrating).
    let stores = futures::future::join_all((0..4).map(|_| h.open())).await;
    let template = fixtures::template("shared", NOW);
    stores[0]
        .insert_template(&template)
        .await
        .expect("insert via first");
    for store in &stores {
        let found = store.template(&template.id).await.expect("read");
        assert_eq!(found.as_ref(), Some(&template));
    }
}

pub async fn lifecycle_data_survives_reopen(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("kept", NOW);
    store.insert_template(&template).await.expect("insert");
    let created = fixtures::create(&template, Some("user-1"), NOW);
    let id = created.inquiry.id.clone();
    let committed = store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("commit");
    drop(store);

    let store = h.open().await;
    assert_eq!(
        store.inquiry(&id).await.expect("read"),
        committed.inquiry,
        "the inquiry is there after reopening"
    );
    assert_eq!(
        store.template(&template.id).await.expect("read"),
        Some(template)
    );
    assert_eq!(super::events_of(store.as_ref(), &id).await.len(), 1);
}
