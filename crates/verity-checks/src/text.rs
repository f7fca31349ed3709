//! The text-reading seam: an OCR engine finds the lines of text on a document image and reads
//! each one. [`NoTextReader`] answers "cannot read" so the checks that need text come out
//! `not_applicable` with a clear reason; nothing here ever reports text it did not read.
//!
//! Each line is decoded twice from the same recognition pass: freely (`text`, for the printed
//! front) and over the MRZ alphabet only (`mrz`, A–Z, 0–9 and `<`), so the MRZ reader never has
//! to guess whether `O` was meant as `0` from a free-text decode that saw Latin and CJK at once.

use image::GrayImage;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a line sits, in pixels of the image it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextBounds {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// One line of text as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextLine {
    /// Free decode over the recogniser's whole character set.
    pub text: String,
    /// The same line decoded over the MRZ alphabet only (no spaces).
    pub mrz: String,
    /// Mean probability of the characters kept in `text` (0–1).
    pub confidence: f32,
    pub bounds: TextBounds,
}

/// The reader ran and failed (bad input for the model, runtime error). Reported as a failed
/// check: an error is not evidence about the document.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
#[error("text reader error: {0}")]
pub struct TextError(pub String);

/// A text detector and recogniser. `Ok(None)` means the reader cannot judge (none
/// configured); `Ok(Some(lines))` is what was read, top to bottom (empty when no text).
pub trait TextReader: Send + Sync {
    fn read(&self, image: &GrayImage) -> Result<Option<Vec<TextLine>>, TextError>;
}

/// No text reader configured: every answer is "cannot read".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTextReader;

/// Reason used for checks `NoTextReader` cannot judge.
pub const NO_TEXT_READER: &str = "no text reader configured";

impl TextReader for NoTextReader {
    fn read(&self, _image: &GrayImage) -> Result<Option<Vec<TextLine>>, TextError> {
        Ok(None)
    }
}
