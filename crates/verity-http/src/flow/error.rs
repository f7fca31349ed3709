//! The flow's errors and their wire codes (docs/contract.md §3). The flow API answers
//! `{"error": {"status", "code", "message", "fields"?}}` so the flow app can forward
//! `{status, code, message}` to the host page's `onError` unchanged; `fields` carries
//! per-field problems of a form submission (shown beside the fields, never sent to `onError`);
//! `check` and `attemptsLeft` those of a refused capture (docs/contract.md §7.2).
//!
//! Errors of the application ([`AppError`]) are converted here, in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use verity_app::error::TemplateProblem;
use verity_app::AppError;
use verity_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The client was initialised with invalid or contradictory arguments.
    #[error("{0}")]
    InvalidConfig(String),
    /// A session token that is invalid or expired, or a pending inquiry opened without one.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    InactiveTemplate(String),
    /// Field values the server refused: `(key, message)`.
    #[error("invalid fields")]
    InvalidFields(Vec<(String, String)>),
    /// An uploaded image that is too large, of the wrong type or undecodable.
    #[error("{0}")]
    InvalidUpload(String),
    /// A captured image its instant checks refused (docs/verifications.md §5): answered with
    /// the check's name and the retakes left beside the plain-words message.
    #[error("{reason}")]
    CaptureRefused {
        check: String,
        reason: String,
        attempts_left: u32,
    },
    /// The request does not fit the inquiry's state (e.g. a step after completion).
    #[error("{0}")]
    Conflict(String),
    /// A one-time link that cannot be opened (docs/handoff.md).
    #[error("{0}")]
    LinkRefused(verity_core::handoff::Refusal),
    /// Over a rate limit (requests, hand-off messages); retry after this many seconds.
    #[error("too many requests; try again in {0} seconds")]
    RateLimited(u64),
    /// The email or SMS provider did not take the message (its safe description).
    #[error("{0}")]
    SendFailed(String),
    #[error(transparent)]
    Application(AppError),
}

