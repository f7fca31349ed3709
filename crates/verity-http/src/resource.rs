//! How each domain object looks on the wire as a JSON:API resource object. The REST API,
//! the event log's payloads and webhooks all render through these functions, so a
//! webhook's `payload.data` is exactly what `GET` returns.

use serde_json::{json, Value};
use verity_core::account::Account;
use verity_core::inquiry::Inquiry;
use verity_core::rfc3339;
use verity_core::session::InquirySession;
use verity_core::template::{Template, TemplateKind};
use verity_core::verification::Verification;
use verity_core::Millis;
use verity_store::{ApiKey, Document, StoredEvent};

fn time(ms: Option<Millis>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(rfc3339(ms)))
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub fn inquiry(i: &Inquiry) -> Value {
    let template_type = match i.template_id {
        verity_core::id::TemplateId::Dynamic(_) => "inquiry-template",
        verity_core::id::TemplateId::Legacy(_) => "template",
    };
    json!({
        "type": "inquiry",
        "id": i.id,
        "attributes": {
            "status": i.status.as_str(),
            "reference-id": i.reference_id,
            "note": i.note,
            "tags": i.tags,
            "fields": to_value(&i.fields),
            "current-step": i.current_step,
            "completed-steps": i.completed_steps,
            "created-at": rfc3339(i.created_at),
            "updated-at": rfc3339(i.updated_at),
            "started-at": time(i.started_at),
            "completed-at": time(i.completed_at),
            "failed-at": time(i.failed_at),
            "expired-at": time(i.expired_at),
            "decisioned-at": time(i.decisioned_at),
            "redacted-at": time(i.redacted_at),
            "expires-at": rfc3339(i.expires_at),
        },
        "relationships": {
            "account": {"data": i.account_id.as_ref().map(|a| json!({"type": "account", "id": a}))},
            "template": {"data": {"type": template_type, "id": i.template_id}},
            "inquiry-template-version": {"data": {"type": "inquiry-template-version", "id": i.template_version_id}},
            "verifications": {"data": i.verifications.iter()
                .map(|v| json!({"type": v.kind.wire_type(), "id": v.id}))
                .collect::<Vec<_>>()},
        }
    })
}

/// A verification (issue 7). `extracted-data` is what the document says about its holder.
pub fn verification(v: &Verification) -> Value {
    json!({
        "type": v.kind.wire_type(),
        "id": v.id,
        "attributes": {
            "status": v.status.as_str(),
            "step": v.step,
            "checks": to_value(&v.checks),
            "extracted-data": v.extracted,
            "created-at": rfc3339(v.created_at),
            "completed-at": time(v.completed_at),
        },
        "relationships": {
            "inquiry": {"data": {"type": "inquiry", "id": v.inquiry_id}},
        }
    })
}

pub fn template(t: &Template) -> Value {
    let d = &t.definition;
    json!({
        "type": match t.kind() { TemplateKind::Dynamic => "inquiry-template", TemplateKind::Legacy => "template" },
        "id": t.id,
        "attributes": {
            "name": t.name,
            "kind": to_value(&t.kind()),
            "status": to_value(&t.status),
            "steps": to_value(&d.steps),
            "fields": to_value(&d.fields),
            "allowed-domains": d.allowed_domains,
            "preferred-dimensions": to_value(&d.preferred_dimensions),
            "border-radius": d.border_radius,
            "inquiry-ttl-seconds": d.inquiry_ttl_seconds,
            "minimum-age": d.minimum_age,
            "required-checks": to_value(&d.required_checks),
            "extracted-fields": to_value(&d.extracted_fields),
            "workflow": to_value(&d.workflow),
            "created-at": rfc3339(t.created_at),
            "updated-at": rfc3339(t.updated_at),
        },
        "relationships": {
            "latest-published-version": {"data": t.latest_version().map(|v| json!({"type": "inquiry-template-version", "id": v.id}))},
            "inquiry-template-versions": {"data": t.versions.iter().map(|v| json!({
                "type": "inquiry-template-version", "id": v.id, "published-at": rfc3339(v.published_at)
            })).collect::<Vec<_>>()},
        }
    })
}

pub fn account(a: &Account) -> Value {
    json!({
        "type": "account",
        "id": a.id,
        "attributes": {
            "reference-id": a.reference_id,
            "created-at": rfc3339(a.created_at),
            "updated-at": rfc3339(a.updated_at),
        }
    })
}

/// Sessions never expose their token hash.
pub fn session(s: &InquirySession) -> Value {
    json!({
        "type": "inquiry-session",
        "id": s.id,
        "attributes": {
            "status": to_value(&s.status),
            "device-handoff-method": to_value(&s.device_handoff_method),
            "created-at": rfc3339(s.created_at),
            "expires-at": rfc3339(s.expires_at),
        },
        "relationships": {"inquiry": {"data": {"type": "inquiry", "id": s.inquiry_id}}}
    })
}

/// Document metadata; the bytes are served separately.
pub fn document(d: &Document) -> Value {
    json!({
        "type": "document",
        "id": d.id,
        "attributes": {
            "kind": d.kind,
            "side": d.side,
            "id-class": d.id_class,
            "capture-method": d.capture_method,
            "content-type": d.content_type,
            "byte-size": d.byte_size,
            "sha256": d.sha256,
            "created-at": rfc3339(d.created_at),
        },
        "relationships": {"inquiry": {"data": {"type": "inquiry", "id": d.inquiry_id}}}
    })
}

pub fn event(e: &StoredEvent) -> Value {
    json!({
        "type": "event",
        "id": e.id,
        "attributes": {
            "name": e.name.as_str(),
            "payload": e.payload,
            "created-at": rfc3339(e.created_at),
        }
    })
}

pub fn api_key(k: &ApiKey) -> Value {
    json!({
        "type": "api-key",
        "id": k.id,
        "attributes": {
            "name": k.name,
            "hint": k.hint,
            "created-at": rfc3339(k.created_at),
            "revoked-at": time(k.revoked_at),
        }
    })
}
