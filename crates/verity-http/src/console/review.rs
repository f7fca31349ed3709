//! A reviewer's or admin's actions on one inquiry besides the decision (docs/console.md
//! §4): add and remove a tag, comment, redact with a typed confirmation. Each passes the
//! same-origin, form-token and role checks, then calls its use case in
//! `verity_app::review`, which commits the change with its audit record.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::review;
use verity_core::id::InquiryId;

use super::auth::Signed;
use super::error::ConsoleError;
use crate::state::AppState;

const VIEWERS: &str = "viewers cannot change inquiries";

#[derive(Debug, Deserialize)]
pub struct TagForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tag: String,
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

#[derive(Debug, Deserialize)]
pub struct RedactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// Back to the inquiry's page, at `anchor`.
fn back(id: &InquiryId, anchor: &str) -> Response {
    Redirect::to(&format!("/console/inquiries/{id}#{anchor}")).into_response()
}

async fn tag(
    state: AppState,
    signed: Signed,
    headers: HeaderMap,
    id: String,
    input: TagForm,
    add: bool,
) -> Result<Response, ConsoleError> {
    let role = signed.operator.role;
    signed.may_post(
        &headers,
        &state.config.public_url,
        &input.csrf,
        role.decides(),
        VIEWERS,
    )?;
    let id = InquiryId::parse(&id)?;
    review::tag(&state.app, &id, &input.tag, add, &signed.requester()).await?;
    Ok(back(&id, "tags"))
}

pub async fn add_tag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<TagForm>,
) -> Result<Response, ConsoleError> {
    tag(state, signed, headers, id, input, true).await
}

pub async fn remove_tag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<TagForm>,
) -> Result<Response, ConsoleError> {
    tag(state, signed, headers, id, input, false).await
}

pub async fn comment(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CommentForm>,
) -> Result<Response, ConsoleError> {
    let role = signed.operator.role;
    signed.may_post(
        &headers,
        &state.config.public_url,
        &input.csrf,
        role.decides(),
        VIEWERS,
    )?;
    let id = InquiryId::parse(&id)?;
    review::comment(&state.app, &id, &input.body, &signed.requester()).await?;
    Ok(back(&id, "comments"))
}

pub async fn redact(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<RedactForm>,
) -> Result<Response, ConsoleError> {
    let role = signed.operator.role;
    signed.may_post(
        &headers,
        &state.config.public_url,
        &input.csrf,
        role.decides(),
        VIEWERS,
    )?;
    let id = InquiryId::parse(&id)?;
    if input.confirm.trim() != id.as_str() {
        return Err(ConsoleError::Invalid(format!(
            "type the inquiry id {id} to confirm the redaction"
        )));
    }
    review::redact(&state.app, &id, &signed.requester()).await?;
    Ok(back(&id, "redact"))
}
