//! The one HTTP error type. Every failure on an API path becomes an [`ApiError`] and is
//! turned into a JSON:API error response here, in exactly one place:
//! `{"errors":[{"title","details","source":{"pointer"}}]}`. 500 bodies reveal nothing;
//! the cause is logged once, here.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use verity_app::AppError;
use verity_core::inquiry::InquiryError;
use verity_core::template::TemplateError;
use verity_core::IdError;
use verity_store::StoreError;

/// One problem with a request, pointing at the part of the body or query it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub details: String,
    /// JSON pointer into the request body (`/data/attributes/fields/age`) or a query
    /// parameter name (`page[size]`).
    pub pointer: Option<String>,
}

impl Problem {
    pub fn new(details: impl Into<String>) -> Self {
        Problem {
            details: details.into(),
            pointer: None,
        }
    }

    pub fn at(pointer: impl Into<String>, details: impl Into<String>) -> Self {
        Problem {
            details: details.into(),
            pointer: Some(pointer.into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: bad JSON, bad query parameter.
    #[error("bad request")]
    BadRequest(Vec<Problem>),
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{kind} not found")]
    NotFound { kind: &'static str, details: String },
    /// The request conflicts with the resource's current state.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// Well-formed but invalid: wrong types, illegal values, illegal transitions.
    #[error("unprocessable")]
    Unprocessable(Vec<Problem>),
    #[error("rate limited")]
    TooManyRequests { retry_after_seconds: u64 },
    /// A stored ciphertext did not open (altered in the database, or its data key is
    /// gone): a 500 that says so, naming the record, never the bytes (docs/encryption.md).
    #[error("stored data cannot be decrypted: {0}")]
    Undecryptable(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(pointer: impl Into<String>, details: impl Into<String>) -> Self {
        ApiError::Unprocessable(vec![Problem::at(pointer, details)])
    }

    pub fn bad_request(pointer: impl Into<String>, details: impl Into<String>) -> Self {
        ApiError::BadRequest(vec![Problem::at(pointer, details)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Undecryptable(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "Bad request",
            ApiError::Unauthenticated(_) => "Unauthenticated",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::NotFound { .. } => "Not found",
            ApiError::Conflict(_) => "Conflict",
            ApiError::PayloadTooLarge { .. } => "Payload too large",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::Unprocessable(_) => "Unprocessable entity",
            ApiError::TooManyRequests { .. } => "Too many requests",
            ApiError::Undecryptable(_) => "Stored data cannot be decrypted",
            ApiError::Internal(_) => "Internal server error",
        }
    }

    fn problems(&self) -> Vec<Problem> {
        match self {
            ApiError::BadRequest(p) | ApiError::Unprocessable(p) => p.clone(),
            ApiError::Unauthenticated(why) => vec![Problem::new(*why)],
            ApiError::Forbidden(why) | ApiError::Conflict(why) => vec![Problem::new(why.clone())],
            ApiError::NotFound { details, .. } => vec![Problem::new(details.clone())],
            ApiError::PayloadTooLarge { limit } => {
                vec![Problem::new(format!(
                    "the request body exceeds the limit of {limit} bytes"
                ))]
            }
            ApiError::UnsupportedMediaType(why) => vec![Problem::new(why.clone())],
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => vec![Problem::new(format!(
                "too many requests; retry after {retry_after_seconds} s"
            ))],
            ApiError::Undecryptable(what) => vec![Problem::new(format!(
                "stored data cannot be decrypted: {what}"
            ))],
            ApiError::Internal(_) => vec![Problem::new("something went wrong on our side")],
        }
    }

    /// The JSON:API error document for this error.
    pub fn body(&self) -> serde_json::Value {
        let title = self.title();
        let errors: Vec<_> = self
            .problems()
            .into_iter()
            .map(|p| {
                let mut e = json!({"title": title, "details": p.details});
                if let Some(pointer) = p.pointer {
                    e["source"] = json!({"pointer": pointer});
                }
                e
            })
            .collect();
        json!({ "errors": errors })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "request failed");
            }
            ApiError::Undecryptable(what) => {
                tracing::error!(record = %what, "stored data cannot be decrypted");
            }
            _ => {}
        }
        let status = self.status();
        let mut response = (status, axum::Json(self.body())).into_response();
        if let ApiError::TooManyRequests {
            retry_after_seconds,
        } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert("retry-after", v);
            }
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound {
                what: "page cursor",
            } => ApiError::bad_request("page", "the page cursor names no item of this list"),
            StoreError::NotFound { what } => ApiError::NotFound {
                kind: what,
                details: format!("{what} not found"),
            },
            StoreError::Duplicate { what } => ApiError::Conflict(format!("{what} already exists")),
            StoreError::Conflict => {
                ApiError::Conflict("the resource was changed concurrently; retry".into())
            }
            StoreError::Undecryptable(what) => ApiError::Undecryptable(what),
            other => ApiError::Internal(other.into()),
        }
    }
}

/// The application's errors as the REST API answers them: field keys become JSON pointers
/// into the request body, kinds and conflicts become statuses. Written once, here.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { kind, id } => ApiError::not_found(kind, &id),
            AppError::BadId(e) => e.into(),
            AppError::Conflict(why) => ApiError::Conflict(why),
            AppError::InvalidFields(fields) => ApiError::Unprocessable(
                fields
                    .into_iter()
                    .map(|f| Problem::at(format!("/data/attributes/fields/{}", f.key), f.message))
                    .collect(),
            ),
            AppError::Invalid { attribute, message } => {
                let pointer = attribute.map_or_else(
                    || "/data/attributes".to_owned(),
                    |a| format!("/data/attributes/{a}"),
                );
                ApiError::invalid(pointer, message)
            }
            AppError::Template(p) => {
                ApiError::invalid("/data/attributes/inquiry-template-id", p.to_string())
            }
            AppError::InvalidUpload(why) => ApiError::Unprocessable(vec![Problem::new(why)]),
            AppError::CaptureRefused { reason, .. } => {
                ApiError::Unprocessable(vec![Problem::new(reason)])
            }
            AppError::Unauthenticated(why) => ApiError::Unauthenticated(why),
            AppError::LinkRefused(why) => ApiError::Conflict(why.to_string()),
            AppError::RateLimited(seconds) => ApiError::TooManyRequests {
                retry_after_seconds: seconds,
            },
            AppError::SendFailed(why) => ApiError::Internal(anyhow::anyhow!(why)),
            AppError::Store(e) => e.into(),
            AppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<InquiryError> for ApiError {
    fn from(e: InquiryError) -> Self {
        AppError::from(e).into()
    }
}

impl From<TemplateError> for ApiError {
    fn from(e: TemplateError) -> Self {
        AppError::from(e).into()
    }
}

impl ApiError {
    pub fn not_found(kind: &'static str, id: &str) -> Self {
        let id: String = id.chars().take(80).collect();
        ApiError::NotFound {
            kind,
            details: format!("no {kind} with id `{id}`"),
        }
    }
}

/// An id in the path that does not parse is a 404 naming the expected prefix: no lookup
/// happens for a string that cannot be an id of this kind.
impl From<IdError> for ApiError {
    fn from(e: IdError) -> Self {
        let kind = match &e {
            IdError::WrongPrefix { name, .. } | IdError::Malformed { name, .. } => *name,
        };
        ApiError::NotFound {
            kind,
            details: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_app::error::FieldProblem;

    #[test]
    fn application_errors_get_their_pointers_here() {
        let e: ApiError =
            AppError::InvalidFields(vec![FieldProblem::new("birthdate", "bad date")]).into();
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            e.body()["errors"][0]["source"]["pointer"],
            "/data/attributes/fields/birthdate"
        );
        let e: ApiError = AppError::invalid("account-id", "no such account").into();
        assert_eq!(
            e.body()["errors"][0]["source"]["pointer"],
            "/data/attributes/account-id"
        );
        let e: ApiError = AppError::not_found("inquiry", "inq_x").into();
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            e.body()["errors"][0]["details"],
            "no inquiry with id `inq_x`"
        );
    }
}
