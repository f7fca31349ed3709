//! `verity-checks`' selfie and ID face checks decided by the real engine: the synthetic licence
//! (which carries a crop of `obama.jpg`) against real selfies, the camera test pattern, and
//! turned poses.

use image::DynamicImage;
use verity_checks::face_checks::id_portrait_present;
use verity_checks::fixtures::{fixed_today, licence, LicenceVariant};
use verity_checks::{names, run_selfie, CheckContext, CheckStatus, SelfieInput, SelfieReport};

use crate::{engine, jpeg, photo};

fn selfie(center: &DynamicImage, left: &DynamicImage, right: &DynamicImage) -> SelfieInput {
    let id = licence(LicenceVariant::Valid, fixed_today());
    SelfieInput {
        poses: vec![
            ("center".into(), jpeg(center)),
            ("left".into(), jpeg(left)),
            ("right".into(), jpeg(right)),
        ],
        required_poses: vec!["center".into(), "left".into(), "right".into()],
        id_front: Some(id.input.front),
    }
}

fn run(input: &SelfieInput) -> SelfieReport {
    let report = run_selfie(input, &CheckContext::new(fixed_today()), engine());
    for c in &report.checks {
        println!("{} {:?} {:?} {}", c.name, c.status, c.reasons, c.details);
    }
    report
}

fn status(report: &SelfieReport, name: &str) -> CheckStatus {
    report.check(name).map(|c| c.status).expect("check listed")
}

#[test]
fn a_real_selfie_of_the_licence_holder_passes_every_face_check() {
    let turned = photo("obama2.jpg");
    let report = run(&selfie(&photo("obama3.jpg"), &turned.fliph(), &turned));
    for name in [
        names::SELFIE_FACE_PRESENCE,
        names::SELFIE_POSE,
        names::SELFIE_SAME_PERSON,
        names::SELFIE_ID_COMPARISON,
    ] {
        assert_eq!(status(&report, name), CheckStatus::Passed, "{name}");
    }
    let comparison = report.check(names::SELFIE_ID_COMPARISON).expect("listed");
    assert!(comparison.details["similarity"].as_f64().is_some());
    assert!(comparison.details["threshold"].as_f64().is_some());
    assert_eq!(
        status(&report, names::SELFIE_LIVENESS_PASSIVE),
        CheckStatus::NotApplicable
    );
}

#[test]
fn another_person_fails_the_id_comparison_and_same_person() {
    let turned = photo("obama2.jpg");
    let report = run(&selfie(&photo("biden.jpg"), &turned.fliph(), &turned));
    assert_eq!(
        status(&report, names::SELFIE_ID_COMPARISON),
        CheckStatus::Failed
    );
    assert_eq!(
        status(&report, names::SELFIE_SAME_PERSON),
        CheckStatus::Failed
    );
    assert_eq!(
        status(&report, names::SELFIE_FACE_PRESENCE),
        CheckStatus::Passed
    );
}

#[test]
fn swapped_left_and_right_fail_the_pose_check() {
    let turned = photo("obama2.jpg");
    let report = run(&selfie(&photo("obama3.jpg"), &turned, &turned.fliph()));
    let pose = report.check(names::SELFIE_POSE).expect("listed");
    assert_eq!(pose.status, CheckStatus::Failed);
    assert_eq!(pose.reasons.len(), 2, "{:?}", pose.reasons);
}

#[test]
fn the_camera_test_pattern_fails_face_presence() {
    let pattern = DynamicImage::ImageRgb8(image::RgbImage::from_fn(640, 480, |x, y| {
        let ring = (x / 40 + y / 40) % 5 == 0;
        image::Rgb(if ring { [255, 255, 255] } else { [0, 200, 0] })
    }));
    let report = run(&selfie(&pattern, &pattern.fliph(), &pattern.flipv()));
    let presence = report.check(names::SELFIE_FACE_PRESENCE).expect("listed");
    assert_eq!(presence.status, CheckStatus::Failed);
    assert_eq!(presence.reasons.len(), 3, "{:?}", presence.reasons);
    assert_eq!(
        status(&report, names::SELFIE_ID_COMPARISON),
        CheckStatus::Failed
    );
}

#[test]
fn the_licence_front_has_a_portrait_and_a_blank_card_has_none() {
    let id = licence(LicenceVariant::Valid, fixed_today());
    let front = image::load_from_memory(&id.input.front).expect("fixture decodes");
    let check = id_portrait_present(&front, engine());
    assert_eq!(check.status, CheckStatus::Passed, "{check:?}");
    let blank = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        856,
        540,
        image::Rgb([214, 226, 236]),
    ));
    let check = id_portrait_present(&blank, engine());
    assert_eq!(check.status, CheckStatus::Failed, "{check:?}");
}

/// BlazeFace finds the drawn head of the selfie fixture (score 0.69–0.80, real photos
/// 0.86–0.93), so presence is not what stops a cartoon: the comparison with the real portrait on
/// the licence is.
#[test]
fn the_drawn_cartoon_selfie_does_not_match_the_licence_portrait() {
    let mut input =
        verity_checks::fixtures::selfie(verity_checks::fixtures::SelfieVariant::Cartoon);
    input.id_front = Some(licence(LicenceVariant::Valid, fixed_today()).input.front);
    let report = run(&input);
    let comparison = report.check(names::SELFIE_ID_COMPARISON).expect("listed");
    assert_eq!(comparison.status, CheckStatus::Failed, "{comparison:?}");
}

/// The selfie fixture the end-to-end and browser tests upload is the licence holder: every
/// check passes with the real engine, so a run with it completes for the right reasons.
#[test]
fn the_valid_selfie_fixture_passes_every_check_against_the_licence() {
    let mut input = verity_checks::fixtures::selfie(verity_checks::fixtures::SelfieVariant::Valid);
    input.id_front = Some(licence(LicenceVariant::Valid, fixed_today()).input.front);
    let report = run(&input);
    let required = verity_checks::RequiredChecks::default();
    assert!(report.passed(&required), "{:?}", report.checks);
    for name in [
        names::SELFIE_FACE_PRESENCE,
        names::SELFIE_POSE,
        names::SELFIE_SAME_PERSON,
        names::SELFIE_ID_COMPARISON,
    ] {
        assert_eq!(status(&report, name), CheckStatus::Passed, "{name}");
    }
}
