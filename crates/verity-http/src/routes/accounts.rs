//! `/api/v1/accounts`: read-only; accounts are created by inquiries' `reference-id`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use verity_core::id::AccountId;

use crate::error::ApiError;
use crate::extract::{ApiQuery, Authenticated, PageParams};
use crate::jsonapi::{Document, Inflection};
use crate::resource;
use crate::routes::page::{list_document, one_document};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, description = "The account"), (status = 404, description = "No such account")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = AccountId::parse(&id)?;
    let found = state.store.account(&id).await?;
    one_document(&id, found, resource::account, &headers)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(rename = "filter[reference-id]")]
    reference_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    params(("filter[reference-id]" = Option<String>, Query), ("page[size]" = Option<u32>, Query),
           ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of accounts, newest first")))]
pub async fn list(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Document, ApiError> {
    let page = q.page.to_request()?;
    let result = state
        .store
        .list_accounts(q.reference_id.as_deref(), &page)
        .await?;
    let filters = [("filter[reference-id]", q.reference_id.as_deref())];
    let body = list_document(
        &result,
        resource::account,
        "/api/v1/accounts",
        &filters,
        page.size,
    );
    Ok(Document::new(
        StatusCode::OK,
        body,
        Inflection::from_headers(&headers),
    ))
}
