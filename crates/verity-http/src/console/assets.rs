//! The console's stylesheet and script (`web/console/`), embedded in the binary. Plain
//! files, no build step: small enough to send as written (docs/console.md §6).

use axum::http::header;
use axum::response::IntoResponse;

pub const CSS_PATH: &str = "/console/assets/console.css";
pub const JS_PATH: &str = "/console/assets/console.js";

const CONSOLE_CSS: &str = include_str!("../../../../web/console/console.css");
const CONSOLE_JS: &str = include_str!("../../../../web/console/console.js");

/// An hour: the files change only with the binary.
const CACHE: &str = "public, max-age=3600";

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CONSOLE_CSS,
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CONSOLE_JS,
    )
}
