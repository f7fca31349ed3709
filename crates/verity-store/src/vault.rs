//! Envelope encryption of the rows that hold personal data (docs/encryption.md).
//!
//! Each inquiry has a random data key, stored in `data_keys` wrapped by the keyring's
//! current KEK; rows that belong to no inquiry, and an inquiry's rows once its key is
//! destroyed (redaction) or if it never had one (created before encryption), are sealed
//! with the server's data key (`owner = 'server'`). A sealed value names which of the
//! two sealed it and is bound (AEAD associated data) to its inquiry, so it cannot be
//! moved to another inquiry's row unnoticed.
//!
//! Invariants: a value is opened or an error (`StoreError::Undecryptable`) is returned,
//! never altered bytes; a destroyed data key is never cached again in this process, so
//! after a redaction commits nothing here can open what that key sealed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::exec::{args, Exec};
use crate::keyring::{Keyring, SecretKey};
use crate::StoreError;

/// The owner of the server-wide data key.
const SERVER: &str = "server";
/// Sealed text: `sealed:1:` + `i` (inquiry key) or `s` (server key) + `:` + base64.
const TEXT_PREFIX: &str = "sealed:1:";
/// Sealed bytes: this magic, then `i` or `s`, then nonce and ciphertext.
const BYTES_MAGIC: &[u8] = b"\0VS1";
/// How a row written before encryption (plain JSON) begins.
const JSON_STARTS: [char; 2] = ['{', '['];
/// Unwrapped data keys kept in memory; past this the cache starts over.
const CACHE_LIMIT: usize = 10_000;

/// Which data key sealed a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sealer {
    Inquiry,
    Server,
}

impl Sealer {
    fn tag(self) -> u8 {
        match self {
            Sealer::Inquiry => b'i',
            Sealer::Server => b's',
        }
    }

    fn from_tag(tag: u8) -> Option<Sealer> {
        match tag {
            b'i' => Some(Sealer::Inquiry),
            b's' => Some(Sealer::Server),
            _ => None,
        }
    }
}

/// The keyring plus this process's cache of unwrapped data keys.
#[derive(Debug)]
pub struct Vault {
    keyring: Keyring,
    cache: Mutex<HashMap<String, Arc<SecretKey>>>,
    /// Inquiries whose data key is being or was destroyed by this process.
    destroyed: Mutex<HashSet<String>>,
}

fn undecryptable(what: &str, why: &str) -> StoreError {
    StoreError::Undecryptable(format!("{what}: {why}"))
}

impl Vault {
    pub(crate) fn new(keyring: Keyring) -> Vault {
        Vault {
            keyring,
            cache: Mutex::default(),
            destroyed: Mutex::default(),
        }
    }

    fn is_destroyed(&self, owner: &str) -> bool {
        let destroyed = self
            .destroyed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        destroyed.contains(owner)
    }

