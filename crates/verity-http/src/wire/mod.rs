//! Typed wire documents of the REST API: what a request body must look like and what a
//! response carries, one file per resource. Each type derives `ToSchema`, so `/openapi.json`
//! is generated from the very types the handlers render and parse.
//!
//! Keys are kebab-case (JSON:API, as the README's API section says); the `Key-Inflection`
//! header rewrites them later, on the JSON value (see `jsonapi.rs`), so these types never
//! change with it. Responses are rendered through [`to_value`], which serialises into a
//! `serde_json::Value` exactly like the `json!` values the API returned before.
//!
//! Values that are user data or open-ended (field values, check details, template steps)
//! are `serde_json::Value` here and documented as objects: their shape belongs to the
//! domain crate, not to the wire.

pub mod account;
pub mod audit;
pub mod error;
pub mod event;
pub mod inquiry;
pub mod template;
pub mod verification;
pub mod webhook;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use verity_core::rfc3339;
use verity_core::Millis;

/// `{"type", "id"}`: a reference to another resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceRef {
    #[serde(rename = "type")]
    #[schema(example = "inquiry")]
    pub kind: String,
    #[schema(example = "inq_2Nf8tKXo9SpDbWwQjg4HUZyV")]
    pub id: String,
}

impl ResourceRef {
    pub fn new(kind: &str, id: impl Into<String>) -> Self {
        ResourceRef {
            kind: kind.to_owned(),
            id: id.into(),
        }
    }
}

/// A to-one relationship; `data` is `null` when there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToOne {
    pub data: Option<ResourceRef>,
}

impl ToOne {
    pub fn to(kind: &str, id: impl Into<String>) -> Self {
        ToOne {
            data: Some(ResourceRef::new(kind, id)),
        }
    }
}

/// A to-many relationship.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToMany {
    pub data: Vec<ResourceRef>,
}

/// The `relationships` of a resource that belongs to one inquiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InquiryRelationship {
    pub inquiry: ToOne,
}

/// Cursor links of a list; each keeps the request's filters and page size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListLinks {
    #[schema(
        example = "/api/v1/inquiries?page%5Bsize%5D=10&page%5Bafter%5D=inq_2Nf8tKXo9SpDbWwQjg4HUZyV"
    )]
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// Declares the documents of one resource type: `$one` (`{"data": resource}`) and `$list`
/// (`{"data": [resource…], "links": {next, prev}}`).
macro_rules! documents {
    ($resource:ty, $one:ident, $list:ident, $what:literal) => {
        #[doc = concat!("One ", $what, ": `{\"data\": …}`.")]
        #[derive(
            Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        pub struct $one {
            pub data: $resource,
        }

        #[doc = concat!("A page of ", $what, "s, newest first, with cursor links.")]
        #[derive(
            Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        pub struct $list {
            pub data: Vec<$resource>,
            pub links: $crate::wire::ListLinks,
        }
    };
}
pub(crate) use documents;

/// Declares a request body type `$name` = `{"data": {"attributes": $attributes}}` with its
/// own schema (utoipa names each generic instance; a named type reads better in clients).
macro_rules! request {
    ($name:ident, $data:ident, $attributes:ty, $what:literal) => {
        #[doc = concat!("The request body of ", $what, ": `{\"data\": {\"attributes\": {…}}}`.")]
        #[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub data: $data,
        }

        #[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
        pub struct $data {
            pub attributes: $attributes,
        }
    };
}
pub(crate) use request;

/// RFC 3339 in UTC with milliseconds, as every time on the wire.
pub fn time(ms: Millis) -> String {
    rfc3339(ms)
}

pub fn maybe_time(ms: Option<Millis>) -> Option<String> {
    ms.map(rfc3339)
}

/// Serialises a wire document into the JSON value the API sends.
pub fn to_value<T: Serialize>(doc: &T) -> serde_json::Value {
    // Wire types hold only strings, numbers and `Value`s with string keys: serialising
    // them cannot fail, and `Null` would show in tests if it ever did.
    serde_json::to_value(doc).unwrap_or(serde_json::Value::Null)
}
