//! The checks a [`FaceModel`] decides: one face per selfie pose, left/right poses really turned
//! (the active-liveness signal), every pose the same person, the selfie matching the ID
//! portrait, a portrait on the ID front, and passive liveness (not judged: no model for it
//! ships, see `models/README.md`).
//!
//! Every pose is detected and embedded once ([`PoseFaces::measure`]); the checks read those
//! measurements. A model that cannot judge ([`crate::NoFaceModel`]) makes every one of them
//! `not_applicable` with [`NO_FACE_MODEL`]; an error of the model fails the check that needed it.

use image::DynamicImage;
use serde_json::{json, Map, Value};

use crate::check::names;
use crate::face::{DetectedFace, Embedding, FaceError, FaceMatch, FaceModel, NO_FACE_MODEL};
use crate::Check;

/// Why passive liveness stays `not_applicable` (the detail is in `models/README.md`).
pub const NO_PASSIVE_LIVENESS: &str = "no passive-liveness model ships: the only candidate \
    (FaceAntiSpoofing) cannot be converted and has no published evaluation to calibrate it";

/// One pose's picture and what the model found in it.
struct Measured {
    label: String,
    pose: String,
    faces: Result<Vec<DetectedFace>, FaceError>,
    /// The embedding of the pose's only face (`None`: not exactly one face, or no direction).
    embedding: Result<Option<Embedding>, FaceError>,
}

/// The faces of every submitted pose, measured once. `None` when the model cannot judge.
pub struct PoseFaces {
    poses: Vec<Measured>,
    threshold: f32,
    min_turn: f32,
}

impl PoseFaces {
    /// Detects every `(pose, image)` and embeds each pose that shows exactly one face (all of
    /// them in one call, so a batching model runs them together).
    pub fn measure(poses: &[(&str, &DynamicImage)], model: &dyn FaceModel) -> Option<Self> {
        let mut measured = Self::detect(poses, model)?;
        // The poses that show exactly one face, with it (a copy: the poses change below).
        let single: Vec<(usize, DetectedFace)> = measured
            .poses
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match &p.faces {
                Ok(f) if f.len() == 1 => Some((i, f[0])),
                _ => None,
            })
            .collect();
        let faces: Vec<(&DynamicImage, &DetectedFace)> =
            single.iter().map(|(i, face)| (poses[*i].1, face)).collect();
        match model.embed_many(&faces) {
            Ok(embeddings) => {
                for ((i, _), e) in single.iter().zip(embeddings) {
                    measured.poses[*i].embedding = Ok(e);
                }
            }
            Err(e) => {
                for (i, _) in &single {
                    measured.poses[*i].embedding = Err(e.clone());
                }
            }
        }
        Some(measured)
    }

    /// Detects the faces of every `(pose, image)` without embedding them: enough for presence
    /// and pose (the checks at capture, docs/verifications.md §5).
    pub fn detect(poses: &[(&str, &DynamicImage)], model: &dyn FaceModel) -> Option<Self> {
        let mut out = Vec::with_capacity(poses.len());
        for (pose, image) in poses {
            let faces = match model.detect(image) {
                Ok(None) => return None,
                Ok(Some(f)) => Ok(f),
                Err(e) => Err(e),
            };
            out.push(Measured {
                label: format!("pose {pose}"),
                pose: (*pose).to_owned(),
                faces,
                embedding: Ok(None),
            });
        }
        Some(Self {
            poses: out,
            threshold: model.match_threshold(),
            min_turn: model.min_turn(),
        })
    }
}

impl PoseFaces {
    /// The pose held against the ID portrait (`compare_pose`, else the first one measured).
    fn compared(&self, compare_pose: Option<&str>) -> Option<&Measured> {
        compare_pose
            .and_then(|c| self.poses.iter().find(|p| p.pose == c))
            .or_else(|| self.poses.first())
    }

