//! Templates: what an inquiry asks of the individual and where it may be embedded.
//!
//! A template has an editable definition and a list of published versions
//! (`itmplv_…`). An inquiry pins the version it was created from, so publishing a new
//! version never changes an inquiry already under way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::field::{FieldSchema, FieldType};
use crate::id::{InquiryTemplateVersionId, TemplateId};
use crate::workflow::{WorkflowError, WorkflowRule};
use crate::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// Dynamic-flow template (`itmpl_`): the inquiry is created when the flow loads.
    Dynamic,
    /// Legacy template (`tmpl_`): the inquiry is created when the individual presses Continue.
    Legacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateStatus {
    Active,
    Inactive,
}

/// What kind of page a step is (docs/contract.md §4 `page-change.path`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Start,
    Fields,
    GovernmentId,
    Selfie,
    Completion,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Start => "start",
            StepKind::Fields => "fields",
            StepKind::GovernmentId => "government_id",
            StepKind::Selfie => "selfie",
            StepKind::Completion => "completion",
        }
    }
}

/// One page of the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Step {
    /// Unique key within the template (`page-change.name`).
    pub name: String,
    pub kind: StepKind,
    /// Human name (`page-change.nameDisplay`).
    pub name_display: String,
    /// Field keys shown on a `fields` step (all typeable fields when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// ID classes offered on a `government_id` step (`dl`, `pp`, `id`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_classes: Vec<String>,
    /// Selfie poses required on a `selfie` step (`center`, `left`, `right`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub poses: Vec<String>,
    /// Whether this step offers "continue on your phone".
    #[serde(default)]
    pub handoff: bool,
}

impl Step {
    /// Whether the flow offers "continue on your phone" here (docs/handoff.md): capture steps
    /// always, other steps when the template says so.
    pub fn can_hand_off(&self) -> bool {
        self.handoff || matches!(self.kind, StepKind::GovernmentId | StepKind::Selfie)
    }

    /// The poses a selfie step asks for: its own list, else the default three.
    pub fn required_poses(&self) -> Vec<String> {
        if self.poses.is_empty() {
            crate::capture::Pose::DEFAULT
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect()
        } else {
            self.poses.clone()
        }
    }
}

/// Size hints the flow sends with `ready` (docs/contract.md §5 `preferredDimensions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameDimensions {
    pub minimum_width: u32,
    pub maximum_width: u32,
    pub minimum_height: u32,
    pub maximum_height: u32,
}

impl Default for FrameDimensions {
    fn default() -> Self {
        FrameDimensions {
            minimum_width: 320,
            maximum_width: 480,
            minimum_height: 540,
            maximum_height: 720,
        }
    }
}

/// The editable part of a template; a published version is a frozen copy of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct TemplateDefinition {
    pub steps: Vec<Step>,
    #[serde(default)]
    pub fields: FieldSchema,
    /// Hosts allowed to embed the flow: `example.com`, `*.example.com`, `localhost`
    /// (any port unless one is given: `localhost:3000`).
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    #[serde(default)]
    pub preferred_dimensions: FrameDimensions,
    /// CSS pixels (`ready.styles.borderRadius`).
    #[serde(default = "default_border_radius")]
    pub border_radius: u32,
    /// How long an inquiry may stay unfinished, in seconds.
    #[serde(default = "default_ttl")]
    pub inquiry_ttl_seconds: u64,
    /// Minimum age in years for the age check (docs/verifications.md), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<u32>,
    /// Which checks decide the outcome (docs/verifications.md): check name → `pass` | `not_failed`.
    /// `None`: the defaults of `verity-checks` (`RequiredChecks::default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_checks: Option<BTreeMap<String, CheckRequirement>>,
    /// Retakes asked for per ID side or selfie pose when a capture fails an instant check at
    /// upload (docs/verifications.md §5); once they are used up a bad capture is kept and the
    /// verification decides. 0: never refuse a capture.
    #[serde(default = "default_capture_attempts")]
    pub max_capture_attempts: u32,
    /// Inquiry fields filled from the document's data: field key → extracted attribute
    /// (one of [`EXTRACTED_ATTRIBUTES`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extracted_fields: BTreeMap<String, String>,
    /// Rules run after the inquiry is completed or failed (see [`crate::workflow`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workflow: Vec<WorkflowRule>,
    /// Days an inquiry is kept after it reached a final state before the sweeper redacts it
    /// (docs/operations.md §1); `0` keeps them forever, `None` follows the server's
    /// `retention_days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// The longest retention a template may ask for: one hundred years.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// How strictly a required check is held (mirrors `verity_checks::Requirement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckRequirement {
    /// Only `passed` counts.
    Pass,
    /// `passed` or `not_applicable`; only `failed` does not count.
    NotFailed,
}

/// What a government ID's data may fill (the keys of `verity_checks::ExtractedData`).
pub const EXTRACTED_ATTRIBUTES: [&str; 9] = [
    "name_first",
    "name_middle",
    "name_last",
    "birthdate",
    "expiration_date",
    "document_number",
    "issuing_jurisdiction",
    "issuing_country",
    "sex",
];

