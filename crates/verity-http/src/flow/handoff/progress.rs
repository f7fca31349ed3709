//! `GET /flow/v1/inquiries/{id}/handoff/{session}/events`: the desktop's live view of a
//! hand-off, as server-sent events. Each event (`event: phase`) carries what the polling
//! endpoint returns; the stream ends after a final phase (`finished`, `canceled`,
//! `expired`).
//!
//! Progress travels through the database: every event is computed from a fresh read of
//! the link and the inquiry. Reads are triggered by the store's change notifications (this
//! process's commits at once; other processes' through PostgreSQL `LISTEN/NOTIFY`) and, in
//! case one is missed, every `poll_interval`. The flow app reads the stream with `fetch`
//! (so the session token travels in the `Authorization` header, not the URL) and polls
//! if streaming fails.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use verity_core::id::InquiryId;

use super::api::status_of;
use crate::flow::error::FlowError;
use crate::flow::session::Authorised;
use crate::state::AppState;

/// A stream is closed after this long; the flow app opens a new one.
const MAX_STREAM: Duration = Duration::from_secs(10 * 60);

struct Watch {
    state: AppState,
    id: InquiryId,
    session: String,
    changes: tokio::sync::broadcast::Receiver<InquiryId>,
    last: Option<Value>,
    done: bool,
    deadline: tokio::time::Instant,
}

impl Watch {
    /// The next event worth sending, waiting for a change as long as nothing changed.
    async fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        loop {
            let status = match status_of(&self.state, &self.id, &self.session).await {
                Ok(s) => s,
                Err(e) => {
                    e.log();
                    self.done = true;
                    return Some(Event::default().event("error").data(e.message()));
                }
            };
            let is_final = status["phase"]
                .as_str()
                .is_some_and(|p| matches!(p, "finished" | "canceled" | "expired"));
            if self.last.as_ref() != Some(&status) {
                self.last = Some(status.clone());
                self.done = is_final;
                return Some(Event::default().event("phase").data(status.to_string()));
            }
            if self.wait().await.is_none() {
                self.done = true;
                return None;
            }
        }
    }

    /// Returns once this inquiry may have changed (or the poll interval passed); `None`
    /// when the stream has lived long enough.
    async fn wait(&mut self) -> Option<()> {
        let poll = tokio::time::sleep(self.state.app.handoff.poll_interval);
        tokio::pin!(poll);
        loop {
            tokio::select! {
                () = &mut poll => return Some(()),
                () = tokio::time::sleep_until(self.deadline) => return None,
                changed = self.changes.recv() => match changed {
                    Ok(id) if id == self.id => return Some(()),
                    Ok(_) => {}
                    // Missed some: re-read to be sure.
                    Err(RecvError::Lagged(_)) => return Some(()),
                    // No more notifications: the poll interval carries on alone.
                    Err(RecvError::Closed) => { (&mut poll).await; return Some(()); }
                },
            }
        }
    }
}

pub async fn events(
    State(state): State<AppState>,
    Path((_, session)): Path<(String, String)>,
    Authorised { id, .. }: Authorised,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, FlowError> {
    // Subscribe before the first read, so no change between the two is missed; and fail
    // now (a 404) rather than inside the stream for an unknown link.
    let changes = state.store.inquiry_changes();
    status_of(&state, &id, &session).await?;
    let watch = Watch {
        deadline: tokio::time::Instant::now() + MAX_STREAM,
        state,
        id,
        session,
        changes,
        last: None,
        done: false,
    };
    let stream = stream::unfold(watch, |mut w| async move {
        w.next().await.map(|event| (Ok(event), w))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