    /// The compared pose's face, or why there is none.
    pub fn compared_face(&self, compare_pose: Option<&str>) -> Result<Embedding, String> {
        let Some(pose) = self.compared(compare_pose) else {
            return Err("no decodable pose".into());
        };
        match &pose.embedding {
            Ok(Some(e)) => Ok(e.clone()),
            Ok(None) => Err(format!("{}: no single face to compare", pose.label)),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The five selfie face checks, in [`names::SELFIE`] order. `compare_pose` is the pose held
/// against the ID portrait (the first required one, normally `center`); `id_front` the
/// decoded ID front when there is one.
pub fn selfie_face_checks(
    measured: Option<&PoseFaces>,
    compare_pose: Option<&str>,
    id_front: Result<&DynamicImage, String>,
    model: &dyn FaceModel,
) -> Vec<Check> {
    let Some(m) = measured else {
        return [
            names::SELFIE_FACE_PRESENCE,
            names::SELFIE_POSE,
            names::SELFIE_SAME_PERSON,
            names::SELFIE_ID_COMPARISON,
        ]
        .iter()
        .map(|n| Check::not_applicable(n, NO_FACE_MODEL))
        .chain([liveness_passive()])
        .collect();
    };
    vec![
        presence(m),
        pose(m),
        same_person(m),
        id_comparison(m, compare_pose, id_front, model),
        liveness_passive(),
    ]
}

fn presence(m: &PoseFaces) -> Check {
    let name = names::SELFIE_FACE_PRESENCE;
    if m.poses.is_empty() {
        return Check::not_applicable(name, "no decodable pose");
    }
    let mut reasons = Vec::new();
    let mut details = Map::new();
    for p in &m.poses {
        match &p.faces {
            Ok(faces) => {
                match faces.len() {
                    1 => {}
                    0 => reasons.push(format!("{}: no face found", p.label)),
                    n => reasons.push(format!(
                        "{}: {n} faces found; exactly one is expected",
                        p.label
                    )),
                }
                details.insert(p.label.clone(), json!(faces));
            }
            Err(e) => reasons.push(format!("{}: {e}", p.label)),
        }
    }
    Check::from_reasons(name, reasons, Value::Object(details))
}

/// Left and right poses must turn the head that way by at least `min_turn`; a center pose
/// must not be turned that far.
fn pose(m: &PoseFaces) -> Check {
    let name = names::SELFIE_POSE;
    if !m
        .poses
        .iter()
        .any(|p| p.pose == "left" || p.pose == "right")
    {
        return Check::not_applicable(name, "no left or right pose submitted");
    }
    let mut reasons = Vec::new();
    let mut yaws = Map::new();
    for p in &m.poses {
        let Ok([face]) = p.faces.as_deref() else {
            reasons.push(format!(
                "{}: no single face to measure the turn on",
                p.label
            ));
            continue;
        };
        let yaw = face.landmarks.yaw();
        yaws.insert(p.label.clone(), json!(yaw));
        let wrong = match p.pose.as_str() {
            "left" if yaw < m.min_turn => Some("the head is not turned to the left"),
            "right" if yaw > -m.min_turn => Some("the head is not turned to the right"),
            "center" if yaw.abs() >= m.min_turn => {
                Some("the head is turned, not facing the camera")
            }
            _ => None,
        };
        if let Some(w) = wrong {
            reasons.push(format!("{}: {w} (turn {yaw:.2})", p.label));
        }
    }
    Check::from_reasons(
        name,
        reasons,
        json!({"yaw": yaws, "minimum_turn": m.min_turn, "sign": "positive = the person's left"}),
    )
}

fn same_person(m: &PoseFaces) -> Check {
    let name = names::SELFIE_SAME_PERSON;
    let mut reasons = Vec::new();
    let mut embedded = Vec::new();
    for p in &m.poses {
        match &p.embedding {
            Ok(Some(e)) => embedded.push((&p.label, e)),
            Ok(None) => {}
            Err(e) => reasons.push(format!("{}: {e}", p.label)),
        }
    }
    if embedded.len() < 2 && reasons.is_empty() {
        return Check::not_applicable(name, "fewer than two poses with a single face");
    }
    let mut pairs = Map::new();
    for (i, (la, a)) in embedded.iter().enumerate() {
        for (lb, b) in &embedded[i + 1..] {
            let s = a.cosine(b);
            pairs.insert(format!("{la} / {lb}"), json!(s));
            if s < m.threshold {
                reasons.push(format!("{la} and {lb} are not the same person"));
            }
        }
    }
    Check::from_reasons(
        name,
        reasons,
        json!({"similarities": pairs, "threshold": m.threshold}),
    )
}

fn id_comparison(
    m: &PoseFaces,
    compare_pose: Option<&str>,
    id_front: Result<&DynamicImage, String>,
    model: &dyn FaceModel,
) -> Check {
    let name = names::SELFIE_ID_COMPARISON;
    let Some(selfie) = m.compared(compare_pose) else {
        return Check::not_applicable(name, "no decodable pose");
    };
    let document = match id_front {
        Ok(d) => d,
        Err(why) => return Check::not_applicable(name, why),
    };
    let selfie_embedding = match &selfie.embedding {
        Ok(Some(e)) => e,
        Ok(None) => {
            let why = format!("{}: no single face to compare", selfie.label);
            return Check::failed(name, vec![why], Value::Null);
        }
        Err(e) => return Check::failed(name, vec![e.to_string()], Value::Null),
    };
    let portrait = match portrait_embedding(document, model) {
        Ok(Some(e)) => e,
        Ok(None) => {
            let why = "no face found on the government ID front".to_owned();
            return Check::failed(name, vec![why], Value::Null);
        }
        Err(e) => return Check::failed(name, vec![e.to_string()], Value::Null),
    };
    let score = FaceMatch {
        similarity: selfie_embedding.cosine(&portrait),
        threshold: model.match_threshold(),
    };
    let details = json!({"similarity": score.similarity, "threshold": score.threshold,
        "pose": selfie.label});
    if score.is_match() {
        Check::passed(name, details)
    } else {
        let why = "the selfie does not match the ID portrait".to_owned();
        Check::failed(name, vec![why], details)
    }
}

/// The largest face on a document, embedded; `Ok(None)` when it has none (or the model cannot
/// judge).
fn portrait_embedding(
    document: &DynamicImage,
    model: &dyn FaceModel,
) -> Result<Option<Embedding>, FaceError> {
    let Some(faces) = model.detect(document)? else {
        return Ok(None);
    };
    match faces.iter().max_by_key(|f| f.area()) {
        Some(face) => model.embed(document, face),
        None => Ok(None),
    }
}

fn liveness_passive() -> Check {
    Check::not_applicable(names::SELFIE_LIVENESS_PASSIVE, NO_PASSIVE_LIVENESS)
}

/// `id_portrait_present` on a decoded ID front: passes when the model finds at least one face
/// (the portrait; a licence may also carry a small ghost image of it), with the faces in
/// `details`.
pub fn id_portrait_present(front: &DynamicImage, model: &dyn FaceModel) -> Check {
    let name = names::ID_PORTRAIT_PRESENT;
    match model.detect(front) {
        Ok(None) => Check::not_applicable(name, NO_FACE_MODEL),
        Ok(Some(faces)) if faces.is_empty() => Check::failed(
            name,
            vec!["no portrait (face) found on the ID front".into()],
            json!({"faces": []}),
        ),
        Ok(Some(faces)) => Check::passed(name, json!({"faces": faces})),
        Err(e) => Check::failed(name, vec![e.to_string()], Value::Null),
    }
}
