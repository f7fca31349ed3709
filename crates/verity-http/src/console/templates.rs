//! Admins' template pages (docs/console.md §7): the list; one template with its published
//! versions and its draft in a textarea (TOML or JSON), checked by the REST API's own
//! validation (`verity_app::templates::validate`) with the error shown against the rule
//! it names; publish, activate, deactivate; and "try": a new inquiry of the template,
//! opened in the hosted flow.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verity_app::{admin, AppError};
use verity_core::id::TemplateId;
use verity_core::template::{Template, TemplateDefinition, TemplateKind, TemplateStatus};
use verity_store::PageRequest;

use super::admin::{button, with_status};
use super::auth::{CsrfForm, Signed};
use super::error::ConsoleError;
use super::html::{self, csrf_field, esc};
use super::pages::render;
use crate::state::AppState;

fn kind(t: &Template) -> &'static str {
    match t.kind() {
        TemplateKind::Dynamic => "dynamic",
        TemplateKind::Legacy => "legacy",
    }
}

fn status(t: &Template) -> &'static str {
    match t.status {
        TemplateStatus::Active => "active",
        TemplateStatus::Inactive => "inactive",
    }
}

pub async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, ConsoleError> {
    super::admin::page(&signed)?;
    let page = state
        .store
        .list_templates(&PageRequest {
            size: 100,
            ..Default::default()
        })
        .await?;
    let rows: String = page
        .items
        .iter()
        .map(|t| {
            format!(
                "<tr><td><a href=\"/console/templates/{id}\">{name}</a></td><td>{id}</td>\
                 <td>{kind}</td><td class=\"status\">{status}</td><td>{versions}</td><td>{at}</td></tr>",
                id = esc(&t.id.to_string()),
                name = esc(&t.name),
                kind = kind(t),
                status = status(t),
                versions = t.versions.len(),
                at = html::time(t.updated_at),
            )
        })
        .collect();
    let body = format!(
        "<h1>Templates</h1><table><caption class=\"skip\">Templates</caption><thead><tr>\
         <th scope=\"col\">Name</th><th scope=\"col\">Id</th><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Versions</th><th scope=\"col\">Updated</th>\
         </tr></thead><tbody>{rows}</tbody></table>"
    );
    render(&state, &signed, "Templates", &body).await
}

/// The definition's text format in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Toml,
    Json,
}

/// `definition` as text in `format` (JSON when TOML cannot hold it).
fn to_text(definition: &TemplateDefinition, format: Format) -> (Format, String) {
    if format == Format::Toml {
        if let Ok(text) = toml::to_string_pretty(definition) {
            return (Format::Toml, text);
        }
    }
    let json = serde_json::to_string_pretty(definition).unwrap_or_default();
    (Format::Json, json)
}

/// The editor's text as a definition; a parse error names where it is.
fn parse(text: &str, format: Format) -> Result<TemplateDefinition, (String, String)> {
    match format {
        Format::Toml => toml::from_str(text).map_err(|e| ("TOML".into(), e.to_string())),
        Format::Json => serde_json::from_str(text).map_err(|e| ("JSON".into(), e.to_string())),
    }
}

/// What the editor shows: the text, and the problems with it (each naming its rule).
struct Editor {
    format: Format,
    text: String,
    problems: Vec<(String, String)>,
}

fn versions(t: &Template) -> String {
    let rows: String = t
        .versions
        .iter()
        .enumerate()
        .rev()
        .map(|(n, v)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                n + 1,
                esc(v.id.as_str()),
                html::time(v.published_at),
                v.definition.steps.len()
            )
        })
        .collect();
    let draft = if t.versions.last().map(|v| &v.definition) == Some(&t.definition) {
        "<p>The draft is the latest version.</p>"
    } else {
        "<p class=\"error\">The draft has changes not yet published.</p>"
    };
    format!(
        "<h2 id=\"versions\">Versions</h2>{draft}<table><thead><tr><th scope=\"col\">Version</th>\
         <th scope=\"col\">Id</th><th scope=\"col\">Published</th><th scope=\"col\">Steps</th>\
         </tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn editor(t: &Template, csrf: &str, editor: &Editor) -> String {
    let id = esc(&t.id.to_string());
    let problems = if editor.problems.is_empty() {
        String::new()
    } else {
        let items: String = editor
            .problems
            .iter()
            .map(|(rule, why)| format!("<li><strong>{}</strong>: {}</li>", esc(rule), esc(why)))
            .collect();
        format!("<ul id=\"definition-errors\" class=\"error\" role=\"alert\">{items}</ul>")
    };
    let invalid = if problems.is_empty() {
        ""
    } else {
        " aria-invalid=\"true\" aria-describedby=\"definition-errors\""
    };
    let option = |f: Format, label: &str| {
        let selected = if f == editor.format { " selected" } else { "" };
        format!(
            "<option value=\"{}\"{selected}>{label}</option>",
            label.to_lowercase()
        )
    };
    format!(
        "<h2 id=\"draft\">Draft</h2><p>Switch the format: <a href=\"/console/templates/{id}?format=toml#draft\">TOML</a> \
         · <a href=\"/console/templates/{id}?format=json#draft\">JSON</a></p>{problems}\
         <form method=\"post\" action=\"/console/templates/{id}\">{csrf}\
         <p><label for=\"format\">Format</label><select id=\"format\" name=\"format\">{toml}{json}</select></p>\
         <p><label for=\"definition\">Definition</label>\
         <textarea id=\"definition\" name=\"definition\" rows=\"24\" spellcheck=\"false\"{invalid}>{text}</textarea></p>\
         <p><button>Save draft</button></p></form>",
        csrf = csrf_field(csrf),
        toml = option(Format::Toml, "TOML"),
        json = option(Format::Json, "JSON"),
        text = esc(&editor.text),
    )
}

