//! Configuration, layered once at start: defaults → `verity.toml` (or `--config FILE`)
//! → `VERITY_*` environment variables → command-line flags. Validated, then read-only.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where individuals and integrators reach this server; used in links and the demo.
    pub public_url: String,
    /// Directory for the embedded SQLite database (when `database_url` is empty).
    pub data_dir: PathBuf,
    /// `postgres://user@host/db` for PostgreSQL; empty for the embedded SQLite database.
    pub database_url: String,
    /// SQLite `synchronous=FULL` (survives power loss) instead of `NORMAL` (survives
    /// process crashes and kills).
    pub sqlite_synchronous_full: bool,
    /// The keyring file of encryption at rest (docs/encryption.md); empty:
    /// `<data_dir>/encryption.keys`, created with a fresh key on first start.
    pub encryption_key_file: String,
    /// The keyring itself (`ID BASE64` lines), normally as `VERITY_ENCRYPTION_KEY`; when
    /// set, `encryption_key_file` is not read.
    #[serde(skip_serializing)]
    pub encryption_key: String,
    /// Largest JSON request body in bytes.
    pub json_body_limit: usize,
    /// Largest uploaded image in bytes.
    pub upload_limit: usize,
    /// The pixel budget of an uploaded image (width × height as its header declares it;
    /// each side also at most 12,000 pixels).
    pub upload_max_pixels: u64,
    /// Uploaded images decoded at once; later uploads wait for a turn.
    pub upload_decode_concurrency: usize,
    /// Documents one inquiry may hold.
    pub max_documents_per_inquiry: usize,
    /// Requests per second per API key (0 = unlimited) and burst.
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    /// Public flow writes (`POST /flow/v1/…`) per second per client address (0 =
    /// unlimited) and burst.
    pub flow_rate_limit_per_address_per_second: u32,
    pub flow_rate_limit_per_address_burst: u32,
    /// Public flow writes per second per inquiry (0 = unlimited) and burst.
    pub flow_rate_limit_per_inquiry_per_second: u32,
    pub flow_rate_limit_per_inquiry_burst: u32,
    /// Addresses or CIDR networks of reverse proxies whose `X-Forwarded-For` names the
    /// client; empty: the TCP peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Milliseconds a request waits for a concurrent one with the same `Idempotency-Key`
    /// before it gets a 409.
    pub idempotency_wait_ms: u64,
    /// Seed demo templates on first start, serve the demo host page, print a first API key.
    /// `false` is production mode: no demo page, helpers, templates or printed key.
    pub demo: bool,
    /// Seconds between expiry sweeps.
    pub sweep_interval_seconds: u64,
    /// `tracing` filter, e.g. `info` or `verity=debug,info`.
    pub log: String,
    /// `text` (human-readable lines) or `json` (one JSON object a line, for log shippers).
    pub log_format: LogFormat,
    /// Days a finished inquiry is kept before the sweeper redacts it, for templates that
    /// name no `retention-days`; 0 keeps them forever (docs/operations.md §1).
    pub retention_days: u32,
    /// Console admins must have a TOTP second factor; one without is sent to enrol before
    /// any other page (docs/console.md §8).
    pub console_require_totp: bool,
    /// On SIGTERM or Ctrl-C: how long in-flight requests and claimed background work may
    /// take to finish before the process exits anyway (docs/operations.md §3).
    pub shutdown_grace_seconds: u64,
    /// A webhook receiver must answer within this many seconds.
    pub webhook_timeout_seconds: u64,
    /// Let webhook URLs resolve to loopback/private/link-local addresses (SSRF guard off).
    pub webhook_allow_private_addresses: bool,
    /// Webhook deliveries in flight at once.
    pub webhook_concurrency: usize,
    /// Milliseconds between looks for due deliveries when nothing wakes the worker.
    pub webhook_poll_interval_ms: u64,
    /// Delays before each delivery attempt in milliseconds (first normally 0); empty for
    /// the default schedule (about 3 days, 10 attempts).
    pub webhook_retry_delays_ms: Vec<i64>,
    /// Send webhook deliveries through this HTTP(S) proxy; empty connects directly, and
    /// `HTTP_PROXY`-style environment variables are never used for webhooks.
    pub webhook_proxy_url: String,
    /// Cross-device hand-off: lifetime of a one-time link made by the flow.
    pub handoff_link_ttl_seconds: u64,
    /// One-time links one inquiry may get per hour (0 = unlimited).
    pub handoff_links_per_inquiry_per_hour: u32,
    /// Hand-off messages (email, SMS) one client address may ask for per hour (0 = unlimited).
    pub handoff_sends_per_ip_per_hour: u32,
    /// How emails are sent: `log` (kept in the demo outbox, nothing delivered) or `smtp`.
    pub handoff_email_sender: String,
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`.
    pub smtp_url: String,
    pub smtp_from: String,
    /// How SMS are sent: `log` or `http` (a gateway taking signed JSON POSTs).
    pub handoff_sms_sender: String,
    pub sms_gateway_url: String,
    /// Key of the gateway requests' HMAC-SHA256 signature (`Verity-Signature`).
    pub sms_gateway_secret: String,
    /// Milliseconds between database re-reads of a waiting desktop when no change
    /// notification woke it (the fallback for a missed `NOTIFY`).
    pub handoff_poll_interval_ms: u64,
    /// A verification's checks must finish within this many milliseconds, else it fails
    /// (check `checks_time_limit`).
    pub checks_time_limit_ms: u64,
    /// The instant checks of one uploaded image must finish within this many milliseconds,
    /// else the image is kept unjudged (docs/verifications.md §5).
    pub capture_checks_time_limit_ms: u64,
    /// Verifications checked at once (each on its own blocking thread).
    pub checks_concurrency: usize,
    /// Milliseconds between looks for verifications and due workflow runs when nothing
    /// wakes the workers (work from other processes, expired leases, waits that came due).
    pub checks_poll_interval_ms: u64,
    /// The face models: `shipped` (inside the binary), `none` (face checks are
    /// `not_applicable`), or a directory holding files with the shipped names.
    pub face_models_dir: String,
    /// The OCR models (MRZ, printed front): `shipped`, `none`, or a directory.
    pub ocr_models_dir: String,
    /// Serve the REST API, the flow and the demo. `false`: a workers-only process, which
    /// still answers `/healthz`, `/readyz` and `/metrics`.
    pub run_api: bool,
    /// The background loops this process runs: `delivery` (webhooks), `checks`
    /// (verifications), `workflows`, `sweeper` (expiry). Processes sharing one PostgreSQL
    /// database may split them; `[]` runs none.
    pub workers: Vec<verity_worker::Loop>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            public_url: "http://localhost:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            sqlite_synchronous_full: false,
            encryption_key_file: String::new(),
            encryption_key: String::new(),
            json_body_limit: 1024 * 1024,
            upload_limit: 10 * 1024 * 1024,
            upload_max_pixels: 16_000_000,
            upload_decode_concurrency: 1,
            max_documents_per_inquiry: 50,
            rate_limit_per_second: 200,
            rate_limit_burst: 400,
            flow_rate_limit_per_address_per_second: 20,
            flow_rate_limit_per_address_burst: 200,
            flow_rate_limit_per_inquiry_per_second: 5,
            flow_rate_limit_per_inquiry_burst: 60,
            trusted_proxies: Vec::new(),
            idempotency_wait_ms: 10_000,
            demo: true,
            sweep_interval_seconds: 5,
            log: "info".into(),
            log_format: LogFormat::Text,
            retention_days: 0,
            console_require_totp: false,
            shutdown_grace_seconds: 20,
            webhook_timeout_seconds: 10,
            webhook_allow_private_addresses: false,
            webhook_concurrency: 64,
            webhook_poll_interval_ms: 500,
            webhook_retry_delays_ms: Vec::new(),
            webhook_proxy_url: String::new(),
            handoff_link_ttl_seconds: 15 * 60,
            handoff_links_per_inquiry_per_hour: 10,
            handoff_sends_per_ip_per_hour: 30,
            handoff_email_sender: "log".into(),
            smtp_url: String::new(),
            smtp_from: "Verity <verify@localhost>".into(),
            handoff_sms_sender: "log".into(),
            sms_gateway_url: String::new(),
            sms_gateway_secret: String::new(),
            handoff_poll_interval_ms: 2000,
            checks_time_limit_ms: 30_000,
            capture_checks_time_limit_ms: 2_000,
            checks_concurrency: 2,
            checks_poll_interval_ms: 500,
            face_models_dir: "shipped".into(),
            ocr_models_dir: "shipped".into(),
            run_api: true,
            workers: verity_worker::Loop::ALL.to_vec(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `verity.toml` is read if present.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Invalid(format!(
                        "config file {} does not exist",
                        path.display()
                    )));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("verity.toml")),
        }
        let config: Config = figment
            .merge(Env::prefixed("VERITY_"))
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = url::Url::parse(&self.public_url)
            .map_err(|e| ConfigError::Invalid(format!("public_url `{}`: {e}", self.public_url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid(
                "public_url must be http or https".into(),
            ));
        }
        if !(self.database_url.is_empty()
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://")
            || self.database_url.starts_with("sqlite:"))
        {
            return Err(ConfigError::Invalid(
                "database_url must be empty (embedded SQLite), sqlite:… or postgres://…".into(),
            ));
        }
        if self.json_body_limit < 1024 {
            return Err(ConfigError::Invalid(
                "json_body_limit must be at least 1024 bytes".into(),
            ));
        }
        if self.sweep_interval_seconds == 0 {
            return Err(ConfigError::Invalid(
                "sweep_interval_seconds must be at least 1".into(),
            ));
        }
        if self.retention_days > verity_core::template::MAX_RETENTION_DAYS {
            return Err(ConfigError::Invalid(
                "retention_days must be between 0 (keep forever) and 36500".into(),
            ));
        }
        if self.webhook_timeout_seconds == 0 || self.webhook_concurrency == 0 {
            return Err(ConfigError::Invalid(
                "webhook_timeout_seconds and webhook_concurrency must be at least 1".into(),
            ));
        }
        self.webhook_schedule()?;
        self.webhook_proxy()?;
        self.trusted_proxies()?;
        if self.upload_decode_concurrency == 0 || self.upload_max_pixels < 64 * 64 {
            return Err(ConfigError::Invalid(
                "upload_decode_concurrency must be at least 1 and upload_max_pixels at least 4096"
                    .into(),
            ));
        }
        if !(60..=24 * 3600).contains(&self.handoff_link_ttl_seconds) {
            return Err(ConfigError::Invalid(
                "handoff_link_ttl_seconds must be between 60 and 86400".into(),
            ));
        }
        self.handoff()?;
        Ok(())
    }

    /// The hand-off settings and senders; a sender that cannot be built is a
    /// configuration error at start, not a surprise at the first send.
    pub fn handoff(&self) -> Result<verity_app::handoff::Handoff, ConfigError> {
        use std::sync::Arc;
        use verity_app::handoff::{limits, send, sms, smtp, Handoff};
        let defaults = Handoff::default();
        let log: Arc<dyn send::Sender> = Arc::new(send::LogSender {
            outbox: defaults.outbox.clone(),
        });
        let email: Arc<dyn send::Sender> = match self.handoff_email_sender.as_str() {
            "log" => log.clone(),
            "smtp" => Arc::new(
                smtp::SmtpSender::new(&self.smtp_url, &self.smtp_from)
                    .map_err(ConfigError::Invalid)?,
            ),
            other => {
                return Err(ConfigError::Invalid(format!(
                    "handoff_email_sender must be `log` or `smtp`, not `{other}`"
                )))
            }
        };
        let sms: Arc<dyn send::Sender> = match self.handoff_sms_sender.as_str() {
            "log" => log,
            "http" => Arc::new(
                sms::HttpSmsSender::new(&self.sms_gateway_url, &self.sms_gateway_secret)
                    .map_err(ConfigError::Invalid)?,
            ),
            other => {
                return Err(ConfigError::Invalid(format!(
                    "handoff_sms_sender must be `log` or `http`, not `{other}`"
                )))
            }
        };
        Ok(Handoff {
            link_ttl_ms: i64::try_from(self.handoff_link_ttl_seconds * 1000).unwrap_or(i64::MAX),
            links_per_inquiry_per_hour: self.handoff_links_per_inquiry_per_hour,
            email,
            sms,
            sends_per_ip: limits::SlidingWindow::new(self.handoff_sends_per_ip_per_hour),
            poll_interval: std::time::Duration::from_millis(self.handoff_poll_interval_ms.max(100)),
            ..defaults
        })
    }

    /// The webhook retry schedule: the configured delays, or the default.
    pub fn webhook_schedule(&self) -> Result<verity_core::retry::RetrySchedule, ConfigError> {
        use verity_core::retry::RetrySchedule;
        if self.webhook_retry_delays_ms.is_empty() {
            return Ok(RetrySchedule::default());
        }
        let default_cap = RetrySchedule::default().max_retry_after();
        RetrySchedule::new(self.webhook_retry_delays_ms.clone(), default_cap)
            .map_err(|e| ConfigError::Invalid(format!("webhook_retry_delays_ms: {e}")))
    }

    /// The webhook proxy, if one is configured: an `http://` or `https://` URL.
    pub fn webhook_proxy(&self) -> Result<Option<url::Url>, ConfigError> {
        if self.webhook_proxy_url.is_empty() {
            return Ok(None);
        }
        let invalid = |why: String| {
            ConfigError::Invalid(format!(
                "webhook_proxy_url `{}`: {why}",
                self.webhook_proxy_url
            ))
        };
        let url = url::Url::parse(&self.webhook_proxy_url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid(
                "must be an http:// or https:// URL with a host".into(),
            ));
        }
        Ok(Some(url))
    }

    /// `trusted_proxies`, parsed; an entry that is no address or network is an error.
    pub fn trusted_proxies(
        &self,
    ) -> Result<verity_http::client_address::TrustedProxies, ConfigError> {
        verity_http::client_address::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| ConfigError::Invalid(format!("trusted_proxies: {e}")))
    }

    /// The database URL to open: the configured one, or SQLite under `data_dir`.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("verity.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The database URL with any password masked, for logs.
    pub fn database_for_log(&self) -> String {
        let raw = self.effective_database_url();
        match url::Url::parse(&raw) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_to_the_defaults() {
        let text = include_str!("../../../verity.example.toml");
        let parsed: Config = Figment::from(Toml::string(text))
            .extract()
            .expect("example parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature is fixed
    fn environment_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("verity.toml", "listen = \"127.0.0.1:9000\"\ndemo = false\n")?;
            jail.set_env("VERITY_LISTEN", "127.0.0.1:9100");
            let c = Config::load(None).expect("loads");
            assert_eq!(c.listen.port(), 9100);
            assert!(!c.demo);
            Ok(())
        });
    }

    #[test]
    fn invalid_values_are_refused() {
        let c = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let c = Config {
            public_url: "ftp://x".into(),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let c = Config {
            handoff_sms_sender: "http".into(),
            ..Config::default()
        };
        assert!(
            c.validate().is_err(),
            "an http SMS sender needs a gateway URL and secret"
        );
        let c = Config {
            handoff_email_sender: "pigeon".into(),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let c = Config {
            trusted_proxies: vec!["10.0.0.0/8".into(), "proxy.internal".into()],
            ..Config::default()
        };
        assert!(c.validate().is_err(), "a proxy is named by address");
        let c = Config {
            upload_decode_concurrency: 0,
            ..Config::default()
        };
        assert!(c.validate().is_err());
        for proxy in ["socks5://127.0.0.1:1080", "not a url", "http://"] {
            let c = Config {
                webhook_proxy_url: proxy.into(),
                ..Config::default()
            };
            assert!(c.validate().is_err(), "webhook_proxy_url {proxy}");
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature is fixed
    fn log_format_and_retention_load_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("VERITY_LOG_FORMAT", "json");
            jail.set_env("VERITY_RETENTION_DAYS", "30");
            let c = Config::load(None).expect("loads");
            assert_eq!(c.log_format, LogFormat::Json);
            assert_eq!(c.retention_days, 30);
            jail.set_env("VERITY_LOG_FORMAT", "xml");
            assert!(Config::load(None).is_err(), "only text or json");
            Ok(())
        });
    }

    #[test]
    fn passwords_are_masked_in_logs() {
        let c = Config {
            database_url: "postgres://u:secret@h/db".into(),
            ..Config::default()
        };
        assert!(!c.database_for_log().contains("secret"));
    }
}
