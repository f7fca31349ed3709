//! The widget's query (docs/contract.md §5), parsed purely: every value is checked for
//! shape (lengths, origins, ids, exactly one of a template and an inquiry) before anything
//! is looked up. [`super::config`] then resolves it against the store.

use serde_json::Value;
use verity_app::inquiries::{TemplateRef, TemplateRefError};
use verity_core::id::{AccountId, InquiryId};

use super::error::FlowError;
use super::query;

/// Which page is being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `/widget`: inside an iframe, speaking to the host page.
    Widget,
    /// `/verify`: a full page, redirecting to `redirect-uri` at the end.
    Hosted,
}

/// What the flow starts from.
#[derive(Debug, Clone)]
pub enum Source {
    Template(TemplateRef),
    Inquiry(InquiryId),
}

/// The origins of an embedded widget, well-formed (whether the template allows them is
/// decided when resolving).
#[derive(Debug, Clone, Default)]
pub struct Embedding {
    pub iframe_origin: Option<Origin>,
    pub target_origin: Option<Origin>,
    pub frame_ancestors: Vec<Origin>,
}

/// The widget query, checked for shape.
#[derive(Debug, Clone)]
pub struct WidgetQuery {
    pub container_id: String,
    pub flow_type: String,
    pub language: Option<String>,
    pub template_id: Option<String>,
    pub template_version_id: Option<String>,
    pub source: Source,
    pub session_token: Option<String>,
    pub reference_id: Option<String>,
    pub account_id: Option<String>,
    /// `fields[...]` as sent; checked against the template's schema when resolving.
    pub fields: Option<Value>,
    pub embedding: Embedding,
    /// The hosted flow's `redirect-uri` and its origin.
    pub redirect: Option<(String, Origin)>,
}

/// A query that does not parse, and the `iframe-origin` if it was read first (so the error
/// page can still tell its parent).
#[derive(Debug)]
pub struct Refused {
    pub error: FlowError,
    pub iframe_origin: Option<String>,
}

fn bad(m: impl Into<String>) -> FlowError {
    FlowError::InvalidConfig(m.into())
}

impl WidgetQuery {
    pub fn parse(raw_query: &str, mode: Mode) -> Result<WidgetQuery, Refused> {
        let q = query::parse(raw_query).map_err(|e| Refused {
            error: bad(e.to_string()),
            iframe_origin: None,
        })?;
        let mut embedding = Embedding::default();
        let fail = |e: &Embedding| {
            let iframe_origin = e.iframe_origin.as_ref().map(|o| o.serialized.clone());
            move |error| Refused {
                error,
                iframe_origin,
            }
        };
        let (container_id, flow_type) = frame(&q, mode).map_err(fail(&embedding))?;
        embedding.iframe_origin = origin(&q, "iframe-origin").map_err(fail(&embedding))?;
        rest(&q, mode, container_id, flow_type, &mut embedding).map_err(|e| fail(&embedding)(e))
    }
}

type Query = serde_json::Map<String, Value>;

/// A short text value; empty counts as absent.
fn text(q: &Query, key: &str) -> Result<Option<String>, FlowError> {
    match q.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.len() <= 2048 => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("`{key}` must be a short string"))),
    }
}

fn origin(q: &Query, key: &str) -> Result<Option<Origin>, FlowError> {
    text(q, key)?.map(|o| parse_origin(&o)).transpose()
}

/// `container-id` and `flow-type` (the hosted page is always `hosted`).
fn frame(q: &Query, mode: Mode) -> Result<(String, String), FlowError> {
    let container_id = text(q, "container-id")?.unwrap_or_default();
    if container_id.len() > 128 {
        return Err(bad("`container-id` is too long"));
    }
    let flow_type = text(q, "flow-type")?.unwrap_or_else(|| "embedded".into());
    if !matches!(flow_type.as_str(), "embedded" | "inline") {
        return Err(bad("`flow-type` must be `embedded` or `inline`"));
    }
    let flow_type = if mode == Mode::Hosted {
        "hosted".into()
    } else {
        flow_type
    };
    Ok((container_id, flow_type))
}

/// Everything after the iframe origin; `embedding` is filled as far as it was read.
fn rest(
    q: &Query,
    mode: Mode,
    container_id: String,
    flow_type: String,
    embedding: &mut Embedding,
) -> Result<WidgetQuery, FlowError> {
    embedding.target_origin = origin(q, "message-target-origin")?;
    let language = language(q)?;
    let (template_id, template_version_id, source) = source(q)?;
    let reference_id = text(q, "reference-id")?;
    let account_id = text(q, "account-id")?;
    if reference_id.is_some() && account_id.is_some() {
        return Err(bad("give only one of `reference-id` and `account-id`"));
    }
    if let Some(a) = &account_id {
        AccountId::parse(a).map_err(|e| bad(e.to_string()))?;
    }
    embedding.frame_ancestors = list(q.get("frame-ancestors"))?
        .iter()
        .map(|a| parse_origin(a))
        .collect::<Result<_, _>>()?;
    let redirect = match mode {
        Mode::Hosted => redirect(q)?,
        Mode::Widget => None,
    };
    Ok(WidgetQuery {
        container_id,
        flow_type,
        language,
        template_id,
        template_version_id,
        source,
        session_token: text(q, "session-token")?,
        reference_id,
        account_id,
        fields: q.get("fields").cloned(),
        embedding: std::mem::take(embedding),
        redirect,
    })
}

