//! `selfie_duplicate`, the "known faces" fraud signal: the selfie's face held against the
//! faces earlier inquiries stored. A match under a *different* claimed identity (another
//! reference-id, another name) fails the check and names those inquiries; the same face
//! coming back under the same identity (a person verifying again) does not.
//!
//! Identities are compared as opaque keys: the caller passes the reference-id and a key of
//! the name (a digest, so a stored face never carries the name itself).

use serde_json::json;

use crate::check::names;
use crate::face::Embedding;
use crate::Check;

/// Who an inquiry says the person is. `None` parts are unknown and never "differ".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimedIdentity {
    pub reference_id: Option<String>,
    pub name_key: Option<String>,
}

/// A face an earlier inquiry stored.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownFace {
    pub inquiry_id: String,
    pub identity: ClaimedIdentity,
    pub embedding: Embedding,
}

impl ClaimedIdentity {
    /// What differs between two identities ("reference-id", "name"), where both know it.
    fn differences(&self, other: &ClaimedIdentity) -> Vec<&'static str> {
        let differ =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
        let mut out = Vec::new();
        if differ(&self.reference_id, &other.reference_id) {
            out.push("reference-id");
        }
        if differ(&self.name_key, &other.name_key) {
            out.push("name");
        }
        out
    }
}

/// `selfie_duplicate`: `selfie` is the embedding of the selfie's compared pose, or why there
/// is none (no face model, no single face) — then the check is `not_applicable`.
/// `threshold` is the model's same-person threshold.
pub fn selfie_duplicate(
    selfie: Result<&Embedding, String>,
    claimed: &ClaimedIdentity,
    known: &[KnownFace],
    threshold: f32,
) -> Check {
    let name = names::SELFIE_DUPLICATE;
    let selfie = match selfie {
        Ok(e) => e,
        Err(why) => return Check::not_applicable(name, why),
    };
    let mut reasons = Vec::new();
    let mut matches = Vec::new();
    for face in known {
        let similarity = selfie.cosine(&face.embedding);
        if similarity < threshold {
            continue;
        }
        let differs = claimed.differences(&face.identity);
        if !differs.is_empty() {
            reasons.push(format!(
                "the same face was verified by inquiry {} under a different {}",
                face.inquiry_id,
                differs.join(" and ")
            ));
        }
        matches.push(
            json!({"inquiry_id": face.inquiry_id, "similarity": similarity,
            "differs": differs}),
        );
    }
    let details = json!({"searched": known.len(), "threshold": threshold, "matches": matches});
    Check::from_reasons(name, reasons, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckStatus;

    fn unit(v: &[f32]) -> Embedding {
        Embedding::normalised(v.to_vec()).expect("a direction")
    }

    fn identity(reference: &str, name: &str) -> ClaimedIdentity {
        ClaimedIdentity {
            reference_id: Some(reference.into()),
            name_key: Some(name.into()),
        }
    }

    fn known(id: &str, who: ClaimedIdentity, v: &[f32]) -> KnownFace {
        KnownFace {
            inquiry_id: id.into(),
            identity: who,
            embedding: unit(v),
        }
    }

    #[test]
    fn the_same_face_under_another_identity_fails_and_names_the_inquiry() {
        let faces = [
            known("inq_a", identity("user-1", "jane"), &[1.0, 0.0, 0.1]),
            known("inq_b", identity("user-2", "john"), &[0.0, 1.0, 0.0]),
        ];
        let selfie = unit(&[1.0, 0.0, 0.0]);
        let check = selfie_duplicate(Ok(&selfie), &identity("user-9", "jane"), &faces, 0.6);
        assert_eq!(check.status, CheckStatus::Failed);
        assert_eq!(check.reasons.len(), 1, "{:?}", check.reasons);
        assert!(check.reasons[0].contains("inq_a") && check.reasons[0].contains("reference-id"));
        assert!(!check.reasons[0].contains("name"), "the name is the same");
        assert_eq!(check.details["matches"].as_array().map(Vec::len), Some(1));
        assert_eq!(check.details["searched"], 2);
    }

    #[test]
    fn the_same_face_under_the_same_identity_or_another_face_passes() {
        let faces = [known("inq_a", identity("user-1", "jane"), &[1.0, 0.0])];
        let same = unit(&[1.0, 0.05]);
        let check = selfie_duplicate(Ok(&same), &identity("user-1", "jane"), &faces, 0.6);
        assert_eq!(check.status, CheckStatus::Passed, "{:?}", check.reasons);
        let other = unit(&[0.0, 1.0]);
        let check = selfie_duplicate(Ok(&other), &identity("user-2", "ann"), &faces, 0.6);
        assert_eq!(check.status, CheckStatus::Passed);
        assert_eq!(check.details["matches"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn unknown_parts_never_differ_and_no_face_is_not_applicable() {
        let faces = [known("inq_a", ClaimedIdentity::default(), &[1.0, 0.0])];
        let selfie = unit(&[1.0, 0.0]);
        let check = selfie_duplicate(Ok(&selfie), &identity("user-1", "jane"), &faces, 0.6);
        assert_eq!(check.status, CheckStatus::Passed);
        let check = selfie_duplicate(
            Err("no face model".into()),
            &identity("u", "n"),
            &faces,
            0.6,
        );
        assert_eq!(check.status, CheckStatus::NotApplicable);
    }
}
