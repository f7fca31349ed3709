//! Verity's face model: BlazeFace detection, alignment onto the 112×112 template, MobileFaceNet
//! embeddings, cosine comparison — [`FaceEngine`], an implementation of
//! [`verity_checks::FaceModel`]. Runs on `tract-onnx` (pure Rust). No I/O on the checks path:
//! the models are embedded in the binary ([`FaceEngine::shipped`]) or read once from a
//! directory ([`FaceEngine::from_dir`]) at start.
//!
//! Where the models come from, their hashes and how the thresholds were chosen:
//! `models/README.md`. Loading takes well under a second; keep one engine per process (it is
//! `Send + Sync`; share it as `Arc<dyn FaceModel>`).

mod align;
mod detect;
mod embed;
mod model;
#[cfg(test)]
mod parity;

use std::borrow::Cow;
use std::path::Path;

use image::{DynamicImage, RgbImage};
use verity_checks::{DetectedFace, Embedding, FaceBox, FaceError, FaceModel, Landmarks, Point};

pub use align::{aligned_crop, Similarity};
pub use model::EngineError;

/// File names inside a models directory (and under `models/` in the repository).
pub const DETECTOR_FILE: &str = "face_detection_short_range.onnx";
pub const EMBEDDER_FILE: &str = "mobilefacenet.onnx";

static SHIPPED_DETECTOR: &[u8] = include_bytes!("../../../models/face_detection_short_range.onnx");
static SHIPPED_EMBEDDER: &[u8] = include_bytes!("../../../models/mobilefacenet.onnx");

/// Cosine similarity at or above which two aligned faces are one person. Chosen on the
/// `face_recognition` test photos (same person 0.75–0.80, different people −0.12–0.07; see
/// `models/README.md`): inside the gap, nearer the same-person side because a false match is
/// the costlier error for identity verification.
pub const MATCH_THRESHOLD: f32 = 0.5;
/// Head turn ([`Landmarks::yaw`]) a left or right pose must reach. Frontal photos measure
/// |yaw| ≤ 0.12, a clearly turned head 0.26–0.29 (`models/README.md`).
pub const MIN_TURN: f32 = 0.18;

/// The loaded models. Construct once; every call is read-only.
pub struct FaceEngine {
    detector: detect::Detector,
    embedder: embed::Embedder,
    source: String,
}

impl FaceEngine {
    /// The models shipped inside the binary (`models/` at build time).
    pub fn shipped() -> Result<Self, EngineError> {
        Self::from_bytes(SHIPPED_DETECTOR, SHIPPED_EMBEDDER, "shipped models".into())
    }

    /// The models in `dir` ([`DETECTOR_FILE`], [`EMBEDDER_FILE`]), e.g. config `face_models_dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, EngineError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| EngineError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        let (detector, embedder) = (read(DETECTOR_FILE)?, read(EMBEDDER_FILE)?);
        Self::from_bytes(&detector, &embedder, format!("models in {}", dir.display()))
    }

    fn from_bytes(detector: &[u8], embedder: &[u8], source: String) -> Result<Self, EngineError> {
        Ok(Self {
            detector: detect::Detector::load(detector)?,
            embedder: embed::Embedder::load(embedder)?,
            source,
        })
    }

    /// What was loaded, for the server log ("shipped models", "models in /path").
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Faces in `image`, largest first.
    pub fn faces(&self, image: &DynamicImage) -> Result<Vec<DetectedFace>, EngineError> {
        let rgb = rgb(image);
        Ok(self
            .detector
            .detect(&rgb)?
            .into_iter()
            .map(|c| to_face(&c, rgb.width(), rgb.height()))
            .collect())
    }

    /// The 112×112 aligned crop of `face` (for inspection and the embedding).
    pub fn align(&self, image: &RgbImage, face: &DetectedFace) -> Option<RgbImage> {
        let l = &face.landmarks;
        let pts = [l.eye_image_left, l.eye_image_right, l.nose, l.mouth].map(|p| [p.x, p.y]);
        aligned_crop(image, pts)
    }

    /// The unit-length embeddings of several faces, in order, two per run of the embedder;
    /// `None` for a face that cannot be aligned.
    pub fn embeddings(
        &self,
        faces: &[(&DynamicImage, &DetectedFace)],
    ) -> Result<Vec<Option<Embedding>>, EngineError> {
        let crops: Vec<Option<RgbImage>> = faces
            .iter()
            .map(|(image, face)| self.align(&rgb(image), face))
            .collect();
        let aligned: Vec<&RgbImage> = crops.iter().flatten().collect();
        let mut embedded = self.embedder.embed_all(&aligned)?.into_iter();
        Ok(crops
            .iter()
            .map(|crop| crop.as_ref().and_then(|_| embedded.next().flatten()))
            .collect())
    }

    /// The unit-length embedding of `face` in `image`.
    pub fn embedding(
        &self,
        image: &DynamicImage,
        face: &DetectedFace,
    ) -> Result<Option<Embedding>, EngineError> {
        Ok(self.embeddings(&[(image, face)])?.pop().flatten())
    }
}

/// The image as RGB, borrowed when it already is (decoded JPEGs are): uploads are megapixels.
fn rgb(image: &DynamicImage) -> Cow<'_, RgbImage> {
    match image.as_rgb8() {
        Some(rgb) => Cow::Borrowed(rgb),
        None => Cow::Owned(image.to_rgb8()),
    }
}

fn to_face(c: &detect::Candidate, w: u32, h: u32) -> DetectedFace {
    let p = |i: usize| Point {
        x: c.points[i][0],
        y: c.points[i][1],
    };
    let (mut left, mut right) = (p(0), p(1));
    if left.x > right.x {
        std::mem::swap(&mut left, &mut right);
    }
    let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
    let (x0, y0) = (clamp(c.min[0], w), clamp(c.min[1], h));
    let (x1, y1) = (clamp(c.max[0], w), clamp(c.max[1], h));
    DetectedFace {
        bbox: FaceBox {
            x: x0,
            y: y0,
            width: x1.saturating_sub(x0),
            height: y1.saturating_sub(y0),
            confidence: c.score,
        },
        landmarks: Landmarks {
            eye_image_left: left,
            eye_image_right: right,
            nose: p(2),
            mouth: p(3),
        },
    }
}

impl FaceModel for FaceEngine {
    fn detect(&self, image: &DynamicImage) -> Result<Option<Vec<DetectedFace>>, FaceError> {
        self.faces(image)
            .map(Some)
            .map_err(|e| FaceError(e.to_string()))
    }

    fn embed(
        &self,
        image: &DynamicImage,
        face: &DetectedFace,
    ) -> Result<Option<Embedding>, FaceError> {
        self.embedding(image, face)
            .map_err(|e| FaceError(e.to_string()))
    }

    fn embed_many(
        &self,
        faces: &[(&DynamicImage, &DetectedFace)],
    ) -> Result<Vec<Option<Embedding>>, FaceError> {
        self.embeddings(faces).map_err(|e| FaceError(e.to_string()))
    }

    fn match_threshold(&self) -> f32 {
        MATCH_THRESHOLD
    }

    fn min_turn(&self) -> f32 {
        MIN_TURN
    }
}
