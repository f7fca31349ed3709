//! One module per check. Each exposes a pure measurement (unit-tested on its own) and a
//! function that turns measurements into a [`Check`](crate::Check).

pub mod aamva;
pub mod age;
pub mod barcode;
pub mod blur;
pub mod consistency;
pub mod decode;
pub mod expiry;
pub mod front;
pub mod front_consistency;
pub mod glare;
pub mod mrz;
mod mrz_correct;
pub mod mrz_read;
pub mod resolution;
pub mod same_image;

use serde_json::{Map, Value};

use crate::raster::DecodedImage;

/// One submitted picture with the label reasons use for it ("front", "back", "pose center").
pub struct Side<'a> {
    pub label: String,
    pub image: &'a DecodedImage,
}

/// Runs `measure` on each side; the check fails if any side yields a reason. Details are keyed
/// by side label.
pub(crate) fn per_side(
    name: &str,
    sides: &[Side<'_>],
    measure: impl Fn(&DecodedImage) -> (Option<String>, Value),
) -> crate::Check {
    if sides.is_empty() {
        return crate::Check::not_applicable(name, "no decodable image to measure");
    }
    let mut reasons = Vec::new();
    let mut details = Map::new();
    for side in sides {
        let (reason, detail) = measure(side.image);
        if let Some(reason) = reason {
            reasons.push(format!("{}: {reason}", side.label));
        }
        details.insert(side.label.clone(), detail);
    }
    crate::Check::from_reasons(name, reasons, Value::Object(details))
}
