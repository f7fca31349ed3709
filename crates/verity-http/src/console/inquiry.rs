//! One inquiry (docs/console.md §4): its fields, images, verifications with their checks,
//! tags, comments, sessions, links and deliveries ([`super::activity`]), the event timeline
//! and its audit records; the decision form; the images themselves.
//! A reviewer's or admin's view of personal data is audited before it is answered; a
//! viewer sees values masked, no image, and no decision form.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::audit;
use verity_app::decisions::{self, Verdict};
use verity_core::audit::AuditAction;
use verity_core::id::{DocumentId, InquiryId};
use verity_core::inquiry::{Inquiry, InquiryStatus};
use verity_core::verification::{CheckOutcome, Verification};
use verity_store::{AuditFilter, Document, EventFilter, PageRequest};

use super::activity::{self, Tools};
use super::auth::Signed;
use super::error::ConsoleError;
use super::html::{self, csrf_field, esc};
use super::pages::{audit_table, render};
use crate::state::AppState;

/// What a viewer sees in place of a value.
const MASK: &str = "••••••";

fn fields_table(inquiry: &Inquiry, unmasked: bool) -> String {
    let rows: String = inquiry
        .fields
        .iter()
        .map(|(key, field)| {
            let value = match (&field.value, unmasked) {
                (serde_json::Value::Null, _) => String::new(),
                (_, false) => format!("<span class=\"masked\" aria-label=\"hidden\">{MASK}</span>"),
                (serde_json::Value::String(s), true) => esc(s),
                (other, true) => esc(&other.to_string()),
            };
            format!(
                "<tr><th scope=\"row\">{}</th><td>{value}</td></tr>",
                esc(key)
            )
        })
        .collect();
    format!("<h2>Fields</h2><table><tbody>{rows}</tbody></table>")
}

fn images(inquiry: &Inquiry, documents: &[Document], shown: bool) -> String {
    if !shown {
        return "<h2>Images</h2><p>Images are not shown to viewers.</p>".to_owned();
    }
    if documents.is_empty() {
        return "<h2>Images</h2><p>No images.</p>".to_owned();
    }
    let figures: String = documents
        .iter()
        .map(|d| {
            let label = format!("{} {}", d.kind().as_str().replace('_', " "), d.shot());
            format!(
                "<figure class=\"capture\"><img src=\"/console/inquiries/{i}/documents/{d}\" \
                 alt=\"{label}\"><figcaption>{label} · {method} · {at}</figcaption></figure>",
                i = esc(inquiry.id.as_str()),
                d = esc(d.id.as_str()),
                label = esc(&label),
                method = d.capture_method,
                at = html::time(d.created_at),
            )
        })
        .collect();
    format!("<h2>Images</h2><div class=\"captures\">{figures}</div>")
}

fn outcome(status: CheckOutcome) -> &'static str {
    match status {
        CheckOutcome::Passed => "passed",
        CheckOutcome::Failed => "failed",
        CheckOutcome::NotApplicable => "not applicable",
    }
}

fn verifications(list: &[Verification], unmasked: bool) -> String {
    let sections: String = list
        .iter()
        .map(|v| {
            let checks: String = v
                .checks
                .iter()
                .map(|c| {
                    let details = if unmasked {
                        serde_json::to_string_pretty(&c.details).unwrap_or_default()
                    } else {
                        MASK.to_owned()
                    };
                    format!(
                        "<tr><td>{}</td><td class=\"status\">{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
                        esc(&c.name),
                        outcome(c.status),
                        esc(&c.reasons.join("; ")),
                        esc(&details)
                    )
                })
                .collect();
            format!(
                "<h3>{kind} verification {id}: <span class=\"status\">{status}</span></h3>\
                 <table><thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Status</th>\
                 <th scope=\"col\">Reasons</th><th scope=\"col\">Details</th></tr></thead><tbody>{checks}</tbody></table>",
                kind = v.kind.as_str(),
                id = esc(v.id.as_str()),
                status = v.status.as_str(),
            )
        })
        .collect();
    format!(
        "<h2>Verifications</h2>{}",
        if sections.is_empty() {
            "<p>None.</p>".into()
        } else {
            sections
        }
    )
}

async fn timeline(state: &AppState, id: &InquiryId) -> Result<String, ConsoleError> {
    let filter = EventFilter {
        inquiry_id: Some(id.clone()),
        ..EventFilter::default()
    };
    let page = state.store.list_events(&filter, &first_page(100)).await?;
    let rows: String = page
        .items
        .iter()
        .rev()
        .map(|e| {
            let reason = e
                .payload
                .pointer("/meta/reason")
                .and_then(|r| r.as_str())
                .map(|r| format!(" — {}", esc(r)))
                .unwrap_or_default();
            format!(
                "<li>{} <strong>{}</strong>{reason}</li>",
                html::time(e.created_at),
                e.name
            )
        })
        .collect();
    Ok(format!("<h2>Timeline</h2><ol>{rows}</ol>"))
}

fn first_page(size: u32) -> PageRequest {
    PageRequest {
        after: None,
        before: None,
        size,
    }
}

