//! Console operators and their sign-in (docs/console.md §1): accounts with Argon2id
//! password hashes, sessions whose cookie token is stored only as its SHA-256, idle and
//! absolute timeouts, and the per-account throttle (the `limit`-th wrong password in a row
//! locks sign-in for a while). Passwords are never logged or stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use verity_core::id::OperatorId;
use verity_core::operator::OperatorRole;
use verity_core::{token, Millis};
use verity_store::{Operator, OperatorSession, StoreError};

use crate::{App, AppError};

/// Console sign-in settings.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// A session unused for this long is over.
    pub idle_timeout_ms: Millis,
    /// A session is over this long after sign-in, however busy.
    pub absolute_timeout_ms: Millis,
    /// Wrong passwords in a row that lock an account's sign-in…
    pub lockout_threshold: u32,
    /// …for this long.
    pub lockout_ms: Millis,
    /// Admins must have a TOTP second factor: one without is sent to enrol before any
    /// other page (`console_require_totp`, docs/console.md §8).
    pub require_totp: bool,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            idle_timeout_ms: 30 * 60 * 1000,
            absolute_timeout_ms: 12 * 3600 * 1000,
            lockout_threshold: 10,
            lockout_ms: 15 * 60 * 1000,
            require_totp: false,
        }
    }
}

/// Shortest password an operator may choose (a generated one is 24 characters).
pub const MIN_PASSWORD_LEN: usize = 12;
/// Characters of a generated password (base 62: ≈ 143 bits).
const GENERATED_PASSWORD_LEN: usize = 24;
/// A session's `last_seen_at` is written at most this often (one write per page view
/// would be wasted: the idle timeout is in minutes).
const TOUCH_EVERY_MS: Millis = 30_000;

/// Why a sign-in was refused. Unknown email, wrong password and disabled account all say
/// the same, so the answer does not tell which accounts exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefusal {
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("too many wrong passwords: sign-in for this account is locked for a while")]
    Locked { until: Millis },
}

/// A signed-in browser: the cookie's token (shown to it once) and the form token that
/// its state-changing requests must carry.
pub struct SignedIn {
    pub operator: Operator,
    pub token: String,
    /// The operator has a TOTP second factor: the session opens only the code page until
    /// the second factor (docs/console.md §8) accepts a code.
    pub totp_pending: bool,
}

/// Lower-cased and trimmed; refused unless it looks like an address.
pub fn normalise_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
        && !email.chars().any(char::is_whitespace);
    if !plausible {
        return Err(AppError::invalid("email", "not an email address"));
    }
    Ok(email)
}

/// A random password for an operator, shown once.
pub fn generate_password() -> String {
    let secret = token::generate("", &mut OsRng);
    secret
        .plaintext
        .chars()
        .take(GENERATED_PASSWORD_LEN)
        .collect()
}

/// The Argon2id PHC string of `password` (the crate's defaults: OWASP's m=19 MiB, t=2, p=1).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid(
            "password",
            format!("a password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Whether `password` matches the PHC string `hash` (the comparison is constant-time
/// inside `argon2`). A malformed stored hash matches nothing.
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The form token of the session whose cookie is `session_token`: derived, so it needs
/// no storage, and unguessable without the cookie (docs/console.md §3).
pub fn csrf_token(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"verity-console-csrf\0");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether a submitted form token is the session's, compared in constant time.
pub fn csrf_matches(session_token: &str, submitted: &str) -> bool {
    token::hashes_equal(&csrf_token(session_token), submitted)
}

/// Creates an operator; `password: None` generates one. Answers the operator and the
/// generated password (shown once).
pub async fn create(
    app: &App,
    email: &str,
    role: OperatorRole,
    password: Option<String>,
) -> Result<(Operator, Option<String>), AppError> {
    let email = normalise_email(email)?;
    let (password, generated) = match password {
        Some(p) => (p, None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    let password_hash = blocking_hash(password).await?;
    let now = app.now();
    let operator = Operator {
        id: OperatorId::generate(&mut OsRng),
        email,
        role,
        password_hash,
        disabled_at: None,
        failed_sign_ins: 0,
        locked_until: None,
        created_at: now,
        updated_at: now,
    };
    app.store
        .insert_operator(&operator)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => {
                AppError::Conflict(format!("an operator with email {} exists", operator.email))
            }
            e => e.into(),
        })?;
    Ok((operator, generated))
}

/// Argon2 takes tens of milliseconds of CPU: off the async threads.
async fn blocking_hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
}

