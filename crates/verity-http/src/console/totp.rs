//! The optional TOTP second factor's pages (docs/console.md §8): enrol (a new secret as
//! base32 text, an `otpauth://` URI and its QR code, confirmed with a code) and the code a
//! sign-in asks for after the password. The secret travels in the enrol form until a code
//! confirms it; stored, it is sealed and never shown again.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::operators::SignInRefusal;
use verity_app::{totp, AppError};

use super::admin::with_status;
use super::auth::{self, Enrolling, Pending, Signed};
use super::error::ConsoleError;
use super::html::{self, csrf_field, esc};
use super::pages::render;
use crate::state::AppState;

/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "Verity";

/// The QR code of `uri` as inline SVG markup (the hand-off links' encoder), without the
/// XML declaration.
fn qr(uri: &str) -> String {
    let svg = crate::flow::handoff::qr::svg(uri).unwrap_or_default();
    let start = svg.find("<svg").unwrap_or(0);
    format!(
        "<figure class=\"qr\" role=\"img\" aria-label=\"QR code of the otpauth URI\">{}</figure>",
        &svg[start..]
    )
}

async fn enrol_page(
    state: &AppState,
    signed: &Signed,
    secret: &str,
    error: Option<&str>,
) -> Result<Response, ConsoleError> {
    let uri = totp::uri(ISSUER, &signed.operator.email, secret);
    let error = error
        .map(|e| {
            format!(
                "<p id=\"code-error\" class=\"error\" role=\"alert\">{}</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Set up a second factor</h1><p>Add this account to an authenticator app: scan the \
         QR code, or type the secret. Then enter the six-digit code the app shows.</p>{qr}\
         <dl class=\"facts\"><dt>Secret (base32)</dt><dd><code class=\"secret-value\">{secret}</code></dd>\
         <dt>URI</dt><dd><code>{uri}</code></dd></dl>{error}\
         <form method=\"post\" action=\"{path}\">{csrf}<input type=\"hidden\" name=\"secret\" value=\"{secret}\">\
         <p><label for=\"code\">Code</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" \
         autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\" required></p><p><button>Confirm</button></p></form>",
        qr = qr(&uri),
        secret = esc(secret),
        uri = esc(&uri),
        path = super::TOTP_PATH,
        csrf = csrf_field(&signed.csrf),
    );
    render(state, signed, "Second factor", &body).await
}

/// The enrol page: a fresh secret each time, or the word that one is set up.
pub async fn page(
    State(state): State<AppState>,
    Enrolling(signed): Enrolling,
) -> Result<Response, ConsoleError> {
    if totp::enrolled(&state.app, &signed.operator).await? {
        let body = "<h1>Second factor</h1><p>Your account has a second factor: signing in asks \
                    for a code from your authenticator app after the password.</p>";
        return render(&state, &signed, "Second factor", body).await;
    }
    enrol_page(&state, &signed, &totp::generate_secret(), None).await
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    Enrolling(signed): Enrolling,
    headers: HeaderMap,
    Form(input): Form<EnrolForm>,
) -> Result<Response, ConsoleError> {
    auth::same_origin(&headers, &state.config.public_url)?;
    signed.check_csrf(&input.csrf)?;
    if totp::enrolled(&state.app, &signed.operator).await? {
        return Err(ConsoleError::Conflict(
            "a second factor is already set up".into(),
        ));
    }
    let who = signed.requester();
    match totp::enrol(
        &state.app,
        &signed.operator,
        &input.secret,
        &input.code,
        &who,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(super::TOTP_PATH).into_response()),
        Err(AppError::Invalid { message, .. }) => {
            let page = enrol_page(&state, &signed, &input.secret, Some(&message)).await?;
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(e.into()),
    }
}

fn code_form(status: StatusCode, csrf: &str, error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"signin\"><h1>Enter your code</h1>{error}\
         <form method=\"post\" action=\"{path}\">{csrf}\
         <p><label for=\"code\">Code from your authenticator app</label>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" \
         pattern=\"[0-9 ]*\" required autofocus></p><p><button>Sign in</button></p></form></div>",
        path = super::CODE_PATH,
        csrf = csrf_field(csrf),
    );
    let page = html::page("Enter your code", None, &body);
    (status, [(header::CONTENT_TYPE, html::CONTENT_TYPE)], page).into_response()
}

pub async fn code_page(Pending(signed): Pending) -> Response {
    code_form(StatusCode::OK, &signed.csrf, None)
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Checks the code: right, the session opens; wrong or replayed, it counts like a wrong
/// password, and the lock it may reach ends the half-open session.
pub async fn code(
    State(state): State<AppState>,
    Pending(signed): Pending,
    headers: HeaderMap,
    Form(input): Form<CodeForm>,
) -> Result<Response, ConsoleError> {
    auth::same_origin(&headers, &state.config.public_url)?;
    signed.check_csrf(&input.csrf)?;
    match totp::verify(&state.app, &signed.operator, &signed.token, &input.code).await? {
        Ok(()) => {
            tracing::info!(operator = %signed.operator.id, "console sign-in with a second factor");
            Ok(Redirect::to("/console/queue").into_response())
        }
        Err(SignInRefusal::WrongCredentials) => Ok(code_form(
            StatusCode::UNAUTHORIZED,
            &signed.csrf,
            Some("Wrong or already used code."),
        )),
        Err(SignInRefusal::Locked { until }) => {
            let why = format!(
                "Too many wrong codes or passwords: sign-in for this account is locked until {}.",
                html::time(until)
            );
            Ok(code_form(
                StatusCode::TOO_MANY_REQUESTS,
                &signed.csrf,
                Some(&why),
            ))
        }
    }
}
