//! Advancing a workflow run (claimed, with a lease, by the workflow runner in
//! `verity-worker`): the template's rules are judged once (the first rule whose conditions
//! hold is the run's rule), then its actions run in order. A decision or tag goes through
//! the inquiry's state machine and is committed with the run's new position, so it is an
//! event (and a webhook) exactly when the run moves past it. A `wait` stores the run's next
//! due time and lets go: the wait survives a restart. An action the inquiry's state no
//! longer allows (someone approved it by hand meanwhile) is skipped and logged.

use verity_core::inquiry::Inquiry;
use verity_core::template::TemplateDefinition;
use verity_core::verification::CheckResult;
use verity_core::workflow::{first_match, Action, Facts};
use verity_core::Millis;
use verity_store::{WorkflowRun, WorkflowRunStatus};

use super::outcome;
use crate::change::{change, save_run, Plan};
use crate::inquiries::{definition_of, load};
use crate::{App, AppError};

/// Bound on the actions and retries one claim may take (a rule has few actions).
const MAX_STEPS: u32 = 64;

/// Runs a claimed run's actions until it waits or is done.
pub async fn advance(app: &App, mut run: WorkflowRun) -> Result<(), AppError> {
    for _ in 0..MAX_STEPS {
        let inquiry = load(app, &run.inquiry_id).await?;
        let definition = definition_of(app, &inquiry).await?;
        let now = app.now();
        let Some(rule_index) = rule_of(app, &inquiry, &definition, &run, now).await? else {
            return save_run(app, done(run, now)).await;
        };
        let actions = definition
            .workflow
            .get(rule_index as usize)
            .map(|r| r.then.as_slice())
            .unwrap_or_default();
        let Some(action) = actions.get(run.action as usize) else {
            return save_run(app, done(run, now)).await;
        };
        let mut next = WorkflowRun {
            rule: Some(rule_index),
            action: run.action + 1,
            due_at: now,
            updated_at: now,
            ..run.clone()
        };
        if (next.action as usize) >= actions.len() {
            next.status = WorkflowRunStatus::Done;
        }
        if let Action::Wait { seconds } = action {
            next.due_at = now.saturating_add(i64::try_from(*seconds).unwrap_or(0) * 1000);
            next.status = WorkflowRunStatus::Pending;
            return save_run(app, next).await;
        }
        if let Some(moved) = act(app, &inquiry, action, next, now).await? {
            run = moved;
        }
        if run.status == WorkflowRunStatus::Done {
            return Ok(());
        }
    }
    Ok(())
}

/// The index of the run's rule: chosen before, or the first whose conditions hold now
/// (`None`: no rule matches and the run is done).
async fn rule_of(
    app: &App,
    inquiry: &Inquiry,
    definition: &TemplateDefinition,
    run: &WorkflowRun,
    now: Millis,
) -> Result<Option<u32>, AppError> {
    if let Some(r) = run.rule {
        return Ok(Some(r));
    }
    let verifications = app.store.verifications_for_inquiry(&inquiry.id).await?;
    let checks: Vec<CheckResult> = outcome::latest_per_type(&verifications)
        .into_iter()
        .flat_map(|v| v.checks.iter().cloned())
        .collect();
    let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now)
        .unwrap_or_default()
        .date_naive();
    let facts = Facts {
        inquiry,
        checks: &checks,
        today,
    };
    let rules = &definition.workflow;
    Ok(first_match(rules, &facts).map(|i| {
        tracing::info!(inquiry = %inquiry.id, rule = %rules[i].name, "workflow rule matched");
        u32::try_from(i).unwrap_or(u32::MAX)
    }))
}

/// Runs one decision or tag: with the run's next position when the inquiry allows it,
/// else skipped (the run still moves on). `None`: the inquiry changed meanwhile and the
/// action is tried again from a fresh read.
async fn act(
    app: &App,
    inquiry: &Inquiry,
    action: &Action,
    next: WorkflowRun,
    now: Millis,
) -> Result<Option<WorkflowRun>, AppError> {
    let Some(command) = action.command() else {
        return Ok(Some(next));
    };
    if let Err(e) = inquiry.apply(command.clone(), now) {
        tracing::warn!(inquiry = %inquiry.id, action = ?action, error = %e,
            "workflow action not allowed now; skipped");
        save_run(app, next.clone()).await?;
        return Ok(Some(next));
    }
    // Only the revision read above may take the action: a newer one is judged afresh.
    let read = inquiry.revision;
    let (command, run) = (&command, &next);
    let changed = change(app, &inquiry.id, |current, _| async move {
        if current.revision != read {
            return Ok(None);
        }
        let mut plan = Plan::command(command.clone());
        plan.writes.workflow_runs.push(run.clone());
        plan.go()
    })
    .await?;
    Ok(changed.decided.map(|()| next))
}

fn done(run: WorkflowRun, now: i64) -> WorkflowRun {
    WorkflowRun {
        status: WorkflowRunStatus::Done,
        updated_at: now,
        ..run
    }
}
