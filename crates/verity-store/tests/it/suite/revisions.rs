//! Optimistic revisions of templates and webhook endpoints: a read-modify-write names the
//! revision it read and loses with `Conflict` if another came first, so ten concurrent
//! updaters (retrying on conflict) keep all ten changes. Published versions are rows of
//! their own and stay readable by id.

use std::collections::HashSet;
use std::sync::Arc;

use verity_core::id::{InquiryTemplateVersionId, TemplateId, WebhookId};
use verity_store::{Store, StoreError, Subscription, Webhook, WebhookStatus};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

const UPDATERS: i64 = 10;

fn webhook() -> Webhook {
    Webhook {
        id: fixtures::id(),
        url: "https://example.com/hook".into(),
        status: WebhookStatus::Enabled,
        events: Subscription::All,
        blocklist: vec![],
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        disabled_reason: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

/// Publishes one new version of template `id`, re-reading after each conflict; returns
/// the version's id.
async fn publish(store: Arc<dyn Store>, id: TemplateId, at: i64) -> InquiryTemplateVersionId {
    let version: InquiryTemplateVersionId = fixtures::id();
    loop {
        let read = store.template_for_update(&id).await.expect("read");
        let mut template = read.as_ref().expect("template exists").value.clone();
        template
            .publish(version.clone(), at)
            .expect("valid definition");
        let revision = read.expect("template exists").revision;
        match store.update_template_if(&template, revision).await {
            Ok(new) => {
                assert!(new > revision, "the revision moves on");
                return version;
            }
            Err(StoreError::Conflict) => continue,
            Err(err) => panic!("publish: {err}"),
        }
    }
}

pub async fn revisions_concurrent_template_publishes_keep_every_version(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    store.insert_template(&template).await.expect("insert");
    let tasks: Vec<_> = (0..UPDATERS)
        .map(|i| tokio::spawn(publish(store.clone(), template.id.clone(), NOW + 1 + i)))
        .collect();
    let mut published = HashSet::new();
    for task in tasks {
        published.insert(task.await.expect("updater"));
    }

    let stored = store.template_for_update(&template.id).await.expect("read");
    let stored = stored.expect("template exists");
    assert_eq!(stored.revision, UPDATERS, "one revision per publish");
    let kept: HashSet<_> = stored.value.versions.iter().map(|v| v.id.clone()).collect();
    assert_eq!(kept.len(), 1 + UPDATERS as usize, "no version lost");
    assert!(published.is_subset(&kept));
    for version in &published {
        let row = store.template_version(version).await.expect("version");
        assert_eq!(row.as_ref(), stored.value.version(version), "row matches");
        let owner = store
            .template_by_version(version)
            .await
            .expect("by version");
        assert_eq!(owner.map(|t| t.id), Some(template.id.clone()));
    }
}

pub async fn revisions_stale_template_update_conflicts_and_versions_survive(h: &Harness) {
    let store = h.open().await;
    let template = fixtures::template("t", NOW);
    store.insert_template(&template).await.expect("insert");
    let read = store.template_for_update(&template.id).await.expect("read");
    let read = read.expect("template exists");
    assert_eq!(read.revision, 0);

    let mut first = read.value.clone();
    let v2: InquiryTemplateVersionId = fixtures::id();
    first.publish(v2.clone(), NOW + 1).expect("publish");
    assert_eq!(store.update_template_if(&first, 0).await.expect("first"), 1);
    let mut second = read.value.clone();
    second.name = "renamed".into();
    let lost = store.update_template_if(&second, 0).await;
    assert!(matches!(lost, Err(StoreError::Conflict)), "{lost:?}");
    let stored = store.template(&template.id).await.expect("read");
    assert_eq!(stored.as_ref(), Some(&first), "the loser wrote nothing");

    // An unconditional writer that never saw v2 drops it from the document; the
    // version's own row keeps it readable, also through its template.
    store.update_template(&second).await.expect("blind update");
    let row = store.template_version(&v2).await.expect("version");
    assert_eq!(row.as_ref(), first.version(&v2));
    let owner = store.template_by_version(&v2).await.expect("by version");
    assert_eq!(owner.and_then(|t| t.version(&v2).cloned()), row);

    let mut unknown = fixtures::template("u", NOW);
    unknown.name = "never inserted".into();
    let missing = store.update_template_if(&unknown, 0).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
}

/// Adds `attribute` to endpoint `id`'s blocklist, re-reading after each conflict.
async fn block(store: Arc<dyn Store>, id: WebhookId, attribute: String) {
    loop {
        let read = store.webhook_for_update(&id).await.expect("read");
        let read = read.expect("endpoint exists");
        let mut webhook = read.value.clone();
        webhook.blocklist.push(attribute.clone());
        match store.update_webhook_if(&webhook, read.revision).await {
            Ok(_) => return,
            Err(StoreError::Conflict) => continue,
            Err(err) => panic!("update: {err}"),
        }
    }
}

pub async fn revisions_concurrent_webhook_updates_keep_every_change(h: &Harness) {
    let store = h.open().await;
    let endpoint = webhook();
    store.insert_webhook(&endpoint).await.expect("insert");
    let tasks: Vec<_> = (0..UPDATERS)
        .map(|i| {
            tokio::spawn(block(
                store.clone(),
                endpoint.id.clone(),
                format!("attr-{i}"),
            ))
        })
        .collect();
    for task in tasks {
        task.await.expect("updater");
    }
    let stored = store.webhook_for_update(&endpoint.id).await.expect("read");
    let stored = stored.expect("endpoint exists");
    assert_eq!(stored.revision, UPDATERS);
    let blocked: HashSet<_> = stored.value.blocklist.iter().cloned().collect();
    let expected: HashSet<_> = (0..UPDATERS).map(|i| format!("attr-{i}")).collect();
    assert_eq!(blocked, expected, "no update lost");

    let stale = store.update_webhook_if(&endpoint, 0).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let unknown = store.update_webhook_if(&webhook(), 0).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );
    // Unconditional updates count as revisions too, so a reader before one conflicts.
    store.update_webhook(&stored.value).await.expect("update");
    let after = store
        .update_webhook_if(&stored.value, stored.revision)
        .await;
    assert!(matches!(after, Err(StoreError::Conflict)), "{after:?}");
}
