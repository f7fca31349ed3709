//! Inquiry templates on the wire: the resource with its draft definition and published
//! versions, and the create/update body.
//!
//! The definition's parts (steps, field schema, checks, workflow) are the domain's own serde
//! types; they are parsed here into those types and documented as open objects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use verity_core::field::FieldSchema;
use verity_core::template::{
    CheckRequirement, FrameDimensions, Step, Template, TemplateKind, TemplateStatus,
};
use verity_core::workflow::WorkflowRule;

use super::{documents, request, time, to_value, ToOne};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TemplateResource {
    /// `inquiry-template` (dynamic, `itmpl_…`) or `template` (legacy, `tmpl_…`).
    #[serde(rename = "type")]
    #[schema(example = "inquiry-template")]
    pub kind: String,
    #[schema(example = "itmpl_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: TemplateAttributes,
    pub relationships: TemplateRelationships,
}

/// The draft definition: what the next `publish` makes a version of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct TemplateAttributes {
    #[schema(example = "Government ID and selfie")]
    pub name: String,
    /// `dynamic` or `legacy`.
    #[schema(value_type = String, example = "dynamic")]
    pub kind: Value,
    /// `active` or `inactive`.
    #[schema(value_type = String, example = "active")]
    pub status: Value,
    #[schema(value_type = Vec<HashMap<String, serde_json::Value>>)]
    pub steps: Value,
    /// The field schema: `{key, type, label, required, personal}` per field.
    #[schema(value_type = Vec<HashMap<String, serde_json::Value>>)]
    pub fields: Value,
    pub allowed_domains: Vec<String>,
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub preferred_dimensions: Value,
    pub border_radius: u32,
    pub inquiry_ttl_seconds: u64,
    pub minimum_age: Option<u32>,
    /// Refused retakes per ID side or selfie pose (docs/verifications.md §5).
    pub max_capture_attempts: u32,
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub required_checks: Value,
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub extracted_fields: Value,
    #[schema(value_type = Vec<HashMap<String, serde_json::Value>>)]
    pub workflow: Value,
    /// Days a finished inquiry is kept before it is redacted; `0` forever; `null` follows
    /// the server's `retention_days` (docs/operations.md §1).
    pub retention_days: Option<u32>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct TemplateRelationships {
    pub latest_published_version: ToOne,
    pub inquiry_template_versions: VersionList,
}

/// The published versions, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionList {
    pub data: Vec<VersionRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct VersionRef {
    #[serde(rename = "type")]
    #[schema(example = "inquiry-template-version")]
    pub kind: String,
    #[schema(example = "itmplv_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub published_at: String,
}

impl From<&Template> for TemplateResource {
    fn from(t: &Template) -> Self {
        let d = &t.definition;
        let kind = match t.kind() {
            TemplateKind::Dynamic => "inquiry-template",
            TemplateKind::Legacy => "template",
        };
        TemplateResource {
            kind: kind.into(),
            id: t.id.to_string(),
            attributes: TemplateAttributes {
                name: t.name.clone(),
                kind: to_value(&t.kind()),
                status: to_value(&t.status),
                steps: to_value(&d.steps),
                fields: to_value(&d.fields),
                allowed_domains: d.allowed_domains.clone(),
                preferred_dimensions: to_value(&d.preferred_dimensions),
                border_radius: d.border_radius,
                inquiry_ttl_seconds: d.inquiry_ttl_seconds,
                minimum_age: d.minimum_age,
                max_capture_attempts: d.max_capture_attempts,
                required_checks: to_value(&d.required_checks),
                extracted_fields: to_value(&d.extracted_fields),
                workflow: to_value(&d.workflow),
                retention_days: d.retention_days,
                created_at: time(t.created_at),
                updated_at: time(t.updated_at),
            },
            relationships: TemplateRelationships {
                latest_published_version: ToOne {
                    data: t.latest_version().map(|v| {
                        super::ResourceRef::new("inquiry-template-version", v.id.to_string())
                    }),
                },
                inquiry_template_versions: VersionList {
                    data: t
                        .versions
                        .iter()
                        .map(|v| VersionRef {
                            kind: "inquiry-template-version".into(),
                            id: v.id.to_string(),
                            published_at: time(v.published_at),
                        })
                        .collect(),
                },
            },
        }
    }
}

documents!(
    TemplateResource,
    TemplateOne,
    TemplateList,
    "inquiry template"
);

/// What a create or update sends; every member is optional on update (the draft keeps what
/// is left out). `name` is required on create.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schema(example = json!({"name": "Selfie only", "steps": [{"name": "selfie", "type": "selfie"}]}))]
pub struct TemplateInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(value_type = Option<String>, example = "dynamic")]
    pub kind: Option<TemplateKind>,
    #[schema(value_type = Option<String>, example = "active")]
    pub status: Option<TemplateStatus>,
    #[schema(value_type = Option<Vec<HashMap<String, serde_json::Value>>>)]
    pub steps: Option<Vec<Step>>,
    #[schema(value_type = Option<Vec<HashMap<String, serde_json::Value>>>)]
    pub fields: Option<FieldSchema>,
    pub allowed_domains: Option<Vec<String>>,
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub preferred_dimensions: Option<FrameDimensions>,
    pub border_radius: Option<u32>,
    pub inquiry_ttl_seconds: Option<u64>,
    pub minimum_age: Option<u32>,
    #[schema(maximum = 10)]
    pub max_capture_attempts: Option<u32>,
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub required_checks: Option<BTreeMap<String, CheckRequirement>>,
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub extracted_fields: Option<BTreeMap<String, String>>,
    #[schema(value_type = Option<Vec<HashMap<String, serde_json::Value>>>)]
    pub workflow: Option<Vec<WorkflowRule>>,
    /// Days a finished inquiry is kept before the sweeper redacts it (0 = forever).
    #[schema(minimum = 0, maximum = 36500)]
    pub retention_days: Option<u32>,
}

request!(
    TemplateBody,
    TemplateBodyData,
    TemplateInput,
    "`POST /inquiry-templates` and `PATCH /inquiry-templates/{id}`"
);
