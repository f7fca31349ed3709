//! The flow's pages: `GET /widget` (in the host page's iframe), `GET /verify` (hosted, full
//! page) and `GET /preload` (warms the asset cache). Each page is one small HTML document that
//! loads exactly one script and carries the stylesheet and its validated configuration inline
//! (`#verity-config` JSON, read by `web/flow/src/config.js`).

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use verity_app::handoff::open::openable;
use verity_app::AppError;

use super::assets::{self, FLOW_CSS, JS_PATH};
use super::config::{content_security_policy, prepare, Mode};
use super::error::FlowError;
use super::handoff::open::refused_page;
use crate::state::AppState;

pub async fn widget(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    page(&state, query.as_deref().unwrap_or(""), Mode::Widget).await
}

pub async fn verify(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = query.as_deref().unwrap_or("");
    // A one-time link from another device (docs/handoff.md).
    if let Some(code) = code_in(query) {
        return landing(&state, &code).await;
    }
    page(&state, query, Mode::Hosted).await
}

async fn page(state: &AppState, query: &str, mode: Mode) -> Response {
    respond(prepare(state, query, mode).await, mode)
}

/// The `code` of a `/verify` query, if it has one.
pub fn code_in(raw_query: &str) -> Option<String> {
    url::form_urlencoded::parse(raw_query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
}

/// `GET /verify?code=…`: the hosted flow for the link's inquiry, or a page saying why the
/// link cannot be used (404 unknown, 410 used, expired or withdrawn).
pub async fn landing(state: &AppState, code: &str) -> Response {
    let link = match openable(&state.app, code).await {
        Ok(link) => link,
        Err(AppError::LinkRefused(why)) => return refused_page(why),
        Err(e) => return FlowError::from(e).into_response(),
    };
    let mut prepared = prepare(
        state,
        &format!("inquiry-id={}", link.inquiry_id),
        Mode::Hosted,
    )
    .await;
    prepared.config.handoff = true;
    respond(prepared, Mode::Hosted)
}

/// The page for a prepared configuration.
pub(super) fn respond(prepared: super::config::Prepared, mode: Mode) -> Response {
    let status = match &prepared.error {
        Some(e) => e.wire().2,
        None => StatusCode::OK,
    };
    let config = serde_json::to_string(&prepared.config).unwrap_or_else(|_| "{}".into());
    let lang = prepared
        .config
        .language
        .as_deref()
        .and_then(|l| l.get(..2))
        .unwrap_or("en")
        .to_owned();
    let html = render(&lang, &script_safe(&config));
    // Hosted pages are never framed; the widget only by its allowed ancestors.
    let ancestors = match mode {
        Mode::Widget => prepared.frame_ancestors,
        Mode::Hosted => Vec::new(),
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The official SDK puts the session token in the query: keep it out of Referer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&ancestors)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

pub async fn preload() -> Response {
    let html = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Verity</title>\
         <link rel=preload href=\"{JS_PATH}?v={v}\" as=script crossorigin>\
         <link rel=modulepreload href=\"{JS_PATH}?v={v}\"></head><body></body></html>",
        v = assets::version()
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html,
    )
        .into_response()
}

fn render(lang: &str, config_json: &str) -> String {
    let v = assets::version();
    // A catalog asked for by `language` loads beside flow.js, not after it (docs/contract.md §7.3).
    let catalog = assets::catalog_path(lang)
        .map(|path| format!("<link rel=modulepreload href=\"{path}?v={v}\">"))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>Verify your identity</title>\
         <style>{FLOW_CSS}</style>\
         <script type=module src=\"{JS_PATH}?v={v}\"></script>{catalog}</head>\
         <body><div id=app></div>\
         <script type=application/json id=verity-config>{config_json}</script></body></html>"
    )
}

/// JSON inside `<script>`: `<` escaped so no value can close the element.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn the_csp_admits_the_inline_stylesheet_and_only_it() {
        use base64::Engine as _;
        use sha2::{Digest, Sha256};
        let html = render("en", "{}");
        let css = html
            .split("<style>")
            .nth(1)
            .unwrap()
            .split("</style>")
            .next()
            .unwrap();
        assert_eq!(css, FLOW_CSS);
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css));
        let csp = content_security_policy(&[]);
        assert!(
            csp.contains(&format!("style-src 'sha256-{hash}';")),
            "{csp}"
        );
        assert!(
            !html.contains("stylesheet"),
            "no stylesheet request: {html}"
        );
    }

    #[test]
    fn inline_json_cannot_close_the_script() {
        let s = script_safe(r#"{"a":"</script><script>alert(1)</script>"}"#);
        assert!(!s.contains("</script"));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["a"], "</script><script>alert(1)</script>");
    }
}
