//! `/api/v1/events`: the event log, newest first, filterable by name, inquiry and time.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use verity_core::event::EventName;
use verity_core::id::EventId;
use verity_store::EventFilter;

use crate::error::ApiError;
use crate::extract::{ApiQuery, Authenticated, PageParams};
use crate::jsonapi::Document;
use crate::routes::page::{found as found_or_404, id_filter, items, list_links};
use crate::state::AppState;
use crate::wire::event as wire;

#[utoipa::path(get, path = "/events/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 200, description = "The event", body = wire::EventOne), (status = 404, description = "No such event")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = EventId::parse(&id)?;
    let found = state.store.event(&id).await?;
    let doc = wire::EventOne {
        data: (&found_or_404(&id, found)?).into(),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(rename = "filter[name]")]
    name: Option<String>,
    #[serde(rename = "filter[inquiry-id]")]
    inquiry_id: Option<String>,
    #[serde(rename = "filter[created-after]")]
    created_after: Option<String>,
    #[serde(rename = "filter[created-before]")]
    created_before: Option<String>,
}

fn parse_time(param: &str, value: &Option<String>) -> Result<Option<i64>, ApiError> {
    value
        .as_deref()
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.timestamp_millis())
                .map_err(|_| {
                    ApiError::bad_request(param, format!("{param} must be an RFC 3339 date-time"))
                })
        })
        .transpose()
}

#[utoipa::path(get, path = "/events", tag = "events",
    params(("filter[name]" = Option<String>, Query), ("filter[inquiry-id]" = Option<String>, Query),
           ("filter[created-after]" = Option<String>, Query), ("filter[created-before]" = Option<String>, Query),
           ("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"), ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of events, newest first", body = wire::EventList)))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Document, ApiError> {
    let page = q.page.to_request()?;
    let filter = EventFilter {
        name: q
            .name
            .as_deref()
            .map(|n| {
                EventName::parse(n).ok_or_else(|| {
                    ApiError::bad_request("filter[name]", format!("`{n}` is not an event name"))
                })
            })
            .transpose()?,
        inquiry_id: id_filter("filter[inquiry-id]", q.inquiry_id.as_deref())?,
        created_after: parse_time("filter[created-after]", &q.created_after)?,
        created_before: parse_time("filter[created-before]", &q.created_before)?,
    };
    let result = state.store.list_events(&filter, &page).await?;
    let filters = [
        ("filter[name]", q.name.as_deref()),
        ("filter[inquiry-id]", q.inquiry_id.as_deref()),
        ("filter[created-after]", q.created_after.as_deref()),
        ("filter[created-before]", q.created_before.as_deref()),
    ];
    let doc = wire::EventList {
        data: items(&result),
        links: list_links(&result, "/api/v1/events", &filters, page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}
