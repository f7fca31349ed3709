//! `/api/v1/accounts`: read-only; accounts are created by inquiries' `reference-id`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use verity_core::id::AccountId;

use crate::error::ApiError;
use crate::extract::{ApiQuery, Authenticated, PageParams};
use crate::jsonapi::Document;
use crate::routes::page::{found as found_or_404, items, list_links};
use crate::state::AppState;
use crate::wire::account as wire;

#[utoipa::path(get, path = "/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, description = "The account", body = wire::AccountOne), (status = 404, description = "No such account")))]
pub async fn get(
    State(state): State<AppState>,
    _key: Authenticated,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Document, ApiError> {
    let id = AccountId::parse(&id)?;
    let found = state.store.account(&id).await?;
    let doc = wire::AccountOne {
        data: (&found_or_404(&id, found)?).into(),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(rename = "filter[reference-id]")]
    reference_id: Option<String>,
}

#[utoipa::path(get, path = "/accounts", tag = "accounts",
    params(("filter[reference-id]" = Option<String>, Query), ("page[size]" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1 to 100; 10 when left out"),
           ("page[after]" = Option<String>, Query), ("page[before]" = Option<String>, Query)),
    responses((status = 200, description = "A page of accounts, newest first", body = wire::AccountList)))]
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
    let doc = wire::AccountList {
        data: items(&result),
        links: list_links(&result, "/api/v1/accounts", &filters, page.size),
    };
    Ok(Document::typed(StatusCode::OK, &doc, &headers))
}
