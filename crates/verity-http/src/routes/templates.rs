//! `/api/v1/inquiry-templates`: create (published as version 1), list, get, edit the
//! draft, publish a new version, activate, deactivate.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use rand::rngs::OsRng;
use serde::Deserialize;
use serde_json::json;
use verity_core::field::FieldSchema;
use verity_core::id::{InquiryTemplateVersionId, TemplateId};
use verity_core::template::{
    CheckRequirement, FrameDimensions, Step, Template, TemplateDefinition, TemplateKind,
    TemplateStatus,
};
use verity_core::workflow::WorkflowRule;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Authenticated, PageParams};
use crate::jsonapi::{Document, Inflection};
use crate::resource;
use crate::routes::inquiries::{Attributes, Envelope};
use crate::routes::page::list_document;
use crate::state::AppState;
use verity_app::templates::new_template;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TemplateAttributes {
    name: Option<String>,
    kind: Option<TemplateKind>,
    status: Option<TemplateStatus>,
    steps: Option<Vec<Step>>,
    fields: Option<FieldSchema>,
    allowed_domains: Option<Vec<String>>,
    preferred_dimensions: Option<FrameDimensions>,
    border_radius: Option<u32>,
    inquiry_ttl_seconds: Option<u64>,
    minimum_age: Option<u32>,
    required_checks: Option<BTreeMap<String, CheckRequirement>>,
    extracted_fields: Option<BTreeMap<String, String>>,
    workflow: Option<Vec<WorkflowRule>>,
}

impl TemplateAttributes {
    /// Overlays the given attributes on `base`.
    fn merge_into(self, mut base: TemplateDefinition) -> TemplateDefinition {
        if let Some(v) = self.steps {
            base.steps = v;
        }
        if let Some(v) = self.fields {
            base.fields = v;
        }
        if let Some(v) = self.allowed_domains {
            base.allowed_domains = v;
        }
        if let Some(v) = self.preferred_dimensions {
            base.preferred_dimensions = v;
        }
        if let Some(v) = self.border_radius {
            base.border_radius = v;
        }
        if let Some(v) = self.inquiry_ttl_seconds {
            base.inquiry_ttl_seconds = v;
        }
        if self.minimum_age.is_some() {
            base.minimum_age = self.minimum_age;
        }
        if self.required_checks.is_some() {
            base.required_checks = self.required_checks;
        }
        if let Some(v) = self.extracted_fields {
            base.extracted_fields = v;
        }
        if let Some(v) = self.workflow {
            base.workflow = v;
        }
        base
    }
}

fn empty_definition() -> TemplateDefinition {
    TemplateDefinition {
        steps: Vec::new(),
        fields: FieldSchema::default(),
        allowed_domains: Vec::new(),
        preferred_dimensions: FrameDimensions::default(),
        border_radius: 8,
        inquiry_ttl_seconds: 24 * 3600,
        minimum_age: None,
        required_checks: None,
        extracted_fields: BTreeMap::new(),
        workflow: Vec::new(),
    }
}

#[utoipa::path(post, path = "/api/v1/inquiry-templates", tag = "templates",
    responses((status = 201, description = "Created and published as version 1"), (status = 422, description = "Invalid definition")))]
pub async fn create(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Envelope<Attributes<TemplateAttributes>>>,
) -> Result<Document, ApiError> {
    let mut a = body.data.attributes;
    let name = a
        .name
        .take()
        .filter(|n| !n.trim().is_empty() && n.len() <= 200)
        .ok_or_else(|| {
            ApiError::invalid(
                "/data/attributes/name",
                "name is required (1 to 200 characters)",
            )
        })?;
    let kind = a.kind.take().unwrap_or(TemplateKind::Dynamic);
    let status = a.status.take().unwrap_or(TemplateStatus::Active);
    let definition = a.merge_into(empty_definition());
    let template = new_template(kind, name, definition, status, state.now())?;
    state.store.insert_template(&template).await?;
    Ok(Document::new(
        StatusCode::CREATED,
        json!({ "data": resource::template(&template) }),
        Inflection::from_headers(&headers),
    ))
}

#[utoipa::path(get, path = "/api/v1/inquiry-templates", tag = "templates",
    params(("page[size]" = Option<u32>, Query), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of templates, newest first")))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Document, ApiError> {
    let page = q.to_request()?;
    let result = state.store.list_templates(&page).await?;
    let body = list_document(
        &result,
        resource::template,
        "/api/v1/inquiry-templates",
        &[],
        page.size,
    );
    Ok(Document::new(
        StatusCode::OK,
        body,
        Inflection::from_headers(&headers),
    ))
}

async fn load(state: &AppState, id: &str) -> Result<Template, ApiError> {
    let id = TemplateId::parse(id)?;
    state
        .store
        .template(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("inquiry template", id.as_str()))
}

fn respond(headers: &HeaderMap, t: &Template) -> Document {
    Document::new(
        StatusCode::OK,
        json!({ "data": resource::template(t) }),
        Inflection::from_headers(headers),
    )
}

#[utoipa::path(get, path = "/api/v1/inquiry-templates/{id}", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "The template"), (status = 404, description = "No such template")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    Ok(respond(&headers, &load(&state, &id).await?))
}

#[utoipa::path(patch, path = "/api/v1/inquiry-templates/{id}", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "Draft updated (publish to use it)"), (status = 422, description = "Invalid definition")))]
pub async fn update(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Envelope<Attributes<TemplateAttributes>>>,
) -> Result<Document, ApiError> {
    let mut template = load(&state, &id).await?;
    let mut a = body.data.attributes;
    if a.kind.take().is_some_and(|k| k != template.kind()) {
        return Err(ApiError::invalid(
            "/data/attributes/kind",
            "a template's kind cannot change",
        ));
    }
    if a.status.take().is_some() {
        return Err(ApiError::invalid(
            "/data/attributes/status",
            "use the activate and deactivate actions",
        ));
    }
    if let Some(name) = a.name.take() {
        template.name = name;
    }
    let definition = a.merge_into(template.definition.clone());
    verity_app::templates::validate(&definition)?;
    template.definition = definition;
    template.updated_at = state.now();
    state.store.update_template(&template).await?;
    Ok(respond(&headers, &template))
}

#[utoipa::path(post, path = "/api/v1/inquiry-templates/{id}/publish", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "The draft is published as a new version")))]
pub async fn publish(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let mut template = load(&state, &id).await?;
    template.publish(InquiryTemplateVersionId::generate(&mut OsRng), state.now())?;
    state.store.update_template(&template).await?;
    Ok(respond(&headers, &template))
}

async fn set_status(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    status: TemplateStatus,
) -> Result<Document, ApiError> {
    let mut template = load(state, id).await?;
    template.status = status;
    template.updated_at = state.now();
    state.store.update_template(&template).await?;
    Ok(respond(headers, &template))
}

#[utoipa::path(post, path = "/api/v1/inquiry-templates/{id}/activate", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "Active: can start inquiries")))]
pub async fn activate(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    set_status(&state, &headers, &id, TemplateStatus::Active).await
}

#[utoipa::path(post, path = "/api/v1/inquiry-templates/{id}/deactivate", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "Inactive: new inquiries are refused")))]
pub async fn deactivate(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    set_status(&state, &headers, &id, TemplateStatus::Inactive).await
}
