//! What the subcommands and the server share at start: opening the configured store,
//! the wall clock, minting an API key.

use anyhow::Context;

use crate::config::Config;

pub async fn open_store(
    config: &Config,
) -> anyhow::Result<std::sync::Arc<dyn verity_store::Store>> {
    if config.database_url.is_empty() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let loaded = crate::keys::load(config)?;
    if let Some(path) = &loaded.generated {
        let message = format!(
            "generated a new encryption key file at {}: BACK IT UP apart from the database; \
             without it the encrypted data cannot be read (docs/encryption.md)",
            path.display()
        );
        tracing::warn!("{message}");
        // Subcommands log nowhere; their stdout is for their answer.
        if !tracing::dispatcher::has_been_set() {
            eprintln!("warning: {message}");
        }
    }
    verity_store::open(&config.effective_database_url(), loaded.keyring)
        .await
        .with_context(|| format!("opening database {}", config.database_for_log()))
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Creates an API key and returns its secret, which is not stored anywhere.
pub async fn create_api_key(store: &dyn verity_store::Store, name: &str) -> anyhow::Result<String> {
    let (key, secret) = verity_app::admin::new_api_key(name, now());
    store.insert_api_key(&key).await?;
    Ok(secret)
}
