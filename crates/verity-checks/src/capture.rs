//! The checks that concern one captured image alone, run when it is uploaded so a bad photo can
//! be retaken at once (docs/verifications.md §5): it decodes, its resolution, blur and glare;
//! on the back of a North American licence or ID card the PDF417 barcode; on a passport's data
//! page the MRZ (when a text reader is given); on a selfie pose one face, turned as asked.
//!
//! Each is the very function the full verification runs ([`crate::run_government_id`],
//! [`crate::run_selfie`]), with the same context and thresholds, on that one image: a capture
//! that passes here cannot fail the same check later, and one refused here would have failed
//! it. Checks that need several images (front against back, poses against each other, the
//! selfie against the ID) or the document's data (expiry, age) are left to the verification.

use chrono::NaiveDate;
use serde_json::json;

use crate::check::names;
use crate::checks::{barcode, blur, decode, glare, mrz, mrz_read, resolution, Side};
use crate::face::FaceModel;
use crate::face_checks::{selfie_face_checks, PoseFaces};
use crate::raster::DecodedImage;
use crate::text::{TextReader, NO_TEXT_READER};
use crate::{Check, CheckContext, CheckStatus, RequiredChecks};

/// What one captured image is of. Classes and countries are the wire strings the
/// verification uses (`dl`, `pp`, …; ISO 3166 alpha-2 or alpha-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    IdFront {
        id_class: &'a str,
        country: &'a str,
    },
    IdBack {
        id_class: &'a str,
        country: &'a str,
    },
    /// A selfie frame of this pose (`center`, `left`, `right`).
    SelfiePose(&'a str),
}

/// Runs the checks that concern `bytes` alone, in the order the full report lists them.
/// Never fails: problems become failed checks. An image that does not decode gets the decode
/// check only.
pub fn capture_checks(
    subject: &Subject<'_>,
    bytes: &[u8],
    ctx: &CheckContext,
    reader: &dyn TextReader,
    face: &dyn FaceModel,
) -> Vec<Check> {
    let (label, decode_name) = match subject {
        Subject::IdFront { .. } => ("front".to_owned(), names::ID_DECODE),
        Subject::IdBack { .. } => ("back".to_owned(), names::ID_DECODE),
        Subject::SelfiePose(pose) => (format!("pose {pose}"), names::SELFIE_POSES),
    };
    let (decoded_check, decoded) =
        decode::check(decode_name, &[(label.clone(), bytes)], &ctx.limits);
    let Some(image) = decoded.into_iter().next().flatten() else {
        return vec![decoded_check];
    };
    let sides = [side(&label, &image)];
    let t = &ctx.thresholds;
    let mut checks = vec![decoded_check];
    match subject {
        Subject::IdFront { id_class, country } | Subject::IdBack { id_class, country } => {
            checks.push(resolution::check(names::ID_RESOLUTION, &sides, t));
            checks.push(blur::check(names::ID_BLUR, &sides, t));
            checks.push(glare::check(names::ID_GLARE, &sides, t));
            let back = matches!(subject, Subject::IdBack { .. });
            if back && barcode::applies(id_class, country) {
                let (check, _) =
                    barcode::check(names::ID_BARCODE, id_class, country, Some(&image.gray));
                checks.push(check);
            }
            if !back && *id_class == "pp" && mrz::applies(id_class, country) {
                checks.push(mrz_readable(&image, reader, ctx.today));
            }
        }
        Subject::SelfiePose(pose) => {
            checks.push(blur::check(names::SELFIE_BLUR, &sides, t));
            checks.push(glare::check(names::SELFIE_GLARE, &sides, t));
            checks.extend(selfie_face(pose, &image, face));
        }
    }
    checks
}

fn side<'i>(label: &str, image: &'i DecodedImage) -> Side<'i> {
    Side {
        label: label.to_owned(),
        image,
    }
}

/// `selfie_face_presence` and `selfie_pose` of one frame, measured as the verification measures
/// every pose; the comparisons between images are not made here.
fn selfie_face(pose: &str, image: &DecodedImage, face: &dyn FaceModel) -> Vec<Check> {
    // Presence and pose need the detector only; the embedding is the verification's.
    let measured = PoseFaces::detect(&[(pose, &image.image)], face);
    let not_compared = Err("not compared at capture".to_owned());
    selfie_face_checks(measured.as_ref(), None, not_compared, face)
        .into_iter()
        .filter(|c| c.name == names::SELFIE_FACE_PRESENCE || c.name == names::SELFIE_POSE)
        .collect()
}