    fn cached(&self, owner: &str) -> Option<Arc<SecretKey>> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(owner).cloned()
    }

    fn remember(&self, owner: &str, key: Arc<SecretKey>) {
        if self.is_destroyed(owner) {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(owner.to_owned(), key);
    }

    /// `owner`'s data key, unwrapped; `None` if it has none (any more).
    async fn data_key<E: Exec>(
        &self,
        ex: &mut E,
        owner: &str,
    ) -> Result<Option<Arc<SecretKey>>, StoreError> {
        if let Some(key) = self.cached(owner) {
            return Ok(Some(key));
        }
        let row: Option<(String, Vec<u8>)> = ex
            .fetch_optional(
                "SELECT kek_id, wrapped FROM data_keys WHERE owner = $1",
                args![owner],
            )
            .await?;
        let Some((kek_id, wrapped)) = row else {
            return Ok(None);
        };
        let key = Arc::new(self.unwrap_key(owner, &kek_id, &wrapped)?);
        self.remember(owner, key.clone());
        Ok(Some(key))
    }

    fn unwrap_key(
        &self,
        owner: &str,
        kek_id: &str,
        wrapped: &[u8],
    ) -> Result<SecretKey, StoreError> {
        let kek = self
            .keyring
            .key(kek_id)
            .ok_or_else(|| StoreError::MissingKek(kek_id.to_owned()))?;
        let what = format!("data key of {owner}");
        let plain = kek.open(wrapped, owner.as_bytes()).ok_or_else(|| {
            let why = format!("it does not unwrap with key-encryption key `{kek_id}`");
            undecryptable(&what, &why)
        })?;
        let key: [u8; 32] = plain
            .try_into()
            .map_err(|_| undecryptable(&what, "wrong length"))?;
        Ok(SecretKey(key))
    }

    fn wrap_key(&self, owner: &str, key: &SecretKey) -> Result<Vec<u8>, StoreError> {
        let kek = self
            .keyring
            .current()
            .ok_or(StoreError::MissingKek(String::new()))?;
        Ok(kek.seal(&key.0, owner.as_bytes()))
    }

    /// Gives `owner` a fresh data key (inside the transaction that creates its rows).
    async fn create_key<E: Exec>(
        &self,
        ex: &mut E,
        owner: &str,
        now: i64,
    ) -> Result<Arc<SecretKey>, StoreError> {
        let key = Arc::new(SecretKey::random());
        ex.execute(
            "INSERT INTO data_keys (owner, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner) DO NOTHING",
            args![
                owner,
                self.keyring.current_id(),
                self.wrap_key(owner, &key)?,
                now
            ],
        )
        .await?;
        // Another process may have won the insert (only the server key is ever shared).
        if let Some(stored) = self.data_key_uncached(ex, owner).await? {
            self.remember(owner, stored.clone());
            return Ok(stored);
        }
        Err(undecryptable(owner, "its new data key was not stored"))
    }

    async fn data_key_uncached<E: Exec>(
        &self,
        ex: &mut E,
        owner: &str,
    ) -> Result<Option<Arc<SecretKey>>, StoreError> {
        let row: Option<(String, Vec<u8>)> = ex
            .fetch_optional(
                "SELECT kek_id, wrapped FROM data_keys WHERE owner = $1",
                args![owner],
            )
            .await?;
        row.map(|(kek, wrapped)| self.unwrap_key(owner, &kek, &wrapped).map(Arc::new))
            .transpose()
    }

    /// A new inquiry's data key, written in the transaction that inserts the inquiry.
    pub(crate) async fn create_inquiry_key<E: Exec>(
        &self,
        ex: &mut E,
        inquiry_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.create_key(ex, inquiry_id, now).await.map(drop)
    }

    async fn server_key<E: Exec>(&self, ex: &mut E) -> Result<Arc<SecretKey>, StoreError> {
        match self.data_key(ex, SERVER).await? {
            Some(key) => Ok(key),
            None => self.create_key(ex, SERVER, 0).await,
        }
    }

    /// The key new values of `inquiry`'s rows are sealed with.
    async fn sealing_key<E: Exec>(
        &self,
        ex: &mut E,
        inquiry: Option<&str>,
    ) -> Result<(Sealer, Arc<SecretKey>), StoreError> {
        if let Some(id) = inquiry.filter(|id| !self.is_destroyed(id)) {
            if let Some(key) = self.data_key(ex, id).await? {
                return Ok((Sealer::Inquiry, key));
            }
        }
        Ok((Sealer::Server, self.server_key(ex).await?))
    }

    async fn opening_key<E: Exec>(
        &self,
        ex: &mut E,
        sealer: Sealer,
        inquiry: Option<&str>,
        what: &str,
    ) -> Result<Arc<SecretKey>, StoreError> {
        let found = match (sealer, inquiry) {
            (Sealer::Server, _) => self.data_key(ex, SERVER).await?,
            (Sealer::Inquiry, Some(id)) => self.data_key(ex, id).await?,
            (Sealer::Inquiry, None) => None,
        };
        found.ok_or_else(|| {
            undecryptable(
                what,
                "the data key that sealed it no longer exists (redacted)",
            )
        })
    }

    /// `plain` sealed for a row of `inquiry` (or of none).
    pub(crate) async fn seal_bytes<E: Exec>(
        &self,
        ex: &mut E,
        inquiry: Option<&str>,
        plain: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let (sealer, key) = self.sealing_key(ex, inquiry).await?;
        let mut out = BYTES_MAGIC.to_vec();
        out.push(sealer.tag());
        out.extend(key.seal(plain, inquiry.unwrap_or_default().as_bytes()));
        Ok(out)
    }

    /// The plaintext of a value [`Vault::seal_bytes`] made for `inquiry`'s row.
    pub(crate) async fn open_bytes<E: Exec>(
        &self,
        ex: &mut E,
        inquiry: Option<&str>,
        what: &str,
        stored: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let (sealer, body) = match stored.strip_prefix(BYTES_MAGIC) {
            Some([tag, body @ ..]) => (Sealer::from_tag(*tag), body),
            _ => (None, stored),
        };
        let sealer = sealer.ok_or_else(|| undecryptable(what, "it is not sealed"))?;
        let key = self.opening_key(ex, sealer, inquiry, what).await?;
        key.open(body, inquiry.unwrap_or_default().as_bytes())
            .ok_or_else(|| undecryptable(what, "authentication failed (altered, or another key)"))
    }

    /// Text (JSON) sealed as ASCII, so TEXT columns keep their type on both backends.
    pub(crate) async fn seal_text<E: Exec>(
        &self,
        ex: &mut E,
        inquiry: Option<&str>,
        plain: &str,
    ) -> Result<String, StoreError> {
        let (sealer, key) = self.sealing_key(ex, inquiry).await?;
        let sealed = key.seal(plain.as_bytes(), inquiry.unwrap_or_default().as_bytes());
        Ok(format!(
            "{TEXT_PREFIX}{}:{}",
            char::from(sealer.tag()),
            B64.encode(sealed)
        ))
    }

    /// The plaintext of [`Vault::seal_text`]'s value. A row written before encryption
    /// (plain JSON, which never starts like a sealed value) is returned as it is.
    pub(crate) async fn open_text<E: Exec>(
        &self,
        ex: &mut E,
        inquiry: Option<&str>,
        what: &str,
        stored: &str,
    ) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(TEXT_PREFIX) else {
            return if stored.starts_with(JSON_STARTS) {
                Ok(stored.to_owned())
            } else {
                Err(undecryptable(what, "it is neither sealed nor JSON"))
            };
        };
        let (tag, body) = rest.split_once(':').unwrap_or_default();
        let sealer = tag
            .bytes()
            .next()
            .filter(|_| tag.len() == 1)
            .and_then(Sealer::from_tag)
            .ok_or_else(|| undecryptable(what, "unknown sealing key"))?;
        let sealed = B64
            .decode(body)
            .map_err(|_| undecryptable(what, "the sealed value is not base64"))?;
        let key = self.opening_key(ex, sealer, inquiry, what).await?;
        let plain = key
            .open(&sealed, inquiry.unwrap_or_default().as_bytes())
            .ok_or_else(|| {
                undecryptable(what, "authentication failed (altered, or another key)")
            })?;
        String::from_utf8(plain).map_err(|_| undecryptable(what, "not UTF-8"))
    }

    /// From now on, `inquiry`'s new values are sealed with the server key; its own data key
    /// is deleted by [`Vault::destroy`] in the same transaction.
    pub(crate) fn begin_destroy(&self, inquiry: &str) {
        let mut destroyed = self
            .destroyed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        destroyed.insert(inquiry.to_owned());
    }

    /// Deletes `inquiry`'s data key: what it sealed can no longer be opened.
    pub(crate) async fn destroy<E: Exec>(
        &self,
        ex: &mut E,
        inquiry: &str,
    ) -> Result<(), StoreError> {
        self.begin_destroy(inquiry);
        ex.execute("DELETE FROM data_keys WHERE owner = $1", args![inquiry])
            .await?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.remove(inquiry);
        Ok(())
    }

    /// Re-wraps every data key not wrapped by the current KEK; the sealed rows stay as
    /// they are. Returns how many were re-wrapped.
    pub(crate) async fn rewrap<E: Exec>(&self, ex: &mut E) -> Result<u64, StoreError> {
        let current = self.keyring.current_id().to_owned();
        let rows: Vec<(String, String, Vec<u8>)> = ex
            .fetch_all(
                "SELECT owner, kek_id, wrapped FROM data_keys WHERE kek_id <> $1",
                args![current.as_str()],
            )
            .await?;
        let mut count = 0;
        for (owner, kek_id, wrapped) in rows {
            let key = self.unwrap_key(&owner, &kek_id, &wrapped)?;
            count += ex
                .execute(
                    "UPDATE data_keys SET kek_id = $2, wrapped = $3 WHERE owner = $1 AND kek_id = $4",
                    args![owner.as_str(), current.as_str(), self.wrap_key(&owner, &key)?, kek_id],
                )
                .await?;
        }
        Ok(count)
    }

    /// Fails with `MissingKek` if a stored data key is wrapped by a KEK the keyring lacks,
    /// and with `Undecryptable` if one data key per KEK does not unwrap (a key under a
    /// known id but with other bytes), so a wrong keyring is found at start, not at a read.
    pub(crate) async fn check<E: Exec>(&self, ex: &mut E) -> Result<(), StoreError> {
        let samples: Vec<(String, String, Vec<u8>)> = ex
            .fetch_all(
                "SELECT owner, kek_id, wrapped FROM data_keys WHERE owner IN \
                 (SELECT MIN(owner) FROM data_keys GROUP BY kek_id)",
                args![],
            )
            .await?;
        for (owner, kek_id, wrapped) in samples {
            self.unwrap_key(&owner, &kek_id, &wrapped)?;
        }
        Ok(())
    }
}

/// Whether `stored` has the sealed form of [`Vault::seal_bytes`].
pub(crate) fn is_sealed_bytes(stored: &[u8]) -> bool {
    stored.starts_with(BYTES_MAGIC)
}
