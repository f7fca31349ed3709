//! Image uploads from the flow (`POST /flow/v1/inquiries/{id}/documents`, multipart): the
//! edge reads the form with the size capped while streaming, and the application checks,
//! decodes and stores the image (`verity_app::documents`).

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use verity_app::documents::{self, UploadForm};

use super::error::FlowError;
use super::session::Authorised;
use crate::resource;
use crate::state::AppState;

/// `POST /flow/v1/inquiries/{id}/documents`.
pub async fn upload(
    State(state): State<AppState>,
    Authorised { id, .. }: Authorised,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Value>), FlowError> {
    documents::accepting(&state.app, &id).await?;
    let form = read_form(multipart, state.config.upload_limit).await?;
    let document = documents::upload(&state.app, &id, form).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "document": resource::document(&document) })),
    ))
}

/// The form's values and its `file`, refusing a file over `limit` bytes as soon as it is.
async fn read_form(mut multipart: Multipart, limit: usize) -> Result<UploadForm, FlowError> {
    let bad = |m: &str| FlowError::InvalidUpload(m.to_owned());
    let mut form = UploadForm::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(&e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let mut buf = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| bad(&e.body_text()))? {
                if buf.len() + chunk.len() > limit {
                    return Err(FlowError::InvalidUpload(format!(
                        "the image exceeds {limit} bytes"
                    )));
                }
                buf.extend_from_slice(&chunk);
            }
            form.file = Some(buf);
            continue;
        }
        let text = field.text().await.map_err(|e| bad(&e.body_text()))?;
        if text.len() > 64 {
            return Err(bad("a form value is too long"));
        }
        let slot = match name.as_str() {
            "kind" => &mut form.kind,
            "side" => &mut form.side,
            "id-class" => &mut form.id_class,
            "capture-method" => &mut form.capture_method,
            "country" => &mut form.country,
            _ => continue,
        };
        *slot = Some(text);
    }
    Ok(form)
}

/// A refused upload may leave the rest of its body unread, and the server then drops the
/// connection. `Connection: close` on the refusal tells the client so, instead of letting it
/// send its next request on a socket about to be closed.
pub async fn close_after_refusal(
    mut response: axum::response::Response,
) -> axum::response::Response {
    if !response.status().is_success() {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}
