//! The application's error: what went wrong in a use case, in the domain's terms (kinds,
//! ids, field keys, attribute names). It knows no HTTP status and no JSON pointer: the
//! REST edge and the flow edge each turn it into their own error, in one place each.

use verity_core::handoff::Refusal;
use verity_core::inquiry::InquiryError;
use verity_core::template::TemplateError;
use verity_core::IdError;
use verity_store::StoreError;

/// Why a template cannot start an inquiry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateProblem {
    #[error("no template with id `{0}`")]
    Unknown(String),
    #[error("the template `{0}` is inactive")]
    Inactive(String),
    #[error("the template `{0}` has no published version")]
    Unpublished(String),
}

/// One refused field value: the field's key in the inquiry's schema and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub key: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        FieldProblem {
            key: key.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no {kind} with id `{id}`")]
    NotFound { kind: &'static str, id: String },
    /// An id of the wrong kind or shape: nothing was looked up.
    #[error(transparent)]
    BadId(#[from] IdError),
    /// The request does not fit the resource's current state.
    #[error("{0}")]
    Conflict(String),
    /// Field values the inquiry's schema refuses.
    #[error("invalid fields: {}", .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<FieldProblem>),
    /// An invalid attribute of the request (`attribute: None`: the whole definition).
    #[error("{message}")]
    Invalid {
        attribute: Option<&'static str>,
        message: String,
    },
    /// The template an inquiry would start from cannot start one.
    #[error(transparent)]
    Template(TemplateProblem),
    /// An uploaded image that is too large, of the wrong type or undecodable.
    #[error("{0}")]
    InvalidUpload(String),
    /// A captured image one of its instant checks refused (docs/verifications.md §5): the
    /// check's name, what to do in plain words, and how many more captures of that side or
    /// pose may be refused before a bad one is kept for the verification to judge.
    #[error("{reason}")]
    CaptureRefused {
        check: String,
        reason: String,
        attempts_left: u32,
    },
    /// No usable session for the inquiry.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A one-time link that cannot be opened.
    #[error(transparent)]
    LinkRefused(Refusal),
    /// Too many hand-off messages or links; retry after this many seconds.
    #[error("too many messages were sent; try again in {0} seconds")]
    RateLimited(u64),
    /// The email or SMS provider did not take the message (a description safe to show).
    #[error("{0}")]
    SendFailed(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn not_found(kind: &'static str, id: impl std::fmt::Display) -> Self {
        AppError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub fn invalid(attribute: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            attribute: Some(attribute),
            message: message.into(),
        }
    }

    /// The conflict every bounded retry ends in when other writers keep winning.
    pub fn busy() -> Self {
        AppError::Conflict("the inquiry is being changed by many requests at once; retry".into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Store(e)
    }
}

impl From<InquiryError> for AppError {
    fn from(e: InquiryError) -> Self {
        match e {
            InquiryError::Fields(errors) => AppError::InvalidFields(
                errors
                    .iter()
                    .map(|f| FieldProblem::new(f.key(), f.to_string()))
                    .collect(),
            ),
            InquiryError::ReferenceIdTooLong => AppError::invalid("reference-id", e.to_string()),
            InquiryError::TooManySessions
            | InquiryError::IllegalTransition { .. }
            | InquiryError::Redacted => AppError::Conflict(e.to_string()),
        }
    }
}

impl From<TemplateError> for AppError {
    fn from(e: TemplateError) -> Self {
        let attribute = match &e {
            TemplateError::Workflow(_) => Some("workflow"),
            TemplateError::UnknownExtractedField(_)
            | TemplateError::UnknownExtractedAttribute(_) => Some("extracted-fields"),
            TemplateError::BadRetention => Some("retention-days"),
            _ => None,
        };
        AppError::Invalid {
            attribute,
            message: e.to_string(),
        }
    }
}
