//! Template files for `verity template import`: TOML or JSON (by extension) with `name`,
//! `kind` (dynamic | legacy), optional `status`, and the definition's keys
//! (`steps`, `fields`, `allowed-domains`, …), validated before anything is stored.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use verity_core::template::{Template, TemplateDefinition, TemplateKind, TemplateStatus};
use verity_core::Millis;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct TemplateFile {
    name: String,
    kind: TemplateKind,
    #[serde(default = "active")]
    status: TemplateStatus,
    #[serde(flatten)]
    definition: TemplateDefinition,
}

fn active() -> TemplateStatus {
    TemplateStatus::Active
}

pub fn load(path: &Path, now: Millis) -> anyhow::Result<Template> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: TemplateFile = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
    } else {
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
    };
    verity_app::templates::new_template(file.kind, file.name, file.definition, file.status, now)
        .map_err(|e| anyhow::anyhow!("invalid template {}: {e}", path.display()))
}
