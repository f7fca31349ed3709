//! Resolution: the image must be large enough to read. Orientation-agnostic (a portrait photo
//! of a landscape card is fine), so the longer and shorter sides are compared separately.

use serde_json::json;

use super::{per_side, Side};
use crate::context::Thresholds;
use crate::Check;

/// `Some(reason)` when a `width`×`height` image is below the minimum.
pub fn too_small(width: u32, height: u32, t: &Thresholds) -> Option<String> {
    let (long, short) = (width.max(height), width.min(height));
    (long < t.min_long_side || short < t.min_short_side).then(|| {
        format!(
            "image is {width}×{height} pixels; at least {}×{} is needed",
            t.min_long_side, t.min_short_side
        )
    })
}

pub fn check(name: &str, sides: &[Side<'_>], t: &Thresholds) -> Check {
    per_side(name, sides, |img| {
        let (w, h) = (img.width(), img.height());
        (too_small(w, h, t), json!({"width": w, "height": h}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_images_fail_in_either_orientation() {
        let t = Thresholds::default();
        assert!(too_small(856, 540, &t).is_none());
        assert!(
            too_small(540, 856, &t).is_none(),
            "portrait orientation is fine"
        );
        assert!(too_small(320, 240, &t).is_some());
        assert!(too_small(2000, 200, &t).is_some(), "a sliver is too small");
    }
}
