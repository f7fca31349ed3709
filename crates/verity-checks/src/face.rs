//! The face-model seam: face presence and selfie-to-document comparison. Verity ships no face
//! model; [`NoFaceModel`] answers "cannot judge" so the checks come out `not_applicable` with a
//! clear reason. Nothing here ever reports a match it did not measure.

use image::DynamicImage;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A detected face, in pixels of the image it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceBox {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub confidence: f32,
}

/// A comparison score and the model's own decision threshold (same scale, higher = closer).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceMatch {
    pub similarity: f32,
    pub threshold: f32,
}

/// The model ran and failed (bad input for the model, runtime error). Reported as a failed
/// check: an error is not evidence that the face matches.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
#[error("face model error: {0}")]
pub struct FaceError(pub String);

/// A face detector and comparer. `Ok(None)` means the model cannot judge (none configured);
/// `Ok(Some(..))` is a measurement.
pub trait FaceModel: Send + Sync {
    /// Faces found in `image` (empty when there are none).
    fn detect(&self, image: &DynamicImage) -> Result<Option<Vec<FaceBox>>, FaceError>;
    /// How alike the face in `selfie` is to the portrait on `document`.
    fn compare(
        &self,
        selfie: &DynamicImage,
        document: &DynamicImage,
    ) -> Result<Option<FaceMatch>, FaceError>;
}

/// No face model configured: every answer is "cannot judge".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFaceModel;

/// Reason used for checks `NoFaceModel` cannot judge.
pub const NO_FACE_MODEL: &str = "no face model configured";

impl FaceModel for NoFaceModel {
    fn detect(&self, _image: &DynamicImage) -> Result<Option<Vec<FaceBox>>, FaceError> {
        Ok(None)
    }

    fn compare(
        &self,
        _selfie: &DynamicImage,
        _document: &DynamicImage,
    ) -> Result<Option<FaceMatch>, FaceError> {
        Ok(None)
    }
}
