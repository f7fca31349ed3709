//! Who is asking (docs/console.md §1, §3): the session cookie, read and checked by the
//! [`Signed`] extractor, and the checks every state-changing request passes — the same
//! origin (`Origin`, `Sec-Fetch-Site`) and the session's form token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::Deserialize;
use verity_app::audit::Requester;
use verity_app::operators;
use verity_core::audit::Actor;
use verity_store::Operator;

use super::error::ConsoleError;

use crate::state::AppState;

/// A console form that carries nothing but its form token (§3): sign-out and the admin
/// pages' one-button actions.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub const COOKIE: &str = "verity_console";

/// A signed-in operator, with the session's form token and the client's address.
pub struct Signed {
    pub operator: Operator,
    pub token: String,
    pub csrf: String,
    pub address: Option<String>,
}

impl Signed {
    /// The operator as the actor of an audit record.
    pub fn requester(&self) -> Requester {
        Requester {
            actor: Actor::Operator(self.operator.email.clone()),
            address: self.address.clone(),
        }
    }

    /// Refuses a submitted form token that is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), ConsoleError> {
        if operators::csrf_matches(&self.token, submitted) {
            Ok(())
        } else {
            Err(ConsoleError::CrossSite(
                "the form token is missing or wrong; reload the page",
            ))
        }
    }

    /// The checks of every state-changing request (docs/console.md §3, §2), in order: it
    /// comes from a console page of this server, carries this session's form token, and
    /// the operator's role allows it (`allowed`, else 403 saying `why`).
    pub fn may_post(
        &self,
        headers: &HeaderMap,
        public_url: &str,
        csrf: &str,
        allowed: bool,
        why: &'static str,
    ) -> Result<(), ConsoleError> {
        same_origin(headers, public_url)?;
        self.check_csrf(csrf)?;
        self.require(allowed, why)
    }

    pub fn require(&self, allowed: bool, why: &'static str) -> Result<(), ConsoleError> {
        if allowed {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden(why))
        }
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The live session of the request, and whether its TOTP code is still to come.
async fn session(parts: &Parts, state: &AppState) -> Result<(Signed, bool), ConsoleError> {
    let token = cookie(&parts.headers, COOKIE)
        .ok_or(ConsoleError::NotSignedIn)?
        .to_owned();
    let (operator, session) = operators::authenticate(&state.app, &token)
        .await?
        .ok_or(ConsoleError::NotSignedIn)?;
    let address = crate::client_address::client_ip(parts, &state.config.trusted_proxies)
        .map(|ip| ip.to_string());
    let signed = Signed {
        operator,
        csrf: operators::csrf_token(&token),
        token,
        address,
    };
    Ok((signed, session.totp_pending))
}

/// Every page but the TOTP ones: a session whose code is still to come is sent to the code
/// page, and with `console_require_totp` an admin without a second factor to enrol
/// (docs/console.md §8).
impl FromRequestParts<AppState> for Signed {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ConsoleError> {
        let Enrolling(signed) = Enrolling::from_request_parts(parts, state).await?;
        if state.app.config.console.require_totp
            && signed.operator.role.administers()
            && !verity_app::totp::enrolled(&state.app, &signed.operator).await?
        {
            return Err(ConsoleError::MustEnrol);
        }
        Ok(signed)
    }
}

/// A signed-in operator who may lack a second factor: the enrol page's extractor.
pub struct Enrolling(pub Signed);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ConsoleError> {
        match session(parts, state).await? {
            (_, true) => Err(ConsoleError::CodeNeeded),
            (signed, false) => Ok(Enrolling(signed)),
        }
    }
}

/// A session whose password was right and whose TOTP code is still to come: the code
/// page's extractor.
pub struct Pending(pub Signed);

impl FromRequestParts<AppState> for Pending {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ConsoleError> {
        match session(parts, state).await? {
            (signed, true) => Ok(Pending(signed)),
            (_, false) => Err(ConsoleError::NotSignedIn),
        }
    }
}

/// Passes when the request comes from a console page of this server: `Sec-Fetch-Site`, if
/// sent, is `same-origin` (or `none`: typed by the person), and `Origin` is present and is
/// this server's — the public URL's or the request's own `Host`.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> Result<(), ConsoleError> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return Err(ConsoleError::CrossSite(
                "a request from another site is refused",
            ));
        }
    }
    let origin = header("origin").ok_or(ConsoleError::CrossSite(
        "a request without an Origin header is refused",
    ))?;
    let public = url::Url::parse(public_url)
        .ok()
        .map(|u| u.origin().ascii_serialization());
    let host = header("host");
    let ours = public.as_deref() == Some(origin)
        || host
            .is_some_and(|h| origin == format!("http://{h}") || origin == format!("https://{h}"));
    if ours {
        Ok(())
    } else {
        Err(ConsoleError::CrossSite(
            "a request from another site is refused",
        ))
    }
}

/// The session cookie: `HttpOnly`, `SameSite=Strict`, `Path=/console`, and `Secure` when
/// the console is served over https (the public URL says so).
pub fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/console; Max-Age={max_age_seconds}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, axum::http::HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_same_origin_requests_pass() {
        let public = "http://localhost:8080";
        let ok = headers(&[
            ("origin", "http://localhost:8080"),
            ("host", "localhost:8080"),
        ]);
        assert!(same_origin(&ok, public).is_ok());
        let by_host = headers(&[("origin", "http://127.0.0.1:9"), ("host", "127.0.0.1:9")]);
        assert!(same_origin(&by_host, public).is_ok());
        let foreign = headers(&[
            ("origin", "https://evil.example"),
            ("host", "localhost:8080"),
        ]);
        assert!(same_origin(&foreign, public).is_err());
        let missing = headers(&[("host", "localhost:8080")]);
        assert!(same_origin(&missing, public).is_err());
        let cross = headers(&[
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(same_origin(&cross, public).is_err());
    }

    #[test]
    fn the_cookie_is_read_among_others_and_set_strict() {
        let h = headers(&[("cookie", "a=1; verity_console=vcs_x; b=2")]);
        assert_eq!(cookie(&h, COOKIE), Some("vcs_x"));
        let set = session_cookie("vcs_x", 60, true);
        for part in ["HttpOnly", "SameSite=Strict", "Path=/console", "Secure"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!session_cookie("t", 60, false).contains("Secure"));
    }
}
