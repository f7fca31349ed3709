//! Bearer secrets (session tokens, API keys, one-time codes): random, shown once,
//! stored as SHA-256 and compared by hash.
//!
//! A lookup by hash is safe against timing attacks on the secret itself: an attacker
//! who does not know the secret cannot steer its hash. Where a stored hash is compared
//! against a computed one, [`hashes_equal`] compares in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A secret and the hash to store for it.
pub struct Secret {
    /// Shown to its owner once; never stored or logged.
    pub plaintext: String,
    /// Hex SHA-256 of `plaintext`.
    pub hash: String,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// Draws a secret `prefix` + 32 random bytes as URL-safe hex-free base62 (≈ 256 bits).
pub fn generate(prefix: &str, rng: &mut impl RngCore) -> Secret {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut plaintext = String::with_capacity(prefix.len() + 43);
    plaintext.push_str(prefix);
    let mut produced = 0;
    while produced < 43 {
        let mut buf = [0u8; 64];
        rng.fill_bytes(&mut buf);
        for byte in buf {
            if byte < 248 && produced < 43 {
                plaintext.push(ALPHABET[usize::from(byte % 62)] as char);
                produced += 1;
            }
        }
    }
    let hash = hash(&plaintext);
    Secret { plaintext, hash }
}

/// Hex SHA-256 of a presented secret, for lookup.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time equality of two hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn secrets_are_prefixed_random_and_hashed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let a = generate("vk_", &mut rng);
        let b = generate("vk_", &mut rng);
        assert!(a.plaintext.starts_with("vk_"));
        assert_eq!(a.plaintext.len(), 46);
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(a.hash, hash(&a.plaintext));
        assert!(hashes_equal(&a.hash, &hash(&a.plaintext)));
        assert!(!hashes_equal(&a.hash, &b.hash));
        assert!(!format!("{a:?}").contains(&a.plaintext));
    }
}
