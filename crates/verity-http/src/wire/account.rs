//! Accounts on the wire: read-only; inquiries create them through `reference-id`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use verity_core::account::Account;

use super::{documents, time};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountResource {
    #[serde(rename = "type")]
    #[schema(example = "account")]
    pub kind: String,
    #[schema(example = "act_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
    pub attributes: AccountAttributes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct AccountAttributes {
    #[schema(example = "user-1234")]
    pub reference_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Account> for AccountResource {
    fn from(a: &Account) -> Self {
        AccountResource {
            kind: "account".into(),
            id: a.id.to_string(),
            attributes: AccountAttributes {
                reference_id: a.reference_id.clone(),
                created_at: time(a.created_at),
                updated_at: time(a.updated_at),
            },
        }
    }
}

documents!(AccountResource, AccountOne, AccountList, "account");
