//! Image uploads from the flow: a government ID side or a selfie pose, stored as a `doc_`
//! document with its `document.created` event in one commit, while the inquiry is open.
//!
//! Nothing about the file is trusted: the format is sniffed from the bytes (the declared
//! content type is ignored), and the image is fully decoded under dimension and allocation
//! limits off the async runtime, so a decompression bomb or a truncated file is refused
//! before anything is stored. (The edge caps the size while reading.)

use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use verity_core::capture::{CaptureMethod, DocumentKind, IdClass, Pose, Side};
use verity_core::event::{EventDraft, EventName};
use verity_core::id::{DocumentId, InquiryId};
use verity_core::template::{Step, StepKind};
use verity_store::Document;

use crate::change::{change, Plan};
use crate::events::Subject;
use crate::{App, AppError};

/// Largest accepted image dimension, in pixels (either side).
pub const MAX_DIMENSION: u32 = 8000;
/// Largest allocation the decoder may make (an 8000×8000 RGBA image is 256 MB; we allow less).
pub const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;

/// The form values of an upload, as sent (docs/contract.md §5).
#[derive(Debug, Default, Clone)]
pub struct UploadForm {
    pub kind: Option<String>,
    pub side: Option<String>,
    pub id_class: Option<String>,
    pub capture_method: Option<String>,
    pub country: Option<String>,
    pub file: Option<Vec<u8>>,
}

/// What the image is of, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Capture {
    GovernmentId {
        id_class: IdClass,
        side: Side,
        /// ISO 3166 alpha-2 or alpha-3, upper case: which checks apply depends on it.
        country: Option<String>,
    },
    Selfie(Pose),
}

impl Capture {
    fn kind(&self) -> DocumentKind {
        match self {
            Capture::GovernmentId { .. } => DocumentKind::GovernmentId,
            Capture::Selfie(_) => DocumentKind::Selfie,
        }
    }

    fn side(&self) -> &'static str {
        match self {
            Capture::GovernmentId { side, .. } => side.as_str(),
            Capture::Selfie(pose) => pose.as_str(),
        }
    }
}

fn bad(message: &str) -> AppError {
    AppError::InvalidUpload(message.to_owned())
}

/// Checks the form values; returns what the image is of, how it was taken and its bytes.
pub fn parse_form(form: UploadForm) -> Result<(Capture, CaptureMethod, Vec<u8>), AppError> {
    let kind = form.kind.ok_or_else(|| bad("`kind` is required"))?;
    let side = form.side.ok_or_else(|| bad("`side` is required"))?;
    let method = form
        .capture_method
        .ok_or_else(|| bad("`capture-method` is required"))?;
    let bytes = form.file.ok_or_else(|| bad("`file` is required"))?;
    let method = CaptureMethod::parse(&method)
        .ok_or_else(|| bad("`capture-method` must be manual, auto or upload"))?;
    let capture = match DocumentKind::parse(&kind) {
        Some(DocumentKind::GovernmentId) => {
            let class = form
                .id_class
                .as_deref()
                .ok_or_else(|| bad("`id-class` is required"))?;
            let id_class = IdClass::parse(class);
            let side = Side::parse(&side);
            let (Some(id_class), Some(side)) = (id_class, side) else {
                return Err(bad("unknown ID class or side"));
            };
            if !id_class.sides().contains(&side) {
                return Err(bad("unknown ID class or side"));
            }
            let plausible =
                |c: &str| (2..=3).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphabetic());
            if form.country.as_deref().is_some_and(|c| !plausible(c)) {
                return Err(bad("`country` must be an ISO 3166 alpha-2 or alpha-3 code"));
            }
            Capture::GovernmentId {
                id_class,
                side,
                country: form.country.map(|c| c.to_ascii_uppercase()),
            }
        }
        Some(DocumentKind::Selfie) => Capture::Selfie(
            Pose::parse(&side).ok_or_else(|| bad("a selfie pose is center, left or right"))?,
        ),
        None => return Err(bad("`kind` must be government_id or selfie")),
    };
    Ok((capture, method, bytes))
}

/// Refuses uploads to an inquiry that is not open, before its body is read.
pub async fn accepting(app: &App, id: &InquiryId) -> Result<(), AppError> {
    let inquiry = crate::inquiries::load(app, id).await?;
    if inquiry.redacted_at.is_some() {
        Err(AppError::Conflict("the inquiry was redacted".into()))
    } else if inquiry.status.is_open() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "the inquiry is {}",
            inquiry.status
        )))
    }
}

