//! Front and back must be different pictures. Compared with a difference hash (dHash): the
//! image is averaged down to 9×8 gray cells and each bit says whether a cell is brighter than its
//! right-hand neighbour. Re-encoding, rescaling and mild exposure changes move few bits; a
//! different picture moves about half of them. Also used to spot replayed selfie frames.

use image::GrayImage;
use serde_json::json;

use crate::context::Thresholds;
use crate::raster::DecodedImage;
use crate::Check;

/// 64-bit difference hash of `gray`.
pub fn dhash(gray: &GrayImage) -> u64 {
    let small = image::imageops::resize(gray, 9, 8, image::imageops::FilterType::Triangle);
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let left = small.get_pixel(x, y).0[0];
            let right = small.get_pixel(x + 1, y).0[0];
            hash = (hash << 1) | u64::from(left > right);
        }
    }
    hash
}

/// Number of differing bits.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// `not_applicable` without a back image; `failed` when the back is the front again.
pub fn check(
    name: &str,
    front: &DecodedImage,
    back: Option<&DecodedImage>,
    t: &Thresholds,
) -> Check {
    let Some(back) = back else {
        return Check::not_applicable(name, "no back image was submitted");
    };
    let d = distance(dhash(&front.gray), dhash(&back.gray));
    let details = json!({"hash_distance": d, "maximum_same": t.same_image_max_distance});
    if d <= t.same_image_max_distance {
        Check::failed(
            name,
            vec!["the back image is the same picture as the front".into()],
            details,
        )
    } else {
        Check::passed(name, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn gradient(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| Luma([((x * 255 / w) ^ (y * 97 / h)) as u8]))
    }

    #[test]
    fn rescaled_copies_hash_alike_and_different_pictures_do_not() {
        let a = gradient(300, 200);
        let scaled = image::imageops::resize(&a, 150, 100, image::imageops::FilterType::Triangle);
        assert!(distance(dhash(&a), dhash(&scaled)) <= 3);
        let flipped = image::imageops::flip_horizontal(&a);
        assert!(distance(dhash(&a), dhash(&flipped)) > 20);
    }

    #[test]
    fn distance_counts_bits() {
        assert_eq!(distance(0, 0), 0);
        assert_eq!(distance(0b1011, 0b0001), 2);
        assert_eq!(distance(u64::MAX, 0), 64);
    }
}
