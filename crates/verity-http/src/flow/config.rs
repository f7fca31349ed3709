//! From the widget's query (spec §5) to the validated configuration the flow app boots from,
//! and the `Content-Security-Policy` that says who may embed it.
//!
//! Invariants:
//! - exactly one of (template id or template version id) / `inquiry-id`, else `invalid_config`;
//! - every origin we will post to or allow as an ancestor (`iframe-origin`,
//!   `message-target-origin`, `frame-ancestors[]`) is a bare `scheme://host[:port]` allowed by the
//!   template's domains (plus `localhost`/`127.0.0.1` in the demo environment), so the flow never
//!   posts to, or is framed by, a site the operator did not allow, and nothing from the query can
//!   inject a CSP directive;
//! - prefilled `fields[...]` are coerced to the template's schema here (`FieldSpec::coerce`), so a
//!   bad value is an `invalid_config` before any inquiry exists.
//!
//! The JSON shape of [`WidgetConfig`] is mirrored by `web/flow/src/config.js`.

use serde::Serialize;
use serde_json::{Map, Value};
use verity_core::id::{AccountId, InquiryId};
use verity_core::template::{Step, TemplateDefinition, TemplateKind};

use super::error::FlowError;
use super::query;
use crate::state::AppState;
use verity_app::error::TemplateProblem;
use verity_app::inquiries::{resolve_template, TemplateRef};

/// Which page is being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `/widget`: inside an iframe, speaking to the host page.
    Widget,
    /// `/verify`: a full page, redirecting to `redirect-uri` at the end.
    Hosted,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    pub container_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_version_id: Option<String>,
    pub kind: &'static str,
    pub flow_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iframe_origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inquiry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Prefilled values, already checked against the schema (sent raw; the server coerces again).
    pub fields: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<ClientTemplate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    pub hosted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Opened from a one-time link (issue 6): the flow spends the URL's `code` first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub handoff: bool,
}

