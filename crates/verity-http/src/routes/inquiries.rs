//! `/api/v1/inquiries`: create, read, list, update fields, resume, expire, decide, redact.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use verity_app::audit::Requester;
use verity_app::decisions::{self, Verdict};
use verity_app::idempotency::Responder;
use verity_app::inquiries::{
    self as service, Action, CreateInquiry, TemplateRef, TemplateRefError,
};
use verity_core::audit::{Actor, AuditAction};
use verity_core::id::{AccountId, InquiryId};
use verity_core::inquiry::{Inquiry, InquiryStatus};
use verity_store::{ApiKey, InquiryFilter};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Authenticated, ClientIp, PageParams};
use crate::jsonapi::{Document, Inflection};
use crate::middleware::idempotency::{without_shown_once, ClaimedKey};
use crate::resource;
use crate::routes::page::{id_filter, items, list_links};
use crate::state::AppState;
use crate::wire::inquiry::{self as wire, CreateInquiryAttributes};

fn parse_template_ref(a: &CreateInquiryAttributes) -> Result<Option<TemplateRef>, ApiError> {
    let (pointer, template_id) = match (&a.inquiry_template_id, &a.template_id) {
        (Some(_), Some(_)) => (None, None),
        (Some(v), None) => (Some("/data/attributes/inquiry-template-id"), Some(v)),
        (None, Some(v)) => (Some("/data/attributes/template-id"), Some(v)),
        (None, None) => (Some("/data/attributes/inquiry-template-id"), None),
    };
    let version_id = a.inquiry_template_version_id.as_deref();
    let only_one = || {
        ApiError::invalid(
            "/data/attributes/inquiry-template-id",
            "give only one of inquiry-template-id, template-id, inquiry-template-version-id",
        )
    };
    let Some(pointer) = pointer else {
        return Err(only_one());
    };
    TemplateRef::parse(template_id.map(String::as_str), version_id).map_err(|e| match e {
        TemplateRefError::Both => only_one(),
        TemplateRefError::Template(e) => ApiError::invalid(pointer, e.to_string()),
        TemplateRefError::Version(e) => ApiError::invalid(
            "/data/attributes/inquiry-template-version-id",
            e.to_string(),
        ),
    })
}

#[utoipa::path(post, path = "/inquiries", tag = "inquiries", request_body = wire::CreateInquiry,
    responses((status = 201, description = "Created", body = wire::InquiryOne),
              (status = 422, description = "Invalid attributes")))]
pub async fn create(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    claim: Option<Extension<ClaimedKey>>,
    ApiJson(body): ApiJson<wire::CreateInquiry>,
) -> Result<Document, ApiError> {
    let a = body.data.attributes;
    let inflection = Inflection::from_headers(&headers);
    let template = parse_template_ref(&a)?;
    if a.account_id.is_some() && a.reference_id.is_some() {
        return Err(ApiError::invalid(
            "/data/attributes/account-id",
            "give account-id or reference-id, not both",
        ));
    }
    let account_id = a
        .account_id
        .as_deref()
        .map(AccountId::parse)
        .transpose()
        .map_err(|e| ApiError::invalid("/data/attributes/account-id", e.to_string()))?;
    let inquiry = service::create(
        &state.app,
        CreateInquiry {
            template,
            reference_id: a.reference_id,
            account_id,
            fields: a.fields.unwrap_or_default(),
            note: a.note,
            tags: a.tags.unwrap_or_default(),
            idempotency: claim.map(|Extension(ClaimedKey(claim))| Responder {
                claim,
                render: Arc::new(move |inquiry: &Inquiry| created_body(inquiry, inflection)),
            }),
        },
    )
    .await?;
    let doc = wire::InquiryOne {
        data: (&inquiry).into(),
    };
    Ok(Document::typed(StatusCode::CREATED, &doc, &headers))
}

/// The create's answer as its idempotency record keeps it: the body `create` answers.
fn created_body(inquiry: &Inquiry, inflection: Inflection) -> (u16, Vec<u8>) {
    let doc = wire::InquiryOne {
        data: inquiry.into(),
    };
    let body = inflection.apply(crate::wire::to_value(&doc));
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (StatusCode::CREATED.as_u16(), without_shown_once(&bytes))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    /// Comma-separated: `account`, `sessions`, `documents`, `template`, `verifications`.
    #[param(example = "account,verifications")]
    include: Option<String>,
}

