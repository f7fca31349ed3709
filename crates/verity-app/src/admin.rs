//! An admin's changes from the console (docs/console.md §7): templates, webhook endpoints,
//! API keys and operators, each followed by its audit record. These rows change through
//! their own revision-checked updates ([`crate::templates::modify`],
//! [`crate::webhooks::modify`]) or single statements, not through an inquiry's change path,
//! so the record is appended once the change has committed: a record always stands for a
//! change that happened. A secret or password is answered once and never put in a record.

use rand::rngs::OsRng;
use verity_core::audit::AuditAction;
use verity_core::id::{ApiKeyId, DeliveryId, InquiryTemplateVersionId, TemplateId, WebhookId};
use verity_core::inquiry::Inquiry;
use verity_core::operator::OperatorRole;
use verity_core::template::{Template, TemplateDefinition, TemplateStatus};
use verity_core::token;
use verity_core::Millis;
use verity_store::{ApiKey, Delivery, Operator, Webhook, WebhookStatus};

use crate::audit::Requester;
use crate::inquiries::{CreateInquiry, TemplateRef};
use crate::{App, AppError};

/// Appends the record of a committed change.
async fn audit(
    app: &App,
    who: &Requester,
    action: AuditAction,
    detail: String,
) -> Result<(), AppError> {
    let record = who.record(app, action, None, Some(detail));
    Ok(app.store.insert_audit_records(&[record]).await?)
}

/// Replaces template `id`'s draft with `definition` (validated as the REST API does).
pub async fn save_template_draft(
    app: &App,
    id: &TemplateId,
    definition: TemplateDefinition,
    who: &Requester,
) -> Result<Template, AppError> {
    crate::templates::validate(&definition)?;
    let template = crate::templates::modify(app, id, |template, now| {
        template.definition = definition.clone();
        template.updated_at = now;
        Ok::<_, AppError>(())
    })
    .await?;
    audit(app, who, AuditAction::TemplateUpdated, id.to_string()).await?;
    Ok(template)
}

/// Publishes template `id`'s draft as its next version; the record names the version.
pub async fn publish_template(
    app: &App,
    id: &TemplateId,
    who: &Requester,
) -> Result<Template, AppError> {
    let template = crate::templates::modify(app, id, |template, now| {
        template.publish(InquiryTemplateVersionId::generate(&mut OsRng), now)?;
        Ok::<_, AppError>(())
    })
    .await?;
    let version = template.versions.len();
    audit(
        app,
        who,
        AuditAction::TemplatePublished,
        format!("{id} version {version}"),
    )
    .await?;
    Ok(template)
}

/// Activates (`active`) or deactivates template `id`.
pub async fn set_template_status(
    app: &App,
    id: &TemplateId,
    status: TemplateStatus,
    who: &Requester,
) -> Result<Template, AppError> {
    let template = crate::templates::modify(app, id, |template, now| {
        template.status = status;
        template.updated_at = now;
        Ok::<_, AppError>(())
    })
    .await?;
    let action = match status {
        TemplateStatus::Active => AuditAction::TemplateActivated,
        TemplateStatus::Inactive => AuditAction::TemplateDeactivated,
    };
    audit(app, who, action, id.to_string()).await?;
    Ok(template)
}

/// A new inquiry of template `id`, for the admin to walk through the flow; the record
/// names the template and the inquiry.
pub async fn try_template(
    app: &App,
    id: &TemplateId,
    who: &Requester,
) -> Result<Inquiry, AppError> {
    let inquiry = crate::inquiries::create(
        app,
        CreateInquiry {
            template: Some(TemplateRef::Template(id.clone())),
            ..CreateInquiry::default()
        },
    )
    .await?;
    let record = who.record(
        app,
        AuditAction::TemplateTried,
        Some(&inquiry.id),
        Some(id.to_string()),
    );
    app.store.insert_audit_records(&[record]).await?;
    Ok(inquiry)
}

/// Sends delivery `delivery` of endpoint `webhook` again.
pub async fn redeliver(
    app: &App,
    webhook: &WebhookId,
    delivery: &DeliveryId,
    who: &Requester,
) -> Result<Delivery, AppError> {
    let not_found = || AppError::not_found("webhook delivery", delivery);
    let found = app.store.delivery(delivery).await?.ok_or_else(not_found)?;
    if &found.webhook_id != webhook {
        return Err(not_found());
    }
    app.store.redeliver(delivery, app.now()).await?;
    app.store.outbox_signal().notify_one();
    audit(
        app,
        who,
        AuditAction::WebhookRedelivered,
        format!("{webhook} {delivery}"),
    )
    .await?;
    app.store.delivery(delivery).await?.ok_or_else(not_found)
}

