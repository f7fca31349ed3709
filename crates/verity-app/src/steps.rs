//! Submitting a flow step (docs/contract.md §5). Step order is the template version's:
//! submitting step N moves the inquiry to step N+1, and only once every step before N was
//! submitted (`verity_core::step_order`; a skipped step is a conflict naming it). A fields step checks and merges its
//! values; an ID or selfie step needs its images and starts its verification in the same
//! commit; moving onto the completion step decides the outcome at once when nothing is
//! left to check (else the checks worker decides it later).

use rand::rngs::OsRng;
use serde_json::{Map, Value};
use verity_core::document::Document;
use verity_core::field::Fields;
use verity_core::id::{InquiryId, VerificationId};
use verity_core::inquiry::{Command, Inquiry};
use verity_core::step_order::step_expected_before;
use verity_core::template::{Step, StepKind, TemplateDefinition};
use verity_core::verification::{Verification, VerificationType};

use crate::change::{change, Plan};
use crate::error::FieldProblem;
use crate::inquiries::{definition_of, load};
use crate::verifications::outcome;
use crate::{documents, App, AppError};

/// What a submission brings besides moving on.
enum Submission {
    Nothing,
    Fields(Fields),
    Verification(Verification),
}

/// Submits step `step_name` of inquiry `id` with the values of a fields step.
pub async fn submit(
    app: &App,
    id: &InquiryId,
    step_name: &str,
    fields: Option<Map<String, Value>>,
) -> Result<Inquiry, AppError> {
    let inquiry = load(app, id).await?;
    let definition = definition_of(app, &inquiry).await?;
    let index = definition
        .steps
        .iter()
        .position(|s| s.name == step_name)
        .ok_or_else(|| AppError::Conflict(format!("the template has no step `{step_name}`")))?;
    let step = &definition.steps[index];
    if !inquiry.status.is_open() {
        return Err(AppError::Conflict(format!(
            "the inquiry is {}",
            inquiry.status
        )));
    }
    if let Some(expected) = step_expected_before(&definition, &inquiry.completed_steps, index) {
        return Err(AppError::Conflict(format!(
            "step `{}` comes first: submit it before `{step_name}`",
            expected.name
        )));
    }
    let submission = match step.kind {
        StepKind::Fields => Submission::Fields(checked_fields(
            &definition,
            step,
            &inquiry,
            fields.unwrap_or_default(),
        )?),
        StepKind::GovernmentId | StepKind::Selfie => {
            let docs = app.store.documents_for_inquiry(id).await?;
            Submission::Verification(verification(app, id, step, &docs)?)
        }
        StepKind::Start => Submission::Nothing,
        StepKind::Completion => {
            return Err(AppError::Conflict(
                "the completion step is not submitted".into(),
            ))
        }
    };
    let next = definition.steps.get(index + 1).unwrap_or(step);
    if next.kind == StepKind::Completion {
        required_fields_present(&definition, &inquiry, &submission)?;
    }
    move_on(app, id, &definition, &next.name, step_name, submission).await
}

/// The fields step's values, coerced; refuses fields of other steps and missing required
/// fields of this one.
fn checked_fields(
    definition: &TemplateDefinition,
    step: &Step,
    inquiry: &Inquiry,
    raw: Map<String, Value>,
) -> Result<Fields, AppError> {
    let shown: Vec<&str> = if step.fields.is_empty() {
        definition
            .fields
            .0
            .iter()
            .filter(|f| !f.field_type.is_capture())
            .map(|f| f.key.as_str())
            .collect()
    } else {
        step.fields.iter().map(String::as_str).collect()
    };
    if let Some(extra) = raw.keys().find(|k| !shown.contains(&k.as_str())) {
        return Err(AppError::InvalidFields(vec![FieldProblem::new(
            extra.clone(),
            format!("field `{extra}` is not on this step"),
        )]));
    }
    let values = definition
        .fields
        .coerce_all(&raw)
        .map_err(verity_core::inquiry::InquiryError::Fields)?;
    require_fields(definition, inquiry, Some(&values), |key| {
        shown.contains(&key)
    })?;
    Ok(values)
}

/// Refuses when a required field that `concerns` names has no value once `new` is merged over
/// the inquiry's fields.
fn require_fields(
    definition: &TemplateDefinition,
    inquiry: &Inquiry,
    new: Option<&Fields>,
    concerns: impl Fn(&str) -> bool,
) -> Result<(), AppError> {
    let mut merged = inquiry.fields.clone();
    merged.extend(new.cloned().unwrap_or_default());
    let missing: Vec<FieldProblem> = definition
        .fields
        .missing_required(&merged)
        .iter()
        .filter(|e| concerns(e.key()))
        .map(|e| FieldProblem::new(e.key(), e.to_string()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidFields(missing))
    }
}

/// Before the flow reaches its completion step every required field of the schema must have
/// a value, whichever step (or the API) gave it.
fn required_fields_present(
    definition: &TemplateDefinition,
    inquiry: &Inquiry,
    submission: &Submission,
) -> Result<(), AppError> {
    let new = match submission {
        Submission::Fields(values) => Some(values),
        _ => None,
    };
    require_fields(definition, inquiry, new, |_| true)
}

/// The verification an ID or selfie step owes, once every image it needs is there.
fn verification(
    app: &App,
    id: &InquiryId,
    step: &Step,
    docs: &[Document],
) -> Result<Verification, AppError> {
    let missing = documents::missing_images(step, docs);
    if !missing.is_empty() {
        return Err(AppError::Conflict(format!(
            "missing images: {}",
            missing.join(", ")
        )));
    }
    let kind = if step.kind == StepKind::Selfie {
        VerificationType::Selfie
    } else {
        VerificationType::GovernmentId
    };
    Ok(Verification::submitted(
        VerificationId::generate(&mut OsRng),
        id.clone(),
        kind,
        step.name.clone(),
        app.now(),
    ))
}

/// Moves the inquiry to `to_step` with what the submission brings, and — when `to_step` is
/// the completion step and nothing is left to check — decides the outcome, in one commit.
async fn move_on(
    app: &App,
    id: &InquiryId,
    definition: &TemplateDefinition,
    to_step: &str,
    submitted: &str,
    submission: Submission,
) -> Result<Inquiry, AppError> {
    let started = match &submission {
        Submission::Verification(v) => Some(v.clone()),
        _ => None,
    };
    let (submission, started) = (&submission, &started);
    let changed = change(app, id, |current, now| async move {
        let mut commands = Vec::new();
        if let Submission::Fields(values) = submission {
            commands.push(Command::UpdateFields(values.clone()));
        }
        commands.push(Command::Transition {
            to_step: to_step.to_owned(),
            submitted: Some(submitted.to_owned()),
        });
        let mut moved = current;
        for command in &commands {
            moved = moved.apply(command.clone(), now)?.inquiry;
        }
        let mut all = app.store.verifications_for_inquiry(id).await?;
        all.extend(started.clone());
        let mut plan = Plan::default();
        plan.verifications.extend(started.iter().cloned());
        if let Some((command, run)) = outcome::finish(&moved, definition, &all, now) {
            commands.push(command);
            plan.writes.workflow_runs.extend(run);
        }
        plan.commands = commands;
        let has_run = !plan.writes.workflow_runs.is_empty();
        Ok(Some((plan, has_run)))
    })
    .await?;
    if started.is_some() {
        app.signals.checks.notify_one();
    }
    if changed.decided == Some(true) {
        app.signals.workflows.notify_one();
    }
    Ok(changed.inquiry)
}
