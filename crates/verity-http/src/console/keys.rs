//! Admins' API key page (docs/console.md §7): the keys by name, hint and dates (a secret is
//! never stored, so never listed), create one (its secret on that answer only), revoke.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::admin;
use verity_core::id::ApiKeyId;

use super::admin::{button, opt_time, shown_once};
use super::auth::{CsrfForm, Signed};
use super::error::ConsoleError;
use super::html::{self, csrf_field, esc};
use super::pages::render;
use crate::state::AppState;

async fn show(state: &AppState, signed: &Signed, shown: &str) -> Result<Response, ConsoleError> {
    let keys = state.store.list_api_keys().await?;
    let rows: String = keys
        .iter()
        .map(|k| {
            let revoke = if k.revoked_at.is_none() {
                let path = format!("/console/api-keys/{}/revoke", k.id);
                button(
                    &path,
                    &signed.csrf,
                    &format!("Revoke {}", k.name),
                    "decline",
                )
            } else {
                String::new()
            };
            format!(
                "<tr><td>{name}</td><td>{id}</td><td><code>{hint}…</code></td><td>{created}</td>\
                 <td>{revoked}</td><td>{revoke}</td></tr>",
                name = esc(&k.name),
                id = esc(k.id.as_str()),
                hint = esc(&k.hint),
                created = html::time(k.created_at),
                revoked = opt_time(k.revoked_at),
            )
        })
        .collect();
    let body = format!(
        "<h1>API keys</h1>{shown}<table><caption class=\"skip\">API keys</caption><thead><tr>\
         <th scope=\"col\">Name</th><th scope=\"col\">Id</th><th scope=\"col\">Starts with</th>\
         <th scope=\"col\">Created</th><th scope=\"col\">Revoked</th><th scope=\"col\">Action</th>\
         </tr></thead><tbody>{rows}</tbody></table>\
         <h2 id=\"new-key\">New key</h2><form class=\"filters\" method=\"post\" action=\"/console/api-keys\">{csrf}\
         <div><label for=\"key-name\">Name</label><input id=\"key-name\" name=\"name\" required maxlength=\"{max}\"></div>\
         <div><button>Create key</button></div></form>",
        csrf = csrf_field(&signed.csrf),
        max = admin::MAX_KEY_NAME_LEN,
    );
    render(state, signed, "API keys", &body).await
}

pub async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, ConsoleError> {
    super::admin::page(&signed)?;
    show(&state, &signed, "").await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// Creates a key and answers the page with its secret, this once.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(input): Form<CreateForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let (key, secret) = admin::create_api_key(&state.app, &input.name, &signed.requester()).await?;
    let shown = shown_once(&format!("The secret of API key {}", key.name), &secret);
    show(&state, &signed, &shown).await
}

pub async fn revoke(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let id = ApiKeyId::parse(&id)?;
    admin::revoke_api_key(&state.app, &id, &signed.requester()).await?;
    Ok(Redirect::to("/console/api-keys").into_response())
}
