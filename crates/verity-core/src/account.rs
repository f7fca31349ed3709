//! Accounts (`act_…`): the integrator's user, found or created by `reference-id`.

use serde::{Deserialize, Serialize};

use crate::id::AccountId;
use crate::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Account {
    pub id: AccountId,
    pub reference_id: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// Longest accepted `reference-id`.
pub const MAX_REFERENCE_ID: usize = 255;