fn default_border_radius() -> u32 {
    8
}
/// Most refused captures a template may allow per side or pose.
pub const MAX_CAPTURE_ATTEMPTS: u32 = 10;
fn default_capture_attempts() -> u32 {
    3
}
fn default_ttl() -> u64 {
    24 * 60 * 60
}

/// Why a template definition cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("a template needs at least one step")]
    NoSteps,
    #[error("step name `{0}` is used twice")]
    DuplicateStep(String),
    #[error("field key `{0}` is declared twice")]
    DuplicateField(String),
    #[error("field key `{0}` must be kebab-case (a-z, 0-9 and -)")]
    BadFieldKey(String),
    #[error("step `{step}` shows field `{field}`, which is not declared")]
    UnknownStepField { step: String, field: String },
    #[error("`{0}` is not a valid embedding domain")]
    BadDomain(String),
    #[error("field `{0}` of type choices needs at least one choice")]
    NoChoices(String),
    #[error("inquiry time-to-live must be between 60 seconds and 365 days")]
    BadTtl,
    #[error("max-capture-attempts must be between 0 and {MAX_CAPTURE_ATTEMPTS}")]
    BadCaptureAttempts,
    #[error("the last step must be the completion step")]
    CompletionNotLast,
    #[error("extracted-fields: field `{0}` is not declared")]
    UnknownExtractedField(String),
    #[error("extracted-fields: `{0}` is not an extracted attribute (one of name_first, name_middle, name_last, birthdate, expiration_date, document_number, issuing_jurisdiction, issuing_country, sex)")]
    UnknownExtractedAttribute(String),
    #[error("retention-days must be between 0 (keep forever) and 36500")]
    BadRetention,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

impl TemplateDefinition {
    pub fn validate(&self) -> Result<(), TemplateError> {
        if self.steps.is_empty() {
            return Err(TemplateError::NoSteps);
        }
        let mut names = std::collections::HashSet::new();
        for step in &self.steps {
            if !names.insert(step.name.as_str()) {
                return Err(TemplateError::DuplicateStep(step.name.clone()));
            }
            for field in &step.fields {
                if self.fields.get(field).is_none() {
                    return Err(TemplateError::UnknownStepField {
                        step: step.name.clone(),
                        field: field.clone(),
                    });
                }
            }
        }
        let completion_elsewhere = self.steps[..self.steps.len() - 1]
            .iter()
            .any(|s| s.kind == StepKind::Completion);
        if completion_elsewhere {
            return Err(TemplateError::CompletionNotLast);
        }
        let mut keys = std::collections::HashSet::new();
        for field in &self.fields.0 {
            if !keys.insert(field.key.as_str()) {
                return Err(TemplateError::DuplicateField(field.key.clone()));
            }
            let kebab = !field.key.is_empty()
                && field.key.len() <= 64
                && field
                    .key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !kebab {
                return Err(TemplateError::BadFieldKey(field.key.clone()));
            }
            if matches!(
                field.field_type,
                FieldType::Choices | FieldType::MultiChoices
            ) && field.choices.is_empty()
            {
                return Err(TemplateError::NoChoices(field.key.clone()));
            }
        }
        for domain in &self.allowed_domains {
            if !is_valid_domain_pattern(domain) {
                return Err(TemplateError::BadDomain(domain.clone()));
            }
        }
        if !(60..=365 * 24 * 3600).contains(&self.inquiry_ttl_seconds) {
            return Err(TemplateError::BadTtl);
        }
        if self.max_capture_attempts > MAX_CAPTURE_ATTEMPTS {
            return Err(TemplateError::BadCaptureAttempts);
        }
        for (field, attribute) in &self.extracted_fields {
            if self.fields.get(field).is_none() {
                return Err(TemplateError::UnknownExtractedField(field.clone()));
            }
            if !EXTRACTED_ATTRIBUTES.contains(&attribute.as_str()) {
                return Err(TemplateError::UnknownExtractedAttribute(attribute.clone()));
            }
        }
        if self.retention_days.is_some_and(|d| d > MAX_RETENTION_DAYS) {
            return Err(TemplateError::BadRetention);
        }
        crate::workflow::validate(&self.workflow, &self.fields)?;
        Ok(())
    }

    /// Whether a page served from `host` (and `port`, if any) may embed the flow.
    pub fn allows_embedding_host(&self, host: &str, port: Option<u16>) -> bool {
        self.allowed_domains
            .iter()
            .any(|pattern| domain_matches(pattern, host, port))
    }

    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
}

fn is_valid_domain_pattern(pattern: &str) -> bool {
    let (host, port) = split_port(pattern);
    let host = host.strip_prefix("*.").unwrap_or(host);
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok());
    port_ok
        && !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn split_port(pattern: &str) -> (&str, Option<&str>) {
    match pattern.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (pattern, None),
    }
}