/// `id_mrz` at capture: whether a machine-readable zone can be read on the page at all. Its
/// check digits and dates are the verification's to judge; a reader that cannot judge or
/// fails is no evidence against the photo.
fn mrz_readable(image: &DecodedImage, reader: &dyn TextReader, today: NaiveDate) -> Check {
    let name = names::ID_MRZ;
    match reader.read(&image.gray) {
        Ok(None) => Check::not_applicable(name, NO_TEXT_READER),
        Err(e) => Check::not_applicable(name, e.to_string()),
        Ok(Some(lines)) => match mrz_read::find_zone(&lines, today) {
            Some(zone) => Check::passed(
                name,
                json!({"source": "ocr", "lines_read": zone.read, "lines_corrected": zone.corrected}),
            ),
            None => Check::failed(
                name,
                vec!["no machine-readable zone was found in the text read".into()],
                json!({"lines": lines.len()}),
            ),
        },
    }
}

/// The check that refuses the capture: the first one that failed and that the template
/// requires (a check it does not require never decides its outcome, so it never costs a
/// retake either).
pub fn refusal<'c>(checks: &'c [Check], required: &RequiredChecks) -> Option<&'c Check> {
    checks
        .iter()
        .find(|c| c.status == CheckStatus::Failed && required.0.contains_key(&c.name))
}

