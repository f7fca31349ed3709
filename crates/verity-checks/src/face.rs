//! The face-model seam: what a face model must answer (faces with key points, embeddings, its
//! match threshold) and the pure geometry the checks derive from it (head turn, cosine
//! similarity). [`NoFaceModel`] answers "cannot judge" so the face checks come out
//! `not_applicable` with a clear reason. Nothing here ever reports a match it did not measure.
//!
//! Coordinates are pixels of the image as submitted. Camera frames are taken as the camera sees
//! them (not mirrored), so a person turning their head to *their* left moves their nose toward
//! the image's right: [`Landmarks::yaw`] is positive then.

use image::DynamicImage;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A detected face's box, in pixels of the image it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceBox {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub confidence: f32,
}

/// A point in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// The detector's key points. "Image-left" is the one with the smaller x, whichever of the
/// person's eyes or ears it is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Landmarks {
    pub eye_image_left: Point,
    pub eye_image_right: Point,
    pub nose: Point,
    pub mouth: Point,
}

impl Landmarks {
    /// Head turn: the nose's horizontal offset from the midpoint between the eyes, in units of
    /// the eye distance. About 0 facing the camera; positive when the nose moves toward the
    /// image's right (the person turned to their own left, see the module doc).
    pub fn yaw(&self) -> f32 {
        let eye_distance = (self.eye_image_right.x - self.eye_image_left.x)
            .abs()
            .max(1.0);
        let mid = (self.eye_image_left.x + self.eye_image_right.x) / 2.0;
        (self.nose.x - mid) / eye_distance
    }
}

/// One face found by [`FaceModel::detect`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectedFace {
    pub bbox: FaceBox,
    pub landmarks: Landmarks,
}

impl DetectedFace {
    pub fn area(&self) -> u64 {
        u64::from(self.bbox.width) * u64::from(self.bbox.height)
    }
}

/// A face embedding, L2-normalised (unit length), so the dot product is the cosine similarity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding(pub Vec<f32>);

impl Embedding {
    /// Normalises `raw` to unit length; `None` when it is all zeros (no direction to compare).
    pub fn normalised(raw: Vec<f32>) -> Option<Self> {
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm <= f32::EPSILON || !norm.is_finite() {
            return None;
        }
        Some(Self(raw.into_iter().map(|v| v / norm).collect()))
    }

    /// Cosine similarity in [-1, 1]: about 0.7–0.9 for one person, about 0 for two.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }
}

/// A comparison score and the model's own decision threshold (same scale, higher = closer).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceMatch {
    pub similarity: f32,
    pub threshold: f32,
}

impl FaceMatch {
    pub fn is_match(&self) -> bool {
        self.similarity >= self.threshold
    }
}

/// The model ran and failed (bad input for the model, runtime error). Reported as a failed
/// check: an error is not evidence that the face matches.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
#[error("face model error: {0}")]
pub struct FaceError(pub String);

/// A face detector and embedder. `Ok(None)` means the model cannot judge (none configured);
/// `Ok(Some(..))` is a measurement.
pub trait FaceModel: Send + Sync {
    /// Faces found in `image` (empty when there are none), largest first.
    fn detect(&self, image: &DynamicImage) -> Result<Option<Vec<DetectedFace>>, FaceError>;
    /// The embedding of `face` (found in `image` by [`FaceModel::detect`]), aligned by its key
    /// points.
    fn embed(
        &self,
        image: &DynamicImage,
        face: &DetectedFace,
    ) -> Result<Option<Embedding>, FaceError>;
    /// The embeddings of several faces, in order. A model that runs faces in batches answers
    /// them together; the default embeds them one by one.
    fn embed_many(
        &self,
        faces: &[(&DynamicImage, &DetectedFace)],
    ) -> Result<Vec<Option<Embedding>>, FaceError> {
        faces
            .iter()
            .map(|(image, face)| self.embed(image, face))
            .collect()
    }
    /// Cosine similarity at or above which two embeddings are the same person.
    fn match_threshold(&self) -> f32;
    /// The head turn ([`Landmarks::yaw`]) a left or right pose must reach.
    fn min_turn(&self) -> f32;
}

/// No face model configured: every answer is "cannot judge".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFaceModel;

/// Reason used for checks `NoFaceModel` cannot judge.
pub const NO_FACE_MODEL: &str = "no face model configured";

impl FaceModel for NoFaceModel {
    fn detect(&self, _image: &DynamicImage) -> Result<Option<Vec<DetectedFace>>, FaceError> {
        Ok(None)
    }

    fn embed(
        &self,
        _image: &DynamicImage,
        _face: &DetectedFace,
    ) -> Result<Option<Embedding>, FaceError> {
        Ok(None)
    }

    fn match_threshold(&self) -> f32 {
        f32::INFINITY
    }

    fn min_turn(&self) -> f32 {
        f32::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    #[test]
    fn yaw_sign_follows_the_nose() {
        let mut l = Landmarks {
            eye_image_left: p(40.0, 50.0),
            eye_image_right: p(80.0, 50.0),
            nose: p(60.0, 70.0),
            mouth: p(60.0, 90.0),
        };
        assert!(l.yaw().abs() < 1e-6);
        l.nose.x = 70.0;
        assert!((l.yaw() - 0.25).abs() < 1e-6);
        l.nose.x = 50.0;
        assert!((l.yaw() + 0.25).abs() < 1e-6);
    }

    #[test]
    fn embeddings_are_unit_and_cosine_is_bounded() {
        let a = Embedding::normalised(vec![3.0, 4.0]).expect("non-zero");
        assert!((a.cosine(&a) - 1.0).abs() < 1e-6);
        let b = Embedding::normalised(vec![-3.0, -4.0]).expect("non-zero");
        assert!((a.cosine(&b) + 1.0).abs() < 1e-6);
        assert!(Embedding::normalised(vec![0.0, 0.0]).is_none());
    }
}
