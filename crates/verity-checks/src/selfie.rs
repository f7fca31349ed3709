//! Running every selfie check: required poses present and decodable, poses not the same frame
//! (a replayed still photo), image quality, and — through [`FaceModel`] — the face checks of
//! [`crate::face_checks`] (presence, pose, same person, ID comparison, passive liveness).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map};

use crate::check::names;
use crate::checks::same_image::{dhash, distance};
use crate::checks::{blur, decode, glare, Side};
use crate::face::{Embedding, FaceModel};
use crate::face_checks::{selfie_face_checks, PoseFaces};
use crate::raster::{self, DecodedImage};
use crate::{Check, CheckContext, RequiredChecks};

/// One selfie submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfieInput {
    /// `(pose, image bytes)`, e.g. `("center", …)`, `("left", …)`, `("right", …)`.
    pub poses: Vec<(String, Vec<u8>)>,
    pub required_poses: Vec<String>,
    /// The front of the inquiry's government ID, for the face comparison.
    pub id_front: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelfieReport {
    pub checks: Vec<Check>,
    /// The face of the pose held against the ID portrait, for the duplicate search
    /// ([`crate::duplicate`]), or why there is none.
    pub face: Result<Embedding, String>,
}

impl SelfieReport {
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    pub fn passed(&self, required: &RequiredChecks) -> bool {
        required.satisfied_by(&self.checks)
    }
}

/// Runs every selfie check. Never fails: problems become failed checks.
pub fn run_selfie(input: &SelfieInput, ctx: &CheckContext, face: &dyn FaceModel) -> SelfieReport {
    let t = &ctx.thresholds;
    let images: Vec<(String, &[u8])> = input
        .poses
        .iter()
        .map(|(pose, bytes)| (format!("pose {pose}"), bytes.as_slice()))
        .collect();
    let (mut poses_check, decoded) = decode::check(names::SELFIE_POSES, &images, &ctx.limits);
    let missing: Vec<&String> = input
        .required_poses
        .iter()
        .filter(|r| !input.poses.iter().any(|(p, _)| p == *r))
        .collect();
    if !missing.is_empty() {
        poses_check.status = crate::CheckStatus::Failed;
        for pose in &missing {
            poses_check
                .reasons
                .push(format!("required pose {pose:?} is missing"));
        }
    }
    if input.poses.is_empty() && input.required_poses.is_empty() {
        poses_check = Check::failed(
            names::SELFIE_POSES,
            vec!["no selfie image was submitted".into()],
            json!({}),
        );
    }
    let sides: Vec<Side<'_>> = images
        .iter()
        .zip(&decoded)
        .filter_map(|((label, _), img)| {
            img.as_ref().map(|image| Side {
                label: label.clone(),
                image,
            })
        })
        .collect();

    let mut checks = vec![
        poses_check,
        replay_check(&sides, t.same_image_max_distance),
        blur::check(names::SELFIE_BLUR, &sides, t),
        glare::check(names::SELFIE_GLARE, &sides, t),
    ];
    let (face_checks, compared) = face_checks(input, &sides, ctx, face);
    checks.extend(face_checks);
    SelfieReport {
        checks,
        face: compared,
    }
}

