//! Console operators' roles and what each may do (docs/console.md §2). The console checks
//! these on the server for every page and action; the pages only hide what a role cannot do.

use serde::{Deserialize, Serialize};

/// An operator's role, with its wire and database spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperatorRole {
    /// Everything.
    Admin,
    /// Inquiries: personal data and images, decisions, tags, comments, redaction.
    Reviewer,
    /// Lists and statuses only: personal data masked, no images, no decisions.
    Viewer,
}

impl OperatorRole {
    pub const ALL: [OperatorRole; 3] = [
        OperatorRole::Admin,
        OperatorRole::Reviewer,
        OperatorRole::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorRole::Admin => "admin",
            OperatorRole::Reviewer => "reviewer",
            OperatorRole::Viewer => "viewer",
        }
    }

    pub fn parse(value: &str) -> Option<OperatorRole> {
        OperatorRole::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// May see field values and images unmasked.
    pub fn sees_personal_data(self) -> bool {
        self != OperatorRole::Viewer
    }

    /// May approve, decline, mark for review, tag, comment and redact.
    pub fn decides(self) -> bool {
        self != OperatorRole::Viewer
    }

    /// May read the whole audit trail and manage operators.
    pub fn administers(self) -> bool {
        self == OperatorRole::Admin
    }
}

impl std::fmt::Display for OperatorRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_only_viewers_are_limited() {
        for role in OperatorRole::ALL {
            assert_eq!(OperatorRole::parse(role.as_str()), Some(role));
            assert_eq!(role.decides(), role.sees_personal_data());
        }
        assert_eq!(OperatorRole::parse("root"), None);
        assert!(!OperatorRole::Viewer.decides());
        assert!(!OperatorRole::Viewer.sees_personal_data());
        assert!(OperatorRole::Reviewer.decides() && !OperatorRole::Reviewer.administers());
        assert!(OperatorRole::Admin.administers());
    }
}