fn decision_form(inquiry: &Inquiry, csrf: &str) -> String {
    format!(
        "<h2>Decision</h2><form class=\"decision\" method=\"post\" action=\"/console/inquiries/{id}/decision\">{csrf}\
         <p><label for=\"reason\">Reason (required)</label>\
         <textarea id=\"reason\" name=\"reason\" required maxlength=\"{max}\"></textarea></p>\
         <p><button name=\"verdict\" value=\"approve\">Approve</button> \
         <button name=\"verdict\" value=\"decline\" class=\"decline\">Decline</button> \
         <button name=\"verdict\" value=\"mark-for-review\">Mark for review</button></p></form>",
        id = esc(inquiry.id.as_str()),
        csrf = csrf_field(csrf),
        max = decisions::MAX_REASON_LEN,
    )
}

/// Tags, comments, redaction, sessions with their one-time links, webhook deliveries.
async fn activity_sections(
    state: &AppState,
    inquiry: &Inquiry,
    tools: &Tools<'_>,
) -> Result<String, ConsoleError> {
    let id = &inquiry.id;
    let comments = state.store.comments_for_inquiry(id).await?;
    let sessions = state.store.sessions_for_inquiry(id).await?;
    let mut links = Vec::new();
    for session in sessions
        .iter()
        .filter(|s| s.device_handoff_method.is_some())
    {
        links.extend(state.store.one_time_link(&session.id).await?);
    }
    let deliveries = state.store.deliveries_for_inquiry(id, 50).await?;
    Ok(format!(
        "{}{}{}{}{}",
        activity::tags(inquiry, tools),
        activity::comments(inquiry, &comments, tools),
        activity::sessions(&sessions, &links),
        activity::deliveries(&deliveries),
        activity::redaction(inquiry, tools),
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let id = InquiryId::parse(&id)?;
    let inquiry = verity_app::inquiries::load(&state.app, &id).await?;
    let role = signed.operator.role;
    if role.sees_personal_data() {
        audit::record(
            &state.app,
            &signed.requester(),
            AuditAction::InquiryViewed,
            &id,
            None,
        )
        .await?;
    }
    let documents = state.store.documents_for_inquiry(&id).await?;
    let checks = state.store.verifications_for_inquiry(&id).await?;
    let trail = state
        .store
        .list_audit_records(
            &AuditFilter {
                inquiry_id: Some(id.clone()),
                ..AuditFilter::default()
            },
            &first_page(100),
        )
        .await?;
    let open_to_decide = matches!(
        inquiry.status,
        InquiryStatus::Completed | InquiryStatus::Failed | InquiryStatus::NeedsReview
    );
    let decide = if role.decides() && open_to_decide {
        decision_form(&inquiry, &signed.csrf)
    } else {
        String::new()
    };
    let tools = Tools {
        csrf: &signed.csrf,
        acts: role.decides(),
        reads: role.sees_personal_data(),
    };
    let body = format!(
        "<h1>Inquiry {id}</h1><p>Status: <span class=\"status\">{status}</span> · template {template} · \
         reference id {reference} · created {created}</p>{decide}{fields}{images}{checks}{activity}{timeline}\
         <h2>Audit records</h2>{trail}",
        id = esc(id.as_str()),
        status = inquiry.status.as_str(),
        template = esc(&inquiry.template_id.to_string()),
        reference = esc(inquiry.reference_id.as_deref().unwrap_or("—")),
        created = html::time(inquiry.created_at),
        fields = fields_table(&inquiry, role.sees_personal_data()),
        images = images(&inquiry, &documents, role.sees_personal_data()),
        checks = verifications(&checks, role.sees_personal_data()),
        activity = activity_sections(&state, &inquiry, &tools).await?,
        timeline = timeline(&state, &id).await?,
        trail = audit_table(&trail.items),
    );
    render(&state, &signed, &format!("Inquiry {id}"), &body).await
}

/// The image's content type as served: one of the types uploads are checked to be, never
/// the stored string itself.
fn fixed_content_type(stored: &str) -> &'static str {
    match stored {
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        _ => "image/jpeg",
    }
}

pub async fn image(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, document)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    signed.require(
        signed.operator.role.sees_personal_data(),
        "images are not shown to viewers",
    )?;
    let id = InquiryId::parse(&id)?;
    let document_id = DocumentId::parse(&document)?;
    let doc = state
        .store
        .document(&document_id)
        .await?
        .filter(|d| d.inquiry_id == id)
        .ok_or_else(|| ConsoleError::NotFound(format!("no image {document_id}")))?;
    let detail = format!("{} {} {}", doc.kind(), doc.shot(), doc.id);
    audit::record(
        &state.app,
        &signed.requester(),
        AuditAction::ImageViewed,
        &id,
        Some(detail),
    )
    .await?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(fixed_content_type(&doc.content_type)),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline"),
        ),
    ];
    Ok((headers, doc.bytes).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    signed.may_post(
        &headers,
        &state.config.public_url,
        &input.csrf,
        signed.operator.role.decides(),
        "viewers cannot decide inquiries",
    )?;
    let id = InquiryId::parse(&id)?;
    let verdict = match input.verdict.as_str() {
        "approve" => Verdict::Approve,
        "decline" => Verdict::Decline,
        "mark-for-review" => Verdict::MarkForReview,
        other => return Err(ConsoleError::Invalid(format!("unknown decision `{other}`"))),
    };
    if input.reason.trim().is_empty() {
        return Err(ConsoleError::Invalid("a decision needs a reason".into()));
    }
    let who = signed.requester();
    decisions::decide(&state.app, &id, verdict, Some(&input.reason), &who).await?;
    Ok(Redirect::to(&format!("/console/inquiries/{id}")).into_response())
}
