//! JSON:API documents: `{"data": …, "included": […], "links": …, "meta": …}` with
//! kebab-case keys, and the `Key-Inflection: camel|snake` response option.
//!
//! Resources are built in kebab-case once (see `resource.rs`); inflection is a pure
//! rewrite of object keys applied to the whole document just before it is sent. Field
//! values (`fields.<key>.value`) are user data and are never rewritten.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inflection {
    #[default]
    Kebab,
    Camel,
    Snake,
}

impl Inflection {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        match headers
            .get("key-inflection")
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("camel") => Inflection::Camel,
            Some("snake") => Inflection::Snake,
            _ => Inflection::Kebab,
        }
    }

    fn key(self, key: &str) -> String {
        match self {
            Inflection::Kebab => key.to_owned(),
            Inflection::Snake => key.replace('-', "_"),
            Inflection::Camel => {
                let mut out = String::with_capacity(key.len());
                let mut upper = false;
                for c in key.chars() {
                    if c == '-' {
                        upper = true;
                    } else if upper {
                        out.extend(c.to_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    /// Rewrites every object key in `doc`, except inside field values.
    pub fn apply(self, doc: Value) -> Value {
        if self == Inflection::Kebab {
            return doc;
        }
        self.rewrite(doc, false)
    }

    fn rewrite(self, value: Value, in_value: bool) -> Value {
        match value {
            Value::Object(map) if !in_value => {
                let mut out = Map::with_capacity(map.len());
                for (k, v) in map {
                    // `{type, value}` field objects: leave the user's value untouched.
                    let user_data = k == "value" || k == "payload-raw";
                    out.insert(self.key(&k), self.rewrite(v, user_data));
                }
                Value::Object(out)
            }
            Value::Array(items) if !in_value => {
                Value::Array(items.into_iter().map(|v| self.rewrite(v, false)).collect())
            }
            other => other,
        }
    }
}

/// A JSON:API response with a status, inflected on the way out.
pub struct Document {
    pub status: StatusCode,
    pub body: Value,
    pub inflection: Inflection,
}

impl Document {
    pub fn new(status: StatusCode, body: Value, inflection: Inflection) -> Self {
        Document {
            status,
            body,
            inflection,
        }
    }

    /// A typed wire document (see `wire/`), inflected as the request's `Key-Inflection`
    /// header asks.
    pub fn typed<T: serde::Serialize>(status: StatusCode, doc: &T, headers: &HeaderMap) -> Self {
        Document::new(
            status,
            crate::wire::to_value(doc),
            Inflection::from_headers(headers),
        )
    }
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.inflection.apply(self.body))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn camel_and_snake_rewrite_keys_but_not_field_values() {
        let doc = json!({"data": {"attributes": {"reference-id": "r", "fields": {
            "name-first": {"type": "json", "value": {"keep-me": 1}}}}}});
        let camel = Inflection::Camel.apply(doc.clone());
        assert_eq!(camel["data"]["attributes"]["referenceId"], "r");
        assert_eq!(
            camel["data"]["attributes"]["fields"]["nameFirst"]["value"]["keep-me"],
            1
        );
        let snake = Inflection::Snake.apply(doc.clone());
        assert_eq!(snake["data"]["attributes"]["reference_id"], "r");
        assert_eq!(Inflection::Kebab.apply(doc.clone()), doc);
    }

    #[test]
    fn header_selects_inflection() {
        let mut h = HeaderMap::new();
        assert_eq!(Inflection::from_headers(&h), Inflection::Kebab);
        h.insert("key-inflection", "Camel".parse().unwrap());
        assert_eq!(Inflection::from_headers(&h), Inflection::Camel);
    }
}
