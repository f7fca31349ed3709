//! The result of one check and the set of checks an outcome requires.
//!
//! Wire shape (shared with the API and webhooks): `{name, status, reasons, details}` where
//! `status` is `passed`, `failed` or `not_applicable`. A `not_applicable` check always carries a
//! reason saying why it could not be judged — it is never a silent pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check ran and the evidence is acceptable.
    Passed,
    /// The check ran and the evidence is not acceptable; `reasons` says why.
    Failed,
    /// The check could not be judged for this document or configuration; `reasons` says why.
    NotApplicable,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable snake_case name, one of [`names`].
    pub name: String,
    pub status: CheckStatus,
    /// Human-readable reasons; empty only for a passed check.
    pub reasons: Vec<String>,
    /// Measurements behind the decision (scores, thresholds, extracted values).
    pub details: Value,
}

impl Check {
    pub fn passed(name: &str, details: Value) -> Self {
        Self {
            name: name.to_owned(),
            status: CheckStatus::Passed,
            reasons: Vec::new(),
            details,
        }
    }

    pub fn failed(name: &str, reasons: Vec<String>, details: Value) -> Self {
        Self {
            name: name.to_owned(),
            status: CheckStatus::Failed,
            reasons,
            details,
        }
    }

    pub fn not_applicable(name: &str, reason: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            status: CheckStatus::NotApplicable,
            reasons: vec![reason.into()],
            details: Value::Null,
        }
    }

    /// `passed` when `reasons` is empty, else `failed` with those reasons.
    pub fn from_reasons(name: &str, reasons: Vec<String>, details: Value) -> Self {
        if reasons.is_empty() {
            Self::passed(name, details)
        } else {
            Self::failed(name, reasons, details)
        }
    }
}

/// Every check name this crate produces. Names are part of the wire contract and of template
/// configuration (`RequiredChecks`), so they never change meaning.
pub mod names {
    pub const ID_DECODE: &str = "id_image_decodes";
    pub const ID_RESOLUTION: &str = "id_resolution";
    pub const ID_BLUR: &str = "id_blur";
    pub const ID_GLARE: &str = "id_glare";
    pub const ID_SAME_IMAGE: &str = "id_front_back_distinct";
    pub const ID_BARCODE: &str = "id_barcode";
    pub const ID_AAMVA: &str = "id_barcode_aamva";
    pub const ID_MRZ: &str = "id_mrz";
    pub const ID_EXPIRY: &str = "id_expiry";
    pub const ID_AGE: &str = "id_age";
    pub const ID_CONSISTENCY: &str = "id_inquiry_consistency";
    /// Run beside the government-ID run (it needs the face model) through
    /// `face_checks::id_portrait_present`; listed last.
    pub const ID_PORTRAIT_PRESENT: &str = "id_portrait_present";
    pub const ID_FRONT_BARCODE: &str = "id_front_barcode_consistency";
    pub const ID_FRONT_MRZ: &str = "id_front_mrz_consistency";
    pub const ID_CLASS: &str = "id_class_consistent";

    pub const SELFIE_POSES: &str = "selfie_poses";
    pub const SELFIE_REPLAY: &str = "selfie_not_replayed";
    pub const SELFIE_BLUR: &str = "selfie_blur";
    pub const SELFIE_GLARE: &str = "selfie_glare";
    pub const SELFIE_FACE_PRESENCE: &str = "selfie_face_presence";
    pub const SELFIE_ID_COMPARISON: &str = "selfie_id_comparison";
    pub const SELFIE_POSE: &str = "selfie_pose";
    pub const SELFIE_SAME_PERSON: &str = "selfie_same_person";
    pub const SELFIE_LIVENESS_PASSIVE: &str = "selfie_liveness_passive";
    /// The selfie's face was verified before under another identity (`crate::duplicate`).
    pub const SELFIE_DUPLICATE: &str = "selfie_duplicate";

    /// Checks no default requires: signals for a template's `required-checks` or a workflow.
    /// A duplicate face is evidence to look at, not proof of fraud (twins, a person's
    /// second reference-id), so it never decides an outcome on its own.
    pub const INFORMATIONAL: [&str; 1] = [SELFIE_DUPLICATE];

    /// Government-ID checks in the order reports list them.
    pub const GOVERNMENT_ID: [&str; 15] = [
        ID_DECODE,
        ID_RESOLUTION,
        ID_BLUR,
        ID_GLARE,
        ID_SAME_IMAGE,
        ID_BARCODE,
        ID_AAMVA,
        ID_MRZ,
        ID_EXPIRY,
        ID_AGE,
        ID_CONSISTENCY,
        ID_FRONT_BARCODE,
        ID_FRONT_MRZ,
        ID_CLASS,
        ID_PORTRAIT_PRESENT,
    ];

    /// Selfie checks in the order reports list them.
    pub const SELFIE: [&str; 10] = [
        SELFIE_POSES,
        SELFIE_REPLAY,
        SELFIE_BLUR,
        SELFIE_GLARE,
        SELFIE_FACE_PRESENCE,
        SELFIE_POSE,
        SELFIE_SAME_PERSON,
        SELFIE_ID_COMPARISON,
        SELFIE_LIVENESS_PASSIVE,
        SELFIE_DUPLICATE,
    ];
}

