//! What the read endpoints share: one resource found (or a 404 naming it), and the cursor
//! `links` of lists (`{"next", "prev"}`), which keep the request's filters and page size.

use verity_core::id::{Id, IdKind};
use verity_store::Page;

use crate::error::ApiError;
use crate::wire::ListLinks;

/// What `GET /…/{id}` found, or a 404 naming the kind and `id`.
pub fn found<K: IdKind, T>(id: &Id<K>, found: Option<T>) -> Result<T, ApiError> {
    found.ok_or_else(|| ApiError::not_found(K::NAME, id.as_str()))
}

/// A list's `filter[…]` id parameter, parsed: `None` when left out, a 400 naming `param`
/// when it is not an id of that kind.
pub fn id_filter<K: IdKind>(param: &str, value: Option<&str>) -> Result<Option<Id<K>>, ApiError> {
    value
        .map(Id::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(param, e.to_string()))
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

/// The items of a page as wire resources.
pub fn items<T, R: for<'a> From<&'a T>>(page: &Page<T>) -> Vec<R> {
    page.items.iter().map(R::from).collect()
}

/// The `links` of a list document: cursors to the next and previous pages, if any.
pub fn list_links<T>(
    page: &Page<T>,
    path: &str,
    filters: &[(&str, Option<&str>)],
    size: u32,
) -> ListLinks {
    ListLinks {
        next: page
            .next_after
            .as_deref()
            .map(|c| link(path, filters, size, ("page[after]", c))),
        prev: page
            .prev_before
            .as_deref()
            .map(|c| link(path, filters, size, ("page[before]", c))),
    }
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
        let links = list_links(
            &page,
            "/api/v1/inquiries",
            &[
                ("filter[reference-id]", Some("a b")),
                ("filter[status]", None),
            ],
            5,
        );
        assert_eq!(
            links.next.as_deref(),
            Some("/api/v1/inquiries?filter%5Breference-id%5D=a%20b&page%5Bsize%5D=5&page%5Bafter%5D=inq_abc")
        );
        assert!(links.prev.is_none());
    }
}
