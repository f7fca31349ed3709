//! Admins' operator page (docs/console.md §7): the operators with role, state and second
//! factor; create one (a generated password on that answer only, like `verity operator
//! create`), disable one (never yourself), reset a password (shown once).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::admin;
use verity_core::id::OperatorId;
use verity_core::operator::OperatorRole;
use verity_store::Operator;

use super::admin::{button, opt_time, shown_once};
use super::auth::{CsrfForm, Signed};
use super::error::ConsoleError;
use super::html::{self, csrf_field, esc};
use super::pages::render;
use crate::state::AppState;

async fn row(state: &AppState, signed: &Signed, o: &Operator) -> Result<String, ConsoleError> {
    let totp = if verity_app::totp::enrolled(&state.app, o).await? {
        "yes"
    } else {
        "no"
    };
    let base = format!("/console/operators/{}", o.id);
    let mut actions = String::new();
    if o.disabled_at.is_none() {
        let reset = format!("Reset the password of {}", o.email);
        actions.push_str(&button(
            &format!("{base}/reset-password"),
            &signed.csrf,
            &reset,
            "",
        ));
        if o.id != signed.operator.id {
            let disable = format!("Disable {}", o.email);
            actions.push_str(&button(
                &format!("{base}/disable"),
                &signed.csrf,
                &disable,
                "decline",
            ));
        }
    }
    Ok(format!(
        "<tr><td>{email}</td><td>{role}</td><td>{totp}</td><td>{created}</td><td>{disabled}</td>\
         <td>{locked}</td><td>{actions}</td></tr>",
        email = esc(&o.email),
        role = o.role,
        created = html::time(o.created_at),
        disabled = opt_time(o.disabled_at),
        locked = opt_time(o.locked_until),
    ))
}

async fn show(state: &AppState, signed: &Signed, shown: &str) -> Result<Response, ConsoleError> {
    let mut rows = String::new();
    for o in state.store.list_operators().await? {
        rows.push_str(&row(state, signed, &o).await?);
    }
    let roles: String = OperatorRole::ALL
        .iter()
        .map(|r| format!("<option value=\"{r}\">{r}</option>"))
        .collect();
    let body = format!(
        "<h1>Operators</h1>{shown}<table><caption class=\"skip\">Operators</caption><thead><tr>\
         <th scope=\"col\">Email</th><th scope=\"col\">Role</th><th scope=\"col\">Second factor</th>\
         <th scope=\"col\">Created</th><th scope=\"col\">Disabled</th><th scope=\"col\">Locked until</th>\
         <th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody></table>\
         <h2 id=\"new-operator\">New operator</h2><form class=\"filters\" method=\"post\" action=\"/console/operators\">{csrf}\
         <div><label for=\"operator-email\">Email</label><input id=\"operator-email\" name=\"email\" type=\"email\" required></div>\
         <div><label for=\"operator-role\">Role</label><select id=\"operator-role\" name=\"role\">{roles}</select></div>\
         <div><button>Create operator</button></div></form>",
        csrf = csrf_field(&signed.csrf),
    );
    render(state, signed, "Operators", &body).await
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
    email: String,
    #[serde(default)]
    role: String,
}

/// Creates an operator and answers the page with its generated password, this once.
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(input): Form<CreateForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let role = OperatorRole::parse(&input.role)
        .ok_or_else(|| ConsoleError::Invalid(format!("`{}` is not a role", input.role)))?;
    let (operator, password) =
        admin::create_operator(&state.app, &input.email, role, &signed.requester()).await?;
    let shown = shown_once(&format!("The password of {}", operator.email), &password);
    show(&state, &signed, &shown).await
}

async fn load(state: &AppState, id: &str) -> Result<Operator, ConsoleError> {
    let id = OperatorId::parse(id)?;
    state
        .store
        .operator(&id)
        .await?
        .ok_or_else(|| ConsoleError::NotFound(format!("no operator {id}")))
}

pub async fn disable(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let operator = load(&state, &id).await?;
    admin::disable_operator(&state.app, &operator.email, &signed.requester()).await?;
    Ok(Redirect::to("/console/operators").into_response())
}

/// Resets the password and answers the page with the new one, this once.
pub async fn reset_password(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let operator = load(&state, &id).await?;
    let password =
        admin::reset_operator_password(&state.app, &operator.email, &signed.requester()).await?;
    let shown = shown_once(
        &format!("The new password of {}", operator.email),
        &password,
    );
    show(&state, &signed, &shown).await
}
