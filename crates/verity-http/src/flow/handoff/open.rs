//! The phone's side: the page for a link that cannot be used (the landing page itself,
//! `GET /verify?code=…`, is served by `flow::pages`) and `POST /flow/v1/handoff/open`
//! (spending the code). The page only checks the link: it must not spend the code, or
//! a mail scanner fetching the URL would use it up. The flow app spends it with the `POST`
//! and gets the session token in the response body — never in a URL.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use verity_app::handoff::open::spend;
use verity_core::handoff::Refusal;

use crate::flow::api::flow_state;
use crate::flow::error::FlowError;
use crate::state::AppState;

/// A plain page a person understands, with a 4xx status.
pub fn refused_page(why: Refusal) -> Response {
    let status = match why {
        Refusal::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    };
    let html = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>Link not usable</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}}</style>\
         </head><body><main><h1>This link can’t be used</h1><p>{why}.</p>\
         <p>Links to continue a verification on another device work once and only for a \
         short time. Go back to the device where you started and choose \
         <strong>Continue on your phone</strong> again to get a new link.</p></main></body></html>",
        why = capitalised(&why.to_string())
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    code: String,
}

/// `POST /flow/v1/handoff/open`: spends the code. The winner gets the inquiry as the flow
/// sees it, a fresh session token, and the hand-off (method, the desktop's step); everyone
/// else a 404/410 naming why.
pub async fn open(
    State(state): State<AppState>,
    body: Result<Json<OpenBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, FlowError> {
    let Json(body) = body.map_err(|e| FlowError::InvalidConfig(e.body_text()))?;
    let (link, inquiry, token) = spend(&state.app, &body.code).await?;
    let mut answer = flow_state(&state, &inquiry, Some(&token)).await?;
    answer["handoff"] = json!({ "method": link.method, "step": link.step });
    Ok(Json(answer))
}
