//! Image uploads from the flow: a government ID side or a selfie pose, stored as a `doc_`
//! document with its `document.created` event in one commit, while the inquiry is open.
//!
//! Nothing about the file is trusted: the format is sniffed from the bytes (the declared
//! content type is ignored); the dimensions its header declares are checked against the
//! pixel budget before any pixel is decoded; then the image is fully decoded under the
//! decoder's own dimension and allocation limits off the async runtime, at most
//! `upload_decode_concurrency` at a time (later uploads wait for a turn), so a
//! decompression bomb or a truncated file is refused before anything is stored and
//! concurrent uploads cannot add up to more memory than that many decodes. An inquiry
//! holds at most `max_documents_per_inquiry` documents. (The edge caps the size while
//! reading.) A decoded image then passes its instant checks ([`crate::capture`]) or is
//! refused with nothing stored.

use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use verity_core::capture::{Capture, CaptureMethod, DocumentKind, IdClass, Pose, Shot, Side};
use verity_core::document::Document;
use verity_core::id::{DocumentId, InquiryId};
use verity_core::template::{Step, StepKind};

use crate::change::{change, Plan};
use crate::{App, AppError};

/// Largest accepted image side, in pixels.
pub const MAX_DIMENSION: u32 = 12_000;
/// The decoder's bytes per pixel at most (RGBA, 8 bits a channel), for its allocation limit.
const DECODED_BYTES_PER_PIXEL: u64 = 4;
/// What the decoder may allocate besides the pixels (tables, a row or two).
const DECODER_SLACK_BYTES: u64 = 8 * 1024 * 1024;

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

/// Refuses uploads to an inquiry that is not open or already holds the most documents
/// allowed, before the body is read.
pub async fn accepting(app: &App, id: &InquiryId) -> Result<(), AppError> {
    let inquiry = crate::inquiries::load(app, id).await?;
    room_for_another(app, id).await?;
    Ok(verity_core::document::accepting(&inquiry)?)
}

/// Stores the image of an upload to inquiry `id` (checked by [`parse_form`]) with its
/// event, if the inquiry is still open.
pub async fn upload(app: &App, id: &InquiryId, form: UploadForm) -> Result<Document, AppError> {
    let (capture, method, bytes) = parse_form(form)?;
    let max_pixels = app.config.upload_max_pixels;
    let turn = app
        .decodes
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| anyhow::anyhow!("the decode queue is closed: {e}"))?;
    // The turn moves into the task (a dropped request must not free it while the decoder
    // runs) and on to the instant checks, which decode the image again.
    let (checked, turn) =
        tokio::task::spawn_blocking(move || (decode_checked(bytes, max_pixels), turn))
            .await
            .map_err(|e| anyhow::anyhow!("decoder task failed: {e}"))?;
    let (content_type, bytes) = checked?;
    crate::capture::screen(app, id, &capture, bytes.clone(), turn).await?;
    let document = Document {
        id: DocumentId::generate(&mut OsRng),
        inquiry_id: id.clone(),
        capture,
        capture_method: method,
        content_type: content_type.to_owned(),
        byte_size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes,
        created_at: app.now(),
    };
    let doc = &document;
    change(app, id, |current, _| async move {
        let created = doc.attach(&current)?;
        room_for_another(app, id).await?;
        let mut plan = Plan::default();
        plan.add_document(doc.clone(), created);
        plan.go()
    })
    .await?;
    Ok(document)
}

/// A 409 once inquiry `id` holds `max_documents_per_inquiry` documents.
async fn room_for_another(app: &App, id: &InquiryId) -> Result<(), AppError> {
    let max = app.config.max_documents_per_inquiry;
    if app.store.documents_for_inquiry(id).await?.len() >= max {
        return Err(AppError::Conflict(format!(
            "the inquiry already holds the maximum of {max} documents"
        )));
    }
    Ok(())
}

/// The images an ID or selfie step still needs (sides or poses), given the inquiry's
/// documents; empty when it has them all.
pub fn missing_images(step: &Step, docs: &[Document]) -> Vec<String> {
    let have = |shot: Shot| docs.iter().any(|d| d.shot() == shot);
    if step.kind == StepKind::Selfie {
        return step
            .required_poses()
            .into_iter()
            .filter(|p| !Pose::parse(p).is_some_and(|pose| have(Shot::Selfie(pose))))
            .collect();
    }
    let id_doc = docs
        .iter()
        .rev()
        .find(|d| d.kind() == DocumentKind::GovernmentId);
    match id_doc.and_then(Document::id_class) {
        None => vec![Side::Front.as_str().to_owned()],
        Some(class) => class
            .sides()
            .iter()
            .filter(|s| !have(Shot::Id(**s)))
            .map(|s| s.as_str().to_owned())
            .collect(),
    }
}

/// Sniffs `bytes`, checks the dimensions its header declares against `max_pixels` and
/// [`MAX_DIMENSION`], then fully decodes it under limits; returns the content type to store.
pub fn decode_checked(
    bytes: Vec<u8>,
    max_pixels: u64,
) -> Result<(&'static str, Vec<u8>), AppError> {
    let bad = |m: String| AppError::InvalidUpload(m);
    let format = image::guess_format(&bytes)
        .map_err(|_| bad("the file is not a JPEG, PNG or WebP image".into()))?;
    let content_type = match format {
        image::ImageFormat::Jpeg => "image/jpeg",
        image::ImageFormat::Png => "image/png",
        image::ImageFormat::WebP => "image/webp",
        _ => return Err(bad("the file is not a JPEG, PNG or WebP image".into())),
    };
    let reader = || image::ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|e| bad(format!("the image cannot be decoded: {e}")))?;
    within_budget(width, height, max_pixels)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(max_pixels * DECODED_BYTES_PER_PIXEL + DECODER_SLACK_BYTES);
    let mut decoder = reader();
    decoder.limits(limits);
    let image = decoder
        .decode()
        .map_err(|e| bad(format!("the image cannot be decoded: {e}")))?;
    if image.width() < 64 || image.height() < 64 {
        return Err(bad("the image is smaller than 64×64 pixels".into()));
    }
    Ok((content_type, bytes))
}

