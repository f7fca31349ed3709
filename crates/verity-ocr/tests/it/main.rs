//! `verity-ocr`'s integration tests: the embedded models reading the synthetic documents of
//! `verity_checks::fixtures` through `run_government_id`.
//! - `documents`: each document and variant, scanned and photographed, fails exactly its check.

mod documents;

use std::sync::OnceLock;

use verity_ocr::Ocr;

/// The engine, loaded once for every test (loading optimises both networks).
pub fn ocr() -> &'static Ocr {
    static OCR: OnceLock<Ocr> = OnceLock::new();
    OCR.get_or_init(|| Ocr::embedded().expect("the embedded models load"))
}
