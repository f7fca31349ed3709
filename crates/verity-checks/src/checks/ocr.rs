//! Reading the MRZ from the image with Tesseract (cargo feature `ocr`). The zone sits at the
//! bottom of a passport data page and of a TD1 card's back, so only the bottom third is read,
//! with the recogniser restricted to the MRZ alphabet. The text is then judged by the same
//! parser and check digits as caller-supplied text: a misread character fails a check digit
//! rather than passing unnoticed.

use image::GrayImage;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum OcrError {
    #[error("tesseract could not start (is tesseract-ocr-eng installed?): {0}")]
    Init(String),
    #[error("tesseract failed: {0}")]
    Recognise(String),
}

const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// The MRZ lines found in the bottom third of `gray` (joined by `\n`), or `None` when no line
/// of at least 30 MRZ characters was recognised.
pub fn read_mrz(gray: &GrayImage) -> Result<Option<String>, OcrError> {
    let top = gray.height() * 2 / 3;
    let zone =
        image::imageops::crop_imm(gray, 0, top, gray.width(), gray.height() - top).to_image();
    // Tesseract reads best with capitals around 40 px tall and softened pixel edges.
    let zone = image::imageops::resize(
        &zone,
        zone.width() * 2,
        zone.height() * 2,
        image::imageops::FilterType::Triangle,
    );
    let zone = image::imageops::blur(&zone, 1.5);
    let width = i32::try_from(zone.width()).map_err(|e| OcrError::Recognise(e.to_string()))?;
    let height = i32::try_from(zone.height()).map_err(|e| OcrError::Recognise(e.to_string()))?;
    let mut t = tesseract::Tesseract::new(None, Some("eng"))
        .map_err(|e| OcrError::Init(e.to_string()))?
        .set_variable("tessedit_char_whitelist", ALPHABET)
        .map_err(|e| OcrError::Init(e.to_string()))?
        .set_frame(zone.as_raw(), width, height, 1, width)
        .map_err(|e| OcrError::Recognise(e.to_string()))?
        .set_source_resolution(300);
    // One uniform block of text: the MRZ lines.
    t.set_page_seg_mode(tesseract::PageSegMode::PsmSingleBlock);
    let mut t = t
        .recognize()
        .map_err(|e| OcrError::Recognise(e.to_string()))?;
    let text = t
        .get_text()
        .map_err(|e| OcrError::Recognise(e.to_string()))?;
    Ok(mrz_lines(&text))
}

/// Keeps the recognised lines that look like MRZ lines (30+ characters of the alphabet once
/// spaces are dropped) and returns the last two or three of them.
pub fn mrz_lines(text: &str) -> Option<String> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| l.len() >= 30 && l.chars().all(|c| ALPHABET.contains(c)))
        .collect();
    let take = match lines.last().map(String::len) {
        Some(n) if n >= 40 => 2,
        Some(_) => 3,
        None => return None,
    };
    let start = lines.len().saturating_sub(take);
    Some(lines[start..].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_mrz_looking_lines() {
        let text = "PASSPORT UTOPIA\nP<UTOMUNOZ<RIOS<<ANA<MARIA<<<<<<<<<<<<<<<<<<<\nS1234567<0UTO9201011F3009153<<<<<<<<<<<<<<04\n";
        let lines = mrz_lines(text).expect("two lines");
        assert_eq!(lines.lines().count(), 2);
        assert_eq!(mrz_lines("nothing here"), None);
    }

    /// Tesseract's stock English model misreads the fixtures' 5×7 bitmap font (0 as 6 or 8,
    /// runs of fillers), so exact reading is not asserted. What must hold is the safety
    /// property: whatever is read either parses to the printed data or fails the check digits;
    /// a misread never passes with wrong data.
    #[test]
    fn ocr_misreads_are_caught_by_check_digits() {
        let today = crate::fixtures::fixed_today();
        let f = crate::fixtures::passport(crate::fixtures::PassportVariant::Valid, today);
        let img = crate::raster::decode(&f.input.front, &Default::default()).expect("decodes");
        let read = read_mrz(&img.gray).expect("tesseract runs");
        let expected = crate::checks::mrz::parse(f.mrz_text.as_deref().unwrap_or_default(), today)
            .expect("fixture MRZ");
        match read.as_deref().map(|t| crate::checks::mrz::parse(t, today)) {
            None | Some(Err(_)) => {}
            Some(Ok(parsed)) => assert_eq!(
                parsed, expected,
                "a passing MRZ must carry the printed data"
            ),
        }
    }
}