#[utoipa::path(get, path = "/inquiries/{id}", tag = "inquiries",
    params(("id" = String, Path, description = "inq_…"), GetQuery),
    responses((status = 200, description = "The inquiry", body = wire::InquiryDocument),
              (status = 404, description = "No such inquiry")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<GetQuery>,
) -> Result<Document, ApiError> {
    let id = InquiryId::parse(&id)?;
    let inquiry = state
        .store
        .inquiry(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("inquiry", id.as_str()))?;
    let mut included = Vec::new();
    for include in q
        .include
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
    {
        match include.trim() {
            "account" => {
                if let Some(account_id) = &inquiry.account_id {
                    if let Some(a) = state.store.account(account_id).await? {
                        included.push(resource::account(&a));
                    }
                }
            }
            "sessions" => {
                for s in state.store.sessions_for_inquiry(&id).await? {
                    included.push(resource::session(&s));
                }
            }
            "documents" => {
                for d in state.store.documents_for_inquiry(&id).await? {
                    included.push(resource::document(&d));
                }
            }
            "template" => {
                if let Some(t) = state.store.template(&inquiry.template_id).await? {
                    included.push(resource::template(&t));
                }
            }
            "verifications" => {
                for v in state.store.verifications_for_inquiry(&id).await? {
                    included.push(resource::verification(&v));
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    "include",
                    format!(
                    "cannot include `{other}`; choose from account, sessions, documents, template, verifications"
                ),
                ))
            }
        }
    }
    let doc = wire::InquiryDocument {
        data: (&inquiry).into(),
        included: q.include.is_some().then_some(included),
        meta: None,
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(rename = "filter[reference-id]")]
    reference_id: Option<String>,
    #[serde(rename = "filter[status]")]
    status: Option<String>,
    #[serde(rename = "filter[account-id]")]
    account_id: Option<String>,
    #[serde(rename = "filter[inquiry-template-id]")]
    template_id: Option<String>,
}

#[utoipa::path(get, path = "/inquiries", tag = "inquiries",
    params(("filter[reference-id]" = Option<String>, Query), ("filter[status]" = Option<String>, Query),
           ("filter[account-id]" = Option<String>, Query), ("filter[inquiry-template-id]" = Option<String>, Query),
           ("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of inquiries, newest first", body = wire::InquiryList)))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Document, ApiError> {
    let page = q.page.to_request()?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            InquiryStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("filter[status]", format!("`{s}` is not an inquiry status"))
            })
        })
        .transpose()?;
    let account_id = id_filter("filter[account-id]", q.account_id.as_deref())?;
    let filter = InquiryFilter {
        reference_id: q.reference_id.clone(),
        account_id,
        status,
        template_id: q.template_id.clone(),
        ..InquiryFilter::default()
    };
    let result = state.store.list_inquiries(&filter, &page).await?;
    let filters = [
        ("filter[reference-id]", q.reference_id.as_deref()),
        ("filter[status]", q.status.as_deref()),
        ("filter[account-id]", q.account_id.as_deref()),
        ("filter[inquiry-template-id]", q.template_id.as_deref()),
    ];
    let doc = wire::InquiryList {
        data: items(&result),
        links: list_links(&result, "/api/v1/inquiries", &filters, page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

#[utoipa::path(patch, path = "/inquiries/{id}", tag = "inquiries",
    params(("id" = String, Path)), request_body = wire::UpdateInquiry,
    responses((status = 200, description = "Updated", body = wire::InquiryOne), (status = 409, description = "The inquiry is no longer open"), (status = 422, description = "Invalid fields")))]
