//! `verity_store::open`: the one seam where a URL picks the backend.

use verity_store::StoreError;

#[tokio::test]
async fn sqlite_url_opens_and_migrates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested").join("v.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = verity_store::open(&url, verity_store::Keyring::ephemeral())
        .await
        .expect("open");
    assert_eq!(store.backend(), "sqlite");
    store.ping().await.expect("ping");
    assert!(path.exists());
}

#[tokio::test]
async fn unknown_scheme_is_unsupported() {
    let err = verity_store::open("mysql://localhost/x", verity_store::Keyring::ephemeral())
        .await
        .err();
    assert!(
        matches!(&err, Some(StoreError::Unsupported(msg)) if msg.contains("mysql")),
        "{err:?}"
    );
}

#[tokio::test]
async fn in_memory_sqlite_is_refused() {
    // Separate reader and writer pools would each see their own empty database.
    let err = verity_store::open("sqlite::memory:", verity_store::Keyring::ephemeral())
        .await
        .err();
    assert!(matches!(err, Some(StoreError::Unsupported(_))), "{err:?}");
}
