//! Image decodes within limits: every submitted image must be PNG, JPEG or WebP, within the
//! byte, dimension and pixel limits. Images that fail are left out of every later check.

use serde_json::{json, Map, Value};

use crate::raster::{decode, DecodedImage, ImageLimits};
use crate::Check;

/// Decodes each `(label, bytes)`; the check fails naming every image that did not decode.
pub fn check(
    name: &str,
    images: &[(String, &[u8])],
    limits: &ImageLimits,
) -> (Check, Vec<Option<DecodedImage>>) {
    let mut reasons = Vec::new();
    let mut details = Map::new();
    let mut decoded = Vec::with_capacity(images.len());
    for (label, bytes) in images {
        match decode(bytes, limits) {
            Ok(img) => {
                details.insert(
                    label.clone(),
                    json!({"format": img.format, "width": img.width(), "height": img.height(), "bytes": bytes.len()}),
                );
                decoded.push(Some(img));
            }
            Err(e) => {
                reasons.push(format!("{label}: {e}"));
                details.insert(
                    label.clone(),
                    json!({"error": e.to_string(), "bytes": bytes.len()}),
                );
                decoded.push(None);
            }
        }
    }
    (
        Check::from_reasons(name, reasons, Value::Object(details)),
        decoded,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckStatus;

    #[test]
    fn names_the_image_that_failed() {
        let (c, decoded) = check(
            "d",
            &[("front".into(), b"not an image")],
            &ImageLimits::default(),
        );
        assert_eq!(c.status, CheckStatus::Failed);
        assert!(c.reasons[0].starts_with("front: "), "{:?}", c.reasons);
        assert!(decoded[0].is_none());
    }
}