impl FlowError {
    /// `(code, status)` as sent to `onError` (docs/contract.md §3), and the HTTP status of the response.
    pub fn wire(&self) -> (&'static str, u16, StatusCode) {
        match self {
            FlowError::InvalidConfig(_) => ("invalid_config", 400, StatusCode::BAD_REQUEST),
            FlowError::Unauthenticated(_) => ("unauthenticated", 409, StatusCode::CONFLICT),
            FlowError::InactiveTemplate(_) => {
                ("inactive_template", 422, StatusCode::UNPROCESSABLE_ENTITY)
            }
            FlowError::InvalidFields(_) => {
                ("invalid_fields", 422, StatusCode::UNPROCESSABLE_ENTITY)
            }
            FlowError::InvalidUpload(_) => {
                ("invalid_upload", 422, StatusCode::UNPROCESSABLE_ENTITY)
            }
            FlowError::CaptureRefused { .. } => {
                ("capture_refused", 422, StatusCode::UNPROCESSABLE_ENTITY)
            }
            FlowError::Conflict(_) => ("unknown", 409, StatusCode::CONFLICT),
            FlowError::LinkRefused(verity_core::handoff::Refusal::Unknown) => {
                ("unknown", 404, StatusCode::NOT_FOUND)
            }
            FlowError::LinkRefused(_) => ("unknown", 410, StatusCode::GONE),
            FlowError::RateLimited(_) => ("unknown", 429, StatusCode::TOO_MANY_REQUESTS),
            FlowError::SendFailed(_) => ("unknown", 502, StatusCode::BAD_GATEWAY),
            FlowError::Application(_) => {
                ("application_error", 0, StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// The human message; internal causes are logged, never shown.
    pub fn message(&self) -> String {
        match self {
            FlowError::Application(_) => "the server failed to handle the request".into(),
            other => other.to_string(),
        }
    }

    /// `{status, code, message}` for the `error` message to the host page.
    pub fn to_wire_json(&self) -> serde_json::Value {
        let (code, status, _) = self.wire();
        json!({ "status": status, "code": code, "message": self.message() })
    }

    pub fn log(&self) {
        if let FlowError::Application(cause) = self {
            tracing::error!(error = %cause, "flow request failed");
        }
    }
}

impl IntoResponse for FlowError {
    fn into_response(self) -> Response {
        self.log();
        let (_, _, http) = self.wire();
        let mut body = self.to_wire_json();
        match &self {
            FlowError::InvalidFields(fields) => {
                body["fields"] = fields
                    .iter()
                    .map(|(key, message)| json!({"key": key, "message": message}))
                    .collect();
            }
            FlowError::CaptureRefused {
                check,
                attempts_left,
                ..
            } => {
                body["check"] = json!(check);
                body["attemptsLeft"] = json!(attempts_left);
            }
            _ => {}
        }
        let mut response = (http, axum::Json(json!({ "error": body }))).into_response();
        if let FlowError::RateLimited(seconds) = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<AppError> for FlowError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { .. } | AppError::BadId(_) | AppError::Invalid { .. } => {
                FlowError::InvalidConfig(e.to_string())
            }
            AppError::Template(TemplateProblem::Inactive(_)) => {
                FlowError::InactiveTemplate(e.to_string())
            }
            AppError::Template(_) => FlowError::InvalidConfig(e.to_string()),
            AppError::Conflict(why) => FlowError::Conflict(why),
            AppError::InvalidFields(fields) => {
                FlowError::InvalidFields(fields.into_iter().map(|f| (f.key, f.message)).collect())
            }
            AppError::InvalidUpload(why) => FlowError::InvalidUpload(why),
            AppError::CaptureRefused {
                check,
                reason,
                attempts_left,
            } => FlowError::CaptureRefused {
                check,
                reason,
                attempts_left,
            },
            AppError::Unauthenticated(why) => FlowError::Unauthenticated(why.into()),
            AppError::LinkRefused(why) => FlowError::LinkRefused(why),
            AppError::RateLimited(seconds) => FlowError::RateLimited(seconds),
            AppError::SendFailed(why) => FlowError::SendFailed(why),
            AppError::Store(StoreError::NotFound {
                what: "page cursor",
            }) => FlowError::InvalidConfig("the page cursor names no item of this list".into()),
            AppError::Store(StoreError::NotFound { what }) => {
                FlowError::InvalidConfig(format!("{what} not found"))
            }
            AppError::Store(StoreError::Duplicate { what }) => {
                FlowError::Conflict(format!("{what} already exists"))
            }
            AppError::Store(StoreError::Conflict) => {
                FlowError::Conflict("the resource was changed concurrently; retry".into())
            }
            other => FlowError::Application(other),
        }
    }
}

impl From<StoreError> for FlowError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use verity_app::error::FieldProblem;

    #[test]
    fn spec_codes_and_statuses() {
        assert_eq!(FlowError::InvalidConfig("x".into()).wire().1, 400);
        assert_eq!(
            FlowError::Unauthenticated("x".into()).wire().0,
            "unauthenticated"
        );
        assert_eq!(FlowError::Unauthenticated("x".into()).wire().1, 409);
        assert_eq!(FlowError::InactiveTemplate("x".into()).wire().1, 422);
        let app = FlowError::Application(AppError::Internal(anyhow::anyhow!("secret cause")));
        assert_eq!(app.wire().0, "application_error");
        assert_eq!(app.wire().1, 0);
        assert!(!app.message().contains("secret"));
    }

    #[test]
    fn field_problems_become_field_errors() {
        let e: FlowError =
            AppError::InvalidFields(vec![FieldProblem::new("birthdate", "bad date")]).into();
        match e {
            FlowError::InvalidFields(f) => {
                assert_eq!(f, vec![("birthdate".into(), "bad date".into())])
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
