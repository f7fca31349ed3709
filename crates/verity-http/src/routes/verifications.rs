//! `/api/v1/verifications/{id}`: one verification with its checks (issue 7). An inquiry
//! lists its own under `relationships.verifications` and `include=verifications`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use verity_core::id::VerificationId;

use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::jsonapi::Document;
use crate::resource;
use crate::routes::page::one_document;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/verifications/{id}", tag = "verifications",
    params(("id" = String, Path, description = "ver_…")),
    responses((status = 200, description = "The verification: type `verification/government-id` or `verification/selfie`, status `submitted` | `passed` | `failed`, checks `{name, status, reasons, details, required}`"),
        (status = 404, description = "No such verification")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = VerificationId::parse(&id)?;
    let found = state.store.verification(&id).await?;
    one_document(&id, found, resource::verification, &headers)
}
