//! The one cloneable state handed to every handler: the application ([`App`]) and what
//! only the HTTP edge needs (its settings, the metrics handle, the rate limiters).
//! No globals.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use verity_app::App;
use verity_core::Millis;
use verity_store::Store;

use crate::client_address::TrustedProxies;
use crate::rate_limit::{FlowLimits, RateLimiter};

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
    /// Peers whose `X-Forwarded-For` gives the client address (empty: the peer is the client).
    pub trusted_proxies: TrustedProxies,
    /// `POST /flow/v1/…` requests per second per client address (0 = unlimited), and burst.
    pub flow_rate_limit_per_address_per_second: u32,
    pub flow_rate_limit_per_address_burst: u32,
    /// `POST /flow/v1/inquiries/{id}/…` requests per second per inquiry, and burst.
    pub flow_rate_limit_per_inquiry_per_second: u32,
    pub flow_rate_limit_per_inquiry_burst: u32,
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
            trusted_proxies: TrustedProxies::default(),
            flow_rate_limit_per_address_per_second: 20,
            flow_rate_limit_per_address_burst: 200,
            flow_rate_limit_per_inquiry_per_second: 5,
            flow_rate_limit_per_inquiry_burst: 60,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    /// The application every handler calls into.
    pub app: App,
    /// The application's store, for the reads handlers render directly.
    pub store: Arc<dyn Store>,
    pub config: Arc<HttpConfig>,
    pub metrics: Option<PrometheusHandle>,
    pub rate_limiter: Arc<RateLimiter>,
    /// The public flow's limits per client address and per inquiry.
    pub flow_limits: Arc<FlowLimits>,
    /// Failed console sign-ins per client address (docs/console.md §1).
    pub sign_in_throttle: Arc<crate::sign_in_throttle::AddressThrottle>,
}

impl AppState {
    pub fn new(app: App, config: HttpConfig) -> Self {
        let rate_limiter = Arc::new(RateLimiter::new(
            config.rate_limit_per_second,
            config.rate_limit_burst,
        ));
        let flow_limits = Arc::new(FlowLimits {
            per_address: RateLimiter::new(
                config.flow_rate_limit_per_address_per_second,
                config.flow_rate_limit_per_address_burst,
            ),
            per_inquiry: RateLimiter::new(
                config.flow_rate_limit_per_inquiry_per_second,
                config.flow_rate_limit_per_inquiry_burst,
            ),
        });
        AppState {
            store: app.store.clone(),
            app,
            config: Arc::new(config),
            metrics: None,
            rate_limiter,
            flow_limits,
            sign_in_throttle: Arc::new(crate::sign_in_throttle::AddressThrottle::new(
                crate::sign_in_throttle::ADDRESS_SIGN_IN_LIMIT,
                crate::sign_in_throttle::ADDRESS_SIGN_IN_WINDOW_MS,
            )),
        }
    }

    pub fn now(&self) -> Millis {
        self.app.now()
    }
}
