//! The workflow runner: picks up due workflow runs (leased, like verifications), judges the
//! template's rules once (the first rule whose conditions hold is the run's rule), and runs
//! its actions in order. A decision or tag goes through the inquiry's state machine and is
//! committed with the run's new position, so it is an event (and a webhook) exactly when
//! the run moves past it. A `wait` stores the run's next due time and lets go: the wait
//! survives a restart. An action the inquiry's state no longer allows (someone approved it
//! by hand meanwhile) is skipped and logged.

use tokio_util::sync::CancellationToken;
use verity_core::verification::CheckResult;
use verity_core::workflow::{first_match, Action, Facts};
use verity_store::{Change, WorkflowRun, WorkflowRunStatus};

use super::{next_batch, outcome, Signals, WorkerConfig};
use crate::error::ApiError;
use crate::service::inquiries::commit_commands;
use crate::state::AppState;

const LEASE_MS: i64 = 60_000;
const BATCH: u32 = 16;
/// Bound on the actions and retries one claim may take (a rule has few actions).
const MAX_STEPS: u32 = 64;

/// Runs until `shutdown` is cancelled.
pub async fn run(
    state: AppState,
    signals: Signals,
    config: WorkerConfig,
    shutdown: CancellationToken,
) {
    let claim = || {
        let now = state.now();
        state.store.claim_workflow_runs(now, now + LEASE_MS, BATCH)
    };
    while let Some(claimed) = next_batch(
        &signals.workflows,
        config.poll_interval,
        &shutdown,
        "workflow runs",
        &claim,
    )
    .await
    {
        for run in claimed {
            let inquiry = run.inquiry_id.clone();
            if let Err(e) = advance(&state, run).await {
                tracing::warn!(%inquiry, error = %e, "workflow run not advanced");
            }
        }
    }
}

/// Runs a claimed run's actions until it waits or is done.
pub async fn advance(state: &AppState, mut run: WorkflowRun) -> Result<(), ApiError> {
    for _ in 0..MAX_STEPS {
        let inquiry = state
            .store
            .inquiry(&run.inquiry_id)
            .await?
            .ok_or_else(|| ApiError::not_found("inquiry", run.inquiry_id.as_str()))?;
        let definition = state
            .store
            .template_by_version(&inquiry.template_version_id)
            .await?
            .and_then(|t| {
                t.version(&inquiry.template_version_id)
                    .map(|v| v.definition.clone())
            })
            .ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("template of {} is missing", inquiry.id))
            })?;
        let now = state.now();
        let rules = &definition.workflow;
        let rule_index = match run.rule {
            Some(r) => r,
            None => {
                let verifications = state.store.verifications_for_inquiry(&inquiry.id).await?;
                let checks: Vec<CheckResult> = outcome::latest_per_type(&verifications)
                    .into_iter()
                    .flat_map(|v| v.checks.iter().cloned())
                    .collect();
                let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now)
                    .unwrap_or_default()
                    .date_naive();
                let facts = Facts {
                    inquiry: &inquiry,
                    checks: &checks,
                    today,
                };
                match first_match(rules, &facts) {
                    Some(i) => {
                        let i = u32::try_from(i).unwrap_or(u32::MAX);
                        tracing::info!(inquiry = %inquiry.id, rule = %rules[i as usize].name, "workflow rule matched");
                        i
                    }
                    None => {
                        return save(state, done(run, now)).await;
                    }
                }
            }
        };
        let actions = rules
            .get(rule_index as usize)
            .map(|r| r.then.as_slice())
            .unwrap_or_default();
        let Some(action) = actions.get(run.action as usize) else {
            return save(state, done(run, now)).await;
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
        match action {
            Action::Wait { seconds } => {
                next.due_at = now.saturating_add(i64::try_from(*seconds).unwrap_or(0) * 1000);
                next.status = WorkflowRunStatus::Pending;
                return save(state, next).await;
            }
            other => {
                let Some(command) = other.command() else {
                    continue;
                };
                if let Err(e) = inquiry.apply(command.clone(), now) {
                    tracing::warn!(inquiry = %inquiry.id, action = ?other, error = %e,
                        "workflow action not allowed now; skipped");
                    save(state, next.clone()).await?;
                    run = next;
                } else {
                    let change = Change {
                        workflow_runs: vec![next.clone()],
                        ..Change::default()
                    };
                    if commit_commands(state, &inquiry, vec![command], change)
                        .await?
                        .is_some()
                    {
                        run = next;
                    }
                }
                if run.status == WorkflowRunStatus::Done {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

fn done(run: WorkflowRun, now: i64) -> WorkflowRun {
    WorkflowRun {
        status: WorkflowRunStatus::Done,
        updated_at: now,
        ..run
    }
}

async fn save(state: &AppState, run: WorkflowRun) -> Result<(), ApiError> {
    state
        .store
        .commit(Change {
            workflow_runs: vec![run],
            ..Change::default()
        })
        .await?;
    Ok(())
}
