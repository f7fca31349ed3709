//! Extractors of the flow API: the bearer token, and [`Authorised`], the inquiry session the
//! token proves for the inquiry in the path (docs/contract.md §5). A handler that takes
//! `Authorised` runs only for a usable session of that inquiry.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use verity_app::sessions;
use verity_app::AppError;
use verity_core::id::InquiryId;
use verity_core::session::InquirySession;

use super::error::FlowError;
use crate::state::AppState;

/// A bearer token, if the request carries one.
pub struct Bearer(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = FlowError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Bearer(None));
        };
        let value = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| FlowError::Unauthenticated("malformed Authorization header".into()))?;
        Ok(Bearer(Some(value.to_owned())))
    }
}

/// The inquiry `{id}` of the path, parsed (a malformed id is `invalid_config`).
pub struct InquiryPath(pub InquiryId);

impl FromRequestParts<AppState> for InquiryPath {
    type Rejection = FlowError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, FlowError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| FlowError::InvalidConfig(e.to_string()))?;
        let raw = params
            .iter()
            .find_map(|(k, v)| (k == "id").then_some(v))
            .ok_or_else(|| FlowError::InvalidConfig("the path names no inquiry".into()))?;
        Ok(InquiryPath(InquiryId::parse(raw).map_err(AppError::from)?))
    }
}

/// A usable session of the inquiry in the path, with the token that proved it.
pub struct Authorised {
    pub id: InquiryId,
    pub session: InquirySession,
}

impl FromRequestParts<AppState> for Authorised {
    type Rejection = FlowError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, FlowError> {
        let InquiryPath(id) = InquiryPath::from_request_parts(parts, state).await?;
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        let session = sessions::authorise(&state.app, &id, token.as_deref()).await?;
        Ok(Authorised { id, session })
    }
}
