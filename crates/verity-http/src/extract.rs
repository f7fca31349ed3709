//! Extractors that parse, validate and authorise, so handlers read like their spec.
//! Every rejection is an [`ApiError`], i.e. our JSON error format.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use verity_store::{ApiKey, PageRequest};

use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A JSON body; malformed JSON is a 400, wrong types a 422, both with a pointer.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection, state.config.json_body_limit)),
        }
    }
}

fn json_rejection(rejection: JsonRejection, limit: usize) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde_path_to_error gives "data.attributes.x: invalid type …"
            let text = e.body_text();
            let detail = text
                .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                .unwrap_or(&text)
                .to_owned();
            let pointer = detail
                .split_once(": ")
                .map(|(path, _)| format!("/{}", path.replace('.', "/")))
                .unwrap_or_else(|| "/".into());
            ApiError::Unprocessable(vec![Problem::at(pointer, detail)])
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(vec![Problem::at(
            "/",
            format!("the body is not valid JSON: {}", e.body_text()),
        )]),
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ),
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::PayloadTooLarge { limit }
        }
        other => ApiError::BadRequest(vec![Problem::new(other.body_text())]),
    }
}

/// A query string; bad values are a 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::BadRequest(
                vec![Problem::at("query", e.body_text())],
            )),
            Err(other) => Err(ApiError::BadRequest(vec![Problem::new(other.body_text())])),
        }
    }
}

/// The API key that authenticated this request (put there by the auth middleware).
pub struct Authenticated(pub ApiKey);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiKey>()
            .cloned()
            .map(Authenticated)
            .ok_or(ApiError::Unauthenticated("an API key is required"))
    }
}

/// `page[size]`, `page[after]`, `page[before]`.
#[derive(Debug, Deserialize, Default)]
pub struct PageParams {
    #[serde(rename = "page[size]")]
    pub size: Option<String>,
    #[serde(rename = "page[after]")]
    pub after: Option<String>,
    #[serde(rename = "page[before]")]
    pub before: Option<String>,
}

pub const DEFAULT_PAGE_SIZE: u32 = 10;

impl PageParams {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let size = match self.size.as_deref() {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "page[size]",
                        "page[size] must be an integer from 1 to 100",
                    )
                })?,
        };
        if self.after.is_some() && self.before.is_some() {
            return Err(ApiError::bad_request(
                "page[after]",
                "give page[after] or page[before], not both",
            ));
        }
        Ok(PageRequest {
            after: self.after.clone(),
            before: self.before.clone(),
            size,
        })
    }
}

/// The client's address, when the server was started with connection info (it is, by
/// `verity serve`); limits fall back to one shared bucket otherwise.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let trusted = &state.config.trusted_proxies;
        Ok(ClientIp(crate::client_address::client_ip(parts, trusted)))
    }
}