async fn blocking_matches(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || password_matches(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

pub async fn by_email(app: &App, email: &str) -> Result<Operator, AppError> {
    let email = normalise_email(email)?;
    app.store
        .operator_by_email(&email)
        .await?
        .ok_or_else(|| AppError::not_found("operator", email))
}

/// Disables an operator and ends its sessions. Disabling twice keeps the first time.
pub async fn disable(app: &App, email: &str) -> Result<Operator, AppError> {
    let mut operator = by_email(app, email).await?;
    let now = app.now();
    operator.disabled_at.get_or_insert(now);
    operator.updated_at = now;
    app.store.update_operator(&operator).await?;
    app.store.end_operator_sessions(&operator.id, now).await?;
    Ok(operator)
}

/// Sets a new password (`None`: generated, answered once), ends the lock and every session.
pub async fn reset_password(
    app: &App,
    email: &str,
    password: Option<String>,
) -> Result<Option<String>, AppError> {
    let mut operator = by_email(app, email).await?;
    let generated = password.is_none().then(generate_password);
    let password = password.or_else(|| generated.clone()).unwrap_or_default();
    operator.password_hash = blocking_hash(password).await?;
    let now = app.now();
    operator.failed_sign_ins = 0;
    operator.locked_until = None;
    operator.updated_at = now;
    app.store.update_operator(&operator).await?;
    app.store.end_operator_sessions(&operator.id, now).await?;
    Ok(generated)
}

/// Removes an operator's second factor (a lost authenticator) and ends its sessions; it signs
/// in with its password alone until it enrols again (or is sent to enrol, for an admin under
/// `console_require_totp`).
pub async fn reset_totp(app: &App, email: &str) -> Result<Operator, AppError> {
    let operator = by_email(app, email).await?;
    app.store.set_operator_totp(&operator.id, None).await?;
    app.store
        .end_operator_sessions(&operator.id, app.now())
        .await?;
    Ok(operator)
}

/// Checks the password and opens a session; see [`SignInRefusal`] for the refusals.
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
) -> Result<Result<SignedIn, SignInRefusal>, AppError> {
    let settings = &app.config.console;
    let found = match normalise_email(email) {
        Ok(email) => app.store.operator_by_email(&email).await?,
        Err(_) => None,
    };
    let now = app.now();
    let Some(operator) = found.filter(|o| o.disabled_at.is_none()) else {
        // The same work as a real check, so timing does not tell which accounts exist.
        blocking_matches(password.to_owned(), DUMMY_HASH.to_owned()).await?;
        return Ok(Err(SignInRefusal::WrongCredentials));
    };
    if let Some(until) = operator.locked_until.filter(|until| *until > now) {
        return Ok(Err(SignInRefusal::Locked { until }));
    }
    if !blocking_matches(password.to_owned(), operator.password_hash.clone()).await? {
        let lock_until = now + settings.lockout_ms;
        let failed = app
            .store
            .record_failed_sign_in(&operator.id, settings.lockout_threshold, lock_until)
            .await?;
        return Ok(Err(match failed.locked_until.filter(|u| *u > now) {
            Some(until) => SignInRefusal::Locked { until },
            None => SignInRefusal::WrongCredentials,
        }));
    }
    // With a second factor the count goes on until the code is right too, so a known
    // password does not buy unlimited guesses at codes (docs/console.md §8).
    let totp_pending = app.store.operator_totp(&operator.id).await?.is_some();
    if !totp_pending {
        app.store.clear_failed_sign_ins(&operator.id).await?;
    }
    let secret = token::generate("vcs_", &mut OsRng);
    app.store
        .insert_operator_session(&OperatorSession {
            token_hash: secret.hash,
            operator_id: operator.id.clone(),
            created_at: now,
            last_seen_at: now,
            ended_at: None,
            totp_pending,
        })
        .await?;
    Ok(Ok(SignedIn {
        operator,
        token: secret.plaintext,
        totp_pending,
    }))
}

/// A valid Argon2id hash of a password nobody has, for the unknown-account path.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dmVyaXR5LWR1bW15LXNhbHQ$Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0";

/// The operator signed in with cookie token `session_token`, if its session is live at
/// `now`: not ended, used within the idle timeout, younger than the absolute timeout, and
/// its operator not disabled.
pub async fn authenticate(
    app: &App,
    session_token: &str,
) -> Result<Option<(Operator, OperatorSession)>, AppError> {
    let settings = &app.config.console;
    let hash = token::hash(session_token);
    let Some(session) = app.store.operator_session(&hash).await? else {
        return Ok(None);
    };
    let now = app.now();
    let live = session.ended_at.is_none()
        && now - session.last_seen_at < settings.idle_timeout_ms
        && now - session.created_at < settings.absolute_timeout_ms;
    if !live {
        return Ok(None);
    }
    let Some(operator) = app.store.operator(&session.operator_id).await? else {
        return Ok(None);
    };
    if operator.disabled_at.is_some() {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        app.store.touch_operator_session(&hash, now).await?;
    }
    Ok(Some((operator, session)))
}

pub async fn sign_out(app: &App, session_token: &str) -> Result<(), AppError> {
    let hash = token::hash(session_token);
    Ok(app.store.end_operator_session(&hash, app.now()).await?)
}

/// Ends every session of the operator, this one included.
pub async fn sign_out_everywhere(app: &App, id: &OperatorId) -> Result<u64, AppError> {
    Ok(app.store.end_operator_sessions(id, app.now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse batterY", &hash));
        assert!(!password_matches("anything", "not a phc string"));
        assert!(hash_password("short").is_err());
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash parses"
        );
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.len(), GENERATED_PASSWORD_LEN);
        assert_ne!(a, b);
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let token = csrf_token("vcs_a");
        assert!(csrf_matches("vcs_a", &token));
        assert!(!csrf_matches("vcs_b", &token));
        assert!(!csrf_matches("vcs_a", ""));
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalise_email(" Ada@Example.COM ").ok().as_deref(),
            Some("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@example.com",
            "a@b@c",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
