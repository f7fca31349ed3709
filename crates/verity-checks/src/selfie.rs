//! Running every selfie check: required poses present and decodable, poses not the same frame
//! (a replayed still photo), image quality, and — through [`FaceModel`] — face presence and the
//! comparison with the ID portrait.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::check::names;
use crate::checks::same_image::{dhash, distance};
use crate::checks::{blur, decode, glare, Side};
use crate::face::{FaceModel, NO_FACE_MODEL};
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfieReport {
    pub checks: Vec<Check>,
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

    let checks = vec![
        poses_check,
        replay_check(&sides, t.same_image_max_distance),
        blur::check(names::SELFIE_BLUR, &sides, t),
        glare::check(names::SELFIE_GLARE, &sides, t),
        presence_check(&sides, face),
        comparison_check(input, &sides, ctx, face),
    ];
    SelfieReport { checks }
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

fn presence_check(sides: &[Side<'_>], face: &dyn FaceModel) -> Check {
    if sides.is_empty() {
        return Check::not_applicable(names::SELFIE_FACE_PRESENCE, "no decodable pose");
    }
    let mut reasons = Vec::new();
    let mut details = Map::new();
    for side in sides {
        match face.detect(&side.image.image) {
            Ok(None) => return Check::not_applicable(names::SELFIE_FACE_PRESENCE, NO_FACE_MODEL),
            Ok(Some(faces)) => {
                match faces.len() {
                    1 => {}
                    0 => reasons.push(format!("{}: no face found", side.label)),
                    n => reasons.push(format!(
                        "{}: {n} faces found; exactly one is expected",
                        side.label
                    )),
                }
                details.insert(side.label.clone(), json!(faces));
            }
            Err(e) => reasons.push(format!("{}: {e}", side.label)),
        }
    }
    Check::from_reasons(names::SELFIE_FACE_PRESENCE, reasons, Value::Object(details))
}

fn comparison_check(
    input: &SelfieInput,
    sides: &[Side<'_>],
    ctx: &CheckContext,
    face: &dyn FaceModel,
) -> Check {
    let name = names::SELFIE_ID_COMPARISON;
    // The first required pose (normally "center") faces the camera like the ID portrait.
    let selfie = input
        .required_poses
        .first()
        .and_then(|p| sides.iter().find(|s| s.label == format!("pose {p}")))
        .or_else(|| sides.first());
    let Some(selfie) = selfie else {
        return Check::not_applicable(name, "no decodable pose");
    };
    let Some(front) = &input.id_front else {
        return Check::not_applicable(name, "no government ID image to compare with");
    };
    let document: DecodedImage = match raster::decode(front, &ctx.limits) {
        Ok(d) => d,
        Err(e) => {
            return Check::not_applicable(
                name,
                format!("the government ID image did not decode: {e}"),
            )
        }
    };
    match face.compare(&selfie.image.image, &document.image) {
        Ok(None) => Check::not_applicable(name, NO_FACE_MODEL),
        Ok(Some(m)) => {
            let details =
                json!({"similarity": m.similarity, "threshold": m.threshold, "pose": selfie.label});
            if m.similarity >= m.threshold {
                Check::passed(name, details)
            } else {
                Check::failed(
                    name,
                    vec!["the selfie does not match the ID portrait".into()],
                    details,
                )
            }
        }
        Err(e) => Check::failed(name, vec![e.to_string()], Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::{FaceBox, FaceError, FaceMatch, NoFaceModel};
    use crate::CheckStatus;
    use image::DynamicImage;

    /// A stand-in measurement (no real model exists in this crate) to exercise the decisions.
    struct FixedModel {
        faces: usize,
        similarity: f32,
    }

    impl FaceModel for FixedModel {
        fn detect(&self, _: &DynamicImage) -> Result<Option<Vec<FaceBox>>, FaceError> {
            let b = FaceBox {
                x: 0,
                y: 0,
                width: 10,
                height: 10,
                confidence: 0.9,
            };
            Ok(Some(vec![b; self.faces]))
        }
        fn compare(
            &self,
            _: &DynamicImage,
            _: &DynamicImage,
        ) -> Result<Option<FaceMatch>, FaceError> {
            Ok(Some(FaceMatch {
                similarity: self.similarity,
                threshold: 0.6,
            }))
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
                similarity: 0.9,
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
                similarity: 0.2,
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