/// What a refused capture tells the individual, in plain words (the flow shows its own
/// translation of the check's name, docs/contract.md §7.2).
pub fn plain_reason(check: &str) -> &'static str {
    match check {
        names::ID_DECODE | names::SELFIE_POSES => "This photo could not be read. Please take another one.",
        names::ID_RESOLUTION => "The photo is too small. Move closer so the card fills the frame.",
        names::ID_BLUR => "The photo is blurry. Hold the card still, let the camera focus, and take it again.",
        names::ID_GLARE => "There is glare on the card. Tilt it away from the light and take it again.",
        names::ID_BARCODE => "The barcode on the back could not be read. Make sure all of it is in the photo, sharp and without glare.",
        names::ID_MRZ => "The lines of letters and numbers at the bottom of the photo page could not be read.",
        names::SELFIE_BLUR => "The photo is blurry. Hold still and take it again.",
        names::SELFIE_GLARE => "The photo is too bright. Move away from direct light and take it again.",
        names::SELFIE_FACE_PRESENCE => "We could not see exactly one face. Put your face inside the oval, alone in the picture.",
        names::SELFIE_POSE => "Your head is not turned as asked. Please follow the instruction and take it again.",
        _ => "This photo cannot be used. Please take another one.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::{DetectedFace, Embedding, FaceError, NoFaceModel};
    use crate::fixtures::{self, LicenceVariant, PassportVariant, SelfieVariant};
    use crate::NoTextReader;
    use image::DynamicImage;

    /// A model that sees no face anywhere (the real model's tests are in `verity-faces`).
    struct Faceless;

    impl FaceModel for Faceless {
        fn detect(&self, _: &DynamicImage) -> Result<Option<Vec<DetectedFace>>, FaceError> {
            Ok(Some(Vec::new()))
        }
        fn embed(
            &self,
            _: &DynamicImage,
            _: &DetectedFace,
        ) -> Result<Option<Embedding>, FaceError> {
            Ok(None)
        }
        fn match_threshold(&self) -> f32 {
            0.6
        }
        fn min_turn(&self) -> f32 {
            0.1
        }
    }

    fn ctx() -> CheckContext {
        CheckContext::new(fixtures::fixed_today())
    }

    fn status(checks: &[Check], name: &str) -> Option<CheckStatus> {
        checks.iter().find(|c| c.name == name).map(|c| c.status)
    }

    fn front(variant: LicenceVariant) -> Vec<Check> {
        let id = fixtures::licence(variant, fixtures::fixed_today());
        let subject = Subject::IdFront {
            id_class: "dl",
            country: "US",
        };
        capture_checks(
            &subject,
            &id.input.front,
            &ctx(),
            &NoTextReader,
            &NoFaceModel,
        )
    }

    #[test]
    fn a_blurred_front_is_refused_on_blur_as_the_verification_would_fail_it() {
        let checks = front(LicenceVariant::Blurred);
        let refused = refusal(&checks, &RequiredChecks::default()).map(|c| c.name.as_str());
        assert_eq!(refused, Some(names::ID_BLUR));
        let id = fixtures::licence(LicenceVariant::Blurred, fixtures::fixed_today());
        let full = crate::run_government_id(&id.input, &ctx(), &NoTextReader);
        assert_eq!(
            full.check(names::ID_BLUR).map(|c| c.status),
            Some(CheckStatus::Failed)
        );
    }

    #[test]
    fn a_sharp_front_passes_and_unrequired_checks_never_refuse() {
        let sharp = front(LicenceVariant::Valid);
        assert_eq!(refusal(&sharp, &RequiredChecks::default()), None);
        assert_eq!(
            status(&sharp, names::ID_RESOLUTION),
            Some(CheckStatus::Passed)
        );
        let blurred = front(LicenceVariant::Blurred);
        let lenient = RequiredChecks::all_pass([names::ID_DECODE]);
        assert_eq!(refusal(&blurred, &lenient), None);
    }

    #[test]
    fn the_back_of_a_us_licence_must_show_a_readable_barcode() {
        let today = fixtures::fixed_today();
        let subject = Subject::IdBack {
            id_class: "dl",
            country: "US",
        };
        let run = |v| {
            let id = fixtures::licence(v, today);
            let back = id.input.back.unwrap_or_default();
            capture_checks(&subject, &back, &ctx(), &NoTextReader, &NoFaceModel)
        };
        assert_eq!(
            status(&run(LicenceVariant::Valid), names::ID_BARCODE),
            Some(CheckStatus::Passed)
        );
        let broken = run(LicenceVariant::BrokenBarcode);
        let refused = refusal(&broken, &RequiredChecks::default()).map(|c| c.name.as_str());
        assert_eq!(refused, Some(names::ID_BARCODE));
        let german = Subject::IdBack {
            id_class: "dl",
            country: "DE",
        };
        let id = fixtures::licence(LicenceVariant::BrokenBarcode, today);
        let back = id.input.back.unwrap_or_default();
        let checks = capture_checks(&german, &back, &ctx(), &NoTextReader, &NoFaceModel);
        assert_eq!(status(&checks, names::ID_BARCODE), None);
    }

    #[test]
    fn a_passport_page_without_a_text_reader_is_not_judged_on_its_mrz() {
        let pp = fixtures::passport(PassportVariant::Valid, fixtures::fixed_today());
        let subject = Subject::IdFront {
            id_class: "pp",
            country: "UT",
        };
        let checks = capture_checks(
            &subject,
            &pp.input.front,
            &ctx(),
            &NoTextReader,
            &NoFaceModel,
        );
        assert_eq!(
            status(&checks, names::ID_MRZ),
            Some(CheckStatus::NotApplicable)
        );
        assert_eq!(refusal(&checks, &RequiredChecks::default()), None);
    }

    #[test]
    fn a_selfie_frame_without_a_face_is_refused_on_presence() {
        let poses = fixtures::selfie(SelfieVariant::Valid).poses;
        let (pose, bytes) = &poses[0];
        let subject = Subject::SelfiePose(pose);
        let checks = capture_checks(&subject, bytes, &ctx(), &NoTextReader, &Faceless);
        let refused = refusal(&checks, &RequiredChecks::default()).map(|c| c.name.as_str());
        assert_eq!(refused, Some(names::SELFIE_FACE_PRESENCE));
        let unjudged = capture_checks(&subject, bytes, &ctx(), &NoTextReader, &NoFaceModel);
        assert_eq!(
            status(&unjudged, names::SELFIE_FACE_PRESENCE),
            Some(CheckStatus::NotApplicable)
        );
        assert_eq!(refusal(&unjudged, &RequiredChecks::default()), None);
    }

    #[test]
    fn bytes_that_are_no_image_get_the_decode_check_only() {
        let checks = capture_checks(
            &Subject::SelfiePose("left"),
            b"junk",
            &ctx(),
            &NoTextReader,
            &NoFaceModel,
        );
        assert_eq!(checks.len(), 1);
        assert_eq!(
            refusal(&checks, &RequiredChecks::default()).map(|c| c.name.as_str()),
            Some(names::SELFIE_POSES)
        );
        assert!(plain_reason(names::SELFIE_POSES).contains("could not be read"));
    }
}
