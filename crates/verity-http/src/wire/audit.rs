//! Audit records on the wire (docs/console.md §5): who did what to which inquiry, when and
//! from where. Read-only: the trail is append-only.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use verity_store::AuditRecord;

use super::{documents, time};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditRecordResource {
    #[serde(rename = "type")]
    #[schema(example = "audit-record")]
    pub kind: String,
    #[schema(example = "aud_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: AuditRecordAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct AuditRecordAttributes {
    /// `operator`, `api-key` or `system`.
    #[schema(example = "operator")]
    pub actor_kind: String,
    /// The operator's email or the API key's id.
    #[schema(example = "reviewer@example.com")]
    pub actor: String,
    #[schema(example = "inquiry.approved")]
    pub action: String,
    pub inquiry_id: Option<String>,
    /// The client address the request came from.
    pub address: Option<String>,
    /// The decision's reason, the image viewed, the tag.
    pub detail: Option<String>,
    pub created_at: String,
}

impl From<&AuditRecord> for AuditRecordResource {
    fn from(r: &AuditRecord) -> Self {
        AuditRecordResource {
            kind: "audit-record".into(),
            id: r.id.to_string(),
            attributes: AuditRecordAttributes {
                actor_kind: r.actor.kind().into(),
                actor: r.actor.id().into(),
                action: r.action.as_str().into(),
                inquiry_id: r.inquiry_id.as_ref().map(|i| i.to_string()),
                address: r.address.clone(),
                detail: r.detail.clone(),
                created_at: time(r.created_at),
            },
        }
    }
}

documents!(
    AuditRecordResource,
    AuditRecordOne,
    AuditRecordList,
    "audit record"
);
