//! The one way to change an inquiry. [`change`] reads the inquiry, asks the use case for a
//! [`Plan`] (the domain's commands plus the rows and events that go with them), applies the
//! commands, renders the events, and commits everything in one transaction guarded by the
//! revision it read. When another writer committed first it backs off and starts again from
//! a fresh read — one bound and one backoff for every use case.
//!
//! The two writes that change no revision go through here too: [`insert`] (a new inquiry
//! with its events) and [`save_run`] (a workflow run's position alone). No other code
//! commits.
//!
//! Consequences of a transition are added here, so no use case can forget them: a session
//! drawn by `Resume` gets its token, an inquiry that expires ends its active sessions, a
//! redacted one loses its documents.

use std::time::Duration;

use rand::rngs::OsRng;
use verity_core::document::Document;
use verity_core::event::EventDraft;
use verity_core::id::{AccountId, InquiryId};
use verity_core::inquiry::{Command, Inquiry, InquiryStatus, Transition};
use verity_core::session::{InquirySession, SessionStatus};
use verity_core::token;
use verity_core::verification::Verification;
use verity_core::Millis;
use verity_store::{
    AccountLink, Change, InquiryWrite, NewEvent, StoreError, VerificationWrite, WorkflowRun,
};

use crate::events::{self, Subject};
use crate::idempotency::Responder;
use crate::{App, AppError};

/// Attempts before a change gives up with a conflict.
const MAX_ATTEMPTS: u32 = 32;
/// The longest backoff between attempts, in milliseconds (doubling from 1, with jitter).
const MAX_BACKOFF_MS: u64 = 64;

/// What a use case decided from the inquiry as read.
#[derive(Default)]
pub struct Plan {
    /// The domain's commands, applied in order.
    pub commands: Vec<Command>,
    /// Verifications this change starts: stored, and named by the inquiry.
    pub verifications: Vec<Verification>,
    /// Events the domain emitted about other resources (sessions, documents,
    /// verifications), logged before the inquiry's own; added with their resource's write
    /// by [`Plan::end_session`], [`Plan::add_document`] and [`Plan::finish_verification`].
    events: Vec<(EventDraft, Subject)>,
    /// Attached as `meta` to the payload of every event the commands log about the
    /// inquiry (a decision's reason and actor: docs/console.md §4), so webhooks carry it.
    pub meta: Option<serde_json::Value>,
    /// Other rows written in the same transaction that owe no event (workflow runs,
    /// one-time links, stored faces, audit records). Its `inquiry` and `events` are filled
    /// here; documents, session updates and finished verifications come with their events
    /// through the methods below.
    pub writes: Change,
}

impl Plan {
    pub fn command(command: Command) -> Plan {
        Plan {
            commands: vec![command],
            ..Plan::default()
        }
    }

    /// A session the domain ended ([`InquirySession::end`]): its new status and its event.
    pub fn end_session(&mut self, (ended, event): (InquirySession, EventDraft)) {
        self.writes
            .session_updates
            .push((ended.id.clone(), ended.status));
        self.events.push((event, Subject::Session(ended)));
    }

    /// A document the inquiry took ([`Document::attach`]) and the event that returned.
    pub fn add_document(&mut self, document: Document, event: EventDraft) {
        self.writes.documents.push(document.clone());
        self.events
            .push((event, Subject::Document(Box::new(document))));
    }

    /// A finished verification as the inquiry records it ([`Verification::record`]), with
    /// its event.
    pub fn finish_verification(&mut self, (done, event): (Verification, EventDraft)) {
        self.writes
            .verifications
            .push(VerificationWrite::Finish(done.clone()));
        self.events.push((event, Subject::Verification(done)));
    }

    /// The decision to commit this plan, with nothing to tell the caller.
    pub fn go(self) -> Decision<()> {
        Ok(Some((self, ())))
    }
}

/// The inquiry as committed; when a command drew a session without a token, that session
/// and its token (shown once); and what the use case's decision said besides the plan
/// (`None` when it left the inquiry as it was).
#[derive(Debug)]
pub struct Changed<T = ()> {
    pub inquiry: Inquiry,
    pub session: Option<(InquirySession, String)>,
    pub decided: Option<T>,
}

/// What a use case's decision returns: the plan and a value for the caller, or `None` to
/// leave the inquiry as it is.
pub type Decision<T> = Result<Option<(Plan, T)>, AppError>;

