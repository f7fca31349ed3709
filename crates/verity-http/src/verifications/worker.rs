//! The checks worker: claims submitted verifications with a lease, runs their checks on a
//! blocking thread under the configured time limit (an overrun is a failed verification
//! that says so — never a hung one), and records the result, its event, any inquiry fields
//! the document fills and, when it was the last one, the inquiry's outcome, in one commit.
//!
//! Survives restarts: a claimed verification whose worker died is claimed again when its
//! lease runs out. Several processes sharing PostgreSQL share the work (`SKIP LOCKED`).

use std::time::Duration;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;
use verity_core::inquiry::Command;
use verity_core::template::TemplateDefinition;
use verity_core::verification::{Verification, VerificationType};
use verity_store::{Change, VerificationWrite};

use super::run::{self, Inputs};
use super::{next_batch, outcome, Signals, WorkerConfig};
use crate::error::ApiError;
use crate::service::inquiries::commit_commands;
use crate::state::AppState;

/// How long a claim holds beyond the time limit (loading inputs, recording).
const LEASE_MARGIN: Duration = Duration::from_secs(30);
const MAX_RECORD_ATTEMPTS: u32 = 32;

/// Runs until `shutdown` is cancelled.
pub async fn run(
    state: AppState,
    signals: Signals,
    config: WorkerConfig,
    shutdown: CancellationToken,
) {
    let lease = i64::try_from((config.time_limit + LEASE_MARGIN).as_millis()).unwrap_or(i64::MAX);
    let limit = u32::try_from(config.concurrency.max(1)).unwrap_or(1);
    let claim = || {
        let now = state.now();
        state
            .store
            .claim_verifications(now, now.saturating_add(lease), limit)
    };
    while let Some(claimed) = next_batch(
        &signals.checks,
        config.poll_interval,
        &shutdown,
        "verifications",
        &claim,
    )
    .await
    {
        join_all(claimed.into_iter().map(|v| {
            let (state, signals, config) = (state.clone(), signals.clone(), config.clone());
            async move {
                let id = v.id.clone();
                if let Err(e) = check_one(&state, &signals, &config, v).await {
                    // The lease runs out and the verification is tried again.
                    tracing::warn!(verification = %id, error = %e, "verification not recorded");
                }
            }
        }))
        .await;
    }
}

async fn definition_of(
    state: &AppState,
    inquiry: &verity_core::inquiry::Inquiry,
) -> Result<TemplateDefinition, ApiError> {
    state
        .store
        .template_by_version(&inquiry.template_version_id)
        .await?
        .and_then(|t| {
            t.version(&inquiry.template_version_id)
                .map(|v| v.definition.clone())
        })
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "template version of {} is missing",
                inquiry.id
            ))
        })
}

/// Checks one claimed verification and records the result.
pub async fn check_one(
    state: &AppState,
    signals: &Signals,
    config: &WorkerConfig,
    v: Verification,
) -> Result<(), ApiError> {
    let inquiry = state
        .store
        .inquiry(&v.inquiry_id)
        .await?
        .ok_or_else(|| ApiError::not_found("inquiry", v.inquiry_id.as_str()))?;
    let definition = definition_of(state, &inquiry).await?;
    let mut documents = Vec::new();
    for meta in state.store.documents_for_inquiry(&inquiry.id).await? {
        if let Some(doc) = state.store.document(&meta.id).await? {
            documents.push(doc);
        }
    }
    let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(state.now())
        .unwrap_or_default()
        .date_naive();
    let inputs = Inputs {
        kind: v.kind,
        documents,
        definition: definition.clone(),
        step: v.step.clone(),
        inquiry,
        today,
    };
    let started = std::time::Instant::now();
    let task = tokio::task::spawn_blocking(move || run::run(&inputs));
    let result = match tokio::time::timeout(config.time_limit, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join)) => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "checks of {} panicked: {join}",
                v.id
            )))
        }
        // The blocking thread cannot be stopped; its result is dropped when it ends.
        Err(_) => run::timed_out(config.time_limit),
    };
    tracing::info!(verification = %v.id, kind = v.kind.as_str(), unmet = result.unmet_required,
        ms = started.elapsed().as_millis() as u64, "verification checked");
    let (done, name) = v.finish(
        result.checks,
        result.unmet_required,
        result.extracted,
        state.now(),
    );
    record(state, signals, &definition, done, name).await
}

/// Commits the finished verification with its event, the fields the document fills, and
/// the inquiry's outcome when this was the last verification it waited for.
async fn record(
    state: &AppState,
    signals: &Signals,
    definition: &TemplateDefinition,
    done: Verification,
    name: verity_core::event::EventName,
) -> Result<(), ApiError> {
    for _ in 0..MAX_RECORD_ATTEMPTS {
        let stored = state.store.verification(&done.id).await?;
        if stored.is_none_or(|s| s.status.is_finished()) {
            return Ok(()); // another worker recorded it first
        }
        let inquiry = state
            .store
            .inquiry(&done.inquiry_id)
            .await?
            .ok_or_else(|| ApiError::not_found("inquiry", done.inquiry_id.as_str()))?;
        let mut all = state.store.verifications_for_inquiry(&inquiry.id).await?;
        for v in &mut all {
            if v.id == done.id {
                *v = done.clone();
            }
        }
        let now = state.now();
        let mut commands = Vec::new();
        let mut change = Change {
            verifications: vec![VerificationWrite::Finish(done.clone())],
            events: vec![outcome::event(&done, name, now)],
            ..Change::default()
        };
        if inquiry.redacted_at.is_none() {
            let mapped = run::mapped_fields(definition, &done.extracted);
            if done.kind == VerificationType::GovernmentId
                && inquiry.status.is_open()
                && !mapped.is_empty()
            {
                match definition.fields.coerce_all(&mapped) {
                    Ok(values) => commands.push(Command::UpdateFields(values)),
                    Err(e) => tracing::warn!(verification = %done.id, errors = ?e,
                        "extracted data does not fit the mapped fields; not filled"),
                }
            }
            if let Some((command, run)) = outcome::finish(&inquiry, definition, &all, now) {
                commands.push(command);
                change.workflow_runs.extend(run);
            }
        }
        let has_run = !change.workflow_runs.is_empty();
        if commit_commands(state, &inquiry, commands, change)
            .await?
            .is_some()
        {
            if has_run {
                signals.workflows.notify_one();
            }
            return Ok(());
        }
    }
    Err(ApiError::Conflict(format!(
        "could not record verification {} after {MAX_RECORD_ATTEMPTS} attempts",
        done.id
    )))
}
