//! The audit trail's vocabulary (docs/console.md §5, §7): who did what to which inquiry,
//! template, webhook, API key or operator.
//! Records are append-only; each names its actor, an operator by email or an API key by id.

use serde::{Deserialize, Serialize};

/// What was done, with its exact wire spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    /// An inquiry's personal data (its field values) was shown unmasked.
    #[serde(rename = "inquiry.viewed")]
    InquiryViewed,
    /// One of an inquiry's images (an ID side or a selfie frame) was served.
    #[serde(rename = "image.viewed")]
    ImageViewed,
    #[serde(rename = "inquiry.approved")]
    Approved,
    #[serde(rename = "inquiry.declined")]
    Declined,
    #[serde(rename = "inquiry.marked-for-review")]
    MarkedForReview,
    #[serde(rename = "inquiry.tagged")]
    Tagged,
    #[serde(rename = "inquiry.untagged")]
    Untagged,
    #[serde(rename = "inquiry.commented")]
    Commented,
    #[serde(rename = "inquiry.redacted")]
    Redacted,
    /// An admin's changes from the console (docs/console.md §7): a template's draft saved,
    /// a version published, the template (de)activated, an inquiry started to try it.
    #[serde(rename = "template.updated")]
    TemplateUpdated,
    #[serde(rename = "template.published")]
    TemplatePublished,
    #[serde(rename = "template.activated")]
    TemplateActivated,
    #[serde(rename = "template.deactivated")]
    TemplateDeactivated,
    #[serde(rename = "template.tried")]
    TemplateTried,
    /// A webhook delivery sent again, an endpoint's secret rotated (never the secret in the
    /// detail), an endpoint disabled or enabled.
    #[serde(rename = "webhook.redelivered")]
    WebhookRedelivered,
    #[serde(rename = "webhook.secret-rotated")]
    WebhookSecretRotated,
    #[serde(rename = "webhook.disabled")]
    WebhookDisabled,
    #[serde(rename = "webhook.enabled")]
    WebhookEnabled,
    #[serde(rename = "api-key.created")]
    ApiKeyCreated,
    #[serde(rename = "api-key.revoked")]
    ApiKeyRevoked,
    /// Operators: the detail names the operator's email (and role when created).
    #[serde(rename = "operator.created")]
    OperatorCreated,
    #[serde(rename = "operator.disabled")]
    OperatorDisabled,
    #[serde(rename = "operator.password-reset")]
    OperatorPasswordReset,
    /// An operator confirmed a TOTP second factor for their own account.
    #[serde(rename = "operator.totp-enrolled")]
    OperatorTotpEnrolled,
}

impl AuditAction {
    pub const ALL: [AuditAction; 24] = [
        AuditAction::InquiryViewed,
        AuditAction::ImageViewed,
        AuditAction::Approved,
        AuditAction::Declined,
        AuditAction::MarkedForReview,
        AuditAction::Tagged,
        AuditAction::Untagged,
        AuditAction::Commented,
        AuditAction::Redacted,
        AuditAction::TemplateUpdated,
        AuditAction::TemplatePublished,
        AuditAction::TemplateActivated,
        AuditAction::TemplateDeactivated,
        AuditAction::TemplateTried,
        AuditAction::WebhookRedelivered,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookDisabled,
        AuditAction::WebhookEnabled,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::OperatorCreated,
        AuditAction::OperatorDisabled,
        AuditAction::OperatorPasswordReset,
        AuditAction::OperatorTotpEnrolled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::InquiryViewed => "inquiry.viewed",
            AuditAction::ImageViewed => "image.viewed",
            AuditAction::Approved => "inquiry.approved",
            AuditAction::Declined => "inquiry.declined",
            AuditAction::MarkedForReview => "inquiry.marked-for-review",
            AuditAction::Tagged => "inquiry.tagged",
            AuditAction::Untagged => "inquiry.untagged",
            AuditAction::Commented => "inquiry.commented",
            AuditAction::Redacted => "inquiry.redacted",
            AuditAction::TemplateUpdated => "template.updated",
            AuditAction::TemplatePublished => "template.published",
            AuditAction::TemplateActivated => "template.activated",
            AuditAction::TemplateDeactivated => "template.deactivated",
            AuditAction::TemplateTried => "template.tried",
            AuditAction::WebhookRedelivered => "webhook.redelivered",
            AuditAction::WebhookSecretRotated => "webhook.secret-rotated",
            AuditAction::WebhookDisabled => "webhook.disabled",
            AuditAction::WebhookEnabled => "webhook.enabled",
            AuditAction::ApiKeyCreated => "api-key.created",
            AuditAction::ApiKeyRevoked => "api-key.revoked",
            AuditAction::OperatorCreated => "operator.created",
            AuditAction::OperatorDisabled => "operator.disabled",
            AuditAction::OperatorPasswordReset => "operator.password-reset",
            AuditAction::OperatorTotpEnrolled => "operator.totp-enrolled",
        }
    }

    pub fn parse(value: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Actor {
    /// A console operator, by email (emails stay readable after an operator is removed).
    Operator(String),
    /// An API key, by its `key_…` id.
    ApiKey(String),
    /// The server itself (workflows, retention).
    System,
}

impl Actor {
    /// `operator`, `api-key` or `system`: the stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Operator(_) => "operator",
            Actor::ApiKey(_) => "api-key",
            Actor::System => "system",
        }
    }

    /// The email or key id; empty for the system.
    pub fn id(&self) -> &str {
        match self {
            Actor::Operator(id) | Actor::ApiKey(id) => id,
            Actor::System => "",
        }
    }

    /// The actor a stored `(kind, id)` pair names.
    pub fn from_parts(kind: &str, id: &str) -> Option<Actor> {
        match kind {
            "operator" => Some(Actor::Operator(id.to_owned())),
            "api-key" => Some(Actor::ApiKey(id.to_owned())),
            "system" => Some(Actor::System),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_actors_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(serde_json::Value::String(action.as_str().into()))
            );
        }
        for actor in [
            Actor::Operator("a@example.com".into()),
            Actor::ApiKey("key_1".into()),
            Actor::System,
        ] {
            assert_eq!(
                Actor::from_parts(actor.kind(), actor.id()),
                Some(actor.clone())
            );
        }
        assert_eq!(Actor::from_parts("robot", "x"), None);
    }
}
