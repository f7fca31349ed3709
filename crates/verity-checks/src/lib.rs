//! Verification checks on government-ID and selfie images. Pure: no I/O, no async, no clock —
//! "today" comes in through [`CheckContext`], images come in as bytes, results go out as
//! [`Check`]s (`{name, status, reasons, details}`).
//!
//! Entry points: [`run_government_id`] and [`run_selfie`]. Each check lives in its own module
//! under [`checks`]; [`RequiredChecks`] says which ones decide an outcome.
//!
//! Cargo features:
//! - `fixtures`: the `fixtures` module, a generator of synthetic licences, passports and selfies (no
//!   real personal data) for this crate's tests and end-to-end tests elsewhere.
//! - `ocr`: when no MRZ text is supplied ([`GovernmentIdInput::mrz_text`]), read it from the
//!   image with Tesseract (module `checks::ocr`). Building needs `libtesseract-dev`,
//!   `libleptonica-dev` and `libclang-dev`; running needs `tesseract-ocr-eng`. Without the
//!   feature and without supplied text the MRZ check is `not_applicable` and says so. Tesseract's
//!   stock model is not trained on MRZ fonts, so OCR'd zones often fail their check digits —
//!   a safe failure, never a wrong pass.
//!   The MRZ parser and check-digit logic are always built and tested.

pub mod check;
pub mod checks;
pub mod context;
pub mod face;
pub mod face_checks;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod government_id;
pub mod raster;
pub mod selfie;

pub use check::{names, Check, CheckStatus, RequiredChecks, Requirement};
pub use context::{CheckContext, InquiryFields, Thresholds};
pub use face::{DetectedFace, Embedding, Landmarks, Point};
pub use face::{FaceBox, FaceError, FaceMatch, FaceModel, NoFaceModel};
pub use face_checks::id_portrait_present;
pub use government_id::{
    run_government_id, DataSource, ExtractedData, GovernmentIdInput, GovernmentIdReport,
};
pub use raster::{DecodeError, ImageLimits};
pub use selfie::{run_selfie, SelfieInput, SelfieReport};
