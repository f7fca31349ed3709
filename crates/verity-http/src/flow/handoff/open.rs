//! The phone's side: `GET /verify?code=…` (the landing page) and `POST /flow/v1/handoff/open`
//! (spending the code). The page only checks the link: it must not spend the code, or
//! a mail scanner fetching the URL would use it up. The flow app spends it with the `POST`
//! and gets the session token in the response body — never in a URL.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::rngs::OsRng;
use serde::Deserialize;
use serde_json::{json, Value};
use verity_core::handoff::{check_open, OneTimeLink, Refusal, CODE_PREFIX};
use verity_core::token;

use crate::flow::api::{flow_state, load};
use crate::flow::config::{prepare, Mode};
use crate::flow::error::FlowError;
use crate::flow::pages;
use crate::state::AppState;

/// The `code` of a `/verify` query, if it has one.
pub fn code_in(raw_query: &str) -> Option<String> {
    url::form_urlencoded::parse(raw_query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
}

/// The link with this code if it can be opened now; otherwise why not.
async fn openable(state: &AppState, code: &str) -> Result<OneTimeLink, FlowError> {
    if !code.starts_with(CODE_PREFIX) || code.len() > 128 {
        return Err(FlowError::LinkRefused(Refusal::Unknown));
    }
    let link = state
        .store
        .one_time_link_by_code_hash(&token::hash(code))
        .await?
        .ok_or(FlowError::LinkRefused(Refusal::Unknown))?;
    let inquiry = load(state, &link.inquiry_id).await?;
    check_open(&link, inquiry.status, state.now()).map_err(FlowError::LinkRefused)?;
    Ok(link)
}

/// `GET /verify?code=…`: the hosted flow for the link's inquiry, or a page saying why the
/// link cannot be used (404 unknown, 410 used, expired or withdrawn).
pub async fn landing(state: &AppState, code: &str) -> Response {
    let link = match openable(state, code).await {
        Ok(link) => link,
        Err(FlowError::LinkRefused(why)) => return refused_page(why),
        Err(e) => return e.into_response(),
    };
    let mut prepared = prepare(
        state,
        &format!("inquiry-id={}", link.inquiry_id),
        Mode::Hosted,
    )
    .await;
    prepared.config.handoff = true;
    pages::respond(prepared, Mode::Hosted)
}

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
    openable(&state, &body.code).await?;
    let secret = token::generate("vst_", &mut OsRng);
    let opened = state
        .store
        .open_one_time_link(&token::hash(&body.code), &secret.hash, state.now())
        .await?;
    let Some(link) = opened else {
        // Lost a race, or the link expired or closed between the check and the update.
        return Err(match openable(&state, &body.code).await {
            Ok(_) => FlowError::LinkRefused(Refusal::Expired),
            Err(e) => e,
        });
    };
    let inquiry = load(&state, &link.inquiry_id).await?;
    let mut answer = flow_state(&state, &inquiry, Some(&secret.plaintext)).await?;
    answer["handoff"] = json!({ "method": link.method, "step": link.step });
    Ok(Json(answer))
}
