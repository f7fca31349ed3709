//! Where the key-encryption keys come from (docs/encryption.md): `encryption_key`
//! (normally set as `VERITY_ENCRYPTION_KEY`) if set, else the keyring file
//! `encryption_key_file` (default `<data_dir>/encryption.keys`), generated on first start.
//! `verity keys rotate` appends a new key to that file (here) and re-wraps every data key.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::RngCore;
use verity_store::Keyring;

use crate::config::Config;

/// The configured keyring and, when its file was just created, where.
pub struct Loaded {
    pub keyring: Keyring,
    pub generated: Option<PathBuf>,
}

/// The keyring file this configuration names.
pub fn key_file(config: &Config) -> PathBuf {
    if config.encryption_key_file.is_empty() {
        config.data_dir.join("encryption.keys")
    } else {
        PathBuf::from(&config.encryption_key_file)
    }
}

/// Loads the keyring; creates its file with one fresh key if neither the variable nor the
/// file exists.
pub fn load(config: &Config) -> anyhow::Result<Loaded> {
    if !config.encryption_key.is_empty() {
        let keyring = Keyring::parse(&config.encryption_key)
            .context("encryption_key (VERITY_ENCRYPTION_KEY)")?;
        return Ok(Loaded {
            keyring,
            generated: None,
        });
    }
    let path = key_file(config);
    if path.exists() {
        return Ok(Loaded {
            keyring: read(&path)?,
            generated: None,
        });
    }
    let text = format!(
        "# Verity key-encryption keys: one `ID BASE64` a line, the last is current.\n\
         # Back this file up apart from the database: without it no sealed data can be read.\n{}\n",
        Keyring::generate_line(&new_id(1))
    );
    write_private(&path, &text, true)?;
    Ok(Loaded {
        keyring: read(&path)?,
        generated: Some(path),
    })
}

fn read(path: &Path) -> anyhow::Result<Keyring> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the keyring {}", path.display()))?;
    Keyring::parse(&text).with_context(|| format!("keyring {}", path.display()))
}

/// `k<n>-<8 hex>`: numbered for people, random so a key generated to replace a lost one
/// never shares the lost one's id.
fn new_id(n: usize) -> String {
    format!("k{n}-{:08x}", rand::rngs::OsRng.next_u32())
}

/// Writes `text` to `path` readable by its owner only; `create_new` refuses to replace a
/// file. Through a temporary file and a rename, so a crash never leaves half a keyring.
fn write_private(path: &Path, text: &str, create_new: bool) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating directory {}", parent.display()))?;
    }
    let temporary = path.with_extension("keys.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("writing {}", temporary.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    if create_new && path.exists() {
        std::fs::remove_file(&temporary)?;
        anyhow::bail!("{} appeared while it was being created", path.display());
    }
    std::fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// The first half of `verity keys rotate`: appends a new current key to the keyring file
/// and returns its id and the file. The caller then re-wraps every data key with it
/// (`Store::rewrap_data_keys`, as `verity keys rewrap` does): the file first, so if
/// re-wrapping stops half-way both keys are there to read with.
pub fn append_new_key(config: &Config) -> anyhow::Result<(String, PathBuf)> {
    if !config.encryption_key.is_empty() {
        anyhow::bail!(
            "the keyring comes from VERITY_ENCRYPTION_KEY: append a new `ID BASE64` line there \
             (32 random bytes), restart, then run `verity keys rewrap`"
        );
    }
    let path = key_file(config);
    let current = read(&path)?;
    let id = new_id(current.ids().len() + 1);
    let mut text = std::fs::read_to_string(&path)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&Keyring::generate_line(&id));
    text.push('\n');
    write_private(&path, &text, false)?;
    Ok((id, path))
}