/// `example.com` matches only itself; `*.example.com` matches its subdomains (not itself);
/// a pattern without a port matches any port.
pub fn domain_matches(pattern: &str, host: &str, port: Option<u16>) -> bool {
    let (pattern_host, pattern_port) = split_port(pattern);
    if let Some(p) = pattern_port {
        if p.parse::<u16>().ok() != port {
            return false;
        }
    }
    let host = host.to_ascii_lowercase();
    let pattern_host = pattern_host.to_ascii_lowercase();
    match pattern_host.strip_prefix("*.") {
        Some(base) => host.ends_with(&format!(".{base}")),
        None => host == pattern_host,
    }
}

/// A frozen, published copy of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct TemplateVersion {
    pub id: InquiryTemplateVersionId,
    pub published_at: Millis,
    pub definition: TemplateDefinition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Template {
    pub id: TemplateId,
    pub name: String,
    pub status: TemplateStatus,
    /// The draft; edits land here until published.
    pub definition: TemplateDefinition,
    /// Published versions, oldest first. Never empty for a template that can start inquiries.
    pub versions: Vec<TemplateVersion>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Template {
    pub fn kind(&self) -> TemplateKind {
        match self.id {
            TemplateId::Dynamic(_) => TemplateKind::Dynamic,
            TemplateId::Legacy(_) => TemplateKind::Legacy,
        }
    }

    pub fn latest_version(&self) -> Option<&TemplateVersion> {
        self.versions.last()
    }

    pub fn version(&self, id: &InquiryTemplateVersionId) -> Option<&TemplateVersion> {
        self.versions.iter().find(|v| &v.id == id)
    }

    /// Freezes the current definition as a new version.
    pub fn publish(
        &mut self,
        version_id: InquiryTemplateVersionId,
        now: Millis,
    ) -> Result<&TemplateVersion, TemplateError> {
        self.definition.validate()?;
        self.versions.push(TemplateVersion {
            id: version_id,
            published_at: now,
            definition: self.definition.clone(),
        });
        self.updated_at = now;
        Ok(self.versions.last().expect("just pushed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldSpec;

    fn step(name: &str, kind: StepKind) -> Step {
        Step {
            name: name.into(),
            kind,
            name_display: name.into(),
            fields: vec![],
            id_classes: vec![],
            poses: vec![],
            handoff: false,
        }
    }

    fn definition() -> TemplateDefinition {
        TemplateDefinition {
            steps: vec![
                step("start", StepKind::Start),
                step("done", StepKind::Completion),
            ],
            fields: FieldSchema(vec![FieldSpec::new("name-first", FieldType::String)]),
            allowed_domains: vec![
                "localhost".into(),
                "*.example.com".into(),
                "shop.test:8443".into(),
            ],
            preferred_dimensions: FrameDimensions::default(),
            border_radius: 8,
            inquiry_ttl_seconds: 3600,
            minimum_age: None,
            required_checks: None,
            max_capture_attempts: 3,
            extracted_fields: BTreeMap::new(),
            workflow: Vec::new(),
            retention_days: None,
        }
    }

    #[test]
    fn valid_definition_passes() {
        assert_eq!(definition().validate(), Ok(()));
    }

    #[test]
    fn invalid_definitions_say_why() {
        let mut d = definition();
        d.steps.push(step("start", StepKind::Fields));
        assert_eq!(
            d.validate(),
            Err(TemplateError::DuplicateStep("start".into()))
        );

        let mut d = definition();
        d.fields
            .0
            .push(FieldSpec::new("Name_First", FieldType::String));
        assert!(matches!(d.validate(), Err(TemplateError::BadFieldKey(_))));

        let mut d = definition();
        d.allowed_domains.push("https://x.com/".into());
        assert!(matches!(d.validate(), Err(TemplateError::BadDomain(_))));

        let mut d = definition();
        d.steps.swap(0, 1);
        assert_eq!(d.validate(), Err(TemplateError::CompletionNotLast));

        let mut d = definition();
        d.inquiry_ttl_seconds = 1;
        assert_eq!(d.validate(), Err(TemplateError::BadTtl));

        let mut d = definition();
        d.retention_days = Some(MAX_RETENTION_DAYS + 1);
        assert_eq!(d.validate(), Err(TemplateError::BadRetention));
        d.retention_days = Some(0);
        assert_eq!(d.validate(), Ok(()), "0 keeps inquiries forever");
    }

    #[test]
    fn embedding_domains_match_exactly() {
        let d = definition();
        assert!(d.allows_embedding_host("localhost", Some(5173)));
        assert!(d.allows_embedding_host("a.example.com", None));
        assert!(!d.allows_embedding_host("example.com", None));
        assert!(!d.allows_embedding_host("evilexample.com", None));
        assert!(d.allows_embedding_host("shop.test", Some(8443)));
        assert!(!d.allows_embedding_host("shop.test", Some(443)));
        assert!(!d.allows_embedding_host("127.0.0.1", Some(80)));
    }
}
