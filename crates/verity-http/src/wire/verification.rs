//! Verifications on the wire: a government-ID or selfie verification with its checks and
//! what was extracted from the document.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use verity_core::verification::Verification;

use super::{documents, maybe_time, time, InquiryRelationship, ToOne};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerificationResource {
    /// `verification/government-id` or `verification/selfie`.
    #[serde(rename = "type")]
    #[schema(example = "verification/government-id")]
    pub kind: String,
    #[schema(example = "ver_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: VerificationAttributes,
    pub relationships: InquiryRelationship,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct VerificationAttributes {
    /// `submitted`, `passed` or `failed`.
    #[schema(example = "passed")]
    pub status: String,
    /// The step whose submission created it.
    pub step: String,
    /// `{name, status, reasons, details, required}` per check.
    #[schema(value_type = Vec<HashMap<String, serde_json::Value>>)]
    pub checks: Value,
    /// What the document says about its holder (`null` before extraction).
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub extracted_data: Value,
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl From<&Verification> for VerificationResource {
    fn from(v: &Verification) -> Self {
        VerificationResource {
            kind: v.kind.wire_type().into(),
            id: v.id.to_string(),
            attributes: VerificationAttributes {
                status: v.status.as_str().into(),
                step: v.step.clone(),
                checks: super::to_value(&v.checks),
                extracted_data: v.extracted.clone(),
                created_at: time(v.created_at),
                completed_at: maybe_time(v.completed_at),
            },
            relationships: InquiryRelationship {
                inquiry: ToOne::to("inquiry", v.inquiry_id.to_string()),
            },
        }
    }
}

documents!(
    VerificationResource,
    VerificationOne,
    VerificationList,
    "verification"
);
