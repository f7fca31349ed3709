//! The endpoint secret: `whsec_<base64 of 24–64 random bytes>`, shown to its owner once.
//!
//! Invariant: a [`Secret`] always holds a well-formed string whose decoded key is 24–64 bytes,
//! so signing can never fail. Generation takes its randomness as an argument (no global RNG).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore;

/// A webhook endpoint's signing secret. See the crate docs for which key each format uses.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// `whsec_` + standard base64 (with padding) of `key`; the Persona-Signature key.
    shown: String,
    /// The decoded bytes; the Standard Webhooks key.
    key: Vec<u8>,
}

/// Why a string or byte slice is not a valid [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The string does not start with `whsec_`.
    #[error("a webhook secret starts with `whsec_`")]
    MissingPrefix,
    /// The part after `whsec_` is not standard base64.
    #[error("the part after `whsec_` is not valid base64")]
    InvalidBase64,
    /// The key is shorter than 24 or longer than 64 bytes.
    #[error("a webhook secret holds 24 to 64 bytes, not {0}")]
    WrongLength(usize),
}

impl Secret {
    /// The prefix every secret carries.
    pub const PREFIX: &'static str = "whsec_";
    /// Shortest key the Standard Webhooks specification allows.
    pub const MIN_BYTES: usize = 24;
    /// Longest key the Standard Webhooks specification allows.
    pub const MAX_BYTES: usize = 64;
    /// Length of keys made by [`Secret::generate`]: 256 bits, the HMAC-SHA256 output size.
    pub const GENERATED_BYTES: usize = 32;

    /// A fresh secret of [`Secret::GENERATED_BYTES`] random bytes from `rng` (which should be
    /// a cryptographically secure generator such as `rand::rngs::OsRng`).
    pub fn generate(rng: &mut impl RngCore) -> Secret {
        let mut key = [0u8; Self::GENERATED_BYTES];
        rng.fill_bytes(&mut key);
        Self::build(key.to_vec())
    }

    /// A secret from raw key bytes (24–64 of them).
    pub fn from_bytes(key: &[u8]) -> Result<Secret, SecretError> {
        if !(Self::MIN_BYTES..=Self::MAX_BYTES).contains(&key.len()) {
            return Err(SecretError::WrongLength(key.len()));
        }
        Ok(Self::build(key.to_vec()))
    }

    /// Parses a secret as shown to its owner, `whsec_<base64>`.
    ///
    /// The prefix is required (unlike some Standard Webhooks libraries, which also take the bare
    /// base64) because the Persona-Signature key is the full string: accepting the bare form
    /// would silently produce a different Persona key.
    pub fn parse(shown: &str) -> Result<Secret, SecretError> {
        let encoded = shown
            .strip_prefix(Self::PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::InvalidBase64)?;
        if !(Self::MIN_BYTES..=Self::MAX_BYTES).contains(&key.len()) {
            return Err(SecretError::WrongLength(key.len()));
        }
        // Keep the string exactly as given: it is the Persona key, and a re-encoding could
        // differ from what the owner holds (e.g. non-canonical trailing bits).
        Ok(Secret {
            shown: shown.to_owned(),
            key,
        })
    }

    fn build(key: Vec<u8>) -> Secret {
        let shown = format!("{}{}", Self::PREFIX, STANDARD.encode(&key));
        Secret { shown, key }
    }

    /// The secret exactly as shown to its owner (`whsec_...`). Treat it like a password.
    pub fn expose(&self) -> &str {
        &self.shown
    }

    /// HMAC key for `Persona-Signature`: the shown string's UTF-8 bytes.
    pub fn persona_key(&self) -> &[u8] {
        self.shown.as_bytes()
    }

    /// HMAC key for Standard Webhooks: the base64-decoded part after `whsec_`.
    pub fn standard_key(&self) -> &[u8] {
        &self.key
    }
}

impl std::str::FromStr for Secret {
    type Err = SecretError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Secret::parse(s)
    }
}

/// Never prints the secret, so a stray `{:?}` in a log line cannot leak it.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_secrets_round_trip_through_parse() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = Secret::generate(&mut rng);
        let b = Secret::generate(&mut rng);
        assert_ne!(a, b);
        assert!(a.expose().starts_with("whsec_"));
        assert_eq!(a.standard_key().len(), 32);
        let parsed = Secret::parse(a.expose()).expect("own output parses");
        assert_eq!(parsed, a);
        assert_eq!(parsed.persona_key(), a.expose().as_bytes());
    }

    #[test]
    fn from_bytes_enforces_the_length_range() {
        assert_eq!(
            Secret::from_bytes(&[1; 23]),
            Err(SecretError::WrongLength(23))
        );
        assert_eq!(
            Secret::from_bytes(&[1; 65]),
            Err(SecretError::WrongLength(65))
        );
        let s = Secret::from_bytes(&[1; 24]).expect("24 bytes is the minimum");
        assert_eq!(s.standard_key(), &[1; 24]);
        assert!(Secret::from_bytes(&[1; 64]).is_ok());
    }

    #[test]
    fn parse_rejects_malformed_strings() {
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::MissingPrefix)
        );
        assert_eq!(
            Secret::parse("whsec_not base64!"),
            Err(SecretError::InvalidBase64)
        );
        assert_eq!(
            Secret::parse("whsec_c2hvcnQ="),
            Err(SecretError::WrongLength(5))
        );
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let s = Secret::from_bytes(&[9; 32]).expect("valid");
        let printed = format!("{s:?}");
        assert!(!printed.contains(&s.expose()[6..]), "{printed}");
    }
}