/// Poses must differ: a person turning their head changes the picture; a replayed photo does
/// not. Any two poses within `max_distance` of each other fail.
fn replay_check(sides: &[Side<'_>], max_distance: u32) -> Check {
    if sides.len() < 2 {
        return Check::not_applicable(names::SELFIE_REPLAY, "fewer than two poses to compare");
    }
    let hashes: Vec<u64> = sides.iter().map(|s| dhash(&s.image.gray)).collect();
    let mut reasons = Vec::new();
    let mut pairs = Map::new();
    for i in 0..sides.len() {
        for j in i + 1..sides.len() {
            let d = distance(hashes[i], hashes[j]);
            pairs.insert(format!("{} / {}", sides[i].label, sides[j].label), json!(d));
            if d <= max_distance {
                reasons.push(format!(
                    "{} and {} are the same frame (a replayed still photo)",
                    sides[i].label, sides[j].label
                ));
            }
        }
    }
    Check::from_reasons(
        names::SELFIE_REPLAY,
        reasons,
        json!({"hash_distances": pairs, "maximum_same": max_distance}),
    )
}

/// The face checks: every pose measured once, the ID front decoded when there is one; and
/// the compared pose's face.
fn face_checks(
    input: &SelfieInput,
    sides: &[Side<'_>],
    ctx: &CheckContext,
    face: &dyn FaceModel,
) -> (Vec<Check>, Result<Embedding, String>) {
    let poses: Vec<(&str, &image::DynamicImage)> = sides
        .iter()
        .map(|s| (s.label.trim_start_matches("pose "), &s.image.image))
        .collect();
    let measured = PoseFaces::measure(&poses, face);
    let document: Result<DecodedImage, String> = match &input.id_front {
        None => Err("no government ID image to compare with".into()),
        Some(front) => raster::decode(front, &ctx.limits)
            .map_err(|e| format!("the government ID image did not decode: {e}")),
    };
    // The first required pose (normally "center") faces the camera like the ID portrait.
    let compare_pose = input.required_poses.first().map(String::as_str);
    let checks = selfie_face_checks(
        measured.as_ref(),
        compare_pose,
        document.as_ref().map(|d| &d.image).map_err(Clone::clone),
        face,
    );
    let compared = match &measured {
        Some(m) => m.compared_face(compare_pose),
        None => Err(crate::face::NO_FACE_MODEL.to_owned()),
    };
    (checks, compared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::{
        DetectedFace, Embedding, FaceBox, FaceError, Landmarks, NoFaceModel, Point, NO_FACE_MODEL,
    };
    use crate::CheckStatus;
    use image::DynamicImage;

    /// A stand-in measurement to exercise the decisions without a model (the real model's
    /// tests are in the `verity-faces` crate): `faces` faces facing the camera, every
    /// embedding `direction`.
    struct FixedModel {
        faces: usize,
        direction: Vec<f32>,
    }

    impl FaceModel for FixedModel {
        fn detect(&self, _: &DynamicImage) -> Result<Option<Vec<DetectedFace>>, FaceError> {
            let p = |x, y| Point { x, y };
            let face = DetectedFace {
                bbox: FaceBox {
                    x: 0,
                    y: 0,
                    width: 10,
                    height: 10,
                    confidence: 0.9,
                },
                landmarks: Landmarks {
                    eye_image_left: p(3.0, 4.0),
                    eye_image_right: p(7.0, 4.0),
                    nose: p(5.0, 6.0),
                    mouth: p(5.0, 8.0),
                },
            };
            Ok(Some(vec![face; self.faces]))
        }
        fn embed(
            &self,
            _: &DynamicImage,
            _: &DetectedFace,
        ) -> Result<Option<Embedding>, FaceError> {
            Ok(Embedding::normalised(self.direction.clone()))
        }
        fn match_threshold(&self) -> f32 {
            0.6
        }
        fn min_turn(&self) -> f32 {
            0.1
        }
    }

    fn ctx() -> CheckContext {
        CheckContext::new(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"))
    }

    fn status(r: &SelfieReport, name: &str) -> CheckStatus {
        r.check(name).map(|c| c.status).expect("check listed")
    }

    #[test]
    fn valid_selfie_passes_and_face_checks_are_not_faked() {
        let input = crate::fixtures::selfie(crate::fixtures::SelfieVariant::Valid);
        let report = run_selfie(&input, &ctx(), &NoFaceModel);
        for c in &report.checks {
            assert_ne!(c.status, CheckStatus::Failed, "{c:?}");
        }
        let presence = report.check(names::SELFIE_FACE_PRESENCE).expect("listed");
        assert_eq!(presence.status, CheckStatus::NotApplicable);
        assert_eq!(presence.reasons, vec![NO_FACE_MODEL.to_owned()]);
        assert_eq!(
            status(&report, names::SELFIE_ID_COMPARISON),
            CheckStatus::NotApplicable
        );
        assert!(report.passed(&RequiredChecks::default()));
    }

    #[test]
    fn replayed_still_fails_only_the_replay_check() {
        let input = crate::fixtures::selfie(crate::fixtures::SelfieVariant::Replayed);
        let report = run_selfie(&input, &ctx(), &NoFaceModel);
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Failed)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(failed, vec![names::SELFIE_REPLAY]);
    }

    #[test]
    fn missing_pose_fails_the_poses_check() {
        let input = crate::fixtures::selfie(crate::fixtures::SelfieVariant::MissingPose);
        let report = run_selfie(&input, &ctx(), &NoFaceModel);
        let poses = report.check(names::SELFIE_POSES).expect("listed");
        assert_eq!(poses.status, CheckStatus::Failed);
        assert!(
            poses.reasons.iter().any(|r| r.contains("missing")),
            "{:?}",
            poses.reasons
        );
    }

    #[test]
    fn blurred_selfie_fails_blur() {
        let input = crate::fixtures::selfie(crate::fixtures::SelfieVariant::Blurred);
        let report = run_selfie(&input, &ctx(), &NoFaceModel);
        assert_eq!(status(&report, names::SELFIE_BLUR), CheckStatus::Failed);
        assert_eq!(status(&report, names::SELFIE_REPLAY), CheckStatus::Passed);
    }

    #[test]
    fn a_model_decides_presence_and_comparison() {
        let mut input = crate::fixtures::selfie(crate::fixtures::SelfieVariant::Valid);
        let id = crate::fixtures::licence(crate::fixtures::LicenceVariant::Valid, ctx().today);
        input.id_front = Some(id.input.front.clone());
        let good = run_selfie(
            &input,
            &ctx(),
            &FixedModel {
                faces: 1,
                direction: vec![1.0, 0.0],
            },
        );
        assert_eq!(
            status(&good, names::SELFIE_FACE_PRESENCE),
            CheckStatus::Passed
        );
        assert_eq!(
            status(&good, names::SELFIE_ID_COMPARISON),
            CheckStatus::Passed
        );
        let bad = run_selfie(
            &input,
            &ctx(),
            &FixedModel {
                faces: 0,
                direction: vec![1.0, 0.0],
            },
        );
        assert_eq!(
            status(&bad, names::SELFIE_FACE_PRESENCE),
            CheckStatus::Failed
        );
        assert_eq!(
            status(&bad, names::SELFIE_ID_COMPARISON),
            CheckStatus::Failed
        );
    }
}
