//! Integration tests of the face engine on real photos (`tests/data/`, from the
//! `face_recognition` 1.3.0 test images, MIT — see `tests/data/README.md`).
//! - `pairs`: same-person pairs match, different-person pairs do not (scores printed).
//! - `no_face`: blank images and a camera test pattern have no face.
//! - `pose`: head turn from the key points, on a photo and its mirror image.
//! - `checks`: the selfie and ID checks of `verity-checks` run with the real engine.

mod checks;
mod no_face;
mod pairs;
mod pose;

use std::sync::OnceLock;

use image::DynamicImage;
use verity_faces::FaceEngine;

/// One engine for the whole binary, as in the server (loading is the slow part).
pub fn engine() -> &'static FaceEngine {
    static ENGINE: OnceLock<FaceEngine> = OnceLock::new();
    ENGINE.get_or_init(|| FaceEngine::shipped().expect("the shipped models load"))
}

pub fn photo(name: &str) -> DynamicImage {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    image::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn jpeg(image: &DynamicImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .to_rgb8()
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("JPEG encodes");
    out.into_inner()
}
