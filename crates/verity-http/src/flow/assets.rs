//! The flow app's bundle (`web/flow/dist`, built by `npm run build:flow` and committed),
//! embedded in the binary so `cargo build` alone produces a server that can run the flow.
//! URLs carry a content hash (`?v=`), so the files are cached for a year and a new build is
//! fetched at once. The stylesheet is no file of its own: the pages carry it inline, admitted
//! by its hash in their CSP, one request fewer before the first page shows (docs/contract.md §7.4). The non-English string catalogs (`web/flow/dist/i18n/<lang>.js`,
//! docs/contract.md §7.3) are separate assets under the same hash: the flow imports only the one it
//! needs, so the first page's bundle does not grow with each language.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

pub const FLOW_JS: &str = include_str!("../../../../web/flow/dist/flow.js");
pub const FLOW_CSS: &str = include_str!("../../../../web/flow/dist/flow.css");

pub const JS_PATH: &str = "/flow/assets/flow.js";
/// The catalogs' route; `web/flow/src/i18n.js` imports `i18n/<lang>.js` beside `flow.js`.
pub const CATALOG_ROUTE: &str = "/flow/assets/i18n/{file}";

/// Language → catalog module, for every language but English (built into `flow.js`).
static CATALOGS: [(&str, &str); 4] = [
    ("es", include_str!("../../../../web/flow/dist/i18n/es.js")),
    ("fr", include_str!("../../../../web/flow/dist/i18n/fr.js")),
    ("de", include_str!("../../../../web/flow/dist/i18n/de.js")),
    ("pt", include_str!("../../../../web/flow/dist/i18n/pt.js")),
];

/// The path of `lang`'s catalog (a primary language subtag such as `es`), if it has one.
pub fn catalog_path(lang: &str) -> Option<String> {
    CATALOGS
        .iter()
        .any(|(l, _)| l.eq_ignore_ascii_case(lang))
        .then(|| format!("/flow/assets/i18n/{}.js", lang.to_ascii_lowercase()))
}

/// A short content hash of every file, for cache busting.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(FLOW_JS.as_bytes());
        h.update(FLOW_CSS.as_bytes());
        for (_, catalog) in CATALOGS {
            h.update(catalog.as_bytes());
        }
        hex::encode(&h.finalize()[..8])
    })
}

/// The CSP source admitting the inline stylesheet, and only it: `'sha256-…'` of `FLOW_CSS`.
pub fn css_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let digest = Sha256::digest(FLOW_CSS.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    })
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // The flow page loads these from its own origin only; no one else needs them.
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "same-origin",
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn flow_js() -> Response {
    asset(FLOW_JS, "text/javascript; charset=utf-8")
}

/// `GET /flow/assets/i18n/{lang}.js`; an unknown language is a 404.
pub async fn catalog(Path(file): Path<String>) -> Response {
    let lang = file.strip_suffix(".js").unwrap_or_default();
    match CATALOGS.iter().find(|(l, _)| *l == lang) {
        Some(&(_, body)) => asset(body, "text/javascript; charset=utf-8"),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_catalog_is_served_and_unknown_ones_are_not() {
        for (lang, body) in CATALOGS {
            assert!(body.contains("export"), "{lang}: an ES module");
            let path = catalog_path(lang);
            assert_eq!(path, Some(format!("/flow/assets/i18n/{lang}.js")));
            let status = catalog(Path(format!("{lang}.js"))).await.status();
            assert_eq!(status, StatusCode::OK, "{lang}");
        }
        assert_eq!(catalog_path("en"), None, "English is inside flow.js");
        assert_eq!(
            catalog_path("ES").as_deref(),
            Some("/flow/assets/i18n/es.js")
        );
        for unknown in ["xx.js", "es", "../flow.js", "en.js"] {
            let status = catalog(Path(unknown.to_owned())).await.status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
        }
    }
}
