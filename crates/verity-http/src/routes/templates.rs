//! `/api/v1/inquiry-templates`: create (published as version 1), list, get, edit the
//! draft, publish a new version, activate, deactivate.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use rand::rngs::OsRng;
use verity_core::field::FieldSchema;
use verity_core::id::{InquiryTemplateVersionId, TemplateId};
use verity_core::template::{
    FrameDimensions, Template, TemplateDefinition, TemplateKind, TemplateStatus,
};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Authenticated, PageParams};
use crate::jsonapi::Document;
use crate::routes::page::{items, list_links};
use crate::state::AppState;
use crate::wire::template::{self as wire, TemplateInput};
use verity_app::templates::{modify, new_template};

/// Overlays a request's attributes on a definition (`wire::TemplateInput` is the wire type).
trait MergeInto {
    fn merge_into(self, base: TemplateDefinition) -> TemplateDefinition;
}

impl MergeInto for TemplateInput {
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
        if let Some(v) = self.max_capture_attempts {
            base.max_capture_attempts = v;
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
        if self.retention_days.is_some() {
            base.retention_days = self.retention_days;
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
        max_capture_attempts: 3,
        extracted_fields: BTreeMap::new(),
        workflow: Vec::new(),
        retention_days: None,
    }
}

#[utoipa::path(post, path = "/inquiry-templates", tag = "templates", request_body = wire::TemplateBody,
    responses((status = 201, description = "Created and published as version 1", body = wire::TemplateOne), (status = 422, description = "Invalid definition")))]
pub async fn create(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiJson(body): ApiJson<wire::TemplateBody>,
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
    verity_app::templates::create(&state.app, &template).await?;
    let doc = wire::TemplateOne {
        data: (&template).into(),
    };
    Ok(Document::typed(StatusCode::CREATED, &doc, &headers))
}

#[utoipa::path(get, path = "/inquiry-templates", tag = "templates",
    params(("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of templates, newest first", body = wire::TemplateList)))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Document, ApiError> {
    let page = q.to_request()?;
    let result = state.store.list_templates(&page).await?;
    let doc = wire::TemplateList {
        data: items(&result),
        links: list_links(&result, "/api/v1/inquiry-templates", &[], page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
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
    let doc = wire::TemplateOne { data: t.into() };
    Document::typed(StatusCode::OK, &doc, headers)
}

#[utoipa::path(get, path = "/inquiry-templates/{id}", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "The template", body = wire::TemplateOne), (status = 404, description = "No such template")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    Ok(respond(&headers, &load(&state, &id).await?))
}

#[utoipa::path(patch, path = "/inquiry-templates/{id}", tag = "templates", params(("id" = String, Path)),
    request_body = wire::TemplateBody,
    responses((status = 200, description = "Draft updated (publish to use it)", body = wire::TemplateOne), (status = 422, description = "Invalid definition")))]
pub async fn update(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<wire::TemplateBody>,
) -> Result<Document, ApiError> {
    let id = TemplateId::parse(&id)?;
    let a = body.data.attributes;
    let template = modify(&state.app, &id, |template, now| {
        let mut a = a.clone();
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
        template.updated_at = now;
        Ok(())
    })
    .await?;
    Ok(respond(&headers, &template))
}

#[utoipa::path(post, path = "/inquiry-templates/{id}/publish", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "The draft is published as a new version", body = wire::TemplateOne)))]
pub async fn publish(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = TemplateId::parse(&id)?;
    let template = modify(&state.app, &id, |template, now| {
        template.publish(InquiryTemplateVersionId::generate(&mut OsRng), now)?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(respond(&headers, &template))
}

async fn set_status(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    status: TemplateStatus,
) -> Result<Document, ApiError> {
    let id = TemplateId::parse(id)?;
    let template = modify(&state.app, &id, |template, now| {
        template.status = status;
        template.updated_at = now;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(respond(headers, &template))
}

#[utoipa::path(post, path = "/inquiry-templates/{id}/activate", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "Active: can start inquiries", body = wire::TemplateOne)))]
pub async fn activate(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    set_status(&state, &headers, &id, TemplateStatus::Active).await
}

#[utoipa::path(post, path = "/inquiry-templates/{id}/deactivate", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, description = "Inactive: new inquiries are refused", body = wire::TemplateOne)))]
pub async fn deactivate(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    set_status(&state, &headers, &id, TemplateStatus::Inactive).await
}
