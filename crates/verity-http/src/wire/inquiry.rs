//! Inquiries on the wire: the resource, its sessions and documents (which only appear as
//! `included` members and in events), the create and update bodies, and the documents the
//! inquiry endpoints answer with.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use verity_core::id::TemplateId;
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_store::Document as StoredDocument;

use super::{
    documents, maybe_time, request, time, InquiryRelationship, ResourceRef, ToMany, ToOne,
};

/// An inquiry: one individual's verification against a template version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InquiryResource {
    #[serde(rename = "type")]
    #[schema(example = "inquiry")]
    pub kind: String,
    #[schema(example = "inq_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: InquiryAttributes,
    pub relationships: InquiryRelationships,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct InquiryAttributes {
    /// `created`, `pending`, `completed`, `failed`, `expired`, `needs_review`, `approved` or
    /// `declined`.
    #[schema(example = "created")]
    pub status: String,
    #[schema(example = "user-1234")]
    pub reference_id: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    /// The inquiry's fields by key, each `{"type": …, "value": …}`.
    #[schema(value_type = HashMap<String, serde_json::Value>, example = json!({"name-first": {"type": "string", "value": "Ada"}}))]
    pub fields: Value,
    pub current_step: Option<String>,
    pub completed_steps: Vec<String>,
    #[schema(example = "2026-01-31T12:00:00.000Z")]
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub failed_at: Option<String>,
    pub expired_at: Option<String>,
    pub decisioned_at: Option<String>,
    pub redacted_at: Option<String>,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct InquiryRelationships {
    pub account: ToOne,
    /// `inquiry-template` (`itmpl_…`) or legacy `template` (`tmpl_…`).
    pub template: ToOne,
    pub inquiry_template_version: ToOne,
    /// `verification/government-id` and `verification/selfie`, oldest first.
    pub verifications: ToMany,
}

impl From<&Inquiry> for InquiryResource {
    fn from(i: &Inquiry) -> Self {
        let template_type = match i.template_id {
            TemplateId::Dynamic(_) => "inquiry-template",
            TemplateId::Legacy(_) => "template",
        };
        InquiryResource {
            kind: "inquiry".into(),
            id: i.id.to_string(),
            attributes: InquiryAttributes {
                status: i.status.as_str().into(),
                reference_id: i.reference_id.clone(),
                note: i.note.clone(),
                tags: i.tags.clone(),
                fields: super::to_value(&i.fields),
                current_step: i.current_step.clone(),
                completed_steps: i.completed_steps.clone(),
                created_at: time(i.created_at),
                updated_at: time(i.updated_at),
                started_at: maybe_time(i.started_at),
                completed_at: maybe_time(i.completed_at),
                failed_at: maybe_time(i.failed_at),
                expired_at: maybe_time(i.expired_at),
                decisioned_at: maybe_time(i.decisioned_at),
                redacted_at: maybe_time(i.redacted_at),
                expires_at: time(i.expires_at),
            },
            relationships: InquiryRelationships {
                account: ToOne {
                    data: i
                        .account_id
                        .as_ref()
                        .map(|a| ResourceRef::new("account", a.to_string())),
                },
                template: ToOne::to(template_type, i.template_id.to_string()),
                inquiry_template_version: ToOne::to(
                    "inquiry-template-version",
                    i.template_version_id.to_string(),
                ),
                verifications: ToMany {
                    data: i
                        .verifications
                        .iter()
                        .map(|v| ResourceRef::new(v.kind.wire_type(), v.id.to_string()))
                        .collect(),
                },
            },
        }
    }
}

/// `GET /inquiries/{id}` and the actions: the inquiry, what `include` asked for, and after
/// `resume` the new session's token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InquiryDocument {
    pub data: InquiryResource,
    /// Present when `include` was given: accounts, sessions, documents, templates and
    /// verifications, each a resource object of its own type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<HashMap<String, serde_json::Value>>>)]
    pub included: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<SessionMeta>,
}

/// The session a `resume` started; the token is shown only here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct SessionMeta {
    /// Hand it to the flow (`session-token`) to continue the inquiry.
    pub session_token: String,
    #[schema(example = "iqse_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub session_id: String,
}

documents!(InquiryResource, InquiryOne, InquiryList, "inquiry");