/// Reads inquiry `id`, lets `decide` plan the change at `now` from it, and commits the plan
/// with its events. Repeats from a fresh read when another writer changed the inquiry
/// first. (`decide` gets the inquiry by value and returns a future of one type, so the
/// whole change stays `Send` for the background loops.)
pub async fn change<T, F, Fut>(
    app: &App,
    id: &InquiryId,
    mut decide: F,
) -> Result<Changed<T>, AppError>
where
    F: FnMut(Inquiry, Millis) -> Fut,
    Fut: std::future::Future<Output = Decision<T>>,
{
    for attempt in 0..MAX_ATTEMPTS {
        let current = app
            .store
            .inquiry(id)
            .await?
            .ok_or_else(|| AppError::not_found("inquiry", id))?;
        let now = app.now();
        let Some((plan, decided)) = decide(current.clone(), now).await? else {
            return Ok(Changed {
                inquiry: current,
                session: None,
                decided: None,
            });
        };
        let (change, token) = prepare(app, &current, plan, now).await?;
        let written = match &change.inquiry {
            Some(InquiryWrite::Update { inquiry, .. }) => inquiry.clone(),
            _ => current.clone(),
        };
        let new_session = change.new_session.clone();
        match app.store.commit(change).await {
            Ok(committed) => {
                return Ok(Changed {
                    inquiry: committed.inquiry.unwrap_or(written),
                    session: new_session.zip(token),
                    decided: Some(decided),
                })
            }
            Err(StoreError::Conflict) => backoff(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::busy())
}

/// A new inquiry as the domain created it ([`Inquiry::create`]) and what commits with it.
pub struct Created {
    pub transition: Transition,
    /// The account found or created by reference id in the same transaction, and the
    /// account id the events and the recorded answer name.
    pub account: Option<(AccountLink, AccountId)>,
    /// Records the answer of a claimed `Idempotency-Key` in the same transaction.
    pub idempotency: Option<Responder>,
}

/// Commits a new inquiry with its events, its account and the answer of the request that
/// made it, in one transaction. An insert cannot conflict on a revision, so there is
/// nothing to retry; a commit whose idempotency claim was taken over fails
/// ([`crate::idempotency::claim_lost`]).
pub async fn insert(app: &App, created: Created) -> Result<Inquiry, AppError> {
    let Created {
        transition,
        account,
        idempotency,
    } = created;
    let mut rendered = transition.clone();
    if let Some((_, account_id)) = &account {
        rendered.inquiry.account_id = Some(account_id.clone());
    }
    let now = transition.inquiry.created_at;
    let change = Change {
        events: events::for_transition(app.render.as_ref(), &rendered, now),
        idempotency: idempotency.as_ref().map(|r| r.record(&rendered.inquiry)),
        account: account.map(|(link, _)| link),
        inquiry: Some(InquiryWrite::Insert(transition.inquiry)),
        ..Change::default()
    };
    let committed = app
        .store
        .commit(change)
        .await
        .map_err(crate::idempotency::claim_lost)?;
    committed
        .inquiry
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("commit returned no inquiry")))
}

/// Stores a workflow run's position alone (a wait, a skipped action, the end): it changes
/// no inquiry, so no revision guards it and no event goes with it. A position that comes
/// with a decision or a tag commits through [`change`] instead, with the inquiry.
pub async fn save_run(app: &App, run: WorkflowRun) -> Result<(), AppError> {
    app.store
        .commit(Change {
            workflow_runs: vec![run],
            ..Change::default()
        })
        .await?;
    Ok(())
}

/// Waits a random time up to a cap that doubles with each attempt, so colliding writers
/// spread out.
async fn backoff(attempt: u32) {
    let cap = (1u64 << attempt.min(6)).min(MAX_BACKOFF_MS);
    let wait = rand::Rng::gen_range(&mut OsRng, 0..=cap);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

/// The plan applied to `current`: the store's change and the plaintext of a drawn token.
async fn prepare(
    app: &App,
    current: &Inquiry,
    plan: Plan,
    now: Millis,
) -> Result<(Change, Option<String>), AppError> {
    let render = app.render.as_ref();
    let mut change = plan.writes;
    let meta = plan.meta;
    let mut events: Vec<_> = plan
        .events
        .iter()
        .map(|(draft, subject)| events::about(render, draft, subject, now))
        .collect();
    let mut next = current.clone();
    // The inquiry names its verifications (`relationships.verifications`).
    next.verifications
        .extend(plan.verifications.iter().map(Verification::reference));
    change.verifications.extend(
        plan.verifications
            .into_iter()
            .map(VerificationWrite::Insert),
    );
    let mut token_plaintext = None;
    for command in plan.commands {
        let command = match command {
            Command::Resume(mut s) if s.token_hash.is_empty() => {
                let secret = token::generate("vst_", &mut OsRng);
                s.token_hash = secret.hash;
                token_plaintext = Some(secret.plaintext);
                Command::Resume(s)
            }
            other => other,
        };
        let transition = next.apply(command, now)?;
        let logged = events::for_transition(render, &transition, now);
        events.extend(with_meta(logged, meta.as_ref()));
        if transition.new_session.is_some() {
            change.new_session = transition.new_session;
        }
        next = transition.inquiry;
    }
    let expired = next.status == InquiryStatus::Expired && current.status != InquiryStatus::Expired;
    let redacted = next.redacted_at.is_some() && current.redacted_at.is_none();
    // Sessions end with the inquiry's expiry, and with its erasure: an old token can then
    // neither add an image nor submit a step.
    if expired || redacted {
        for session in app.store.sessions_for_inquiry(&current.id).await? {
            if let Some((ended, draft)) = session.end(SessionStatus::Expired) {
                change
                    .session_updates
                    .push((ended.id.clone(), ended.status));
                events.push(events::about(render, &draft, &Subject::Session(ended), now));
            }
        }
    }
    if redacted {
        change.delete_documents_of = Some(current.id.clone());
    }
    change.events.extend(events);
    change.inquiry = Some(InquiryWrite::Update {
        inquiry: next,
        expected_revision: current.revision,
    });
    Ok((change, token_plaintext))
}

/// The events with `meta` (when there is one) beside each payload's `data`.
fn with_meta(mut logged: Vec<NewEvent>, meta: Option<&serde_json::Value>) -> Vec<NewEvent> {
    if let Some(meta) = meta {
        for event in &mut logged {
            if let Some(payload) = event.payload.as_object_mut() {
                payload.insert("meta".into(), meta.clone());
            }
        }
    }
    logged
}
