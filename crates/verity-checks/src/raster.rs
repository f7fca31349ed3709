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
    let image = compact(image);
    let gray = image.to_luma8();
    Ok(DecodedImage {
        format: format_name,
        image,
        gray,
    })
}

/// The image with only what the checks read: 8-bit RGB, or 8-bit grey for a grey image.
/// Alpha and 16-bit channels are dropped as soon as the image is decoded, so an RGBA
/// upload is held at three bytes a pixel, not four, while it is checked, and the face
/// model borrows it as it is instead of converting a copy (docs/verifications.md §5). The
/// 8-bit forms with alpha are narrowed in their own buffer, never beside a copy.
fn compact(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_) => image,
        DynamicImage::ImageRgba8(rgba) => {
            let (w, h) = rgba.dimensions();
            let raw = drop_alpha(rgba.into_raw(), 4);
            image::RgbImage::from_raw(w, h, raw)
                .map_or_else(|| DynamicImage::new_rgb8(w, h), DynamicImage::ImageRgb8)
        }
        DynamicImage::ImageLumaA8(luma_alpha) => {
            let (w, h) = luma_alpha.dimensions();
            let raw = drop_alpha(luma_alpha.into_raw(), 2);
            GrayImage::from_raw(w, h, raw)
                .map_or_else(|| DynamicImage::new_luma8(w, h), DynamicImage::ImageLuma8)
        }
        DynamicImage::ImageLuma16(_) | DynamicImage::ImageLumaA16(_) => {
            DynamicImage::ImageLuma8(image.to_luma8())
        }
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// `raw` pixels of `stride` bytes with their last byte (alpha) removed, in place; the buffer
/// is then shrunk to the bytes kept.
fn drop_alpha(mut raw: Vec<u8>, stride: usize) -> Vec<u8> {
    let keep = stride - 1;
    let pixels = raw.len() / stride;
    for i in 0..pixels {
        raw.copy_within(i * stride..i * stride + keep, i * keep);
    }
    raw.truncate(pixels * keep);
    raw.shrink_to_fit();
    raw
}

/// `gray` scaled (with averaging) so its width is at most `max_width`; unchanged when smaller.
/// Quality measures run at a fixed scale so thresholds do not depend on camera resolution.
///
/// The same triangle filter as `image::imageops::resize` with `FilterType::Triangle`, value
/// for value, but with one `f32` a pixel in its intermediate image where `resize` keeps four
/// (RGBA), whatever the image: for a 4000×4000 upload measured at 512 pixels that is 8 MB
/// instead of 33 MB while the image is being checked (docs/verifications.md §5).
pub(crate) fn downscale(gray: &GrayImage, max_width: u32) -> GrayImage {
    if gray.width() <= max_width {
        return gray.clone();
    }
    let height = (u64::from(gray.height()) * u64::from(max_width) / u64::from(gray.width())).max(1);
    triangle_resize(gray, max_width, u32::try_from(height).unwrap_or(1))
}

/// For each output position along an axis of `from` pixels scaled to `to`: the first input
/// pixel and the normalised weights of the ones from there, as `resize` computes them.
fn triangle_taps(from: u32, to: u32) -> Vec<(u32, Vec<f32>)> {
    let ratio = from as f32 / to as f32;
    let sratio = ratio.max(1.0);
    let support = sratio; // the triangle's support (1) at this scale
    (0..to)
        .map(|out| {
            let centre = (out as f32 + 0.5) * ratio;
            let left = ((centre - support).floor() as i64).clamp(0, i64::from(from) - 1);
            let right = ((centre + support).ceil() as i64).clamp(left + 1, i64::from(from));
            let centre = centre - 0.5;
            let mut weights: Vec<f32> = (left..right)
                .map(|i| {
                    let x = ((i as f32 - centre) / sratio).abs();
                    if x < 1.0 {
                        1.0 - x
                    } else {
                        0.0
                    }
                })
                .collect();
            let sum = weights.iter().fold(0.0f32, |s, w| s + w);
            for w in &mut weights {
                *w /= sum;
            }
            (u32::try_from(left).unwrap_or(0), weights)
        })
        .collect()
}

