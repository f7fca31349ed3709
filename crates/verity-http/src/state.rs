//! The one cloneable application state handed to every handler. No globals: the store,
//! the configuration, the clock and the metrics handle all live here.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use verity_core::Millis;
use verity_store::Store;

use crate::rate_limit::RateLimiter;

/// Settings of the HTTP edge, validated by the binary at start and read-only after.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Where individuals reach this server (`http://localhost:8080`): used in links.
    pub public_url: String,
    /// Largest accepted JSON body, in bytes.
    pub json_body_limit: usize,
    /// Largest accepted upload (document image), in bytes.
    pub upload_limit: usize,
    /// Requests per second allowed per API key (0 = unlimited), and the burst above it.
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    /// Serve the demo host page and its helper endpoints, and let `localhost` embed.
    pub demo: bool,
    /// Idempotency records are replayed for this long.
    pub idempotency_ttl_ms: Millis,
    /// Webhook URLs may resolve to loopback/private addresses (demo, tests).
    pub webhook_allow_private_addresses: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            public_url: "http://localhost:8080".into(),
            json_body_limit: 1024 * 1024,
            upload_limit: 10 * 1024 * 1024,
            rate_limit_per_second: 200,
            rate_limit_burst: 400,
            demo: true,
            idempotency_ttl_ms: 24 * 3600 * 1000,
            webhook_allow_private_addresses: false,
        }
    }
}

/// A source of "now", replaceable in tests that need time to pass.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<HttpConfig>,
    pub clock: Clock,
    pub metrics: Option<PrometheusHandle>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Cross-device hand-off settings and senders (issue 6).
    pub handoff: Arc<crate::flow::handoff::Handoff>,
    /// Wakes the checks and workflow workers when a request creates work for them.
    pub signals: crate::verifications::Signals,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: HttpConfig) -> Self {
        let rate_limiter = Arc::new(RateLimiter::new(
            config.rate_limit_per_second,
            config.rate_limit_burst,
        ));
        AppState {
            store,
            config: Arc::new(config),
            clock: system_clock(),
            metrics: None,
            rate_limiter,
            handoff: Arc::default(),
            signals: crate::verifications::Signals::default(),
        }
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }
}
