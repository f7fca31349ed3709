//! Template lifecycle (create, edit, publish, activate) and the demo templates seeded on
//! first start.

use std::collections::BTreeMap;

use rand::rngs::OsRng;
use verity_core::field::{FieldSchema, FieldSpec, FieldType};
use verity_core::id::{
    Id, InquiryTemplateKind, InquiryTemplateVersionId, LegacyTemplateKind, TemplateId,
};
use verity_core::template::{
    CheckRequirement, FrameDimensions, Step, StepKind, Template, TemplateDefinition, TemplateKind,
    TemplateStatus,
};
use verity_core::Millis;
use verity_store::{Store, StoreError};

use crate::{App, AppError};

/// Stores `template`, new (from [`new_template`]): its first version is published with it.
pub async fn create(app: &App, template: &Template) -> Result<(), AppError> {
    app.store.insert_template(template).await?;
    Ok(())
}

/// A new template, published as its first version so it can start inquiries at once.
pub fn new_template(
    kind: TemplateKind,
    name: String,
    definition: TemplateDefinition,
    status: TemplateStatus,
    now: Millis,
) -> Result<Template, AppError> {
    validate(&definition)?;
    let id = match kind {
        TemplateKind::Dynamic => {
            TemplateId::Dynamic(Id::<InquiryTemplateKind>::generate(&mut OsRng))
        }
        TemplateKind::Legacy => TemplateId::Legacy(Id::<LegacyTemplateKind>::generate(&mut OsRng)),
    };
    let mut template = Template {
        id,
        name,
        status,
        definition,
        versions: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    template.publish(InquiryTemplateVersionId::generate(&mut OsRng), now)?;
    Ok(template)
}

/// The definition's own rules plus what only this layer knows: the check names that
/// `required-checks` and workflow conditions may use (those of `verity-checks`).
pub fn validate(definition: &TemplateDefinition) -> Result<(), AppError> {
    definition.validate()?;
    let known: Vec<&str> = crate::verifications::run::known_check_names().collect();
    if let Some(name) = definition
        .required_checks
        .iter()
        .flat_map(|m| m.keys())
        .find(|n| !known.contains(&n.as_str()))
    {
        return Err(AppError::invalid(
            "required-checks",
            format!(
                "required-checks: `{name}` is not a check (one of {})",
                known.join(", ")
            ),
        ));
    }
    if let Some((rule, name)) =
        verity_core::workflow::check_names(&definition.workflow).find(|(_, n)| !known.contains(n))
    {
        return Err(AppError::invalid(
            "workflow",
            format!(
                "workflow rule `{rule}`: `{name}` is not a check (one of {})",
                known.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Demo templates run the real checks but require only that the images decode, so the demo
/// (and its tests) work with any photo or a fake camera; a strict template leaves
/// `required-checks` out (the defaults of `verity-checks`) or lists its own.
fn lenient_checks() -> BTreeMap<String, CheckRequirement> {
    [
        (verity_checks::names::ID_DECODE, CheckRequirement::Pass),
        (verity_checks::names::SELFIE_POSES, CheckRequirement::Pass),
    ]
    .into_iter()
    .map(|(n, r)| (n.to_owned(), r))
    .collect()
}

fn step(name: &str, kind: StepKind, display: &str) -> Step {
    Step {
        name: name.into(),
        kind,
        name_display: display.into(),
        fields: Vec::new(),
        id_classes: Vec::new(),
        poses: Vec::new(),
        handoff: false,
    }
}

fn labelled(key: &str, t: FieldType, label: &str, required: bool) -> FieldSpec {
    let mut f = FieldSpec::new(key, t);
    f.label = Some(label.into());
    f.required = required;
    f
}

/// The definition of the demo dynamic-flow template: fields, government ID, selfie.
pub fn demo_definition() -> TemplateDefinition {
    let mut fields = step("fields", StepKind::Fields, "Your details");
    fields.fields = vec!["name-first".into(), "name-last".into(), "birthdate".into()];
    let mut gov = step("government-id", StepKind::GovernmentId, "Government ID");
    gov.id_classes = vec!["dl".into(), "id".into(), "pp".into()];
    gov.handoff = true;
    let mut selfie = step("selfie", StepKind::Selfie, "Selfie");
    selfie.poses = vec!["center".into(), "left".into(), "right".into()];
    selfie.handoff = true;
    TemplateDefinition {
        steps: vec![
            step("start", StepKind::Start, "Welcome"),
            fields,
            gov,
            selfie,
            step("completion", StepKind::Completion, "Done"),
        ],
        fields: FieldSchema(vec![
            labelled("name-first", FieldType::String, "First name", true),
            labelled("name-last", FieldType::String, "Last name", true),
            labelled("birthdate", FieldType::Date, "Date of birth", true),
            labelled(
                "government-id",
                FieldType::GovernmentId,
                "Government ID",
                false,
            ),
            labelled("selfie", FieldType::Selfie, "Selfie", false),
        ]),
        allowed_domains: vec!["localhost".into(), "127.0.0.1".into()],
        preferred_dimensions: FrameDimensions::default(),
        border_radius: 12,
        inquiry_ttl_seconds: 24 * 3600,
        minimum_age: Some(18),
        required_checks: Some(lenient_checks()),
        max_capture_attempts: 3,
        extracted_fields: BTreeMap::new(),
        workflow: Vec::new(),
        retention_days: None,
    }
}

/// A short legacy template: start, fields, completion.
pub fn demo_legacy_definition() -> TemplateDefinition {
    let mut fields = step("fields", StepKind::Fields, "Your details");
    fields.fields = vec![
        "name-first".into(),
        "name-last".into(),
        "email-address".into(),
    ];
    TemplateDefinition {
        steps: vec![
            step("start", StepKind::Start, "Welcome"),
            fields,
            step("completion", StepKind::Completion, "Done"),
        ],
        fields: FieldSchema(vec![
            labelled("name-first", FieldType::String, "First name", true),
            labelled("name-last", FieldType::String, "Last name", true),
            labelled("email-address", FieldType::String, "Email address", false),
        ]),
        allowed_domains: vec!["localhost".into(), "127.0.0.1".into()],
        preferred_dimensions: FrameDimensions::default(),
        border_radius: 8,
        inquiry_ttl_seconds: 24 * 3600,
        minimum_age: None,
        required_checks: None,
        max_capture_attempts: 3,
        extracted_fields: BTreeMap::new(),
        workflow: Vec::new(),
        retention_days: None,
    }
}

/// Changes template `id` with `edit`, guarded by the template's revision: when another writer
/// changed it between the read and the write, it is read again and `edit` applied again, so
/// no update is lost (ten concurrent publishes make ten versions).
pub async fn modify<E, F>(app: &App, id: &TemplateId, mut edit: F) -> Result<Template, E>
where
    F: FnMut(&mut Template, Millis) -> Result<(), E>,
    E: From<AppError>,
{
    for _ in 0..MAX_TEMPLATE_ATTEMPTS {
        let read = app
            .store
            .template_for_update(id)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::not_found("inquiry template", id))?;
        let mut template = read.value;
        edit(&mut template, app.now())?;
        match app.store.update_template_if(&template, read.revision).await {
            Ok(_) => return Ok(template),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(AppError::from(e).into()),
        }
    }
    Err(AppError::Conflict("the template kept changing concurrently; try again".into()).into())
}

/// Attempts of [`modify`] before it gives up; each lost race means another update landed.
const MAX_TEMPLATE_ATTEMPTS: u32 = 64;

/// Seeds the demo templates when the store has no template at all. Returns what it made.
pub async fn seed_demo(store: &dyn Store, now: Millis) -> Result<Vec<Template>, AppError> {
    let existing = store
        .list_templates(&verity_store::PageRequest {
            size: 1,
            ..Default::default()
        })
        .await?;
    if !existing.items.is_empty() {
        return Ok(Vec::new());
    }
    let templates = vec![
        new_template(
            TemplateKind::Dynamic,
            "Demo: ID and selfie".into(),
            demo_definition(),
            TemplateStatus::Active,
            now,
        )?,
        new_template(
            TemplateKind::Legacy,
            "Demo: legacy basic details".into(),
            demo_legacy_definition(),
            TemplateStatus::Active,
            now,
        )?,
        new_template(
            TemplateKind::Dynamic,
            "Demo: inactive template".into(),
            demo_legacy_definition(),
            TemplateStatus::Inactive,
            now,
        )?,
    ];
    for t in &templates {
        store.insert_template(t).await?;
    }
    Ok(templates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_definitions_are_valid() {
        assert_eq!(demo_definition().validate(), Ok(()));
        assert_eq!(demo_legacy_definition().validate(), Ok(()));
    }
}