/// How strictly a required check is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Only `passed` is acceptable; `not_applicable` counts as not passed (nothing was verified).
    Pass,
    /// `passed` or `not_applicable` are acceptable; only `failed` is not. For checks that apply
    /// to some documents only (barcode on licences, MRZ on passports) or to optional settings.
    NotFailed,
}

/// Which checks an outcome depends on, per template. Checks not listed are informational.
/// A listed check absent from a report (e.g. a selfie check judged against an ID report) is
/// ignored: each report always lists all of its own checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequiredChecks(pub BTreeMap<String, Requirement>);

impl Default for RequiredChecks {
    /// Image quality, document data (some source of it must have been read: the expiry check is
    /// `not_applicable` only when no data was extracted) and liveness must pass; checks tied to
    /// one document family or to optional configuration (minimum age, inquiry fields, a face
    /// model) must not fail.
    fn default() -> Self {
        use names::*;
        let pass = [
            ID_DECODE,
            ID_RESOLUTION,
            ID_BLUR,
            ID_GLARE,
            ID_EXPIRY,
            SELFIE_POSES,
            SELFIE_REPLAY,
            SELFIE_BLUR,
            SELFIE_GLARE,
        ];
        let not_failed = [
            ID_SAME_IMAGE,
            ID_BARCODE,
            ID_AAMVA,
            ID_MRZ,
            ID_AGE,
            ID_CONSISTENCY,
            ID_FRONT_BARCODE,
            ID_FRONT_MRZ,
            ID_CLASS,
            SELFIE_FACE_PRESENCE,
            SELFIE_ID_COMPARISON,
            SELFIE_POSE,
            SELFIE_SAME_PERSON,
            SELFIE_LIVENESS_PASSIVE,
            ID_PORTRAIT_PRESENT,
        ];
        let mut map = BTreeMap::new();
        map.extend(pass.iter().map(|n| (n.to_string(), Requirement::Pass)));
        map.extend(
            not_failed
                .iter()
                .map(|n| (n.to_string(), Requirement::NotFailed)),
        );
        Self(map)
    }
}

impl RequiredChecks {
    /// Every named check must be `passed`.
    pub fn all_pass<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self(
            names
                .into_iter()
                .map(|n| (n.to_owned(), Requirement::Pass))
                .collect(),
        )
    }

    /// Whether `checks` satisfy every requirement that names one of them.
    pub fn satisfied_by(&self, checks: &[Check]) -> bool {
        self.unmet(checks).is_empty()
    }

    /// The names of the checks that do not meet their requirement.
    pub fn unmet<'c>(&self, checks: &'c [Check]) -> Vec<&'c str> {
        checks
            .iter()
            .filter(|c| match (self.0.get(&c.name), c.status) {
                (None, _) | (_, CheckStatus::Passed) => false,
                (Some(_), CheckStatus::Failed) => true,
                (Some(Requirement::Pass), CheckStatus::NotApplicable) => true,
                (Some(Requirement::NotFailed), CheckStatus::NotApplicable) => false,
            })
            .map(|c| c.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn check_serialises_to_the_wire_shape() {
        let c = Check::not_applicable(names::ID_MRZ, "no MRZ text");
        assert_eq!(
            serde_json::to_value(&c).unwrap_or_default(),
            json!({"name": "id_mrz", "status": "not_applicable", "reasons": ["no MRZ text"], "details": null})
        );
        let back: Check = serde_json::from_value(json!({
            "name": "id_blur", "status": "failed", "reasons": ["blurry"], "details": {"variance": 3.0}
        }))
        .expect("wire shape parses");
        assert_eq!(back.status, CheckStatus::Failed);
    }

    #[test]
    fn requirements_distinguish_pass_from_not_failed() {
        let required = RequiredChecks::default();
        let na_barcode = [Check::not_applicable(names::ID_BARCODE, "passport")];
        assert!(required.satisfied_by(&na_barcode));
        let na_expiry = [Check::not_applicable(names::ID_EXPIRY, "no data")];
        assert_eq!(required.unmet(&na_expiry), vec![names::ID_EXPIRY]);
        let failed_info = [Check::failed(
            "informational",
            vec!["x".into()],
            Value::Null,
        )];
        assert!(
            required.satisfied_by(&failed_info),
            "unlisted checks never decide"
        );
        let strict = RequiredChecks::all_pass([names::ID_BARCODE]);
        assert!(!strict.satisfied_by(&na_barcode));
    }

    #[test]
    fn default_covers_every_check_name_but_the_informational_ones() {
        let required = RequiredChecks::default();
        for name in names::GOVERNMENT_ID.iter().chain(names::SELFIE.iter()) {
            assert_eq!(
                required.0.contains_key(*name),
                !names::INFORMATIONAL.contains(name),
                "{name}: a default requirement unless informational"
            );
        }
    }
}
