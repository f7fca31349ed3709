//! Images without a face: blank frames and a generated copy of Chromium's fake-camera frame
//! (a green field with a rotating pie, a ring and a frame counter).

use image::{DynamicImage, Rgb, RgbImage};

use crate::engine;

/// A frame like Chromium's `--use-fake-device-for-media-stream`: green, a white ring, a pie
/// slice swept to `angle`, and blocky digits.
fn fake_camera_frame(angle: f32) -> DynamicImage {
    let (w, h) = (640u32, 480u32);
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let r = (dx * dx + dy * dy).sqrt();
        let a = dy.atan2(dx) + std::f32::consts::PI;
        let digit = (20..60).contains(&y) && (20..140).contains(&x) && (x / 10 + y / 10) % 3 == 0;
        if digit || (110.0..118.0).contains(&r) {
            Rgb([255, 255, 255])
        } else if r < 100.0 && a < angle {
            Rgb([0, 90, 0])
        } else {
            Rgb([0, 200, 0])
        }
    });
    DynamicImage::ImageRgb8(img)
}

#[test]
fn the_fake_camera_pattern_has_no_face_in_any_frame() {
    for step in 0..6 {
        let frame = fake_camera_frame(step as f32 + 0.5);
        let faces = engine().faces(&frame).expect("detection runs");
        assert!(faces.is_empty(), "frame {step}: {faces:?}");
    }
}

#[test]
fn blank_images_have_no_face() {
    for colour in [[255u8, 255, 255], [0, 0, 0], [128, 128, 128]] {
        let blank = DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 480, Rgb(colour)));
        let faces = engine().faces(&blank).expect("detection runs");
        assert!(faces.is_empty(), "{colour:?}: {faces:?}");
    }
}

#[test]
fn two_people_side_by_side_are_two_faces() {
    let (a, b) = (crate::photo("obama.jpg"), crate::photo("biden.jpg"));
    let h = 900;
    let a = a
        .resize(2000, h, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let b = b
        .resize(2000, h, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let mut both = RgbImage::new(a.width() + b.width(), h);
    image::imageops::replace(&mut both, &a, 0, 0);
    image::imageops::replace(&mut both, &b, i64::from(a.width()), 0);
    let faces = engine()
        .faces(&DynamicImage::ImageRgb8(both))
        .expect("detection runs");
    assert_eq!(faces.len(), 2, "{faces:?}");
}
