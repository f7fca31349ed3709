//! The check models this process runs: the face engine (`verity-faces`) and the text reader
//! (`verity-ocr`), each the files shipped inside the binary, a directory holding replacements
//! with the same names, or none (its checks then say `not_applicable`, never passed).
//!
//! Loading takes a moment (seconds in a debug build), so it happens on a thread of its own
//! at start: the server answers at once, and a verification that arrives before the load has
//! finished waits for it on its blocking thread (under the checks' time limit). A model that
//! fails to load makes its checks fail with the reason, and the log says why.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use image::{DynamicImage, GrayImage};
use verity_checks::{
    DetectedFace, Embedding, FaceError, FaceModel, NoFaceModel, NoTextReader, TextError, TextLine,
    TextReader,
};
use verity_faces::FaceEngine;
use verity_ocr::Ocr;

/// Where a model comes from: config value `shipped`, `none`, or a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    Shipped,
    None,
    Dir(PathBuf),
}

impl ModelSource {
    pub fn parse(value: &str) -> ModelSource {
        match value.trim() {
            "" | "shipped" => ModelSource::Shipped,
            "none" => ModelSource::None,
            dir => ModelSource::Dir(PathBuf::from(dir)),
        }
    }

    fn describe(&self) -> String {
        match self {
            ModelSource::Shipped => "shipped models".into(),
            ModelSource::None => "none".into(),
            ModelSource::Dir(dir) => format!("models in {}", dir.display()),
        }
    }
}

/// A model loading on its own thread; `get` waits for it.
struct Loading<T> {
    cell: Arc<OnceLock<Result<T, String>>>,
}

impl<T: Send + Sync + 'static> Loading<T> {
    fn start(
        what: &'static str,
        source: String,
        load: impl FnOnce() -> Result<T, String> + Send + 'static,
    ) -> Self {
        let cell = Arc::new(OnceLock::new());
        let filled = cell.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let loaded = load();
            let ms = started.elapsed().as_millis() as u64;
            match &loaded {
                Ok(_) => tracing::info!(models = %source, ms, "{what} loaded"),
                Err(e) => {
                    tracing::error!(models = %source, error = %e, "{what} failed to load: its checks fail")
                }
            }
            let _ = filled.set(loaded);
        });
        Loading { cell }
    }

    fn get(&self) -> Result<&T, &str> {
        self.cell.wait().as_ref().map_err(String::as_str)
    }
}

struct LoadingFaces(Loading<FaceEngine>);

impl FaceModel for LoadingFaces {
    fn detect(&self, image: &DynamicImage) -> Result<Option<Vec<DetectedFace>>, FaceError> {
        self.engine()?.detect(image)
    }

    fn embed(
        &self,
        image: &DynamicImage,
        face: &DetectedFace,
    ) -> Result<Option<Embedding>, FaceError> {
        self.engine()?.embed(image, face)
    }

    fn embed_many(
        &self,
        faces: &[(&DynamicImage, &DetectedFace)],
    ) -> Result<Vec<Option<Embedding>>, FaceError> {
        self.engine()?.embed_many(faces)
    }

    fn match_threshold(&self) -> f32 {
        verity_faces::MATCH_THRESHOLD
    }

    fn min_turn(&self) -> f32 {
        verity_faces::MIN_TURN
    }
}

impl LoadingFaces {
    fn engine(&self) -> Result<&FaceEngine, FaceError> {
        self.0
            .get()
            .map_err(|e| FaceError(format!("face models did not load: {e}")))
    }
}

struct LoadingText(Loading<Ocr>);

impl TextReader for LoadingText {
    fn read(&self, image: &GrayImage) -> Result<Option<Vec<TextLine>>, TextError> {
        let ocr = self
            .0
            .get()
            .map_err(|e| TextError(format!("OCR models did not load: {e}")))?;
        ocr.read(image)
    }
}

/// The face model for `source`, loading in the background.
pub fn faces(source: &ModelSource) -> Arc<dyn FaceModel> {
    let load_from = source.clone();
    let load = move || {
        match &load_from {
            ModelSource::Dir(dir) => FaceEngine::from_dir(dir),
            _ => FaceEngine::shipped(),
        }
        .map_err(|e| e.to_string())
    };
    match source {
        ModelSource::None => {
            tracing::info!("face models: none (face checks are not_applicable)");
            Arc::new(NoFaceModel)
        }
        _ => Arc::new(LoadingFaces(Loading::start(
            "face models",
            source.describe(),
            load,
        ))),
    }
}

/// The text reader for `source`, loading in the background.
pub fn text(source: &ModelSource) -> Arc<dyn TextReader> {
    let load_from = source.clone();
    let load = move || {
        match &load_from {
            ModelSource::Dir(dir) => Ocr::from_dir(dir),
            _ => Ocr::embedded(),
        }
        .map_err(|e| e.to_string())
    };
    match source {
        ModelSource::None => {
            tracing::info!("OCR models: none (MRZ and printed-front checks are not_applicable)");
            Arc::new(NoTextReader)
        }
        _ => Arc::new(LoadingText(Loading::start(
            "OCR models",
            source.describe(),
            load,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_from_config_values() {
        assert_eq!(ModelSource::parse(""), ModelSource::Shipped);
        assert_eq!(ModelSource::parse("shipped"), ModelSource::Shipped);
        assert_eq!(ModelSource::parse("none"), ModelSource::None);
        assert_eq!(
            ModelSource::parse("/opt/m"),
            ModelSource::Dir("/opt/m".into())
        );
    }

    #[test]
    fn a_directory_without_the_files_fails_the_checks_with_the_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let faces = faces(&ModelSource::Dir(dir.path().to_owned()));
        let blank = DynamicImage::new_rgb8(64, 64);
        let err = faces.detect(&blank).expect_err("no model files");
        assert!(err.0.contains("face models did not load"), "{err}");
        let text = text(&ModelSource::Dir(dir.path().to_owned()));
        let err = text
            .read(&GrayImage::new(64, 64))
            .expect_err("no model files");
        assert!(err.0.contains("OCR models did not load"), "{err}");
    }
}