pub async fn update(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<wire::UpdateInquiry>,
) -> Result<Document, ApiError> {
    let id = InquiryId::parse(&id)?;
    let raw = body.data.attributes.fields;
    let inquiry = service::update_fields(&state.app, &id, &raw).await?;
    let doc = wire::InquiryOne {
        data: (&inquiry).into(),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

async fn run_action(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    action: Action,
    (key, ip): (ApiKey, ClientIp),
) -> Result<Document, ApiError> {
    let id = InquiryId::parse(id)?;
    let applied = service::act(&state.app, &id, action).await?;
    if action == Action::Redact {
        // docs/console.md §5: a redaction is audited with the key that asked for it.
        let who = Requester {
            actor: Actor::ApiKey(key.id.to_string()),
            address: ip.0.map(|ip| ip.to_string()),
        };
        verity_app::audit::record(&state.app, &who, AuditAction::Redacted, &id, None).await?;
    }
    let doc = wire::InquiryDocument {
        data: (&applied.inquiry).into(),
        included: None,
        meta: applied.session.map(|(session, token)| wire::SessionMeta {
            session_token: token.to_string(),
            session_id: session.id.to_string(),
        }),
    };
    Ok(Document::typed(StatusCode::OK, &doc, headers))
}

macro_rules! action_handler {
    ($name:ident, $method:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path($method, path = $path, tag = "inquiries", params(("id" = String, Path)),
            responses((status = 200, description = "The inquiry after the action", body = wire::InquiryDocument),
                      (status = 404, description = "No such inquiry"),
                      (status = 409, description = "Not allowed in the inquiry's current status")))]
        pub async fn $name(
            State(state): State<AppState>,
            Authenticated(key): Authenticated,
            ip: ClientIp,
            headers: HeaderMap,
            Path(id): Path<String>,
        ) -> Result<Document, ApiError> {
            run_action(&state, &headers, &id, $action, (key, ip)).await
        }
    };
}

action_handler!(resume, post, "/inquiries/{id}/resume", Action::Resume,
    "Starts a new session; `meta.session-token` resumes the flow. Expired inquiries become pending.");
action_handler!(
    expire,
    post,
    "/inquiries/{id}/expire",
    Action::Expire,
    "Expires an open inquiry."
);
/// The optional body of a decision: `{"meta": {"reason": "…"}}` (docs/console.md §4).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    #[serde(default)]
    pub meta: Option<DecisionMeta>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionMeta {
    /// Why; carried by the event and its webhook as `payload.meta.reason`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A decision by the API key `key`: audited with the key as actor, its reason (if any) in
/// the event's payload. The body is optional.
async fn run_decision(
    state: &AppState,
    headers: &HeaderMap,
    (key, ip): (ApiKey, ClientIp),
    id: &str,
    verdict: Verdict,
    body: &[u8],
) -> Result<Document, ApiError> {
    let id = InquiryId::parse(id)?;
    let body: DecisionBody = if body.iter().all(u8::is_ascii_whitespace) {
        DecisionBody::default()
    } else {
        serde_json::from_slice(body).map_err(|e| ApiError::invalid("/meta", e.to_string()))?
    };
    let reason = body.meta.and_then(|m| m.reason);
    let who = Requester {
        actor: Actor::ApiKey(key.id.to_string()),
        address: ip.0.map(|ip| ip.to_string()),
    };
    let decided = decisions::decide(&state.app, &id, verdict, reason.as_deref(), &who).await?;
    let doc = wire::InquiryDocument {
        data: (&decided.inquiry).into(),
        included: None,
        meta: None,
    };
    Ok(Document::typed(StatusCode::OK, &doc, headers))
}

macro_rules! decision_handler {
    ($name:ident, $path:literal, $verdict:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "inquiries", params(("id" = String, Path)),
            request_body(content = DecisionBody, description = "Optional: `meta.reason`"),
            responses((status = 200, description = "The inquiry after the decision", body = wire::InquiryDocument),
                      (status = 404, description = "No such inquiry"),
                      (status = 409, description = "Not allowed in the inquiry's current status")))]
        pub async fn $name(
            State(state): State<AppState>,
            Authenticated(key): Authenticated,
            ip: ClientIp,
            headers: HeaderMap,
            Path(id): Path<String>,
            body: axum::body::Bytes,
        ) -> Result<Document, ApiError> {
            run_decision(&state, &headers, (key, ip), &id, $verdict, &body).await
        }
    };
}

decision_handler!(
    approve,
    "/inquiries/{id}/approve",
    Verdict::Approve,
    "Approves a finished inquiry."
);
decision_handler!(
    decline,
    "/inquiries/{id}/decline",
    Verdict::Decline,
    "Declines a finished inquiry."
);
decision_handler!(
    mark_for_review,
    "/inquiries/{id}/mark-for-review",
    Verdict::MarkForReview,
    "Marks a completed or failed inquiry for manual review."
);
action_handler!(
    redact,
    delete,
    "/inquiries/{id}",
    Action::Redact,
    "Redacts: removes personal data and files, keeps the skeleton."
);
