//! The `Persona-Signature` header: `t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`, one
//! space-separated group per valid secret during a rotation.
//!
//! The key is the secret string as shown ([`Secret::persona_key`]).

use std::time::Duration;

use hmac::Mac;

use crate::verify::check_timestamp;
use crate::{hmac_over, Secret, VerifyError};

/// The header's name.
pub const PERSONA_SIGNATURE: &str = "Persona-Signature";

/// Signs `body` at `timestamp` (unix seconds) with each secret, in order:
/// `t=..,v1=..` groups separated by a single space.
pub fn sign_persona(secrets: &[&Secret], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    secrets
        .iter()
        .map(|secret| {
            let tag = hmac_over(secret.persona_key(), &[t.as_bytes(), b".", body])
                .finalize()
                .into_bytes();
            format!("t={t},v1={}", hex::encode(tag))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verifies a `Persona-Signature` header (`None` when the request had none) against the raw
/// `body`, at `now` (unix seconds), accepting timestamps within `tolerance` either way.
///
/// Succeeds when any `v1` of any group matches; that group's `t` must then be fresh.
pub fn verify_persona(
    secret: &Secret,
    header: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(VerifyError::MissingHeader(PERSONA_SIGNATURE))?;
    let malformed = |reason| VerifyError::Malformed {
        header: PERSONA_SIGNATURE,
        reason,
    };

    for group in header.split_ascii_whitespace() {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for pair in group.split(',') {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| malformed("expected key=value pairs"))?;
            match key {
                "t" => {
                    let t = value
                        .parse::<i64>()
                        .map_err(|_| malformed("t is not an integer"))?;
                    timestamp = Some((value, t));
                }
                "v1" => signatures
                    .push(hex::decode(value).map_err(|_| malformed("v1 is not hexadecimal"))?),
                // Other schemes (a future v2) are skipped so old verifiers keep working.
                _ => {}
            }
        }
        let (t_text, t) = timestamp.ok_or_else(|| malformed("a group has no t"))?;
        // Sign the timestamp exactly as sent, so "0012" is not silently read as "12".
        let mac = hmac_over(secret.persona_key(), &[t_text.as_bytes(), b".", body]);
        if signatures
            .iter()
            .any(|signature| mac.clone().verify_slice(signature).is_ok())
        {
            return check_timestamp(t, now, tolerance);
        }
    }
    Err(VerifyError::NoMatchingSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::DEFAULT_TOLERANCE;

    const NOW: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"data":{"type":"event","id":"evt_1"}}"#;

    fn secret(byte: u8) -> Secret {
        Secret::from_bytes(&[byte; 32]).expect("valid length")
    }

    #[test]
    fn the_header_is_t_then_hex_hmac_of_t_dot_body_keyed_with_the_shown_secret() {
        let s = secret(1);
        let header = sign_persona(&[&s], NOW, BODY);
        let expected = hmac_over(s.expose().as_bytes(), &[b"1700000000.", BODY])
            .finalize()
            .into_bytes();
        assert_eq!(header, format!("t={NOW},v1={}", hex::encode(expected)));
    }

    #[test]
    fn a_fresh_signature_verifies() {
        let s = secret(1);
        let header = sign_persona(&[&s], NOW, BODY);
        assert_eq!(
            verify_persona(&s, Some(&header), BODY, NOW + 10, DEFAULT_TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn a_tampered_body_fails() {
        let s = secret(1);
        let header = sign_persona(&[&s], NOW, BODY);
        let tampered = br#"{"data":{"type":"event","id":"evt_2"}}"#;
        assert_eq!(
            verify_persona(&s, Some(&header), tampered, NOW, DEFAULT_TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn the_wrong_secret_fails() {
        let header = sign_persona(&[&secret(1)], NOW, BODY);
        assert_eq!(
            verify_persona(&secret(2), Some(&header), BODY, NOW, DEFAULT_TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn an_old_or_future_timestamp_fails_even_with_a_genuine_signature() {
        let s = secret(1);
        let header = sign_persona(&[&s], NOW, BODY);
        assert!(matches!(
            verify_persona(&s, Some(&header), BODY, NOW + 301, DEFAULT_TOLERANCE),
            Err(VerifyError::TimestampTooOld { timestamp: NOW, .. })
        ));
        assert!(matches!(
            verify_persona(&s, Some(&header), BODY, NOW - 301, DEFAULT_TOLERANCE),
            Err(VerifyError::TimestampTooNew { .. })
        ));
    }

    #[test]
    fn a_changed_timestamp_fails_because_t_is_signed() {
        let s = secret(1);
        let header = sign_persona(&[&s], NOW, BODY).replace("t=1700000000", "t=1700000100");
        assert_eq!(
            verify_persona(&s, Some(&header), BODY, NOW, DEFAULT_TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn during_rotation_both_secrets_verify_from_one_header() {
        let (new, old) = (secret(1), secret(2));
        let header = sign_persona(&[&new, &old], NOW, BODY);
        assert_eq!(header.split(' ').count(), 2);
        assert!(header.split(' ').all(|g| g.starts_with("t=1700000000,v1=")));
        for s in [&new, &old] {
            assert_eq!(
                verify_persona(s, Some(&header), BODY, NOW, DEFAULT_TOLERANCE),
                Ok(())
            );
        }
        assert_eq!(
            verify_persona(&secret(3), Some(&header), BODY, NOW, DEFAULT_TOLERANCE),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        let s = secret(1);
        let verify = |h| verify_persona(&s, h, BODY, NOW, DEFAULT_TOLERANCE);
        assert_eq!(
            verify(None),
            Err(VerifyError::MissingHeader(PERSONA_SIGNATURE))
        );
        assert_eq!(
            verify(Some("  ")),
            Err(VerifyError::MissingHeader(PERSONA_SIGNATURE))
        );
        for bad in ["garbage", "t=abc,v1=00", "v1=00", "t=1,v1=zz"] {
            assert!(
                matches!(verify(Some(bad)), Err(VerifyError::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_schemes_are_skipped_not_rejected() {
        let s = secret(1);
        let header = sign_persona(&[&s], NOW, BODY).replace(",v1=", ",v2=abc,v1=");
        assert_eq!(
            verify_persona(&s, Some(&header), BODY, NOW, DEFAULT_TOLERANCE),
            Ok(())
        );
    }
}