/// Replaces endpoint `id`'s secret with `secret`, the old one signing for `keep_ms` more
/// (as the REST API's rotation). The record names the endpoint, never a secret.
pub async fn rotate_webhook_secret(
    app: &App,
    id: &WebhookId,
    secret: &str,
    keep_ms: i64,
    who: &Requester,
) -> Result<Webhook, AppError> {
    let webhook = crate::webhooks::modify(app, id, |webhook, now| {
        webhook.previous_secret = Some(std::mem::replace(&mut webhook.secret, secret.to_owned()));
        webhook.previous_secret_expires_at = Some(now + keep_ms);
        webhook.updated_at = now;
        Ok::<_, AppError>(())
    })
    .await?;
    audit(app, who, AuditAction::WebhookSecretRotated, id.to_string()).await?;
    Ok(webhook)
}

/// Enables or disables endpoint `id` (enabling clears an automatic disable's reason and
/// wakes the delivery loop, which may now claim parked deliveries).
pub async fn set_webhook_status(
    app: &App,
    id: &WebhookId,
    status: WebhookStatus,
    who: &Requester,
) -> Result<Webhook, AppError> {
    let webhook = crate::webhooks::modify(app, id, |webhook, now| {
        webhook.status = status;
        if status == WebhookStatus::Enabled {
            webhook.disabled_reason = None;
        }
        webhook.updated_at = now;
        Ok::<_, AppError>(())
    })
    .await?;
    app.store.outbox_signal().notify_one();
    let action = match status {
        WebhookStatus::Enabled => AuditAction::WebhookEnabled,
        WebhookStatus::Disabled => AuditAction::WebhookDisabled,
    };
    audit(app, who, action, id.to_string()).await?;
    Ok(webhook)
}

/// Longest API key name, in characters.
pub const MAX_KEY_NAME_LEN: usize = 100;

/// A new API key named `name`; answers it with its secret (shown once, only its hash
/// stored).
pub async fn create_api_key(
    app: &App,
    name: &str,
    who: &Requester,
) -> Result<(ApiKey, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_KEY_NAME_LEN {
        return Err(AppError::invalid(
            "name",
            format!("a key's name has 1 to {MAX_KEY_NAME_LEN} characters"),
        ));
    }
    let (key, secret) = new_api_key(name, app.now());
    app.store.insert_api_key(&key).await?;
    audit(app, who, AuditAction::ApiKeyCreated, key.id.to_string()).await?;
    Ok((key, secret))
}

/// A new API key named `name` and its secret (`vk_…`), which only the caller ever sees: the
/// key keeps its hash and the first characters as a hint.
pub fn new_api_key(name: &str, now: Millis) -> (ApiKey, String) {
    let secret = token::generate("vk_", &mut OsRng);
    let key = ApiKey {
        id: ApiKeyId::generate(&mut OsRng),
        name: name.to_owned(),
        hash: secret.hash.clone(),
        hint: secret.plaintext.chars().take(9).collect(),
        created_at: now,
        revoked_at: None,
    };
    (key, secret.plaintext)
}

/// Revokes API key `id`: its requests are refused from now on.
pub async fn revoke_api_key(app: &App, id: &ApiKeyId, who: &Requester) -> Result<(), AppError> {
    let keys = app.store.list_api_keys().await?;
    let key = keys
        .iter()
        .find(|k| &k.id == id)
        .ok_or_else(|| AppError::not_found("API key", id))?;
    if key.revoked_at.is_some() {
        return Err(AppError::Conflict(format!(
            "API key {id} is already revoked"
        )));
    }
    app.store.revoke_api_key(id, app.now()).await?;
    audit(app, who, AuditAction::ApiKeyRevoked, id.to_string()).await
}

/// A new operator with a generated password (answered once, like `verity operator create`).
pub async fn create_operator(
    app: &App,
    email: &str,
    role: OperatorRole,
    who: &Requester,
) -> Result<(Operator, String), AppError> {
    let (operator, password) = crate::operators::create(app, email, role, None).await?;
    let password = password.ok_or_else(|| anyhow::anyhow!("no password was generated"))?;
    let detail = format!("{} ({role})", operator.email);
    audit(app, who, AuditAction::OperatorCreated, detail).await?;
    Ok((operator, password))
}

/// Disables operator `email` and ends its sessions; an admin cannot disable themselves
/// (the console would lose its last way in).
pub async fn disable_operator(
    app: &App,
    email: &str,
    who: &Requester,
) -> Result<Operator, AppError> {
    let email = crate::operators::normalise_email(email)?;
    if who.actor.id() == email {
        return Err(AppError::Conflict("you cannot disable yourself".into()));
    }
    let operator = crate::operators::disable(app, &email).await?;
    audit(
        app,
        who,
        AuditAction::OperatorDisabled,
        operator.email.clone(),
    )
    .await?;
    Ok(operator)
}

/// A new generated password for operator `email` (answered once); ends its sessions and
/// its lock.
pub async fn reset_operator_password(
    app: &App,
    email: &str,
    who: &Requester,
) -> Result<String, AppError> {
    let email = crate::operators::normalise_email(email)?;
    let password = crate::operators::reset_password(app, &email, None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no password was generated"))?;
    audit(app, who, AuditAction::OperatorPasswordReset, email).await?;
    Ok(password)
}
