//! The flow app's bundle (`web/flow/dist`, built by `npm run build:flow` and committed),
//! embedded in the binary so `cargo build` alone produces a server that can run the flow.
//! URLs carry a content hash (`?v=`), so the files are cached for a year and a new build is
//! fetched at once.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub const FLOW_JS: &str = include_str!("../../../../web/flow/dist/flow.js");
pub const FLOW_CSS: &str = include_str!("../../../../web/flow/dist/flow.css");

pub const JS_PATH: &str = "/flow/assets/flow.js";
pub const CSS_PATH: &str = "/flow/assets/flow.css";

/// A short content hash of both files, for cache busting.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(FLOW_JS.as_bytes());
        h.update(FLOW_CSS.as_bytes());
        hex::encode(&h.finalize()[..8])
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

pub async fn flow_css() -> Response {
    asset(FLOW_CSS, "text/css; charset=utf-8")
}
