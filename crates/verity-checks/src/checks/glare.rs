//! Glare: the fraction of over-exposed area. The image is first averaged down to a coarse
//! grid so fine white detail (barcode modules, paper between letters) is mixed with its dark
//! neighbours and only broad saturated patches — reflections — stay at full brightness.

use image::GrayImage;
use serde_json::json;

use super::{per_side, Side};
use crate::context::Thresholds;
use crate::raster::downscale;
use crate::Check;

/// Fraction (0..=1) of pixels of the downscaled image at or above `t.glare_level`.
pub fn overexposed_fraction(gray: &GrayImage, t: &Thresholds) -> f64 {
    let small = downscale(gray, t.glare_measure_width);
    let total = small.as_raw().len();
    if total == 0 {
        return 0.0;
    }
    let bright = small
        .as_raw()
        .iter()
        .filter(|&&v| v >= t.glare_level)
        .count();
    bright as f64 / total as f64
}

pub fn check(name: &str, sides: &[Side<'_>], t: &Thresholds) -> Check {
    per_side(name, sides, |img| {
        let fraction = overexposed_fraction(&img.gray, t);
        let reason = (fraction > t.glare_max_fraction).then(|| {
            format!(
                "glare: {:.0}% of the image is over-exposed (at most {:.0}% allowed)",
                fraction * 100.0,
                t.glare_max_fraction * 100.0
            )
        });
        (
            reason,
            json!({"overexposed_fraction": fraction, "maximum": t.glare_max_fraction}),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn a_white_patch_is_glare_but_fine_white_detail_is_not() {
        let t = Thresholds::default();
        let patch = GrayImage::from_fn(400, 200, |x, y| {
            Luma([if x < 200 && y < 100 { 255 } else { 120 }])
        });
        assert!((overexposed_fraction(&patch, &t) - 0.25).abs() < 0.03);
        // One-pixel white/black checkerboard: half the pixels are white, none after averaging.
        let fine = GrayImage::from_fn(400, 200, |x, y| {
            Luma([if (x + y) % 2 == 0 { 255 } else { 0 }])
        });
        assert!(overexposed_fraction(&fine, &t) < 0.01);
    }
}
