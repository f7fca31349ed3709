//! Events on the wire: one entry of the event log, and API keys (rendered by the console
//! and the CLI, never with their secret).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use verity_store::{ApiKey, StoredEvent};

use super::{documents, maybe_time, time};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventResource {
    #[serde(rename = "type")]
    #[schema(example = "event")]
    pub kind: String,
    #[schema(example = "evt_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: EventAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct EventAttributes {
    #[schema(example = "inquiry.created")]
    pub name: String,
    /// `{"data": resource}`: the subject as `GET` rendered it when the event happened.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub payload: Value,
    pub created_at: String,
}

impl From<&StoredEvent> for EventResource {
    fn from(e: &StoredEvent) -> Self {
        EventResource {
            kind: "event".into(),
            id: e.id.to_string(),
            attributes: EventAttributes {
                name: e.name.as_str().into(),
                payload: e.payload.clone(),
                created_at: time(e.created_at),
            },
        }
    }
}

documents!(EventResource, EventOne, EventList, "event");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyResource {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub attributes: ApiKeyAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct ApiKeyAttributes {
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub hint: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl From<&ApiKey> for ApiKeyResource {
    fn from(k: &ApiKey) -> Self {
        ApiKeyResource {
            kind: "api-key".into(),
            id: k.id.to_string(),
            attributes: ApiKeyAttributes {
                name: k.name.clone(),
                hint: k.hint.clone(),
                created_at: time(k.created_at),
                revoked_at: maybe_time(k.revoked_at),
            },
        }
    }
}
