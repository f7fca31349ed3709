//! The one cloneable application value: everything a use case or a background loop needs,
//! built once by the binary and read-only after. No globals.

use std::sync::Arc;

use tokio::sync::{Notify, Semaphore};
use verity_checks::{FaceModel, NoFaceModel, NoTextReader, TextReader};
use verity_core::Millis;
use verity_store::Store;

use crate::events::Render;
use crate::handoff::Handoff;

/// A source of "now", replaceable in tests that need time to pass.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

/// Settings of the use cases, validated by the binary at start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where individuals reach this server (`http://localhost:8080`): used in links.
    pub public_url: String,
    /// Idempotency records are kept (and replayed) for this long.
    pub idempotency_ttl_ms: Millis,
    /// A claimed `Idempotency-Key` whose request has not answered after this long is
    /// considered crashed, and the next request with the key runs.
    pub idempotency_claim_timeout_ms: Millis,
    /// How long a request waits for a concurrent one with the same key before a 409.
    pub idempotency_wait_ms: Millis,
    /// The pixel budget of an uploaded image (width × height, from its header).
    pub upload_max_pixels: u64,
    /// Documents one inquiry may hold; further uploads are a conflict.
    pub max_documents_per_inquiry: usize,
    /// Days a finished inquiry is kept before it is redacted when its template names no
    /// `retention-days`; 0 keeps them forever (docs/operations.md §1).
    pub retention_days: u32,
    /// How long the instant checks of one captured image may take at upload; past it the
    /// capture is kept unjudged (docs/verifications.md §5).
    pub capture_checks_time_limit_ms: u64,
    /// Console sign-in timeouts and throttle (docs/console.md §1).
    pub console: crate::operators::ConsoleSettings,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            public_url: "http://localhost:8080".into(),
            idempotency_ttl_ms: 24 * 3600 * 1000,
            idempotency_claim_timeout_ms: 60_000,
            idempotency_wait_ms: 10_000,
            upload_max_pixels: 16_000_000,
            max_documents_per_inquiry: 50,
            retention_days: 0,
            capture_checks_time_limit_ms: 2_000,
            console: crate::operators::ConsoleSettings::default(),
        }
    }
}

/// Wakes the background loops of this process at once when a use case creates work for
/// them; other processes find it by polling.
#[derive(Debug, Default, Clone)]
pub struct Signals {
    pub checks: Arc<Notify>,
    pub workflows: Arc<Notify>,
}

#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub signals: Signals,
    pub config: Arc<AppConfig>,
    /// Cross-device hand-off settings and senders.
    pub handoff: Arc<Handoff>,
    /// The face model the selfie checks use; without one, face checks are `not_applicable`.
    pub face: Arc<dyn FaceModel>,
    /// The text reader (OCR) the government-ID checks use for the MRZ and the printed front;
    /// without one, text checks are `not_applicable`.
    pub text: Arc<dyn TextReader>,
    /// How resources look inside event payloads: the edge's rendering, so a webhook's
    /// `payload.data` is exactly what the REST API returns.
    pub render: Arc<dyn Render>,
    /// Turns for decoding uploaded images (`upload_decode_concurrency`): each decode may
    /// hold up to four bytes a pixel of the budget, so this bounds their memory together.
    pub decodes: Arc<Semaphore>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, render: Arc<dyn Render>) -> App {
        App {
            store,
            clock: system_clock(),
            signals: Signals::default(),
            config: Arc::new(AppConfig::default()),
            handoff: Arc::default(),
            face: Arc::new(NoFaceModel),
            text: Arc::new(NoTextReader),
            render,
            decodes: Arc::new(Semaphore::new(1)),
        }
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }
}
