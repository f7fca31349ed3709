//! Decoding submitted image bytes safely: byte-size, dimension and pixel-count limits are
//! enforced from the header *before* pixels are allocated (decompression-bomb guard), and only
//! PNG, JPEG and WebP are accepted. Also the small image helpers every quality check shares.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Limits on one submitted image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageLimits {
    pub max_bytes: usize,
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height; the bomb guard (a 50 kB PNG can declare 60 000 × 60 000 pixels).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_bytes: 15 * 1024 * 1024,
            max_width: 8192,
            max_height: 8192,
            max_pixels: 40_000_000,
        }
    }
}

/// Why bytes were not accepted as an image.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("image is empty")]
    Empty,
    #[error("image is {bytes} bytes; the limit is {max}")]
    TooManyBytes { bytes: usize, max: usize },
    #[error("not a recognised image format")]
    UnknownFormat,
    #[error("image format {0} is not accepted (PNG, JPEG or WebP only)")]
    UnsupportedFormat(String),
    #[error(
        "image is {width}×{height}; the limit is {max_width}×{max_height} and {max_pixels} pixels"
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
        max_pixels: u64,
    },
    #[error("image could not be decoded: {0}")]
    Corrupt(String),
}

/// A decoded image plus its grayscale copy, which every quality check reads.
#[derive(Debug, Clone)]
pub struct DecodedImage {
    pub format: &'static str,
    pub image: DynamicImage,
    pub gray: GrayImage,
}

impl DecodedImage {
    pub fn width(&self) -> u32 {
        self.gray.width()
    }
    pub fn height(&self) -> u32 {
        self.gray.height()
    }
}

/// Decodes `bytes` within `limits`.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<DecodedImage, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::TooManyBytes {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| DecodeError::UnknownFormat)?;
    let format_name = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::WebP => "webp",
        other => {
            return Err(DecodeError::UnsupportedFormat(
                format!("{other:?}").to_lowercase(),
            ))
        }
    };
    // Read only the header first so a bomb is refused before any allocation.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    let too_many = DecodeError::TooManyPixels {
        width,
        height,
        max_width: limits.max_width,
        max_height: limits.max_height,
        max_pixels: limits.max_pixels,
    };
    if width > limits.max_width
        || height > limits.max_height
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(too_many);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // The decoder enforces the same bounds itself, in case the header lied about the size.
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_width);
    decoder_limits.max_image_height = Some(limits.max_height);
    // RGBA8 plus working buffers; generous but bounded.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(1 << 20));
    reader.limits(decoder_limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => too_many,
        other => DecodeError::Corrupt(other.to_string()),
    })?;
    if image.width() == 0 || image.height() == 0 {
        return Err(DecodeError::Corrupt("image has no pixels".into()));
    }
    let gray = image.to_luma8();
    Ok(DecodedImage {
        format: format_name,
        image,
        gray,
    })
}

/// `gray` scaled (with averaging) so its width is at most `max_width`; unchanged when smaller.
/// Quality measures run at a fixed scale so thresholds do not depend on camera resolution.
pub(crate) fn downscale(gray: &GrayImage, max_width: u32) -> GrayImage {
    if gray.width() <= max_width {
        return gray.clone();
    }
    let height = (u64::from(gray.height()) * u64::from(max_width) / u64::from(gray.width())).max(1);
    image::imageops::resize(
        gray,
        max_width,
        u32::try_from(height).unwrap_or(1),
        image::imageops::FilterType::Triangle,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Luma};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = GrayImage::from_pixel(width, height, Luma([128]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), width, height, image::ExtendedColorType::L8)
            .expect("encode png");
        out
    }

    #[test]
    fn decodes_a_png_within_limits() {
        let d = decode(&png(40, 30), &ImageLimits::default()).expect("decodes");
        assert_eq!((d.format, d.width(), d.height()), ("png", 40, 30));
    }

    #[test]
    fn decodes_jpeg_and_webp() {
        let img = image::RgbImage::from_pixel(32, 24, image::Rgb([10, 200, 30]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .write_image(img.as_raw(), 32, 24, image::ExtendedColorType::Rgb8)
            .expect("encode jpeg");
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .write_image(img.as_raw(), 32, 24, image::ExtendedColorType::Rgb8)
            .expect("encode webp");
        for (bytes, format) in [(jpeg, "jpeg"), (webp, "webp")] {
            let d = decode(&bytes, &ImageLimits::default()).expect("decodes");
            assert_eq!((d.format, d.width(), d.height()), (format, 32, 24));
        }
    }

    #[test]
    fn refuses_empty_oversized_and_unknown_bytes() {
        let limits = ImageLimits {
            max_bytes: 10,
            ..ImageLimits::default()
        };
        assert_eq!(decode(&[], &limits).err(), Some(DecodeError::Empty));
        assert!(matches!(
            decode(&png(4, 4), &limits),
            Err(DecodeError::TooManyBytes { .. })
        ));
        assert_eq!(
            decode(b"hello", &ImageLimits::default()).err(),
            Some(DecodeError::UnknownFormat)
        );
    }

    #[test]
    fn refuses_unsupported_formats() {
        // A GIF header: recognised, but not on the accepted list.
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert!(
            matches!(decode(gif, &ImageLimits::default()), Err(DecodeError::UnsupportedFormat(f)) if f == "gif")
        );
    }

    #[test]
    fn refuses_a_decompression_bomb_from_its_header() {
        // A tiny, highly compressible PNG that declares far more pixels than allowed.
        let bytes = png(3000, 3000);
        assert!(bytes.len() < 100_000, "the bomb is small on the wire");
        let limits = ImageLimits {
            max_pixels: 1_000_000,
            ..ImageLimits::default()
        };
        assert!(matches!(
            decode(&bytes, &limits),
            Err(DecodeError::TooManyPixels { width: 3000, .. })
        ));
        let narrow = ImageLimits {
            max_width: 100,
            ..ImageLimits::default()
        };
        assert!(matches!(
            decode(&png(200, 10), &narrow),
            Err(DecodeError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn truncated_bytes_are_corrupt() {
        let bytes = png(64, 64);
        let cut = &bytes[..bytes.len() / 2];
        assert!(matches!(
            decode(cut, &ImageLimits::default()),
            Err(DecodeError::Corrupt(_))
        ));
    }

    #[test]
    fn downscale_keeps_aspect_and_never_upscales() {
        let g = GrayImage::new(1000, 500);
        let d = downscale(&g, 100);
        assert_eq!((d.width(), d.height()), (100, 50));
        assert_eq!(downscale(&g, 2000).width(), 1000);
    }
}
