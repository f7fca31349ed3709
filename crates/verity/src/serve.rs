//! `verity serve`: opens the store, seeds the demo on first start, starts the background
//! loops and the HTTP server, and shuts all of them down together on Ctrl-C / SIGTERM.

use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use verity_http::{AppState, HttpConfig};

use crate::config::Config;

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    init_tracing(&config);
    let store = crate::cli::open_store(&config).await?;
    tracing::info!(database = %config.database_for_log(), backend = store.backend(), "database ready");

    if config.demo {
        let seeded = verity_http::service::templates::seed_demo(store.as_ref(), crate::cli::now())
            .await
            .map_err(|e| anyhow::anyhow!("seeding demo templates: {e}"))?;
        for t in &seeded {
            tracing::info!(id = %t.id, name = %t.name, status = ?t.status, "seeded demo template");
        }
        if store.list_api_keys().await?.is_empty() {
            let secret = crate::cli::create_api_key(store.as_ref(), "first key").await?;
            // Printed once on stdout (not through the logger, so log shipping never sees it).
            println!("\n  Your first API key (shown once, keep it): {secret}\n");
        }
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

    let http_config = HttpConfig {
        public_url: config.public_url.trim_end_matches('/').to_owned(),
        json_body_limit: config.json_body_limit,
        upload_limit: config.upload_limit,
        rate_limit_per_second: config.rate_limit_per_second,
        rate_limit_burst: config.rate_limit_burst,
        demo: config.demo,
        webhook_allow_private_addresses: config.webhook_allow_private_addresses,
        ..HttpConfig::default()
    };
    let mut state = AppState::new(store, http_config);
    state.handoff = std::sync::Arc::new(config.handoff()?);
    state.metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok();

    let shutdown = CancellationToken::new();
    let sweeper = tokio::spawn(verity_http::sweeper::run(
        state.clone(),
        Duration::from_secs(config.sweep_interval_seconds),
        shutdown.clone(),
    ));

    let delivery_config = verity_worker::DeliveryConfig {
        timeout: Duration::from_secs(config.webhook_timeout_seconds),
        allow_private_addresses: config.webhook_allow_private_addresses,
        proxy: config.webhook_proxy()?,
        schedule: config.webhook_schedule()?,
        concurrency: config.webhook_concurrency,
        poll_interval: Duration::from_millis(config.webhook_poll_interval_ms.max(10)),
        ..verity_worker::DeliveryConfig::default()
    };
    let deliveries = tokio::spawn(verity_worker::run(
        state.store.clone(),
        delivery_config,
        shutdown.clone(),
    ));

    let checks_config = verity_http::verifications::WorkerConfig {
        time_limit: Duration::from_millis(config.checks_time_limit_ms.max(1)),
        poll_interval: Duration::from_millis(config.checks_poll_interval_ms.max(10)),
        concurrency: config.checks_concurrency.max(1),
    };
    let checks = tokio::spawn(verity_http::verifications::worker::run(
        state.clone(),
        state.signals.clone(),
        checks_config.clone(),
        shutdown.clone(),
    ));
    let workflows = tokio::spawn(verity_http::verifications::workflow::run(
        state.clone(),
        state.signals.clone(),
        checks_config,
        shutdown.clone(),
    ));

    tracing::info!(%addr, "listening");
    println!(
        "Verity is serving on {} (API at {}/api/v1, reference at {}/docs/api)",
        addr, config.public_url, config.public_url
    );
    if config.demo {
        let demo = config.public_url.replace("localhost", "127.0.0.1");
        println!("Demo host page: {demo}/demo");
    }

    let app = verity_http::router(state);
    let stop = shutdown.clone();
    // Connection info: the hand-off's per-address send limit reads the client's address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            wait_for_signal().await;
            stop.cancel();
        })
        .await
        .context("serving HTTP")?;
    shutdown.cancel();
    let _ = sweeper.await;
    let _ = checks.await;
    let _ = workflows.await;
    match deliveries.await {
        Ok(Err(err)) => tracing::error!(error = %err, "webhook delivery worker failed"),
        Err(err) => tracing::error!(error = %err, "webhook delivery worker panicked"),
        Ok(Ok(())) => {}
    }
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
