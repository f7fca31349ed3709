//! The head turn measured from the key points: a frontal photo is not turned, a turned one is,
//! and its mirror image is turned the other way.

use verity_faces::MIN_TURN;

use crate::{engine, photo};

fn yaw(image: &image::DynamicImage) -> f32 {
    let faces = engine().faces(image).expect("detection runs");
    assert_eq!(faces.len(), 1, "{faces:?}");
    faces[0].landmarks.yaw()
}

#[test]
fn a_turned_head_and_its_mirror_turn_opposite_ways() {
    let frontal = yaw(&photo("obama.jpg"));
    let turned = photo("obama2.jpg");
    let right = yaw(&turned);
    let left = yaw(&turned.fliph());
    println!("yaw: frontal {frontal:.3}, turned {right:.3}, mirrored {left:.3} (min {MIN_TURN})");
    assert!(frontal.abs() < MIN_TURN, "frontal {frontal}");
    // obama2.jpg: the nose is toward the image's left — the person turned to their right.
    assert!(right <= -MIN_TURN, "turned {right}");
    assert!(left >= MIN_TURN, "mirrored {left}");
}
