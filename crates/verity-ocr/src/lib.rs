//! Reading the text on identity documents with the PP-OCRv4 detector and recogniser
//! (`models/README.md`: source package, licence, SHA-256), run by `tract`. Pure after loading:
//! [`Ocr::embedded`] parses the models compiled into the crate, [`Ocr::from_dir`] reads the
//! same files from a directory (the only I/O, at load time); [`Ocr::read_lines`] and the
//! [`TextReader`] implementation never touch the file system, clock or network.
//!
//! Load once and share (`Arc<Ocr>`): parsing and optimising the two networks takes about a
//! second; each read is one detection pass and one recognition pass per batch of lines.

mod detect;
mod engine;
mod recognise;

use std::path::Path;

use image::GrayImage;
use thiserror::Error;
use verity_checks::text::{TextBounds, TextError, TextLine, TextReader};

pub use detect::DetectConfig;
use engine::Networks;

/// File names under `models/` (and in a directory given to [`Ocr::from_dir`]).
pub const DETECTOR_FILE: &str = "ch_PP-OCRv4_det_infer.onnx";
pub const RECOGNISER_FILE: &str = "ch_PP-OCRv4_rec_infer.onnx";

const DETECTOR: &[u8] = include_bytes!("../../../models/ch_PP-OCRv4_det_infer.onnx");
const RECOGNISER: &[u8] = include_bytes!("../../../models/ch_PP-OCRv4_rec_infer.onnx");

/// Why the OCR engine could not load or run.
#[derive(Debug, Error)]
pub enum OcrError {
    #[error("cannot read model file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("model {model} does not load: {message}")]
    Load {
        model: &'static str,
        message: String,
    },
    #[error("the recogniser carries no character list (metadata entry `character`)")]
    NoCharacterList,
    #[error("inference failed: {0}")]
    Inference(String),
}

/// The loaded detector and recogniser.
pub struct Ocr {
    networks: Networks,
    config: DetectConfig,
}

impl std::fmt::Debug for Ocr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocr").field("config", &self.config).finish()
    }
}

impl Ocr {
    /// The models compiled into this crate.
    pub fn embedded() -> Result<Self, OcrError> {
        Self::from_bytes(DETECTOR, RECOGNISER)
    }

    /// The models from `dir` ([`DETECTOR_FILE`], [`RECOGNISER_FILE`]).
    pub fn from_dir(dir: &Path) -> Result<Self, OcrError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| OcrError::Io {
                path: path.display().to_string(),
                source,
            })
        };
        Self::from_bytes(&read(DETECTOR_FILE)?, &read(RECOGNISER_FILE)?)
    }

    pub fn from_bytes(detector: &[u8], recogniser: &[u8]) -> Result<Self, OcrError> {
        Ok(Self {
            networks: Networks::load(detector, recogniser)?,
            config: DetectConfig::default(),
        })
    }

    /// Replaces the detection parameters (input size, thresholds).
    pub fn with_config(mut self, config: DetectConfig) -> Self {
        self.config = config;
        self
    }

    /// Every line of text in `gray`, top to bottom.
    pub fn read_lines(&self, gray: &GrayImage) -> Result<Vec<TextLine>, OcrError> {
        let boxes = self.networks.detect(gray, &self.config)?;
        let mut crops = Vec::with_capacity(boxes.len());
        let mut bounds = Vec::with_capacity(boxes.len());
        for b in &boxes {
            let x = (b.x0.floor() as u32).min(gray.width().saturating_sub(1));
            let y = (b.y0.floor() as u32).min(gray.height().saturating_sub(1));
            let w = ((b.x1.ceil() as u32).min(gray.width()) - x).max(1);
            let h = ((b.y1.ceil() as u32).min(gray.height()) - y).max(1);
            crops.push(recognise::line_image(gray, x, y, w, h));
            bounds.push(TextBounds {
                x,
                y,
                width: w,
                height: h,
            });
        }
        let decoded = self.networks.recognise(&crops)?;
        Ok(decoded
            .into_iter()
            .zip(bounds)
            .map(|((free, mrz), bounds)| TextLine {
                text: free.text,
                mrz,
                confidence: free.confidence,
                bounds,
            })
            .filter(|l| !l.text.is_empty() || !l.mrz.is_empty())
            .collect())
    }
}

impl TextReader for Ocr {
    fn read(&self, image: &GrayImage) -> Result<Option<Vec<TextLine>>, TextError> {
        self.read_lines(image)
            .map(Some)
            .map_err(|e| TextError(e.to_string()))
    }
}
