//! The console's optional TOTP second factor (docs/console.md §8): RFC 6238 codes (HMAC-SHA1,
//! six digits, 30-second steps) from a 160-bit secret, shown once as base32 and as an
//! `otpauth://` URI. The secret is stored sealed with the server's data key; a code is
//! accepted once (its time step is then used), one step of clock drift either way; a wrong
//! code counts towards the account's lock like a wrong password.

use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha1::Sha1;
use verity_core::audit::AuditAction;
use verity_core::Millis;
use verity_store::Operator;

use crate::audit::Requester;
use crate::operators::SignInRefusal;
use crate::{App, AppError};

/// Seconds per time step (RFC 6238's default, what every authenticator app assumes).
const STEP_SECONDS: i64 = 30;
/// Bytes of a new secret (RFC 4226 recommends 160 bits).
const SECRET_BYTES: usize = 20;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take it.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of base32 text (case and spaces ignored); `None` if it is not base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = ALPHABET
            .iter()
            .position(|a| char::from(*a) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A new secret, as base32.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

/// The `otpauth://` URI an authenticator app reads (from a QR code or pasted).
pub fn uri(issuer: &str, email: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        enc(issuer),
        enc(email),
        enc(issuer)
    )
}

/// The six-digit code of `secret` for time step `step` (RFC 4226 §5.3).
pub fn code(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return u32::MAX; // never: HMAC takes a key of any length
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    word % 1_000_000
}

/// The time step of `now` (epoch milliseconds).
pub fn step_at(now: Millis) -> i64 {
    now.div_euclid(1000 * STEP_SECONDS)
}

/// The step (now's, or one either side for clock drift) whose code `typed` is.
pub fn matching_step(secret_b32: &str, typed: &str, now: Millis) -> Option<i64> {
    let typed = typed.trim().replace(' ', "");
    if typed.len() != 6 || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = typed.parse().ok()?;
    let secret = from_base32(secret_b32)?;
    let now = step_at(now);
    [now, now - 1, now + 1]
        .into_iter()
        .find(|step| code(&secret, *step) == typed)
}

/// Whether the operator has a second factor.
pub async fn enrolled(app: &App, operator: &Operator) -> Result<bool, AppError> {
    Ok(app.store.operator_totp(&operator.id).await?.is_some())
}

/// Enrols `operator` with `secret` (the one its enrol page showed) once `typed` is one of
/// its codes; the code's step is used up. Records `operator.totp-enrolled`.
pub async fn enrol(
    app: &App,
    operator: &Operator,
    secret: &str,
    typed: &str,
    who: &Requester,
) -> Result<(), AppError> {
    let valid = from_base32(secret).is_some_and(|b| b.len() == SECRET_BYTES);
    let Some(step) = matching_step(secret, typed, app.now()).filter(|_| valid) else {
        return Err(AppError::invalid(
            "code",
            "that code does not match: type the six digits your app shows now",
        ));
    };
    app.store
        .set_operator_totp(&operator.id, Some(secret))
        .await?;
    app.store.use_totp_step(&operator.id, step).await?;
    let record = who.record(
        app,
        AuditAction::OperatorTotpEnrolled,
        None,
        Some(operator.email.clone()),
    );
    Ok(app.store.insert_audit_records(&[record]).await?)
}

/// The second half of a sign-in: `typed` must be a code of the operator's secret whose
/// step was not used yet. A wrong or replayed code counts like a wrong password (and may
/// lock the account); a right one ends the count and opens session `token`.
pub async fn verify(
    app: &App,
    operator: &Operator,
    token: &str,
    typed: &str,
) -> Result<Result<(), SignInRefusal>, AppError> {
    let now = app.now();
    if let Some(until) = operator.locked_until.filter(|until| *until > now) {
        return Ok(Err(SignInRefusal::Locked { until }));
    }
    let secret = app.store.operator_totp(&operator.id).await?;
    let step = secret.and_then(|s| matching_step(&s, typed, now));
    let accepted = match step {
        Some(step) => app.store.use_totp_step(&operator.id, step).await?,
        None => false,
    };
    if !accepted {
        let settings = &app.config.console;
        let failed = app
            .store
            .record_failed_sign_in(
                &operator.id,
                settings.lockout_threshold,
                now + settings.lockout_ms,
            )
            .await?;
        return Ok(Err(match failed.locked_until.filter(|u| *u > now) {
            Some(until) => {
                crate::operators::sign_out(app, token).await?;
                SignInRefusal::Locked { until }
            }
            None => SignInRefusal::WrongCredentials,
        }));
    }
    app.store.clear_failed_sign_ins(&operator.id).await?;
    let hash = verity_core::token::hash(token);
    Ok(Ok(app.store.confirm_operator_session(&hash).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_test_vectors_match() {
        // RFC 6238 appendix B, SHA-1: the key is "12345678901234567890"; 8 digits there,
        // the last six here.
        let key = b"12345678901234567890";
        for (seconds, eight) in [
            (59_i64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
        ] {
            assert_eq!(code(key, seconds / 30), eight % 1_000_000, "{seconds}");
        }
    }

    #[test]
    fn base32_round_trips_and_codes_match_within_a_step() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 32);
        let bytes = from_base32(&secret).unwrap_or_default();
        assert_eq!(bytes.len(), SECRET_BYTES);
        assert_eq!(base32(&bytes), secret);
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let now = 1_700_000_000_000;
        let typed = format!("{:06}", code(&bytes, step_at(now) - 1));
        assert_eq!(matching_step(&secret, &typed, now), Some(step_at(now) - 1));
        assert_eq!(matching_step(&secret, &typed, now + 90_000), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert!(
            uri("Verity", "a@b.c", &secret).starts_with("otpauth://totp/Verity:a%40b.c?secret=")
        );
    }
}
