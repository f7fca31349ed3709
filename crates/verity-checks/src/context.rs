//! What a check run is judged against: "today" (passed in — this crate never reads a clock),
//! the template's minimum age, the inquiry's own fields, image limits and quality thresholds.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::raster::ImageLimits;

/// The inquiry's fields a document is compared with. `None` fields are not compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryFields {
    pub name_first: Option<String>,
    pub name_last: Option<String>,
    pub birthdate: Option<NaiveDate>,
}

/// Decision thresholds. Defaults are tuned so the synthetic fixtures at ~10 px/mm sit well
/// clear of every boundary (see the fixture tests), and so that ordinary phone photos pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Minimum size of the longer and the shorter side, in pixels (orientation-agnostic).
    pub min_long_side: u32,
    pub min_short_side: u32,
    /// Images are measured at this width so thresholds do not depend on camera resolution.
    pub blur_measure_width: u32,
    /// Variance of the Laplacian below which an image is too blurry.
    pub blur_min_variance: f64,
    pub glare_measure_width: u32,
    /// Luma at or above which a (smoothed) pixel counts as over-exposed.
    pub glare_level: u8,
    /// Fraction of over-exposed pixels above which there is glare.
    pub glare_max_fraction: f64,
    /// Perceptual-hash Hamming distance at or below which two images are the same picture.
    pub same_image_max_distance: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_long_side: 600,
            min_short_side: 380,
            blur_measure_width: 512,
            blur_min_variance: 60.0,
            glare_measure_width: 128,
            glare_level: 250,
            glare_max_fraction: 0.08,
            same_image_max_distance: 6,
        }
    }
}

/// Everything a check run needs besides the images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckContext {
    pub today: NaiveDate,
    /// From the template; `None` makes the age check `not_applicable`.
    pub minimum_age: Option<u32>,
    pub inquiry: InquiryFields,
    pub limits: ImageLimits,
    pub thresholds: Thresholds,
}

impl CheckContext {
    /// Default limits and thresholds, no minimum age, no inquiry fields.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            today,
            minimum_age: None,
            inquiry: InquiryFields::default(),
            limits: ImageLimits::default(),
            thresholds: Thresholds::default(),
        }
    }
}
