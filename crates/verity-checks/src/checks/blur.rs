//! Blur: variance of the Laplacian of a downscaled grayscale image. Sharp edges (text, card
//! borders, barcode modules) give a large second derivative; a blurred image has small ones
//! everywhere, so the variance drops. Measured at a fixed width so the threshold is stable.

use image::GrayImage;
use serde_json::json;

use super::{per_side, Side};
use crate::context::Thresholds;
use crate::raster::downscale;
use crate::Check;

/// Variance of the 4-neighbour Laplacian over interior pixels (0 for images under 3×3).
pub fn laplacian_variance(gray: &GrayImage) -> f64 {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let px = gray.as_raw();
    let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
    for y in 1..h - 1 {
        let row = y * w;
        for x in 1..w - 1 {
            let i = row + x;
            let lap = i32::from(px[i - 1])
                + i32::from(px[i + 1])
                + i32::from(px[i - w])
                + i32::from(px[i + w])
                - 4 * i32::from(px[i]);
            let lap = f64::from(lap);
            sum += lap;
            sum_sq += lap * lap;
        }
    }
    let n = ((w - 2) * (h - 2)) as f64;
    let mean = sum / n;
    sum_sq / n - mean * mean
}

/// The measure the check decides on: Laplacian variance at the configured width.
pub fn sharpness(gray: &GrayImage, t: &Thresholds) -> f64 {
    laplacian_variance(&downscale(gray, t.blur_measure_width))
}

pub fn check(name: &str, sides: &[Side<'_>], t: &Thresholds) -> Check {
    per_side(name, sides, |img| {
        let variance = sharpness(&img.gray, t);
        let reason = (variance < t.blur_min_variance).then(|| {
            format!(
                "image is too blurry (sharpness {variance:.1}, minimum {:.1})",
                t.blur_min_variance
            )
        });
        (
            reason,
            json!({"laplacian_variance": variance, "minimum": t.blur_min_variance}),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn stripes() -> GrayImage {
        GrayImage::from_fn(200, 100, |x, _| {
            Luma([if (x / 4) % 2 == 0 { 20 } else { 230 }])
        })
    }

    #[test]
    fn flat_image_has_zero_variance() {
        assert_eq!(
            laplacian_variance(&GrayImage::from_pixel(50, 50, Luma([128]))),
            0.0
        );
        assert_eq!(laplacian_variance(&GrayImage::new(2, 2)), 0.0);
    }

    #[test]
    fn blurring_lowers_the_variance_below_the_threshold() {
        let t = Thresholds::default();
        let sharp = sharpness(&stripes(), &t);
        let blurred = sharpness(&image::imageops::blur(&stripes(), 4.0), &t);
        assert!(sharp > t.blur_min_variance * 10.0, "sharp stripes: {sharp}");
        assert!(blurred < t.blur_min_variance, "blurred stripes: {blurred}");
    }
}