/// The pixel budget of an ID photo, judged from the declared dimensions alone.
fn within_budget(width: u32, height: u32, max_pixels: u64) -> Result<(), AppError> {
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_DIMENSION || height > MAX_DIMENSION || pixels > max_pixels {
        let mp = |p: u64| p as f64 / 1_000_000.0;
        return Err(AppError::InvalidUpload(format!(
            "the image is {width}×{height} pixels ({:.1} megapixels); at most {:.1} megapixels \
             and {MAX_DIMENSION} pixels a side are accepted",
            mp(pixels),
            mp(max_pixels)
        )));
    }
    Ok(())
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

    const BUDGET: u64 = 40_000_000;

    #[test]
    fn real_images_pass_and_fakes_fail() {
        assert_eq!(
            decode_checked(png(200, 100), BUDGET).unwrap().0,
            "image/png"
        );
        assert!(decode_checked(b"GIF89a not really".to_vec(), BUDGET).is_err());
        assert!(decode_checked(png(10, 10), BUDGET).is_err());
        let mut truncated = png(200, 100);
        truncated.truncate(truncated.len() / 2);
        assert!(decode_checked(truncated, BUDGET).is_err());
    }

    /// A valid PNG header claiming `w`×`h` pixels (the pixel data is a 64×64 image's).
    fn declaring(w: u32, h: u32) -> Vec<u8> {
        let mut bomb = png(64, 64);
        bomb[16..20].copy_from_slice(&w.to_be_bytes());
        bomb[20..24].copy_from_slice(&h.to_be_bytes());
        // The IHDR chunk's CRC covers its type and data (bytes 12..29), so the decoder
        // reads the forged size instead of refusing a damaged chunk.
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        bomb
    }

    /// CRC-32 (IEEE), as PNG chunks use it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn oversized_dimensions_are_refused_from_the_header_with_the_numbers() {
        for (w, h) in [(7000, 7000), (20_000, 20_000), (12_001, 100), (100, 12_001)] {
            let AppError::InvalidUpload(why) = decode_checked(declaring(w, h), BUDGET).unwrap_err()
            else {
                panic!("not an upload refusal");
            };
            assert!(why.contains(&format!("{w}×{h} pixels")), "{why}");
            assert!(why.contains("megapixels"), "{why}");
        }
        assert!(within_budget(8000, 5000, BUDGET).is_ok());
        assert!(within_budget(6325, 6325, BUDGET).is_err());
        assert!(within_budget(4032, 3024, 12_000_000).is_err());
    }

    /// The default budget suits ID photos: a 12 MP phone photo (4032×3024, either way up)
    /// and a 16 MP one (4608×3456) pass as they are; a 48 MP one (8064×6048) is refused
    /// from its header, as is anything that would decode to more than 64 MB of RGBA.
    #[test]
    fn the_default_budget_takes_phone_photos_and_refuses_the_largest() {
        let budget = crate::AppConfig::default().upload_max_pixels;
        for (w, h) in [(4032, 3024), (3024, 4032), (4608, 3456), (4000, 4000)] {
            assert!(within_budget(w, h, budget).is_ok(), "{w}×{h}");
        }
        for (w, h) in [(8064, 6048), (6000, 6000), (4001, 4000)] {
            assert!(within_budget(w, h, budget).is_err(), "{w}×{h}");
        }
        assert!(budget * 4 <= 64_000_000);
    }

    /// More concurrent uploads than decode turns all land: they wait for a turn, they are
    /// not refused; and an upload past `max_documents_per_inquiry` is a conflict.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn uploads_wait_for_a_decode_turn_and_the_document_cap_holds() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let store = verity_store::open(&url, verity_store::Keyring::ephemeral())
            .await
            .unwrap();
        let mut app = App::new(
            store.clone(),
            std::sync::Arc::new(crate::test_support::Plain),
        );
        app.config = std::sync::Arc::new(crate::AppConfig {
            max_documents_per_inquiry: 6,
            ..crate::AppConfig::default()
        });
        let templates = crate::templates::seed_demo(store.as_ref(), app.now())
            .await
            .unwrap();
        let request = crate::inquiries::CreateInquiry {
            template: Some(crate::inquiries::TemplateRef::Template(
                templates[0].id.clone(),
            )),
            ..Default::default()
        };
        let inquiry = crate::inquiries::create(&app, request).await.unwrap();
        let form = || UploadForm {
            kind: Some("selfie".into()),
            side: Some("center".into()),
            capture_method: Some("manual".into()),
            file: Some(png(300, 200)),
            ..UploadForm::default()
        };
        let uploads = (0..6).map(|_| upload(&app, &inquiry.id, form()));
        for done in futures::future::join_all(uploads).await {
            done.unwrap();
        }
        assert_eq!(app.decodes.available_permits(), 1);
        let over = upload(&app, &inquiry.id, form()).await.unwrap_err();
        assert!(
            matches!(&over, AppError::Conflict(m) if m.contains("maximum of 6")),
            "{over}"
        );
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
