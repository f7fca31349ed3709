//! `verity serve`: opens the store, seeds the demo on first start, builds the application,
//! starts the background loops this process runs (`workers`) and the HTTP server (the whole
//! API with `run_api`, else only the operations endpoints), and shuts all of them down
//! together on Ctrl-C / SIGTERM within `shutdown_grace_seconds` (docs/operations.md §3).

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::models::ModelSource;
use tokio_util::sync::CancellationToken;
use verity_app::{App, AppConfig};
use verity_http::{AppState, HttpConfig};
use verity_store::Store;

use crate::config::Config;

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = if config.log_format == crate::config::LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Seeds the demo templates and prints a first API key and a first console sign-in, on a
/// first start with `demo`.
async fn seed_demo(store: &Arc<dyn Store>) -> anyhow::Result<()> {
    let seeded = verity_app::templates::seed_demo(store.as_ref(), crate::setup::now())
        .await
        .map_err(|e| anyhow::anyhow!("seeding demo templates: {e}"))?;
    for t in &seeded {
        tracing::info!(id = %t.id, name = %t.name, status = ?t.status, "seeded demo template");
    }
    if store.list_api_keys().await?.is_empty() {
        let secret = crate::setup::create_api_key(store.as_ref(), "first key").await?;
        // Printed once on stdout (not through the logger, so log shipping never sees it).
        println!("\n  Your first API key (shown once, keep it): {secret}\n");
    }
    if store.list_operators().await?.is_empty() {
        // docs/console.md §1: a newcomer can look around the console at once.
        let app = App::new(store.clone(), Arc::new(verity_http::payloads::Wire));
        let role = verity_core::operator::OperatorRole::Admin;
        let (admin, password) = verity_app::operators::create(&app, DEMO_ADMIN, role, None)
            .await
            .map_err(|e| anyhow::anyhow!("creating the demo admin: {e}"))?;
        if let Some(password) = password {
            println!(
                "  Console sign-in (shown once): {} / {password} at /console\n",
                admin.email
            );
        }
    }
    Ok(())
}

/// The email of the admin operator the demo creates on a first start.
const DEMO_ADMIN: &str = "admin@verity.local";

