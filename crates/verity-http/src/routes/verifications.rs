//! `/api/v1/verifications/{id}`: one verification with its checks. An inquiry
//! lists its own under `relationships.verifications` and `include=verifications`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use verity_core::id::VerificationId;

use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::jsonapi::Document;
use crate::routes::page::found as found_or_404;
use crate::state::AppState;
use crate::wire::verification as wire;

#[utoipa::path(get, path = "/verifications/{id}", tag = "verifications",
    params(("id" = String, Path, description = "ver_…")),
    responses((status = 200, body = wire::VerificationOne, description = "The verification: type `verification/government-id` or `verification/selfie`, status `submitted` | `passed` | `failed`, checks `{name, status, reasons, details, required}`"),
        (status = 404, description = "No such verification")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = VerificationId::parse(&id)?;
    let found = state.store.verification(&id).await?;
    let doc = wire::VerificationOne {
        data: (&found_or_404(&id, found)?).into(),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}
