//! The console's one error type, turned into an HTML answer in one place: a signed-out
//! browser is sent to the sign-in page, a refusal says why with the status it is, and an
//! internal error reveals nothing (its cause is logged once, here).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use verity_app::AppError;

use super::html;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live session: sign in first.
    #[error("not signed in")]
    NotSignedIn,
    /// The password was right; the TOTP code is still to come (docs/console.md §8).
    #[error("the second factor's code is needed")]
    CodeNeeded,
    /// `console_require_totp`: an admin without a second factor enrols first.
    #[error("enrol a second factor first")]
    MustEnrol,
    /// The operator's role does not allow this (docs/console.md §2).
    #[error("{0}")]
    Forbidden(&'static str),
    /// A state-changing request another site could have made: a missing or foreign
    /// `Origin`, `Sec-Fetch-Site: cross-site`, or a missing or wrong form token.
    #[error("{0}")]
    CrossSite(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<AppError> for ConsoleError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { kind, id } => ConsoleError::NotFound(format!("no {kind} {id}")),
            AppError::BadId(e) => ConsoleError::NotFound(e.to_string()),
            AppError::Conflict(why) => ConsoleError::Conflict(why),
            AppError::Invalid { message, .. } => ConsoleError::Invalid(message),
            AppError::InvalidFields(_) | AppError::InvalidUpload(_) => {
                ConsoleError::Invalid(e.to_string())
            }
            AppError::Template(_) | AppError::LinkRefused(_) => {
                ConsoleError::Conflict(e.to_string())
            }
            e => ConsoleError::Internal(format!("{e:#}")),
        }
    }
}

impl From<verity_store::StoreError> for ConsoleError {
    fn from(e: verity_store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<verity_core::IdError> for ConsoleError {
    fn from(e: verity_core::IdError) -> Self {
        ConsoleError::NotFound(e.to_string())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            ConsoleError::NotSignedIn => return Redirect::to(super::SIGN_IN_PATH).into_response(),
            ConsoleError::CodeNeeded => return Redirect::to(super::CODE_PATH).into_response(),
            ConsoleError::MustEnrol => return Redirect::to(super::TOTP_PATH).into_response(),
            ConsoleError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed for your role"),
            ConsoleError::CrossSite(_) => (StatusCode::FORBIDDEN, "Request refused"),
            ConsoleError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            ConsoleError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "Check the form"),
            ConsoleError::Conflict(_) => (StatusCode::CONFLICT, "Not possible now"),
            ConsoleError::Internal(cause) => {
                tracing::error!(error = %cause, "console request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        };
        let message = match &self {
            ConsoleError::Internal(_) => "The server could not answer; try again.".to_owned(),
            other => other.to_string(),
        };
        let body = format!(
            "<h1>{}</h1><p role=\"alert\">{}</p><p><a href=\"/console\">Back to the console</a></p>",
            html::esc(title),
            html::esc(&message)
        );
        let page = html::page(title, None, &body);
        (status, [(header::CONTENT_TYPE, html::CONTENT_TYPE)], page).into_response()
    }
}
