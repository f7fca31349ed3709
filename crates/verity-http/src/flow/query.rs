//! Parsing of the widget's query string, in the `qs` bracket encoding the official SDK sends
//! (docs/contract.md §5): `fields[name-first]=Jane`, `frame-ancestors[0]=https://a.example`,
//! `widget-padding[top]=8`. Keys and values are percent-decoded first, so `fields%5Bx%5D` and
//! `fields[x]` are the same key.
//!
//! Invariants: at most [`MAX_PARAMS`] parameters and [`MAX_DEPTH`] bracket levels are read
//! (anything beyond is an error, not silently dropped); a map whose keys are exactly
//! `0..n` becomes a JSON array; a key given twice keeps the last value, as `qs` does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub const MAX_PARAMS: usize = 256;
pub const MAX_DEPTH: usize = 5;
/// The longest accepted query string; the official SDK's URLs are far shorter.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query string is longer than {MAX_QUERY_BYTES} bytes")]
    TooLong,
    #[error("the query string has more than {MAX_PARAMS} parameters")]
    TooManyParams,
    #[error("parameter `{0}` is nested deeper than {MAX_DEPTH} levels")]
    TooDeep(String),
    #[error("parameter `{0}` has malformed brackets")]
    Malformed(String),
    #[error("parameter `{0}` is given both as a value and as a map")]
    Mixed(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Leaf(String),
    Map(BTreeMap<String, Node>),
}

/// Parses `query` (without `?`) into a JSON object: strings at the leaves, objects and arrays
/// for bracketed keys.
pub fn parse(query: &str) -> Result<Map<String, Value>, QueryError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(QueryError::TooLong);
    }
    let mut root: BTreeMap<String, Node> = BTreeMap::new();
    for (count, (key, value)) in url::form_urlencoded::parse(query.as_bytes()).enumerate() {
        if count >= MAX_PARAMS {
            return Err(QueryError::TooManyParams);
        }
        if key.is_empty() {
            continue;
        }
        let path = split_key(&key)?;
        insert(&mut root, &path, value.into_owned(), &key)?;
    }
    Ok(root.into_iter().map(|(k, v)| (k, to_json(v))).collect())
}

/// `a[b][0]` → `["a", "b", "0"]`.
fn split_key(key: &str) -> Result<Vec<String>, QueryError> {
    let malformed = || QueryError::Malformed(key.chars().take(80).collect());
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() || head.contains(']') {
        return Err(malformed());
    }
    let mut path = vec![head.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(malformed)?;
        let end = inner.find(']').ok_or_else(malformed)?;
        let segment = &inner[..end];
        if segment.contains('[') {
            return Err(malformed());
        }
        path.push(segment.to_owned());
        rest = &inner[end + 1..];
        if path.len() > MAX_DEPTH + 1 {
            return Err(QueryError::TooDeep(key.chars().take(80).collect()));
        }
    }
    Ok(path)
}

fn insert(
    map: &mut BTreeMap<String, Node>,
    path: &[String],
    value: String,
    key: &str,
) -> Result<(), QueryError> {
    let mixed = || QueryError::Mixed(key.chars().take(80).collect());
    let (first, rest) = path.split_first().ok_or_else(mixed)?;
    // `a[]=x` (empty brackets) appends, as qs does.
    let first = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        if matches!(map.get(&first), Some(Node::Map(_))) {
            return Err(mixed());
        }
        map.insert(first, Node::Leaf(value));
        return Ok(());
    }
    let child = map
        .entry(first)
        .or_insert_with(|| Node::Map(BTreeMap::new()));
    match child {
        Node::Map(inner) => insert(inner, rest, value, key),
        Node::Leaf(_) => Err(mixed()),
    }
}

fn to_json(node: Node) -> Value {
    match node {
        Node::Leaf(s) => Value::String(s),
        Node::Map(map) => {
            let mut indexed: Vec<(usize, Node)> = Vec::with_capacity(map.len());
            for (k, v) in &map {
                match k.parse::<usize>() {
                    Ok(i) if k == &i.to_string() => indexed.push((i, v.clone())),
                    _ => {
                        return Value::Object(
                            map.into_iter().map(|(k, v)| (k, to_json(v))).collect(),
                        )
                    }
                }
            }
            indexed.sort_by_key(|(i, _)| *i);
            let dense = indexed.iter().enumerate().all(|(pos, (i, _))| pos == *i);
            if dense {
                Value::Array(indexed.into_iter().map(|(_, v)| to_json(v)).collect())
            } else {
                Value::Object(
                    indexed
                        .into_iter()
                        .map(|(i, v)| (i.to_string(), to_json(v)))
                        .collect(),
                )
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_official_sdk_encoding() {
        // What `qs.stringify` produces for the persona 5.x SDK (brackets percent-encoded).
        let q = "client-version=5.9.0&container-id=persona-widget-abc&flow-type=embedded\
                 &inquiry-template-id=itmpl_X&iframe-origin=http%3A%2F%2F127.0.0.1%3A3000\
                 &frame-ancestors%5B0%5D=http%3A%2F%2Fa.example&frame-ancestors%5B1%5D=http%3A%2F%2Fb.example\
                 &fields%5Bname-first%5D=Jane%20Q&fields%5Bage%5D=42&widget-padding%5Btop%5D=8";
        let v = Value::Object(parse(q).unwrap());
        assert_eq!(v["fields"], json!({"name-first": "Jane Q", "age": "42"}));
        assert_eq!(
            v["frame-ancestors"],
            json!(["http://a.example", "http://b.example"])
        );
        assert_eq!(v["widget-padding"], json!({"top": "8"}));
        assert_eq!(v["iframe-origin"], json!("http://127.0.0.1:3000"));
    }

    #[test]
    fn unencoded_brackets_and_nesting_work() {
        let v = Value::Object(
            parse("fields[address][street]=Main&fields[tags][0]=a&fields[tags][1]=b").unwrap(),
        );
        assert_eq!(
            v["fields"],
            json!({"address": {"street": "Main"}, "tags": ["a", "b"]})
        );
    }

    #[test]
    fn sparse_indices_stay_a_map() {
        let v = Value::Object(parse("a[0]=x&a[2]=y").unwrap());
        assert_eq!(v["a"], json!({"0": "x", "2": "y"}));
    }

    #[test]
    fn hostile_inputs_are_refused() {
        assert!(matches!(parse("a[b=1"), Err(QueryError::Malformed(_))));
        assert!(matches!(parse("[x]=1"), Err(QueryError::Malformed(_))));
        assert!(matches!(
            parse("a[1][2][3][4][5][6]=1"),
            Err(QueryError::TooDeep(_))
        ));
        assert!(matches!(parse("a=1&a[b]=2"), Err(QueryError::Mixed(_))));
        let many: Vec<String> = (0..300).map(|i| format!("k{i}=v")).collect();
        assert_eq!(parse(&many.join("&")), Err(QueryError::TooManyParams));
    }
}
