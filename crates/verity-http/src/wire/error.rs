//! The error document every failed API request answers with:
//! `{"errors": [{"title", "details", "source": {"pointer"}}]}` (built by `error.rs`, the
//! one place errors become responses; the test below holds the two in step).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"errors": [{"title": "Unprocessable entity",
    "details": "name is required (1 to 200 characters)",
    "source": {"pointer": "/data/attributes/name"}}]}))]
pub struct ErrorDocument {
    pub errors: Vec<ErrorObject>,
}

/// One problem; all problems of a response share the status's title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorObject {
    #[schema(example = "Not found")]
    pub title: String,
    pub details: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorSource {
    /// A JSON pointer into the body (`/data/attributes/fields/age`) or a query parameter
    /// (`page[size]`).
    pub pointer: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, Problem};

    #[test]
    fn the_error_body_is_an_error_document() {
        let errors = [
            ApiError::invalid("/data/attributes/name", "name is required"),
            ApiError::not_found("inquiry", "inq_x"),
            ApiError::BadRequest(vec![Problem::new("bad"), Problem::at("page[size]", "x")]),
            ApiError::TooManyRequests {
                retry_after_seconds: 2,
            },
        ];
        for e in errors {
            let body = e.body();
            let doc: ErrorDocument = serde_json::from_value(body.clone()).expect("parses");
            assert_eq!(serde_json::to_value(&doc).expect("serialises"), body);
        }
    }
}
