//! Response documents of the read endpoints: one resource (`{"data": {...}}`, or a 404 naming
//! it) and lists (`{"data": [...], "links": {"next", "prev"}}` with cursor links that keep the
//! request's filters and page size).

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use verity_core::id::{Id, IdKind};
use verity_store::Page;

use crate::error::ApiError;
use crate::jsonapi::{Document, Inflection};

/// The answer to `GET /…/{id}`: `found` rendered, or a 404 naming the kind and `id`.
pub fn one_document<K: IdKind, T>(
    id: &Id<K>,
    found: Option<T>,
    render: impl FnOnce(&T) -> Value,
    headers: &HeaderMap,
) -> Result<Document, ApiError> {
    let item = found.ok_or_else(|| ApiError::not_found(K::NAME, id.as_str()))?;
    Ok(Document::new(
        StatusCode::OK,
        json!({ "data": render(&item) }),
        Inflection::from_headers(headers),
    ))
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass through).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `filters` are the request's filter parameters; those not given (`None`) are left out.
fn link(path: &str, filters: &[(&str, Option<&str>)], size: u32, cursor: (&str, &str)) -> String {
    let mut q: Vec<String> = filters
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{}={}", encode(k), encode(v))))
        .collect();
    q.push(format!("{}={}", encode("page[size]"), size));
    q.push(format!("{}={}", encode(cursor.0), encode(cursor.1)));
    format!("{path}?{}", q.join("&"))
}

pub fn list_document<T>(
    page: &Page<T>,
    render: impl Fn(&T) -> Value,
    path: &str,
    filters: &[(&str, Option<&str>)],
    size: u32,
) -> Value {
    json!({
        "data": page.items.iter().map(render).collect::<Vec<_>>(),
        "links": {
            "next": page.next_after.as_deref().map(|c| link(path, filters, size, ("page[after]", c))),
            "prev": page.prev_before.as_deref().map(|c| link(path, filters, size, ("page[before]", c))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_filters_and_encode() {
        let page = Page {
            items: vec![1],
            next_after: Some("inq_abc".to_string()),
            prev_before: None,
        };
        let doc = list_document(
            &page,
            |n| json!(n),
            "/api/v1/inquiries",
            &[
                ("filter[reference-id]", Some("a b")),
                ("filter[status]", None),
            ],
            5,
        );
        assert_eq!(
            doc["links"]["next"],
            "/api/v1/inquiries?filter%5Breference-id%5D=a%20b&page%5Bsize%5D=5&page%5Bafter%5D=inq_abc"
        );
        assert!(doc["links"]["prev"].is_null());
    }
}