/// `POST /inquiries/{id}/generate-one-time-link`: the inquiry and the link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OneTimeLinkDocument {
    pub data: InquiryResource,
    pub meta: OneTimeLinkMeta,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct OneTimeLinkMeta {
    /// Shown once; the integrator delivers it to the individual.
    pub one_time_link: String,
    pub session_id: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CreateInquiryAttributes {
    /// One of `inquiry-template-id`, `template-id`, `inquiry-template-version-id`; with none
    /// the server's default template is used.
    #[schema(example = "itmpl_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub inquiry_template_id: Option<String>,
    pub template_id: Option<String>,
    pub inquiry_template_version_id: Option<String>,
    /// Links the inquiry to the account with this reference (created on first use).
    #[schema(example = "user-1234")]
    pub reference_id: Option<String>,
    /// `account-id` or `reference-id`, not both.
    pub account_id: Option<String>,
    /// Prefilled field values by key; coerced to the template's field types.
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>, example = json!({"name-first": "Ada"}))]
    pub fields: Option<Map<String, Value>>,
    pub note: Option<String>,
    pub tags: Option<Vec<String>>,
}

request!(
    CreateInquiry,
    CreateInquiryData,
    CreateInquiryAttributes,
    "`POST /inquiries`"
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct UpdateInquiryAttributes {
    /// New field values by key; coerced to the template's field types.
    #[schema(value_type = HashMap<String, serde_json::Value>, example = json!({"name-last": "Lovelace"}))]
    pub fields: Map<String, Value>,
}

request!(
    UpdateInquiry,
    UpdateInquiryData,
    UpdateInquiryAttributes,
    "`PATCH /inquiries/{id}`"
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GenerateLinkAttributes {
    /// How long the link stays valid, 1 s to 7 days; the server's default when left out.
    #[schema(minimum = 1, maximum = 604800, example = 3600)]
    pub expires_in_seconds: Option<i64>,
}

request!(
    GenerateLink,
    GenerateLinkData,
    GenerateLinkAttributes,
    "`POST /inquiries/{id}/generate-one-time-link` (optional)"
);

/// A session of the flow; its token hash is never rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionResource {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub attributes: SessionAttributes,
    pub relationships: InquiryRelationship,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct SessionAttributes {
    #[schema(value_type = String)]
    pub status: Value,
    #[schema(value_type = Option<String>)]
    pub device_handoff_method: Value,
    pub created_at: String,
    pub expires_at: String,
}

impl From<&InquirySession> for SessionResource {
    fn from(s: &InquirySession) -> Self {
        SessionResource {
            kind: "inquiry-session".into(),
            id: s.id.to_string(),
            attributes: SessionAttributes {
                status: super::to_value(&s.status),
                device_handoff_method: super::to_value(&s.device_handoff_method),
                created_at: time(s.created_at),
                expires_at: time(s.expires_at),
            },
            relationships: InquiryRelationship {
                inquiry: ToOne::to("inquiry", s.inquiry_id.to_string()),
            },
        }
    }
}

/// Metadata of an uploaded image; the bytes are served separately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DocumentResource {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub attributes: DocumentAttributes,
    pub relationships: InquiryRelationship,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct DocumentAttributes {
    #[schema(example = "government_id")]
    pub kind: String,
    #[schema(example = "front")]
    pub side: String,
    #[schema(example = "dl")]
    pub id_class: Option<String>,
    #[schema(example = "manual")]
    pub capture_method: String,
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub created_at: String,
}

impl From<&StoredDocument> for DocumentResource {
    fn from(d: &StoredDocument) -> Self {
        DocumentResource {
            kind: "document".into(),
            id: d.id.to_string(),
            attributes: DocumentAttributes {
                kind: d.kind().as_str().into(),
                side: d.shot().as_str().into(),
                id_class: d.id_class().map(|c| c.as_str().into()),
                capture_method: d.capture_method.as_str().into(),
                content_type: d.content_type.clone(),
                byte_size: d.byte_size,
                sha256: d.sha256.clone(),
                created_at: time(d.created_at),
            },
            relationships: InquiryRelationship {
                inquiry: ToOne::to("inquiry", d.inquiry_id.to_string()),
            },
        }
    }
}
