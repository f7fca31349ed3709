//! `POST /api/v1/inquiries/{id}/generate-one-time-link`: its place in the route table and
//! its documentation. The handler itself belongs to the hand-off (`flow::handoff::api`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::jsonapi::Document;
use crate::state::AppState;
use crate::wire::inquiry as wire;

/// A one-time link the integrator delivers itself (`device-handoff-method` = `api`).
#[utoipa::path(post, path = "/inquiries/{id}/generate-one-time-link", tag = "inquiries",
    params(("id" = String, Path, description = "inq_…")),
    request_body(content = Option<wire::GenerateLink>, description = "Optional; the server's link lifetime when left out"),
    responses((status = 201, description = "The inquiry; `meta.one-time-link` is the link (shown once)", body = wire::OneTimeLinkDocument),
              (status = 404, description = "No such inquiry"),
              (status = 409, description = "The inquiry is not open"),
              (status = 422, description = "Invalid `expires-in-seconds`")))]
pub async fn generate_one_time_link(
    state: State<AppState>,
    key: Authenticated,
    headers: HeaderMap,
    id: Path<String>,
    body: Bytes,
) -> Result<Document, ApiError> {
    crate::flow::handoff::api::generate(state, key, headers, id, body).await
}