/// What the flow app needs of a template version.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTemplate {
    pub steps: Vec<ClientStep>,
    pub fields: Vec<ClientField>,
    /// CSS lengths: the official SDK assigns them to `style` as they are (spec §5 `ready`).
    pub preferred_dimensions: Value,
    pub border_radius: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientStep {
    pub name: String,
    pub kind: &'static str,
    pub name_display: String,
    pub fields: Vec<String>,
    pub id_classes: Vec<String>,
    pub poses: Vec<String>,
    pub handoff: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientField {
    pub key: String,
    #[serde(rename = "type")]
    pub field_type: &'static str,
    pub label: Option<String>,
    pub required: bool,
    pub choices: Vec<String>,
    pub max_length: Option<usize>,
}

impl ClientTemplate {
    pub fn from_definition(d: &TemplateDefinition) -> Self {
        let px = |n: u32| Value::String(format!("{n}px"));
        let dims = &d.preferred_dimensions;
        ClientTemplate {
            steps: d.steps.iter().map(client_step).collect(),
            fields: d
                .fields
                .0
                .iter()
                .map(|f| ClientField {
                    key: f.key.clone(),
                    field_type: f.field_type.as_str(),
                    label: f.label.clone(),
                    required: f.required,
                    choices: f.choices.clone(),
                    max_length: f.max_length,
                })
                .collect(),
            preferred_dimensions: serde_json::json!({
                "minimumWidth": px(dims.minimum_width),
                "maximumWidth": px(dims.maximum_width),
                "minimumHeight": px(dims.minimum_height),
                "maximumHeight": px(dims.maximum_height),
            }),
            border_radius: format!("{}px", d.border_radius),
        }
    }
}

fn client_step(s: &Step) -> ClientStep {
    ClientStep {
        name: s.name.clone(),
        kind: s.kind.as_str(),
        name_display: s.name_display.clone(),
        fields: s.fields.clone(),
        id_classes: s.id_classes.clone(),
        poses: s.poses.clone(),
        handoff: s.handoff,
    }
}

/// The outcome of reading a widget request: a config to render (possibly carrying an error)
/// and the `frame-ancestors` sources for the CSP.
pub struct Prepared {
    pub config: WidgetConfig,
    pub frame_ancestors: Vec<String>,
    pub error: Option<FlowError>,
}

/// Reads and validates the query. Never fails: an error is rendered into the page (so the
/// flow can send `load` then `error`, spec §5) with the HTTP status of its code.
pub async fn prepare(state: &AppState, raw_query: &str, mode: Mode) -> Prepared {
    let mut config = WidgetConfig {
        hosted: mode == Mode::Hosted,
        kind: "dynamic",
        ..WidgetConfig::default()
    };
    let mut ancestors = Vec::new();
    match build(state, raw_query, mode, &mut config, &mut ancestors).await {
        Ok(()) => Prepared {
            config,
            frame_ancestors: ancestors,
            error: None,
        },
        Err(e) => {
            e.log();
            config.template = None;
            config.error = Some(e.to_wire_json());
            // The error page shows nothing worth framing; let the parent that asked see it, so
            // its `onError` fires (the origin was syntax-checked before being kept).
            let ancestors = config.iframe_origin.iter().cloned().collect();
            Prepared {
                config,
                frame_ancestors: ancestors,
                error: Some(e),
            }
        }
    }
}

async fn build(
    state: &AppState,
    raw_query: &str,
    mode: Mode,
    config: &mut WidgetConfig,
    ancestors: &mut Vec<String>,
) -> Result<(), FlowError> {
    let bad = |m: String| FlowError::InvalidConfig(m);
    let q = query::parse(raw_query).map_err(|e| bad(e.to_string()))?;
    let text = |key: &str| -> Result<Option<String>, FlowError> {
        match q.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) if s.len() <= 2048 => Ok(Some(s.clone())),
            Some(_) => Err(FlowError::InvalidConfig(format!(
                "`{key}` must be a short string"
            ))),
        }
    };

    config.container_id = text("container-id")?.unwrap_or_default();
    if config.container_id.len() > 128 {
        return Err(bad("`container-id` is too long".into()));
    }
    config.flow_type = text("flow-type")?.unwrap_or_else(|| "embedded".into());
    if !matches!(config.flow_type.as_str(), "embedded" | "inline") {
        return Err(bad("`flow-type` must be `embedded` or `inline`".into()));
    }
    if mode == Mode::Hosted {
        config.flow_type = "hosted".into();
    }
    // Origins are kept only once well-formed, so even an error page posts to a real origin.
    let iframe_origin = text("iframe-origin")?
        .map(|o| parse_origin(&o))
        .transpose()?;
    config.iframe_origin = iframe_origin.as_ref().map(|o| o.serialized.clone());
    let target = text("message-target-origin")?
        .map(|o| parse_origin(&o))
        .transpose()?;
    config.target_origin = target.as_ref().map(|o| o.serialized.clone());

    config.language = text("language")?;
    if let Some(l) = &config.language {
        let ok = l.len() <= 16
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(bad(
                "`language` must be a language tag such as `es` or `en-US`".into(),
            ));
        }
    }

    let template_id = match (text("inquiry-template-id")?, text("template-id")?) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "give only one of `inquiry-template-id` and `template-id`".into(),
            ))
        }
        (a, b) => a.or(b),
    };
    let version_id = text("inquiry-template-version-id")?;
    let inquiry_id = text("inquiry-id")?;
    config.template_id = template_id.clone();
    config.template_version_id = version_id.clone();
    config.session_token = text("session-token")?;
    config.reference_id = text("reference-id")?;
    config.account_id = text("account-id")?;
    if config.reference_id.is_some() && config.account_id.is_some() {
        return Err(bad(
            "give only one of `reference-id` and `account-id`".into()
        ));
    }
    if let Some(a) = &config.account_id {
        AccountId::parse(a).map_err(|e| bad(e.to_string()))?;
    }

    let has_template = template_id.is_some() || version_id.is_some();
    let definition = match (has_template, &inquiry_id) {
        (false, None) => {
            return Err(bad(
                "give a template id, a template version id or an inquiry id".into(),
            ))
        }
        (true, Some(_)) => {
            return Err(bad(
                "give either a template (or version) id or an inquiry id, not both".into(),
            ))
        }
        (true, None) => {
            let r = TemplateRef::parse(template_id.as_deref(), version_id.as_deref())
                .map_err(|e| bad(e.to_string()))?
                .ok_or_else(|| bad("give a template id or a template version id".into()))?;
            let (template, version) = match resolve_template(&state.app, &r).await? {
                Ok(found) => found,
                Err(p @ TemplateProblem::Inactive(_)) => {
                    return Err(FlowError::InactiveTemplate(p.to_string()))
                }
                Err(p) => return Err(bad(p.to_string())),
            };
            config.kind = kind_name(template.kind());
            let definition = version.definition;
            config.fields = prefill(&definition, q.get("fields"))?;
            definition
        }
        (false, Some(id)) => {
            let id = InquiryId::parse(id).map_err(|e| bad(e.to_string()))?;
            let inquiry = state
                .store
                .inquiry(&id)
                .await?
                .ok_or_else(|| bad(format!("no inquiry with id `{id}`")))?;
            let template = state
                .store
                .template_by_version(&inquiry.template_version_id)
                .await?
                .ok_or_else(|| {
                    FlowError::Application(anyhow::anyhow!("template of {id} is missing").into())
                })?;
            let version = template
                .version(&inquiry.template_version_id)
                .ok_or_else(|| {
                    FlowError::Application(anyhow::anyhow!("version of {id} is missing").into())
                })?;
            config.kind = kind_name(template.kind());
            config.inquiry_id = Some(id.to_string());
            version.definition.clone()
        }
    };

    let allowed = |o: &Origin| {
        definition.allows_embedding_host(&o.host, o.port)
            || (state.config.demo && matches!(o.host.as_str(), "localhost" | "127.0.0.1"))
    };
    match mode {
        Mode::Widget => {
            let origin = iframe_origin.ok_or_else(|| bad("`iframe-origin` is required".into()))?;
            if !allowed(&origin) {
                return Err(bad(format!(
                    "`{}` may not embed this template",
                    origin.serialized
                )));
            }
            if let Some(t) = &target {
                if !allowed(t) {
                    return Err(bad(format!(
                        "`{}` is not an allowed message target",
                        t.serialized
                    )));
                }
            }
            ancestors.push(origin.serialized.clone());
            for a in list(q.get("frame-ancestors"))? {
                let o = parse_origin(&a)?;
                if !allowed(&o) {
                    return Err(bad(format!(
                        "frame ancestor `{}` is not allowed for this template",
                        o.serialized
                    )));
                }
                ancestors.push(o.serialized);
            }
            ancestors.extend(definition.allowed_domains.iter().map(|d| csp_source(d)));
            ancestors.sort();
            ancestors.dedup();
        }
        Mode::Hosted => {
            if let Some(uri) = text("redirect-uri")? {
                let url = url::Url::parse(&uri)
                    .map_err(|_| bad("`redirect-uri` must be an absolute URL".into()))?;
                let o = parse_origin(url.origin().ascii_serialization().as_str())?;
                if !allowed(&o) {
                    return Err(bad(format!(
                        "`redirect-uri` host `{}` is not allowed for this template",
                        o.host
                    )));
                }
                config.redirect_uri = Some(url.to_string());
            }
        }
    }
    config.template = Some(ClientTemplate::from_definition(&definition));
    Ok(())
}

