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
            crops.push(recognise::line_image(gray, b));
            let (x0, y0, x1, y1) = b.bounds();
            let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
            let (x, y) = (clamp(x0, gray.width()), clamp(y0, gray.height()));
            bounds.push(TextBounds {
                x,
                y,
                width: clamp(x1, gray.width()).saturating_sub(x),
                height: clamp(y1, gray.height()).saturating_sub(y),
            });
        }
        let mut decoded = self.recognise_lines(&crops)?;
        self.reread_mrz_lines(&crops, &mut decoded)?;
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

    /// MRZ lines have a known length (30, 36 or 44 characters, ICAO 9303 parts 4–6). When a
    /// line full of fillers decodes to another length, the recogniser most likely merged two
    /// characters across the zone's wide pitch; it is read again squeezed to 80 % of its width
    /// (closer to the letter spacing the network was trained on) and that reading is kept when
    /// it has a zone length.
    fn reread_mrz_lines(
        &self,
        crops: &[GrayImage],
        decoded: &mut [(recognise::Decoded, String)],
    ) -> Result<(), OcrError> {
        let zone_length = |s: &str| matches!(s.len(), 30 | 36 | 44);
        let suspects: Vec<usize> = (0..decoded.len())
            .filter(|&i| decoded[i].1.contains("<<") && !zone_length(&decoded[i].1))
            .collect();
        if suspects.is_empty() {
            return Ok(());
        }
        let squeezed: Vec<GrayImage> = suspects
            .iter()
            .map(|&i| {
                let c = &crops[i];
                let w = (c.width() * 4 / 5).max(1);
                image::imageops::resize(c, w, c.height(), image::imageops::FilterType::Triangle)
            })
            .collect();
        for (&i, again) in suspects.iter().zip(self.recognise_lines(&squeezed)?) {
            if zone_length(&again.1) {
                decoded[i].1 = again.1;
            }
        }
        Ok(())
    }
}

impl Ocr {
    /// Free and MRZ decodes of each line crop; a long crop is read in pieces
    /// ([`recognise::pieces`]) whose texts are joined.
    fn recognise_lines(
        &self,
        crops: &[GrayImage],
    ) -> Result<Vec<(recognise::Decoded, String)>, OcrError> {
        let mut pieces = Vec::new();
        let mut owner = Vec::new();
        for (i, crop) in crops.iter().enumerate() {
            for piece in recognise::pieces(crop) {
                pieces.push(piece);
                owner.push(i);
            }
        }
        let read = self.networks.recognise(&pieces)?;
        let mut out: Vec<(recognise::Decoded, String, usize)> = (0..crops.len())
            .map(|_| (recognise::Decoded::default(), String::new(), 0))
            .collect();
        for ((free, mrz), &i) in read.into_iter().zip(&owner) {
            let (text, zone, n) = &mut out[i];
            text.text.push_str(&free.text);
            text.confidence += free.confidence;
            zone.push_str(&mrz);
            *n += 1;
        }
        Ok(out
            .into_iter()
            .map(|(mut free, mrz, n)| {
                free.confidence /= n.max(1) as f32;
                (free, mrz)
            })
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
