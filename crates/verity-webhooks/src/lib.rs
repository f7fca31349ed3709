//! Signing and verifying Verity webhook deliveries, in the two formats every delivery carries.
//!
//! This crate has no server dependencies: the delivery worker uses it to sign, integrators use
//! it to verify a request against its **raw body bytes** (never a re-serialised JSON value, which
//! would change the bytes and break the signature).
//!
//! # The two formats
//!
//! * **`Persona-Signature`** (the wire format of the vendor Verity replaces):
//!   `t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">`. While a secret is being rotated
//!   the header carries one group per valid secret, separated by a space:
//!   `t=..,v1=.. t=..,v1=..`. See [`sign_persona`] / [`verify_persona`].
//! * **Standard Webhooks** (<https://www.standardwebhooks.com>): headers `webhook-id`,
//!   `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//!   several space-separated signatures during rotation. Any Standard Webhooks library
//!   verifies these unmodified. See [`sign_standard`] / [`verify_standard`].
//!
//! # One secret, two keys
//!
//! An endpoint has one secret, shown to its owner once as `whsec_<base64 of 24–64 random
//! bytes>` (a [`Secret`]). The two formats derive their HMAC key from it differently, each
//! following its own convention, so that existing verifiers for either format work when given
//! the string exactly as shown:
//!
//! * Persona-Signature: the HMAC key is the **whole secret string as shown**, `whsec_` prefix
//!   included, as UTF-8 bytes ([`Secret::persona_key`]). The vendor's verifiers use the
//!   secret string itself as the key.
//! * Standard Webhooks: the HMAC key is the **base64-decoded part after `whsec_`**
//!   ([`Secret::standard_key`]), as the Standard Webhooks specification requires.
//!
//! # Verification rules
//!
//! Both verifiers first authenticate (some signature in the header must match, compared in
//! constant time with [`hmac::Mac::verify_slice`]) and only then check freshness
//! (`|now - timestamp| <= tolerance`). A forgery therefore always reports
//! [`VerifyError::NoMatchingSignature`], and a timestamp error always concerns a genuine
//! delivery — a replay or a skewed clock — which is the diagnosis an operator needs.
//! Signature entries of unknown versions (say a future `v2`) are skipped, not rejected.
//!
//! # Example: verifying a delivery
//!
//! ```
//! use verity_webhooks::{verify_persona, verify_standard, Secret, SignedHeaders, StandardHeaders,
//!     DEFAULT_TOLERANCE};
//!
//! let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let body = br#"{"data":{"type":"event","id":"evt_1"}}"#;
//! # let now = 1_700_000_000;
//! # let sent = SignedHeaders::sign(&[&secret], "evt_1", now, body);
//! # let header = |name: &str| match name {
//! #     "webhook-id" => Some(sent.webhook_id.as_str()),
//! #     "webhook-timestamp" => Some(sent.webhook_timestamp.as_str()),
//! #     "webhook-signature" => Some(sent.webhook_signature.as_str()),
//! #     "Persona-Signature" => Some(sent.persona_signature.as_str()),
//! #     _ => None,
//! # };
//! // `header` looks a request header up by name; `now` is the current unix time in seconds.
//! verify_standard(&secret, StandardHeaders::from_fn(header), body, now, DEFAULT_TOLERANCE)?;
//! verify_persona(&secret, header("Persona-Signature"), body, now, DEFAULT_TOLERANCE)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod persona;
mod secret;
mod standard;
mod verify;

pub use persona::{sign_persona, verify_persona, PERSONA_SIGNATURE};
pub use secret::{Secret, SecretError};
pub use standard::{
    sign_standard, verify_standard, StandardHeaders, WEBHOOK_ID, WEBHOOK_SIGNATURE,
    WEBHOOK_TIMESTAMP,
};
pub use verify::{VerifyError, DEFAULT_TOLERANCE};

/// All signature headers for one delivery attempt, as the delivery worker sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// Value of `Persona-Signature`.
    pub persona_signature: String,
    /// Value of `webhook-id`: the same on every retry of one delivery, so receivers can dedupe.
    pub webhook_id: String,
    /// Value of `webhook-timestamp` (unix seconds, also the `t` of `Persona-Signature`).
    pub webhook_timestamp: String,
    /// Value of `webhook-signature`.
    pub webhook_signature: String,
}

impl SignedHeaders {
    /// Signs `body` in both formats with every currently valid secret (the new one first
    /// during a rotation), at `timestamp` (unix seconds).
    pub fn sign(secrets: &[&Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> Self {
        SignedHeaders {
            persona_signature: sign_persona(secrets, timestamp, body),
            webhook_id: msg_id.to_owned(),
            webhook_timestamp: timestamp.to_string(),
            webhook_signature: sign_standard(secrets, msg_id, timestamp, body),
        }
    }
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// An HMAC-SHA256 over `parts` concatenated, keyed with `key`.
fn hmac_over(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    use hmac::Mac;
    // HMAC accepts keys of any length (longer ones are hashed first), so this error is
    // unreachable; it exists only because the trait is shared with fixed-key ciphers.
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}
