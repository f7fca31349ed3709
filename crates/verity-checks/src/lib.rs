//! Verification checks on government-ID and selfie images. Pure: no I/O, no async, no clock —
//! "today" comes in through [`CheckContext`], images come in as bytes, results go out as
//! [`Check`]s (`{name, status, reasons, details}`).
//!
//! Entry points: [`run_government_id`] (given a [`TextReader`] for the MRZ and the printed
//! front; the `verity-ocr` crate implements one) and [`run_selfie`]. Each check lives in its own module
//! under [`checks`]; [`RequiredChecks`] says which ones decide an outcome.
//!
//! Cargo features:
//! - `fixtures`: the `fixtures` module, a generator of synthetic licences, passports, ID cards and
//!   selfies (no real personal data, printed in the embedded public-domain OCR-B font) for this
//!   crate's tests and end-to-end tests elsewhere.

pub mod capture;
pub mod check;
pub mod checks;
pub mod context;
pub mod duplicate;
pub mod face;
pub mod face_checks;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod government_id;
pub mod raster;
mod reading;
pub mod selfie;
pub mod text;

pub use check::{names, Check, CheckStatus, RequiredChecks, Requirement};
pub use context::{CheckContext, InquiryFields, Thresholds};
pub use duplicate::{selfie_duplicate, ClaimedIdentity, KnownFace};
pub use face::{DetectedFace, Embedding, Landmarks, Point};
pub use face::{FaceBox, FaceError, FaceMatch, FaceModel, NoFaceModel};
pub use face_checks::id_portrait_present;
pub use government_id::{
    run_government_id, DataSource, ExtractedData, GovernmentIdInput, GovernmentIdReport,
};
pub use raster::{DecodeError, ImageLimits};
pub use selfie::{run_selfie, SelfieInput, SelfieReport};
pub use text::{NoTextReader, TextError, TextLine, TextReader};