fn language(q: &Query) -> Result<Option<String>, FlowError> {
    let language = text(q, "language")?;
    if let Some(l) = &language {
        let ok = l.len() <= 16
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(bad(
                "`language` must be a language tag such as `es` or `en-US`",
            ));
        }
    }
    Ok(language)
}

/// The template (or version) id as given, and what the flow starts from.
fn source(q: &Query) -> Result<(Option<String>, Option<String>, Source), FlowError> {
    let template_id = match (text(q, "inquiry-template-id")?, text(q, "template-id")?) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "give only one of `inquiry-template-id` and `template-id`",
            ))
        }
        (a, b) => a.or(b),
    };
    let version_id = text(q, "inquiry-template-version-id")?;
    let inquiry_id = text(q, "inquiry-id")?;
    let template = TemplateRef::parse(template_id.as_deref(), version_id.as_deref())
        .map_err(|e: TemplateRefError| bad(e.to_string()))?;
    let source = match (template, inquiry_id) {
        (None, None) => {
            return Err(bad(
                "give a template id, a template version id or an inquiry id",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(bad(
                "give either a template (or version) id or an inquiry id, not both",
            ))
        }
        (Some(r), None) => Source::Template(r),
        (None, Some(id)) => Source::Inquiry(InquiryId::parse(&id).map_err(|e| bad(e.to_string()))?),
    };
    Ok((template_id, version_id, source))
}

/// The hosted flow's `redirect-uri`: an absolute URL, with its origin.
fn redirect(q: &Query) -> Result<Option<(String, Origin)>, FlowError> {
    let Some(uri) = text(q, "redirect-uri")? else {
        return Ok(None);
    };
    let url = url::Url::parse(&uri).map_err(|_| bad("`redirect-uri` must be an absolute URL"))?;
    let o = parse_origin(url.origin().ascii_serialization().as_str())?;
    Ok(Some((url.to_string(), o)))
}

/// A bare web origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub serialized: String,
    pub host: String,
    pub port: Option<u16>,
}

/// Accepts exactly `http(s)://host[:port]` (a trailing `/` tolerated); anything else
/// (paths, credentials, `*`, spaces, `;`) is `invalid_config`.
pub fn parse_origin(s: &str) -> Result<Origin, FlowError> {
    let bad = || {
        FlowError::InvalidConfig(format!(
            "`{}` is not an origin",
            s.chars().take(100).collect::<String>()
        ))
    };
    let url = url::Url::parse(s).map_err(|_| bad())?;
    let trimmed = s.strip_suffix('/').unwrap_or(s);
    let serialized = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
        || url.path() != "/"
        || !serialized.eq_ignore_ascii_case(trimmed)
    {
        return Err(bad());
    }
    let host = url.host_str().ok_or_else(bad)?.to_ascii_lowercase();
    Ok(Origin {
        serialized,
        host,
        port: url.port(),
    })
}

/// `frame-ancestors[i]` as a list of strings.
fn list(v: Option<&Value>) -> Result<Vec<String>, FlowError> {
    let bad = || FlowError::InvalidConfig("`frame-ancestors` must be a list of origins".into());
    match v {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) if items.len() <= 16 => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn origins_are_strict() {
        let o = parse_origin("http://127.0.0.1:3000").unwrap();
        assert_eq!(o.serialized, "http://127.0.0.1:3000");
        assert_eq!((o.host.as_str(), o.port), ("127.0.0.1", Some(3000)));
        assert_eq!(
            parse_origin("https://Shop.Example/").unwrap().serialized,
            "https://shop.example"
        );
        for bad in [
            "*",
            "http://a.example/path",
            "http://u:p@a.example",
            "javascript:alert(1)",
            "http://a.example; script-src *",
            "http://a.example?x",
            "a.example",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_query_names_exactly_one_source() {
        let q = WidgetQuery::parse("inquiry-template-id=itmpl_x&inquiry-id=inq_y", Mode::Widget);
        assert!(q.is_err());
        let q = WidgetQuery::parse("iframe-origin=http%3A%2F%2Flocalhost%3A3000", Mode::Widget);
        let refused = q.unwrap_err();
        assert_eq!(
            refused.iframe_origin.as_deref(),
            Some("http://localhost:3000")
        );
    }
}