/// Stores the image of an upload to inquiry `id` (checked by [`parse_form`]) with its
/// event, if the inquiry is still open.
pub async fn upload(app: &App, id: &InquiryId, form: UploadForm) -> Result<Document, AppError> {
    let (capture, method, bytes) = parse_form(form)?;
    let (content_type, bytes) = tokio::task::spawn_blocking(move || decode_checked(bytes))
        .await
        .map_err(|e| anyhow::anyhow!("decoder task failed: {e}"))??;
    let (id_class, country) = match &capture {
        Capture::GovernmentId {
            id_class, country, ..
        } => (Some(id_class.as_str().to_owned()), country.clone()),
        Capture::Selfie(_) => (None, None),
    };
    let document = Document {
        id: DocumentId::generate(&mut OsRng),
        inquiry_id: id.clone(),
        kind: capture.kind().as_str().to_owned(),
        side: capture.side().to_owned(),
        id_class,
        country,
        capture_method: method.as_str().to_owned(),
        content_type: content_type.to_owned(),
        byte_size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes,
        created_at: app.now(),
    };
    let doc = &document;
    change(app, id, |current, _| async move {
        if current.redacted_at.is_some() {
            return Err(AppError::Conflict("the inquiry was redacted".into()));
        }
        if !current.status.is_open() {
            return Err(AppError::Conflict(format!(
                "the inquiry is {}",
                current.status
            )));
        }
        let draft = EventDraft::about(EventName::DocumentCreated, &doc.id, id);
        let mut plan = Plan::default();
        plan.events
            .push((draft, Subject::Document(Box::new(doc.clone()))));
        plan.writes.documents.push(doc.clone());
        plan.go()
    })
    .await?;
    Ok(document)
}

/// The poses a selfie step asks for.
pub fn poses(step: &Step) -> Vec<String> {
    if step.poses.is_empty() {
        Pose::DEFAULT
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect()
    } else {
        step.poses.clone()
    }
}

/// The images an ID or selfie step still needs (sides or poses), given the inquiry's
/// documents; empty when it has them all.
pub fn missing_images(step: &Step, docs: &[Document]) -> Vec<String> {
    let have = |kind: DocumentKind, side: &str| {
        docs.iter()
            .any(|d| d.kind == kind.as_str() && d.side == side)
    };
    if step.kind == StepKind::Selfie {
        return poses(step)
            .into_iter()
            .filter(|p| !have(DocumentKind::Selfie, p))
            .collect();
    }
    let id_doc = docs
        .iter()
        .rev()
        .find(|d| d.kind == DocumentKind::GovernmentId.as_str());
    match id_doc
        .and_then(|d| d.id_class.as_deref())
        .and_then(IdClass::parse)
    {
        None => vec![Side::Front.as_str().to_owned()],
        Some(class) => class
            .sides()
            .iter()
            .filter(|s| !have(DocumentKind::GovernmentId, s.as_str()))
            .map(|s| s.as_str().to_owned())
            .collect(),
    }
}

/// Sniffs and fully decodes `bytes` under limits; returns the content type to store.
pub fn decode_checked(bytes: Vec<u8>) -> Result<(&'static str, Vec<u8>), AppError> {
    let bad = |m: String| AppError::InvalidUpload(m);
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
        assert!(matches!(err, AppError::InvalidUpload(_)));
    }

    #[test]
    fn form_values_are_typed_or_refused() {
        let form = |kind: &str, side: &str, class: Option<&str>| UploadForm {
            kind: Some(kind.into()),
            side: Some(side.into()),
            id_class: class.map(Into::into),
            capture_method: Some("manual".into()),
            country: None,
            file: Some(Vec::new()),
        };
        let (capture, method, _) = parse_form(form("selfie", "left", None)).unwrap();
        assert_eq!(capture, Capture::Selfie(Pose::Left));
        assert_eq!(method, CaptureMethod::Manual);
        assert!(parse_form(form("government_id", "back", Some("pp"))).is_err());
        assert!(parse_form(form("government_id", "back", Some("dl"))).is_ok());
        assert!(parse_form(form("passport", "front", None)).is_err());
    }
}