/// The application and the edge's state, from the configuration.
fn build_state(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<AppState> {
    let public_url = config.public_url.trim_end_matches('/').to_owned();
    let mut app = App::new(store, Arc::new(verity_http::payloads::Wire));
    app.config = Arc::new(AppConfig {
        public_url: public_url.clone(),
        idempotency_wait_ms: i64::try_from(config.idempotency_wait_ms).unwrap_or(i64::MAX),
        upload_max_pixels: config.upload_max_pixels,
        max_documents_per_inquiry: config.max_documents_per_inquiry,
        retention_days: config.retention_days,
        capture_checks_time_limit_ms: config.capture_checks_time_limit_ms,
        console: verity_app::operators::ConsoleSettings {
            require_totp: config.console_require_totp,
            ..Default::default()
        },
        ..AppConfig::default()
    });
    app.decodes = Arc::new(tokio::sync::Semaphore::new(
        config.upload_decode_concurrency.max(1),
    ));
    app.handoff = Arc::new(config.handoff()?);
    // The checks worker judges verifications with the models, and the API the instant checks
    // of each upload (docs/verifications.md §5).
    if config.workers.contains(&verity_worker::Loop::Checks) || config.run_api {
        app.face = crate::models::faces(&ModelSource::parse(&config.face_models_dir));
        app.text = crate::models::text(&ModelSource::parse(&config.ocr_models_dir));
    }
    let http_config = HttpConfig {
        public_url,
        json_body_limit: config.json_body_limit,
        upload_limit: config.upload_limit,
        rate_limit_per_second: config.rate_limit_per_second,
        rate_limit_burst: config.rate_limit_burst,
        demo: config.demo,
        webhook_allow_private_addresses: config.webhook_allow_private_addresses,
        trusted_proxies: config.trusted_proxies()?,
        flow_rate_limit_per_address_per_second: config.flow_rate_limit_per_address_per_second,
        flow_rate_limit_per_address_burst: config.flow_rate_limit_per_address_burst,
        flow_rate_limit_per_inquiry_per_second: config.flow_rate_limit_per_inquiry_per_second,
        flow_rate_limit_per_inquiry_burst: config.flow_rate_limit_per_inquiry_burst,
        ..HttpConfig::default()
    };
    let mut state = AppState::new(app, http_config);
    state.metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok();
    Ok(state)
}

/// The background loops this process runs, with their settings.
fn loops(config: &Config) -> anyhow::Result<verity_worker::Loops> {
    Ok(verity_worker::Loops {
        run: config.workers.clone(),
        delivery: verity_worker::DeliveryConfig {
            timeout: Duration::from_secs(config.webhook_timeout_seconds),
            allow_private_addresses: config.webhook_allow_private_addresses,
            proxy: config.webhook_proxy()?,
            schedule: config.webhook_schedule()?,
            concurrency: config.webhook_concurrency,
            poll_interval: Duration::from_millis(config.webhook_poll_interval_ms.max(10)),
            ..verity_worker::DeliveryConfig::default()
        },
        checks: verity_worker::ChecksConfig {
            time_limit: Duration::from_millis(config.checks_time_limit_ms.max(1)),
            poll_interval: Duration::from_millis(config.checks_poll_interval_ms.max(10)),
            concurrency: config.checks_concurrency.max(1),
        },
        sweep_interval: Duration::from_secs(config.sweep_interval_seconds),
    })
}

pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    init_tracing(&config);
    let store = crate::setup::open_store(&config).await?;
    tracing::info!(database = %config.database_for_log(), backend = store.backend(), "database ready");
    if config.demo {
        seed_demo(&store).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Without an explicit public URL, links point at the port actually bound (`--port`,
    // `127.0.0.1:0` in tests) rather than the default's 8080.
    if config.public_url == Config::default().public_url && addr.port() != 8080 {
        config.public_url = format!("http://localhost:{}", addr.port());
    }
    let state = build_state(&config, store)?;
    let shutdown = CancellationToken::new();
    let running = verity_worker::spawn(&state.app, loops(&config)?, &shutdown);
    let signal = shutdown_signal();
    tracing::info!(%addr, workers = ?config.workers, api = config.run_api, "listening");
    announce(&config, addr);
    let app = if config.run_api {
        verity_http::router(state)
    } else {
        verity_http::operations::router(state)
    };
    // Connection info: the hand-off's per-address send limit reads the client's address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let signalled = CancellationToken::new();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(signalled.clone().cancelled_owned())
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => return served.context("serving HTTP"),
        () = signal => {}
    }
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    tracing::info!(
        grace_seconds = config.shutdown_grace_seconds,
        "shutting down: no new connections; finishing requests and background work in flight"
    );
    signalled.cancel();
    shutdown.cancel();
    drain(server, running, tokio::time::Instant::now() + grace).await;
    tracing::info!("stopped");
    Ok(())
}

/// docs/operations.md §3: waits until `deadline` for the requests in flight (the
/// listener is closed) and for each background loop to finish the work it claimed (the loops
/// claim nothing new once cancelled). Whatever is still running then is cut off: a request's
/// transaction either committed or did not, and claimed work is taken up again when its lease
/// runs out.
async fn drain<S>(
    server: std::pin::Pin<&mut S>,
    running: Vec<(verity_worker::Loop, tokio::task::JoinHandle<()>)>,
    deadline: tokio::time::Instant,
) where
    S: std::future::Future<Output = std::io::Result<()>>,
{
    match tokio::time::timeout_at(deadline, server).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "HTTP server failed while shutting down"),
        Err(_) => tracing::warn!("grace period over: requests still in flight are cut off"),
    }
    for (which, handle) in running {
        match tokio::time::timeout_at(deadline, handle).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(worker = ?which, error = %e, "background loop panicked"),
            Err(_) => tracing::warn!(
                worker = ?which,
                "grace period over: work still in flight is left to its lease"
            ),
        }
    }
}

/// Tells the person at the terminal what runs where.
fn announce(config: &Config, addr: std::net::SocketAddr) {
    if config.run_api {
        println!(
            "Verity is serving on {} (API at {}/api/v1, reference at {}/docs/api)",
            addr, config.public_url, config.public_url
        );
    } else {
        println!("Verity is serving on {addr} (workers only: /healthz, /readyz, /metrics)");
    }
    let names: Vec<String> = config.workers.iter().map(|w| format!("{w:?}")).collect();
    println!("Background workers: {}", names.join(", ").to_lowercase());
    if config.demo && config.run_api {
        let demo = config.public_url.replace("localhost", "127.0.0.1");
        println!("Demo host page: {demo}/demo");
    }
}

/// SIGTERM or Ctrl-C, listened for from the moment this is called: the server calls it before
/// it announces itself, so a signal right after the "serving" line is a graceful shutdown, never
/// the default kill.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (term, interrupt) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        async move {
            match (term, interrupt) {
                (Ok(mut term), Ok(mut interrupt)) => {
                    tokio::select! { _ = term.recv() => {}, _ = interrupt.recv() => {} }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