fn kind_name(k: TemplateKind) -> &'static str {
    match k {
        TemplateKind::Dynamic => "dynamic",
        TemplateKind::Legacy => "legacy",
    }
}

/// Checks each prefilled `fields[...]` value against the schema (type coercion of query text).
fn prefill(def: &TemplateDefinition, raw: Option<&Value>) -> Result<Map<String, Value>, FlowError> {
    let map = match raw {
        None => return Ok(Map::new()),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(FlowError::InvalidConfig("`fields` must be a map".into())),
    };
    for (key, value) in &map {
        let spec = def
            .fields
            .get(key)
            .ok_or_else(|| FlowError::InvalidConfig(format!("unknown field `{key}`")))?;
        spec.coerce(value)
            .map_err(|e| FlowError::InvalidConfig(e.to_string()))?;
    }
    Ok(map)
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

/// A template domain pattern as a CSP host-source: scheme-less (matches http and https
/// from an http page, https only from an https page) and any port unless one is given.
fn csp_source(pattern: &str) -> String {
    if pattern.contains(':') {
        pattern.to_owned()
    } else {
        format!("{pattern}:*")
    }
}

/// The `Content-Security-Policy` of a flow page.
pub fn content_security_policy(frame_ancestors: &[String]) -> String {
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.join(" ")
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
         media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors {ancestors}"
    )
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
    fn csp_lists_the_ancestors() {
        let csp =
            content_security_policy(&["http://127.0.0.1:3000".into(), csp_source("*.example.com")]);
        assert!(csp.ends_with("frame-ancestors http://127.0.0.1:3000 *.example.com:*"));
        assert!(content_security_policy(&[]).ends_with("frame-ancestors 'none'"));
    }
}
