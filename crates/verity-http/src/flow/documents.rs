//! Image uploads from the flow (`POST /flow/v1/inquiries/{id}/documents`, multipart): a
//! government ID side or a selfie pose, stored as a `doc_` document with its
//! `document.created` event in one commit.
//!
//! Nothing about the file is trusted: the size is capped while reading, the format is
//! sniffed from the bytes (the declared content type is ignored), and the image is fully
//! decoded under dimension and allocation limits off the async runtime, so a decompression
//! bomb or a truncated file is refused before anything is stored.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use rand::rngs::OsRng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use verity_core::event::EventName;
use verity_core::id::{DocumentId, EventId};
use verity_store::{Change, Document, NewEvent};

use super::api::{authorise as authorise_session, load as load_inquiry, Bearer};
use super::error::FlowError;
use crate::resource;
use crate::state::AppState;

/// Largest accepted image dimension, in pixels (either side).
pub const MAX_DIMENSION: u32 = 8000;
/// Largest allocation the decoder may make (an 8000×8000 RGBA image is 256 MB; we allow less).
pub const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;
const ID_CLASSES: &[&str] = &["dl", "pp", "id", "rp", "visa", "mil"];

/// Sides of an ID class that must be captured.
pub fn sides_for(id_class: &str) -> &'static [&'static str] {
    if id_class == "pp" {
        &["front"]
    } else {
        &["front", "back"]
    }
}

/// `POST /flow/v1/inquiries/{id}/documents`.
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Bearer(token): Bearer,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Value>), FlowError> {
    let id = verity_core::id::InquiryId::parse(&id)
        .map_err(|e| FlowError::InvalidConfig(e.to_string()))?;
    authorise_session(&state, &id, token.as_deref()).await?;
    let inquiry = load_inquiry(&state, &id).await?;
    if !inquiry.status.is_open() {
        return Err(FlowError::Conflict(format!(
            "the inquiry is {}",
            inquiry.status
        )));
    }
    let limit = state.config.upload_limit;
    let bad = |m: &str| FlowError::InvalidUpload(m.to_owned());
    let (mut kind, mut side, mut id_class, mut method, mut bytes) = (None, None, None, None, None);
    let mut country: Option<String> = None;
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
            bytes = Some(buf);
        } else {
            let text = field.text().await.map_err(|e| bad(&e.body_text()))?;
            if text.len() > 64 {
                return Err(bad("a form value is too long"));
            }
            match name.as_str() {
                "kind" => kind = Some(text),
                "side" => side = Some(text),
                "id-class" => id_class = Some(text),
                "capture-method" => method = Some(text),
                // Which checks apply depends on the issuing country (issue 7).
                "country" => country = Some(text),
                _ => {}
            }
        }
    }
    let kind = kind.ok_or_else(|| bad("`kind` is required"))?;
    let side = side.ok_or_else(|| bad("`side` is required"))?;
    let method = method.ok_or_else(|| bad("`capture-method` is required"))?;
    let bytes = bytes.ok_or_else(|| bad("`file` is required"))?;
    if !matches!(method.as_str(), "manual" | "auto" | "upload") {
        return Err(bad("`capture-method` must be manual, auto or upload"));
    }
    match kind.as_str() {
        "government_id" => {
            let class = id_class
                .as_deref()
                .ok_or_else(|| bad("`id-class` is required"))?;
            if !ID_CLASSES.contains(&class) || !sides_for(class).contains(&side.as_str()) {
                return Err(bad("unknown ID class or side"));
            }
            let plausible = |c: &String| {
                (2..=3).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphabetic())
            };
            if country.as_ref().is_some_and(|c| !plausible(c)) {
                return Err(bad("`country` must be an ISO 3166 alpha-2 or alpha-3 code"));
            }
        }
        "selfie" => {
            id_class = None;
            country = None;
            if !matches!(side.as_str(), "center" | "left" | "right") {
                return Err(bad("a selfie pose is center, left or right"));
            }
        }
        _ => return Err(bad("`kind` must be government_id or selfie")),
    }
    let (content_type, bytes) = tokio::task::spawn_blocking(move || decode_checked(bytes))
        .await
        .map_err(|e| {
            FlowError::Application(anyhow::anyhow!("decoder task failed: {e}").into())
        })??;

    let now = state.now();
    let document = Document {
        id: DocumentId::generate(&mut OsRng),
        inquiry_id: id.clone(),
        kind,
        side,
        id_class,
        country: country.map(|c| c.to_ascii_uppercase()),
        capture_method: method,
        content_type: content_type.to_owned(),
        byte_size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes,
        created_at: now,
    };
    let rendered = resource::document(&document);
    state
        .store
        .commit(Change {
            events: vec![NewEvent {
                id: EventId::generate(&mut OsRng),
                name: EventName::DocumentCreated,
                subject_id: document.id.to_string(),
                inquiry_id: Some(id.clone()),
                created_at: now,
                payload: json!({ "data": rendered }),
            }],
            documents: vec![document],
            ..Change::default()
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "document": rendered }))))
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

/// Sniffs and fully decodes `bytes` under limits; returns the content type to store.
pub fn decode_checked(bytes: Vec<u8>) -> Result<(&'static str, Vec<u8>), FlowError> {
    let bad = |m: String| FlowError::InvalidUpload(m);
    let format = image::guess_format(&bytes)
        .map_err(|_| bad("the file is not a JPEG, PNG or WebP image".into()))?;
    let content_type = match format {
        image::ImageFormat::Jpeg => "image/jpeg",
        image::ImageFormat::Png => "image/png",
        image::ImageFormat::WebP => "image/webp",
        _ => return Err(bad("the file is not a JPEG, PNG or WebP image".into())),
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| bad(format!("the image cannot be decoded: {e}")))?;
    if image.width() < 64 || image.height() < 64 {
        return Err(bad("the image is smaller than 64×64 pixels".into()));
    }
    Ok((content_type, bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn real_images_pass_and_fakes_fail() {
        assert_eq!(decode_checked(png(200, 100)).unwrap().0, "image/png");
        assert!(decode_checked(b"GIF89a not really".to_vec()).is_err());
        assert!(decode_checked(png(10, 10)).is_err());
        let mut truncated = png(200, 100);
        truncated.truncate(truncated.len() / 2);
        assert!(decode_checked(truncated).is_err());
    }

    #[test]
    fn oversized_dimensions_are_refused_before_decoding() {
        // A valid PNG header claiming 20000×20000 pixels: the limit trips on the header.
        let mut bomb = png(64, 64);
        bomb[16..20].copy_from_slice(&20000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20000u32.to_be_bytes());
        let err = decode_checked(bomb).unwrap_err();
        assert!(matches!(err, FlowError::InvalidUpload(_)));
    }

    #[test]
    fn passports_have_one_side() {
        assert_eq!(sides_for("pp"), &["front"]);
        assert_eq!(sides_for("dl"), &["front", "back"]);
    }
}
