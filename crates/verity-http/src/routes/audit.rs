//! `/api/v1/audit-records`: the audit trail (docs/console.md §5), newest first, filterable
//! by inquiry, action and actor.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use verity_core::audit::AuditAction;
use verity_store::AuditFilter;

use crate::error::ApiError;
use crate::extract::{ApiQuery, Authenticated, PageParams};
use crate::jsonapi::Document;
use crate::routes::page::{id_filter, items, list_links};
use crate::state::AppState;
use crate::wire::audit as wire;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(rename = "filter[inquiry-id]")]
    inquiry_id: Option<String>,
    #[serde(rename = "filter[action]")]
    action: Option<String>,
    #[serde(rename = "filter[actor]")]
    actor: Option<String>,
}

fn filter(q: &ListQuery) -> Result<AuditFilter, ApiError> {
    Ok(AuditFilter {
        inquiry_id: id_filter("filter[inquiry-id]", q.inquiry_id.as_deref())?,
        action: q
            .action
            .as_deref()
            .map(|a| {
                AuditAction::parse(a).ok_or_else(|| {
                    ApiError::bad_request("filter[action]", format!("`{a}` is not an audit action"))
                })
            })
            .transpose()?,
        actor: q.actor.clone(),
    })
}

#[utoipa::path(get, path = "/audit-records", tag = "audit",
    params(("filter[inquiry-id]" = Option<String>, Query), ("filter[action]" = Option<String>, Query),
           ("filter[actor]" = Option<String>, Query, description = "An operator's email or an API key's id"),
           ("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of audit records, newest first", body = wire::AuditRecordList)))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Document, ApiError> {
    let page = q.page.to_request()?;
    let result = verity_app::audit::list(&state.app, &filter(&q)?, &page).await?;
    let filters = [
        ("filter[inquiry-id]", q.inquiry_id.as_deref()),
        ("filter[action]", q.action.as_deref()),
        ("filter[actor]", q.actor.as_deref()),
    ];
    let doc = wire::AuditRecordList {
        data: items(&result),
        links: list_links(&result, "/api/v1/audit-records", &filters, page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}
