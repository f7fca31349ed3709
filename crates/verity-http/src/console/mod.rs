//! The operator console (docs/console.md): server-rendered pages under `/console` for the
//! compliance team — sign-in, the review queue, inquiries, one inquiry with its images and
//! checks, decisions, the audit trail. Roles are enforced here, on the server, for every
//! page and action; every answer carries the console's security headers.
//!
//! - [`auth`]: the session cookie and the same-origin and form-token checks;
//! - [`signin`]: signing in and out; `crate::sign_in_throttle`: failed sign-ins per address;
//! - [`pages`]: the lists; [`inquiry`]: one inquiry, its images and the decision;
//!   [`activity`]: its tags, comments, sessions, links and deliveries; [`review`]: tag,
//!   comment and redact;
//! - admins only (§7): [`templates`], [`webhooks`], [`keys`] (API keys), [`operators`],
//!   with what they share in [`admin`]; [`totp`]: the optional second factor's pages;
//! - [`html`]: the layout and escaping; [`assets`]: the stylesheet and script;
//! - [`error`]: [`error::ConsoleError`], answered as HTML in one place.

pub mod activity;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod error;
pub mod html;
pub mod inquiry;
pub mod keys;
pub mod operators;
pub mod pages;
pub mod review;
pub mod signin;
pub mod templates;
pub mod totp;
pub mod webhooks;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub const SIGN_IN_PATH: &str = "/console/sign-in";
/// Where a sign-in with a second factor asks for the code (docs/console.md §8).
pub const CODE_PATH: &str = "/console/sign-in/code";
/// Where an operator sets up a second factor.
pub const TOTP_PATH: &str = "/console/totp";

/// docs/console.md §6: no inline script or style, nothing from elsewhere, never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/queue") }))
        .route(SIGN_IN_PATH, get(signin::page).post(signin::sign_in))
        .route("/console/sign-out", post(signin::sign_out))
        .route(
            "/console/sign-out-everywhere",
            post(signin::sign_out_everywhere),
        )
        .route("/console/queue", get(pages::queue))
        .route("/console/inquiries", get(pages::inquiries))
        .route("/console/inquiries/{id}", get(inquiry::detail))
        .route("/console/inquiries/{id}/decision", post(inquiry::decide))
        .route("/console/inquiries/{id}/tags", post(review::add_tag))
        .route(
            "/console/inquiries/{id}/tags/remove",
            post(review::remove_tag),
        )
        .route("/console/inquiries/{id}/comments", post(review::comment))
        .route("/console/inquiries/{id}/redact", post(review::redact))
        .route(
            "/console/inquiries/{id}/documents/{document}",
            get(inquiry::image),
        )
        .route("/console/audit", get(pages::audit))
        .merge(admin_routes())
        .route(assets::CSS_PATH, get(assets::css))
        .route(assets::JS_PATH, get(assets::js))
        .layer(axum::middleware::from_fn(security_headers))
}

/// The admin pages (docs/console.md §7) and the second factor's (§8).
fn admin_routes() -> Router<AppState> {
    Router::new()
        .route(CODE_PATH, get(totp::code_page).post(totp::code))
        .route(TOTP_PATH, get(totp::page).post(totp::enrol))
        .route("/console/templates", get(templates::list))
        .route(
            "/console/templates/{id}",
            get(templates::detail).post(templates::save),
        )
        .route("/console/templates/{id}/publish", post(templates::publish))
        .route(
            "/console/templates/{id}/activate",
            post(templates::activate),
        )
        .route(
            "/console/templates/{id}/deactivate",
            post(templates::deactivate),
        )
        .route("/console/templates/{id}/try", post(templates::try_it))
        .route("/console/webhooks", get(webhooks::list))
        .route("/console/webhooks/{id}", get(webhooks::detail))
        .route(
            "/console/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(webhooks::redeliver),
        )
        .route(
            "/console/webhooks/{id}/rotate-secret",
            post(webhooks::rotate),
        )
        .route("/console/webhooks/{id}/disable", post(webhooks::disable))
        .route("/console/webhooks/{id}/enable", post(webhooks::enable))
        .route("/console/api-keys", get(keys::list).post(keys::create))
        .route("/console/api-keys/{id}/revoke", post(keys::revoke))
        .route(
            "/console/operators",
            get(operators::list).post(operators::create),
        )
        .route("/console/operators/{id}/disable", post(operators::disable))
        .route(
            "/console/operators/{id}/reset-password",
            post(operators::reset_password),
        )
}

/// The console's headers on every answer, errors and redirects included. Pages hold
/// personal data: nothing is cached but the two static files.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it Chromium sends `Origin: null` with the console's own form
    // posts, which the same-origin check must then refuse (docs/console.md §3).
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
