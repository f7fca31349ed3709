//! What the admin pages share (docs/console.md §7): the admin-only checks — a page, and a
//! post that also passes the same-origin and form-token checks of §3 — and the box a
//! secret is shown in, once, on the answer to the post that made it.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::Signed;
use super::error::ConsoleError;
use super::html::{csrf_field, esc};
use crate::state::AppState;

const ADMINS: &str = "this page is for admins";

/// Refuses a page to reviewers and viewers (403).
pub fn page(signed: &Signed) -> Result<(), ConsoleError> {
    signed.require(signed.operator.role.administers(), ADMINS)
}

/// Refuses a post that is not an admin's, from a console page, with its form token.
pub fn post(
    state: &AppState,
    signed: &Signed,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<(), ConsoleError> {
    let admin = signed.operator.role.administers();
    signed.may_post(headers, &state.config.public_url, csrf, admin, ADMINS)
}

/// A secret shown once: in this answer only, never stored in the clear, logged or
/// audited. `what` says what it is.
pub fn shown_once(what: &str, secret: &str) -> String {
    format!(
        "<section class=\"secret\" aria-labelledby=\"secret-title\" role=\"status\">\
         <h2 id=\"secret-title\">{what}</h2>\
         <p>Copy it now: it is shown only this once.</p>\
         <p><code class=\"secret-value\">{secret}</code></p></section>",
        what = esc(what),
        secret = esc(secret),
    )
}

/// A one-button form posting to `action`; `class` styles the button (`decline` for a
/// destructive one).
pub fn button(action: &str, csrf: &str, label: &str, class: &str) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    format!(
        "<form class=\"inline\" method=\"post\" action=\"{}\">{}<button{class}>{}</button></form>",
        esc(action),
        csrf_field(csrf),
        esc(label)
    )
}

/// `page` answered with `status` (a page that shows a secret or a form's errors).
pub fn with_status(status: StatusCode, page: Response) -> Response {
    let mut page = page.into_response();
    *page.status_mut() = status;
    page
}

/// `Some(at)` as a time, `None` as a dash.
pub fn opt_time(at: Option<i64>) -> String {
    at.map(super::html::time).unwrap_or_else(|| "—".into())
}
