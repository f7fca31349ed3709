//! The PDF417 barcode on the back of North American licences and ID cards, decoded with
//! `rxing`. Decoding is retried on upscaled copies: rxing's detector needs modules of a few
//! pixels, and phone photos of a card back often have barely more than one pixel per module.

use std::collections::HashSet;

use image::GrayImage;
use rxing::common::HybridBinarizer;
use rxing::pdf417::PDF417Reader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};
use serde_json::json;

use crate::Check;

/// Scale factors tried in order. 1× first: it is cheapest and enough for well-lit scans.
const SCALES: [u32; 3] = [1, 2, 3];
/// Upscaled copies are capped so a retry cannot allocate without bound.
const MAX_UPSCALED_PIXELS: u64 = 12_000_000;

/// A decoded barcode: its text and the scale it was found at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub scale: u32,
}

/// Finds and decodes one PDF417 in `gray`, at 1×, then 2× and 3× upscaled.
pub fn decode_pdf417(gray: &GrayImage) -> Option<Decoded> {
    let hints = DecodeHints::default()
        .with(rxing::DecodeHintValue::TryHarder(true))
        .with(rxing::DecodeHintValue::PossibleFormats(HashSet::from([
            BarcodeFormat::PDF_417,
        ])));
    for scale in SCALES {
        let pixels = u64::from(gray.width()) * u64::from(gray.height()) * u64::from(scale * scale);
        if pixels > MAX_UPSCALED_PIXELS {
            break;
        }
        let scaled;
        let img = if scale == 1 {
            gray
        } else {
            scaled = image::imageops::resize(
                gray,
                gray.width() * scale,
                gray.height() * scale,
                image::imageops::FilterType::Triangle,
            );
            &scaled
        };
        if let Some(text) = decode_once(img, &hints) {
            return Some(Decoded { text, scale });
        }
    }
    None
}

fn decode_once(gray: &GrayImage, hints: &DecodeHints) -> Option<String> {
    let source =
        Luma8LuminanceSource::new(gray.as_raw().clone(), gray.width(), gray.height()).ok()?;
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    // "Not found" and "unreadable" are the same outcome for the check: no payload.
    PDF417Reader::new()
        .decode_with_hints(&mut bitmap, hints)
        .ok()
        .map(|r| r.getText().to_owned())
}

/// Whether a barcode is expected: licences and ID cards from the US and Canada carry one.
pub fn applies(id_class: &str, country: &str) -> bool {
    matches!(id_class, "dl" | "id")
        && matches!(
            country.to_ascii_uppercase().as_str(),
            "US" | "USA" | "CA" | "CAN"
        )
}

/// `id_barcode`. `back` is `None` when no back image decoded.
pub fn check(
    name: &str,
    id_class: &str,
    country: &str,
    back: Option<&GrayImage>,
) -> (Check, Option<String>) {
    if !applies(id_class, country) {
        let reason = format!("no PDF417 barcode is expected on a {id_class} from {country}");
        return (Check::not_applicable(name, reason), None);
    }
    let Some(back) = back else {
        let reason =
            "the back of the card, which carries the barcode, was not submitted or did not decode";
        return (Check::failed(name, vec![reason.into()], json!({})), None);
    };
    match decode_pdf417(back) {
        Some(d) => {
            let details = json!({"format": "pdf417", "scale": d.scale, "length": d.text.len()});
            (Check::passed(name, details), Some(d.text))
        }
        None => {
            let reason = "no readable PDF417 barcode found on the back of the card";
            (
                Check::failed(name, vec![reason.into()], json!({"scales_tried": SCALES})),
                None,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_are_expected_on_north_american_cards_only() {
        assert!(applies("dl", "US") && applies("id", "CAN"));
        assert!(!applies("pp", "US") && !applies("dl", "DE"));
    }

    #[test]
    fn a_blank_image_has_no_barcode() {
        let blank = GrayImage::from_pixel(200, 100, image::Luma([255]));
        assert_eq!(decode_pdf417(&blank), None);
        let (c, payload) = check("b", "dl", "US", Some(&blank));
        assert_eq!(c.status, crate::CheckStatus::Failed);
        assert!(payload.is_none());
    }
    // Decoding real barcodes is covered with the fixture generator's encoded barcodes in
    // `crate::fixtures` tests.
}
