//! From the widget's query (docs/contract.md §5) to the validated configuration the flow app
//! boots from, and the `Content-Security-Policy` that says who may embed it. The query is
//! parsed purely first ([`super::widget_query`]), then resolved here against the store.
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
use verity_core::template::{Step, TemplateDefinition, TemplateKind};

use verity_app::error::TemplateProblem;
use verity_app::inquiries::resolve_template;

use super::error::FlowError;
pub use super::widget_query::Mode;
use super::widget_query::{parse_origin, Embedding, Origin, Source, WidgetQuery};
use crate::state::AppState;

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
    /// Opened from a one-time link: the flow spends the URL's `code` first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub handoff: bool,
}

/// What the flow app needs of a template version.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTemplate {
    pub steps: Vec<ClientStep>,
    pub fields: Vec<ClientField>,
    /// CSS lengths: the official SDK assigns them to `style` as they are (docs/contract.md §5 `ready`).
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
/// flow can send `load` then `error`, docs/contract.md §5) with the HTTP status of its code.
pub async fn prepare(state: &AppState, raw_query: &str, mode: Mode) -> Prepared {
    let mut config = WidgetConfig {
        hosted: mode == Mode::Hosted,
        kind: "dynamic",
        ..WidgetConfig::default()
    };
    let mut ancestors = Vec::new();
    // Whether the host that asked may frame even an error page: decided by the same rule as
    // the flow itself once the template is known, by the demo's rule before that.
    let mut origin_allowed: bool;
    let built = match WidgetQuery::parse(raw_query, mode) {
        Ok(q) => {
            config.iframe_origin = q
                .embedding
                .iframe_origin
                .as_ref()
                .map(|o| o.serialized.clone());
            config.target_origin = q
                .embedding
                .target_origin
                .as_ref()
                .map(|o| o.serialized.clone());
            origin_allowed = q
                .embedding
                .iframe_origin
                .as_ref()
                .is_some_and(|o| demo_origin(state, o));
            build(
                state,
                q,
                mode,
                &mut config,
                &mut ancestors,
                &mut origin_allowed,
            )
            .await
        }
        Err(refused) => {
            origin_allowed = refused
                .iframe_origin
                .as_deref()
                .and_then(|o| parse_origin(o).ok())
                .is_some_and(|o| demo_origin(state, &o));
            config.iframe_origin = refused.iframe_origin;
            Err(refused.error)
        }
    };
    match built {
        Ok(()) => Prepared {
            config,
            frame_ancestors: ancestors,
            error: None,
        },
        Err(e) => {
            e.log();
            config.template = None;
            config.error = Some(e.to_wire_json());
            // docs/contract.md §5: an allowed host may frame the error page, so its `onError`
            // fires; a host the template does not allow gets `frame-ancestors 'none'`.
            let ancestors = config
                .iframe_origin
                .iter()
                .filter(|_| origin_allowed)
                .cloned()
                .collect();
            Prepared {
                config,
                frame_ancestors: ancestors,
                error: Some(e),
            }
        }
    }
}

/// Resolves the parsed query against the store: the template (or the inquiry's template)
/// it names, the prefilled fields, and who may embed the flow or receive its messages.
async fn build(
    state: &AppState,
    q: WidgetQuery,
    mode: Mode,
    config: &mut WidgetConfig,
    ancestors: &mut Vec<String>,
    origin_allowed: &mut bool,
) -> Result<(), FlowError> {
    config.container_id = q.container_id;
    config.flow_type = q.flow_type;
    config.language = q.language;
    config.template_id = q.template_id;
    config.template_version_id = q.template_version_id;
    config.session_token = q.session_token;
    config.reference_id = q.reference_id;
    config.account_id = q.account_id;
    let mut from_template = false;
    let definition = match q.source {
        Source::Template(r) => {
            let (template, version) = match resolve_template(&state.app, &r).await? {
                Ok(found) => found,
                Err(p @ TemplateProblem::Inactive(_)) => {
                    return Err(FlowError::InactiveTemplate(p.to_string()))
                }
                Err(p) => return Err(FlowError::InvalidConfig(p.to_string())),
            };
            config.kind = kind_name(template.kind());
            from_template = true;
            version.definition
        }
        Source::Inquiry(id) => {
            let inquiry = verity_app::inquiries::load(&state.app, &id).await?;
            let template = state
                .store
                .template_by_version(&inquiry.template_version_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("template of {id} is missing"))
                .map_err(|e| FlowError::Application(e.into()))?;
            config.kind = kind_name(template.kind());
            config.inquiry_id = Some(id.to_string());
            verity_app::inquiries::definition_of(&state.app, &inquiry).await?
        }
    };
    let allowed =
        |o: &Origin| definition.allows_embedding_host(&o.host, o.port) || demo_origin(state, o);
    *origin_allowed = q.embedding.iframe_origin.as_ref().is_some_and(allowed);
    if from_template {
        config.fields = prefill(&definition, q.fields.as_ref())?;
    }
    match mode {
        Mode::Widget => embedding(&q.embedding, &definition, allowed, ancestors)?,
        Mode::Hosted => {
            if let Some((url, o)) = q.redirect {
                if !allowed(&o) {
                    return Err(FlowError::InvalidConfig(format!(
                        "`redirect-uri` host `{}` is not allowed for this template",
                        o.host
                    )));
                }
                config.redirect_uri = Some(url);
            }
        }
    }
    config.template = Some(ClientTemplate::from_definition(&definition));
    Ok(())
}

/// The widget's origins must be allowed by the template; they and the template's domains
/// become the `frame-ancestors` sources.
fn embedding(
    e: &Embedding,
    definition: &TemplateDefinition,
    allowed: impl Fn(&Origin) -> bool,
    ancestors: &mut Vec<String>,
) -> Result<(), FlowError> {
    let bad = |m: String| FlowError::InvalidConfig(m);
    let origin = e
        .iframe_origin
        .as_ref()
        .ok_or_else(|| bad("`iframe-origin` is required".into()))?;
    if !allowed(origin) {
        return Err(bad(format!(
            "`{}` may not embed this template",
            origin.serialized
        )));
    }
    if let Some(t) = e.target_origin.as_ref().filter(|t| !allowed(t)) {
        return Err(bad(format!(
            "`{}` is not an allowed message target",
            t.serialized
        )));
    }
    ancestors.push(origin.serialized.clone());
    for o in &e.frame_ancestors {
        if !allowed(o) {
            return Err(bad(format!(
                "frame ancestor `{}` is not allowed for this template",
                o.serialized
            )));
        }
        ancestors.push(o.serialized.clone());
    }
    ancestors.extend(definition.allowed_domains.iter().map(|d| csp_source(d)));
    ancestors.sort();
    ancestors.dedup();
    Ok(())
}

/// While `demo` is on, the demo's own hosts may embed any template.
fn demo_origin(state: &AppState, o: &Origin) -> bool {
    state.config.demo && matches!(o.host.as_str(), "localhost" | "127.0.0.1")
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
        "default-src 'none'; script-src 'self'; style-src {style}; img-src 'self' blob: data:; \
         media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors {ancestors}",
        style = super::assets::css_source()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn csp_lists_the_ancestors() {
        let csp =
            content_security_policy(&["http://127.0.0.1:3000".into(), csp_source("*.example.com")]);
        assert!(csp.ends_with("frame-ancestors http://127.0.0.1:3000 *.example.com:*"));
        assert!(content_security_policy(&[]).ends_with("frame-ancestors 'none'"));
    }
}
