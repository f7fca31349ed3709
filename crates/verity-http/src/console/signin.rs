//! Signing in and out (docs/console.md §1). A refused sign-in says the same for an unknown
//! email and a wrong password; a locked account or address says so, with until when.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::operators::{self, SignInRefusal};

use super::auth::{self, CsrfForm, Enrolling};
use super::error::ConsoleError;
use super::html::{self, esc};
use crate::extract::ClientIp;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// The form with `error` (if any) above it.
fn form(status: StatusCode, email: &str, error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"signin\"><h1>Sign in to the Verity console</h1>{error}\
         <form method=\"post\" action=\"{path}\">\
         <p><label for=\"email\">Email</label>\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{email}\"></p>\
         <p><label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\
         <p><button>Sign in</button></p></form></div>",
        path = super::SIGN_IN_PATH,
        email = esc(email),
    );
    let page = html::page("Sign in", None, &body);
    (status, [(header::CONTENT_TYPE, html::CONTENT_TYPE)], page).into_response()
}

pub async fn page() -> Response {
    form(StatusCode::OK, "", None)
}

pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(input): Form<SignInForm>,
) -> Result<Response, ConsoleError> {
    auth::same_origin(&headers, &state.config.public_url)?;
    let address = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let now = state.now();
    if let Err(until) = state.sign_in_throttle.check(&address, now) {
        let why = format!(
            "Too many failed sign-ins from your address: try again after {}.",
            html::time(until)
        );
        return Ok(form(
            StatusCode::TOO_MANY_REQUESTS,
            &input.email,
            Some(&why),
        ));
    }
    let signed = match operators::sign_in(&state.app, &input.email, &input.password).await? {
        Ok(signed) => signed,
        Err(refusal) => {
            state.sign_in_throttle.failed(&address, now);
            let (status, why) = match refusal {
                SignInRefusal::WrongCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "Wrong email or password.".to_owned(),
                ),
                SignInRefusal::Locked { until } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many wrong passwords: sign-in for this account is locked until {}.",
                        html::time(until)
                    ),
                ),
            };
            return Ok(form(status, &input.email, Some(&why)));
        }
    };
    tracing::info!(operator = %signed.operator.id, code_pending = signed.totp_pending, "console sign-in");
    let max_age = state.app.config.console.absolute_timeout_ms / 1000;
    let secure = state.config.public_url.starts_with("https://");
    let cookie = auth::session_cookie(&signed.token, max_age, secure);
    // With a second factor, the session opens only the code page until the code is right
    // (docs/console.md §8).
    let next = if signed.totp_pending {
        super::CODE_PATH
    } else {
        "/console/queue"
    };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response())
}

/// The cookie that replaces the session's in the browser.
fn cleared(state: &AppState) -> String {
    auth::session_cookie("", 0, state.config.public_url.starts_with("https://"))
}

/// `Enrolling`: an admin sent to enrol a second factor may still sign out (docs/console.md §8).
pub async fn sign_out(
    State(state): State<AppState>,
    Enrolling(signed): Enrolling,
    headers: HeaderMap,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    auth::same_origin(&headers, &state.config.public_url)?;
    signed.check_csrf(&input.csrf)?;
    operators::sign_out(&state.app, &signed.token).await?;
    let cookie = cleared(&state);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(super::SIGN_IN_PATH),
    )
        .into_response())
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Enrolling(signed): Enrolling,
    headers: HeaderMap,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    auth::same_origin(&headers, &state.config.public_url)?;
    signed.check_csrf(&input.csrf)?;
    let ended = operators::sign_out_everywhere(&state.app, &signed.operator.id).await?;
    tracing::info!(operator = %signed.operator.id, sessions = ended, "console sign-out everywhere");
    let cookie = cleared(&state);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(super::SIGN_IN_PATH),
    )
        .into_response())
}