fn actions(t: &Template, csrf: &str) -> String {
    let base = format!("/console/templates/{}", t.id);
    let toggle = match t.status {
        TemplateStatus::Active => {
            button(&format!("{base}/deactivate"), csrf, "Deactivate", "decline")
        }
        TemplateStatus::Inactive => button(&format!("{base}/activate"), csrf, "Activate", ""),
    };
    format!(
        "<div class=\"actions\">{}{toggle}{}</div>",
        button(&format!("{base}/publish"), csrf, "Publish the draft", ""),
        button(&format!("{base}/try"), csrf, "Try this template", ""),
    )
}

async fn show(
    state: &AppState,
    signed: &Signed,
    t: &Template,
    edit: &Editor,
) -> Result<Response, ConsoleError> {
    let body = format!(
        "<h1>{name}</h1><dl class=\"facts\"><dt>Id</dt><dd>{id}</dd><dt>Kind</dt><dd>{kind}</dd>\
         <dt>Status</dt><dd class=\"status\">{status}</dd><dt>Updated</dt><dd>{at}</dd></dl>{actions}{versions}{editor}",
        name = esc(&t.name),
        id = esc(&t.id.to_string()),
        kind = kind(t),
        status = status(t),
        at = html::time(t.updated_at),
        actions = actions(t, &signed.csrf),
        versions = versions(t),
        editor = editor(t, &signed.csrf, edit),
    );
    render(state, signed, &t.name, &body).await
}

async fn load(state: &AppState, id: &str) -> Result<Template, ConsoleError> {
    let id = TemplateId::parse(id)?;
    state
        .store
        .template(&id)
        .await?
        .ok_or_else(|| ConsoleError::NotFound(format!("no template {id}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    format: Format,
}

pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, ConsoleError> {
    super::admin::page(&signed)?;
    let t = load(&state, &id).await?;
    let (format, text) = to_text(&t.definition, q.format);
    let edit = Editor {
        format,
        text,
        problems: Vec::new(),
    };
    show(&state, &signed, &t, &edit).await
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    format: Format,
    #[serde(default)]
    definition: String,
}

/// Saves the draft; a definition that does not parse or validate is shown again with its
/// problem (422), nothing saved.
pub async fn save(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<DraftForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let t = load(&state, &id).await?;
    let refused = |problem: (String, String)| Editor {
        format: input.format,
        text: input.definition.clone(),
        problems: vec![problem],
    };
    let edit = match parse(&input.definition, input.format) {
        Err(problem) => refused(problem),
        Ok(definition) => {
            match admin::save_template_draft(&state.app, &t.id, definition, &signed.requester())
                .await
            {
                Ok(_) => {
                    let back = format!(
                        "/console/templates/{}?format={}#draft",
                        t.id,
                        match input.format {
                            Format::Toml => "toml",
                            Format::Json => "json",
                        }
                    );
                    return Ok(Redirect::to(&back).into_response());
                }
                Err(AppError::Invalid { attribute, message }) => {
                    refused((attribute.unwrap_or("definition").to_owned(), message))
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let page = show(&state, &signed, &t, &edit).await?;
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page))
}

fn back(id: &TemplateId) -> Response {
    Redirect::to(&format!("/console/templates/{id}")).into_response()
}

pub async fn publish(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let id = TemplateId::parse(&id)?;
    admin::publish_template(&state.app, &id, &signed.requester()).await?;
    Ok(back(&id))
}

async fn set_status(
    state: AppState,
    signed: Signed,
    headers: HeaderMap,
    id: String,
    csrf: String,
    status: TemplateStatus,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &csrf)?;
    let id = TemplateId::parse(&id)?;
    admin::set_template_status(&state.app, &id, status, &signed.requester()).await?;
    Ok(back(&id))
}

pub async fn activate(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    set_status(
        state,
        signed,
        headers,
        id,
        input.csrf,
        TemplateStatus::Active,
    )
    .await
}

pub async fn deactivate(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    set_status(
        state,
        signed,
        headers,
        id,
        input.csrf,
        TemplateStatus::Inactive,
    )
    .await
}

/// A new inquiry of the template, then the hosted flow for it (a `created` inquiry opens
/// by its id, as the demo page's do).
pub async fn try_it(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(input): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    super::admin::post(&state, &signed, &headers, &input.csrf)?;
    let id = TemplateId::parse(&id)?;
    let inquiry = admin::try_template(&state.app, &id, &signed.requester()).await?;
    Ok(Redirect::to(&format!("/verify?inquiry-id={}", inquiry.id)).into_response())
}