/// `gray` resized to `width`×`height`: columns first into an `f32` image, then rows, as
/// `resize` does it.
fn triangle_resize(gray: &GrayImage, width: u32, height: u32) -> GrayImage {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w == 0 || h == 0 {
        return GrayImage::new(width, height);
    }
    let src = gray.as_raw();
    let mut tall = vec![0.0f32; w * height as usize];
    for (row, (top, weights)) in triangle_taps(gray.height(), height).iter().enumerate() {
        let out = &mut tall[row * w..(row + 1) * w];
        for (i, weight) in weights.iter().enumerate() {
            let line = (*top as usize + i) * w;
            for (acc, &v) in out.iter_mut().zip(&src[line..line + w]) {
                *acc += f32::from(v) * weight;
            }
        }
    }
    let columns = triangle_taps(gray.width(), width);
    GrayImage::from_fn(width, height, |x, y| {
        let (left, weights) = &columns[x as usize];
        let line = &tall[y as usize * w + *left as usize..];
        let t = weights
            .iter()
            .zip(line)
            .fold(0.0f32, |t, (weight, v)| t + v * weight);
        image::Luma([t.clamp(0.0, 255.0).round() as u8])
    })
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
    fn alpha_and_16_bit_channels_are_dropped_at_decode() {
        let rgba = image::RgbaImage::from_pixel(80, 70, image::Rgba([200, 100, 50, 128]));
        let grey16 = image::ImageBuffer::<Luma<u16>, _>::from_pixel(80, 70, Luma([40_000]));
        let encode = |img: DynamicImage| {
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png)
                .expect("encode");
            out.into_inner()
        };
        let d = decode(&encode(rgba.into()), &ImageLimits::default()).expect("decodes");
        assert_eq!(d.image.color(), image::ColorType::Rgb8);
        assert_eq!(
            d.image.as_rgb8().map(|i| i.get_pixel(3, 3).0),
            Some([200, 100, 50])
        );
        let d = decode(&encode(grey16.into()), &ImageLimits::default()).expect("decodes");
        assert_eq!(d.image.color(), image::ColorType::L8);
        assert_eq!(d.gray.get_pixel(0, 0).0, [156]);
        let noisy = image::RgbaImage::from_fn(33, 17, |x, y| {
            image::Rgba([(x * 7) as u8, (y * 13) as u8, (x * y) as u8, (x + y) as u8])
        });
        let d = decode(&encode(noisy.clone().into()), &ImageLimits::default()).expect("decodes");
        let converted = DynamicImage::ImageRgba8(noisy);
        assert_eq!(
            d.image.as_rgb8(),
            Some(&converted.to_rgb8()),
            "as image converts"
        );
        assert_eq!(d.gray, converted.to_luma8(), "the grey of the original");
        let grey_alpha = image::GrayAlphaImage::from_fn(9, 5, |x, y| {
            image::LumaA([(x * 20) as u8, (y * 50) as u8])
        });
        let d =
            decode(&encode(grey_alpha.clone().into()), &ImageLimits::default()).expect("decodes");
        assert_eq!(d.gray, DynamicImage::ImageLumaA8(grey_alpha).to_luma8());
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

    /// The measures' thresholds were set on `resize`'s output: the leaner filter must give
    /// exactly the same pixels, at whole and fractional ratios alike.
    #[test]
    fn downscale_gives_exactly_what_resize_gives() {
        let mut seed = 0x2545_f491_u32;
        let mut noise = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 24) as u8
        };
        for (w, h, to) in [
            (1000, 500, 100),
            (997, 613, 128),
            (3001, 2000, 512),
            (640, 3, 7),
        ] {
            let g = GrayImage::from_fn(w, h, |_, _| Luma([noise()]));
            let small = downscale(&g, to);
            let expected = image::imageops::resize(
                &g,
                small.width(),
                small.height(),
                image::imageops::FilterType::Triangle,
            );
            assert_eq!(small, expected, "{w}×{h} to {to}");
        }
    }
}
