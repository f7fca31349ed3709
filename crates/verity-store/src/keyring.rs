//! Key-encryption keys (KEKs) and the sealed formats (docs/encryption.md).
//!
//! A [`Keyring`] holds one or more KEKs, each with an id; the last one is current: new
//! data keys are wrapped with it, and `rewrap` moves every data key onto it. A KEK never
//! touches personal data itself: it only wraps the random data keys (one per inquiry, one
//! for the server) that seal the rows. The AEAD is XChaCha20-Poly1305 with a random
//! 24-byte nonce per sealed value, so nonces never repeat in practice.
//!
//! The text form of a keyring (a key file, or the `VERITY_ENCRYPTION_KEY` variable) is
//! one key a line, `ID BASE64-OF-32-BYTES`; `#` starts a comment; the last key is current.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;

const NONCE_LEN: usize = 24;

/// Why a keyring cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("line {line}: expected `ID BASE64KEY`")]
    Malformed { line: usize },
    #[error("line {line}: a key id is 1 to 32 letters, digits, `-` or `_`")]
    BadId { line: usize },
    #[error("line {line}: the key must be 32 bytes in base64")]
    BadKey { line: usize },
    #[error("key id `{0}` appears twice")]
    DuplicateId(String),
    #[error("no key in the keyring")]
    Empty,
}

/// 32 secret bytes. Debug never prints them.
#[derive(Clone)]
pub(crate) struct SecretKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    pub(crate) fn random() -> SecretKey {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        SecretKey(key)
    }

    /// `nonce || ciphertext+tag` of `plain`, bound to `aad`.
    pub(crate) fn seal(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&self.0));
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload { msg: plain, aad };
        // Encryption fails only for messages beyond the cipher's 256 GiB limit.
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of [`SecretKey::seal`]'s output; `None` if it was altered, sealed
    /// for another `aad`, or with another key.
    pub(crate) fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&self.0));
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
            .ok()
    }
}

/// The KEKs, oldest first; the last is current.
#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Vec<(String, SecretKey)>,
}

impl Keyring {
    /// Parses the text form (see the module docs).
    pub fn parse(text: &str) -> Result<Keyring, KeyringError> {
        let mut keys: Vec<(String, SecretKey)> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or_default().trim();
            if content.is_empty() {
                continue;
            }
            let mut parts = content.split_whitespace();
            let (Some(id), Some(key), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(KeyringError::Malformed { line });
            };
            if !valid_id(id) {
                return Err(KeyringError::BadId { line });
            }
            let bytes = B64.decode(key).map_err(|_| KeyringError::BadKey { line })?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| KeyringError::BadKey { line })?;
            if keys.iter().any(|(known, _)| known == id) {
                return Err(KeyringError::DuplicateId(id.to_owned()));
            }
            keys.push((id.to_owned(), SecretKey(key)));
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Keyring { keys })
    }

    /// A keyring of one fresh random key that exists only in this process: for tests
    /// and throwaway stores (data sealed with it is lost with the process).
    pub fn ephemeral() -> Keyring {
        Keyring {
            keys: vec![("ephemeral".into(), SecretKey::random())],
        }
    }

    /// One line of the text form with a fresh random key: `ID BASE64`.
    pub fn generate_line(id: &str) -> String {
        format!("{id} {}", B64.encode(SecretKey::random().0))
    }

    /// The current key's id.
    pub fn current_id(&self) -> &str {
        self.keys.last().map_or("", |(id, _)| id.as_str())
    }

    /// Every key id, oldest first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    pub(crate) fn current(&self) -> Option<&SecretKey> {
        self.keys.last().map(|(_, key)| key)
    }

    pub(crate) fn key(&self, id: &str) -> Option<&SecretKey> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key)
    }
}

fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_several_keys_and_the_last_is_current() {
        let text = format!(
            "# rotated keys\n{}\n\n{}  # newest\n",
            Keyring::generate_line("k1"),
            Keyring::generate_line("k2")
        );
        let ring = Keyring::parse(&text).expect("parses");
        assert_eq!(ring.ids(), vec!["k1", "k2"]);
        assert_eq!(ring.current_id(), "k2");
    }

    #[test]
    fn refuses_bad_lines() {
        assert_eq!(
            Keyring::parse("# nothing\n").err(),
            Some(KeyringError::Empty)
        );
        assert_eq!(
            Keyring::parse("k1").err(),
            Some(KeyringError::Malformed { line: 1 })
        );
        assert_eq!(
            Keyring::parse("k1 c2hvcnQ=").err(),
            Some(KeyringError::BadKey { line: 1 })
        );
        let line = Keyring::generate_line("k1");
        assert!(matches!(
            Keyring::parse(&format!("{line}\n{line}")),
            Err(KeyringError::DuplicateId(_))
        ));
        assert_eq!(
            Keyring::parse(&line.replace("k1", "k 1")).err(),
            Some(KeyringError::Malformed { line: 1 })
        );
    }

    #[test]
    fn sealed_values_open_only_unchanged_with_their_key_and_aad() {
        let key = SecretKey::random();
        let sealed = key.seal(b"personal", b"inq_1");
        assert_eq!(
            key.open(&sealed, b"inq_1").as_deref(),
            Some(&b"personal"[..])
        );
        assert!(key.open(&sealed, b"inq_2").is_none(), "bound to its row");
        assert!(SecretKey::random().open(&sealed, b"inq_1").is_none());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(key.open(&flipped, b"inq_1").is_none(), "tamper is detected");
        assert!(!sealed.windows(8).any(|w| w == b"personal"));
    }
}
