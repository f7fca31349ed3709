//! Section `api`: the REST API under load, once on SQLite and once on PostgreSQL.
//! Per backend, three phases at the same concurrency: `POST /api/v1/inquiries` (whose ids feed
//! the next phase), `GET /api/v1/inquiries/{id}` on random ids from the first, and `GET /healthz`
//! (the ceiling of the HTTP stack on this machine, so create/healthz says how much of it the
//! real work costs).
//!
//! Then, on SQLite, the instructions the server executes per create under callgrind
//! (`callgrind.rs`), a figure the machine's load does not move.
//!
//! Targets (2 cores shared by server and load generator): create ≥ 5,000/s and ≥ 0.25 of the
//! healthz rate on SQLite, ≥ 2,500/s on PostgreSQL; server CPU ≤ 0.2 ms per create; p99 < 25 ms
//! on both API endpoints.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hyper::Method;

use crate::cpu::{CpuMeter, CpuUse};
use crate::database::FreshDatabase;
use crate::error::BenchError;
use crate::load::{self, Phase, PhaseResult};
use crate::report::{heading, ms, thousands, Summary, Verdict};
use crate::requests::{demo_template, request};
use crate::server::Server;
use crate::Context;

const SECTION: &str = "api";
const CREATE_TARGET: f64 = 5_000.0;
const PG_CREATE_TARGET: f64 = 2_500.0;
const CPU_PER_CREATE_TARGET_MS: f64 = 0.2;
const RATIO_TARGET: f64 = 0.25;
const P99_TARGET_MS: f64 = 25.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

struct Figures {
    create: PhaseResult,
    get: PhaseResult,
    health: PhaseResult,
    /// Cores busy during create, get and healthz.
    cpu: [CpuUse; 3],
}

pub async fn run(ctx: &Context, summary: &mut Summary) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        heading(&format!("api: {}", backend.label()));
        if backend == Backend::Postgres && ctx.skip_postgres {
            println!("skipped (--skip-postgres)");
            summary.add(SECTION, "PostgreSQL", "-", "", Verdict::Skipped);
            continue;
        }
        match bench_backend(ctx, backend).await {
            Ok(figures) => report(backend, &figures, summary),
            Err(e) => {
                println!("failed: {e}");
                summary.add(
                    SECTION,
                    format!("{} run", backend.label()),
                    "-",
                    first_line(&e.to_string()),
                    Verdict::Failed,
                );
            }
        }
    }
    instructions_per_create(ctx, summary).await;
}

async fn instructions_per_create(ctx: &Context, summary: &mut Summary) {
    heading("api: instructions per create (SQLite, under callgrind)");
    let what = "SQLite instructions per create (callgrind)";
    match crate::callgrind::profile_creates(&ctx.verity).await {
        Ok(Some(p)) => {
            println!(
                "{} creates measured: {} instructions per create; profile: {} (callgrind_annotate it)",
                crate::callgrind::MEASURED_CREATES,
                thousands(p.instructions_per_create),
                p.dump.display()
            );
            let value = thousands(p.instructions_per_create);
            summary.add(SECTION, what, value, "", Verdict::Info);
        }
        Ok(None) => {
            println!("skipped: valgrind is not installed");
            summary.add(
                SECTION,
                what,
                "-",
                "valgrind not installed",
                Verdict::Skipped,
            );
        }
        Err(e) => {
            println!("failed: {e}");
            summary.add(
                SECTION,
                what,
                "-",
                first_line(&e.to_string()),
                Verdict::Failed,
            );
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

/// Starts the server on `backend`, runs the phases, and always cleans up.
async fn bench_backend(ctx: &Context, backend: Backend) -> Result<Figures, BenchError> {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(FreshDatabase::create(&ctx.postgres_admin_url).await?),
    };
    let result = match Server::start(&ctx.verity, database.as_ref().map(|d| d.url.as_str())).await {
        Ok(mut server) => {
            let result = drive(ctx, &mut server).await;
            server.stop().await;
            result
        }
        Err(e) => Err(e),
    };
    if let Some(db) = database {
        if let Err(e) = db.drop_database().await {
            println!("note: could not drop the benchmark database: {e}");
        }
    }
    result
}

async fn drive(ctx: &Context, server: &mut Server) -> Result<Figures, BenchError> {
    let template = demo_template(server).await?;
    let host = server.addr.to_string();
    let auth = format!("Bearer {}", server.api_key);
    println!(
        "{} connections, {} s warm-up + {} s per endpoint, server at {}",
        ctx.connections,
        ctx.warmup.as_secs_f64(),
        ctx.seconds.as_secs_f64(),
        server.addr
    );

    // Every create gets its own reference-id, so each one also creates an account.
    let counter = Arc::new(AtomicU64::new(0));
    let create = {
        let (host, auth) = (host.clone(), auth.clone());
        Arc::new(move |_: &mut load::Rng| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let body = format!(
                r#"{{"data":{{"attributes":{{"inquiry-template-id":"{template}","reference-id":"bench-{n}"}}}}}}"#
            );
            request(
                Method::POST,
                "/api/v1/inquiries",
                &host,
                Some(&auth),
                Some(body),
            )
        })
    };
    let (created, create_cpu) = phase(ctx, server, create, true).await?;
    if created.ids.is_empty() {
        return Err(BenchError::Setup(
            "POST /api/v1/inquiries".into(),
            created
                .error_sample
                .unwrap_or_else(|| "no inquiry was created".into()),
        ));
    }

    let ids: Arc<Vec<String>> = Arc::new(created.ids.clone());
    let get = {
        let (host, auth) = (host.clone(), auth.clone());
        Arc::new(move |rng: &mut load::Rng| {
            let id = &ids[rng.below(ids.len())];
            request(
                Method::GET,
                &format!("/api/v1/inquiries/{id}"),
                &host,
                Some(&auth),
                None,
            )
        })
    };
    let (got, get_cpu) = phase(ctx, server, get, false).await?;

    let health = {
        let host = host.clone();
        Arc::new(move |_: &mut load::Rng| request(Method::GET, "/healthz", &host, None, None))
    };
    let (health, health_cpu) = phase(ctx, server, health, false).await?;

    Ok(Figures {
        create: created,
        get: got,
        health,
        cpu: [create_cpu, get_cpu, health_cpu],
    })
}

async fn phase(
    ctx: &Context,
    server: &mut Server,
    make: load::MakeRequest,
    collect_ids: bool,
) -> Result<(PhaseResult, CpuUse), BenchError> {
    let meter = CpuMeter::start(server.pid());
    let result = load::run(Phase {
        addr: server.addr,
        connections: ctx.connections,
        warmup: ctx.warmup,
        measure: ctx.seconds,
        make,
        collect_ids,
    })
    .await;
    // Errors from a crashed server are not figures: say what happened instead.
    match server.exited() {
        Some(why) => Err(BenchError::ServerDied(why)),
        None => Ok((result, meter.stop())),
    }
}

fn report(backend: Backend, f: &Figures, summary: &mut Summary) {
    let ratio = if f.health.rate() > 0.0 {
        f.create.rate() / f.health.rate()
    } else {
        0.0
    };
    print_table(backend, f, ratio);
    summarise_targets(backend, f, ratio, summary);
    summarise_figures(backend, f, summary);
}

/// Each endpoint's row: its name, its figures and the target it is held to.
fn rows(backend: Backend, f: &Figures) -> [(&'static str, &PhaseResult, String); 3] {
    let rate = match backend {
        Backend::Sqlite => CREATE_TARGET,
        Backend::Postgres => PG_CREATE_TARGET,
    };
    let create_target = format!(">= {}/s, p99 < {P99_TARGET_MS} ms", thousands(rate));
    [
        ("POST /api/v1/inquiries", &f.create, create_target),
        (
            "GET /api/v1/inquiries/{id}",
            &f.get,
            format!("p99 < {P99_TARGET_MS} ms"),
        ),
        ("GET /healthz", &f.health, "(ceiling)".into()),
    ]
}

/// The human-readable table of one backend's run.
fn print_table(backend: Backend, f: &Figures, ratio: f64) {
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>7}  target",
        "endpoint", "req/s", "p50 ms", "p99 ms", "errors"
    );
    let rows = rows(backend, f);
    for (name, r, target) in &rows {
        println!(
            "{:<28} {:>9} {:>9} {:>9} {:>7}  {}",
            name,
            thousands(r.rate()),
            ms(r.percentile_ms(50.0)),
            ms(r.percentile_ms(99.0)),
            r.errors,
            target
        );
    }
    let ratio_target = if backend == Backend::Sqlite {
        format!(" (target >= {RATIO_TARGET})")
    } else {
        String::new()
    };
    println!("create/healthz ratio: {ratio:.2}{ratio_target}");
    let cores = cores_busy(&f.cpu);
    println!("cores busy (server + load generator): {cores}");
    for (name, r, _) in &rows {
        if let Some(sample) = &r.error_sample {
            println!("first error on {name}: {sample}");
        }
    }
}

/// The summary lines held to a target: throughput targets apply to SQLite only (on
/// PostgreSQL they are information), latency targets to both.
fn summarise_targets(backend: Backend, f: &Figures, ratio: f64, summary: &mut Summary) {
    let label = backend.label();
    let sqlite_only = |target: String, met: bool| {
        if backend == Backend::Sqlite {
            (target, Verdict::of(met))
        } else {
            (String::new(), Verdict::Info)
        }
    };
    let rate_target = match backend {
        Backend::Sqlite => CREATE_TARGET,
        Backend::Postgres => PG_CREATE_TARGET,
    };
    let (target, verdict) = (
        format!(">= {}", thousands(rate_target)),
        Verdict::of(f.create.rate() >= rate_target),
    );
    let create_rate = thousands(f.create.rate());
    summary.add(
        SECTION,
        format!("{label} create req/s"),
        create_rate,
        target,
        verdict,
    );
    let cpu_ms = cpu_per_request_ms(&f.create, f.cpu[0]);
    summary.add(
        SECTION,
        format!("{label} server CPU ms per create"),
        cpu_ms.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}")),
        format!("<= {CPU_PER_CREATE_TARGET_MS}"),
        Verdict::of(cpu_ms.is_some_and(|v| v <= CPU_PER_CREATE_TARGET_MS)),
    );
    let (target, verdict) = sqlite_only(format!(">= {RATIO_TARGET}"), ratio >= RATIO_TARGET);
    let ratio = format!("{ratio:.2}");
    summary.add(
        SECTION,
        format!("{label} create/healthz"),
        ratio,
        target,
        verdict,
    );
    for (what, r) in [("create", &f.create), ("get", &f.get)] {
        let p99 = r.percentile_ms(99.0);
        summary.add(
            SECTION,
            format!("{label} {what} p50/p99 ms"),
            format!("{}/{}", ms(r.percentile_ms(50.0)), ms(p99)),
            format!("p99 < {P99_TARGET_MS}"),
            Verdict::of(p99.is_some_and(|p| p < P99_TARGET_MS)),
        );
    }
}

/// Server CPU milliseconds per request of a phase: cores busy divided by requests per second.
fn cpu_per_request_ms(phase: &PhaseResult, cpu: CpuUse) -> Option<f64> {
    let rate = phase.rate();
    cpu.server
        .filter(|_| rate > 0.0)
        .map(|cores| cores / rate * 1000.0)
}

/// The remaining summary lines: plain figures, and errors (none expected).
fn summarise_figures(backend: Backend, f: &Figures, summary: &mut Summary) {
    let label = backend.label();
    for (what, r) in [("get", &f.get), ("healthz", &f.health)] {
        let rate = thousands(r.rate());
        summary.add(
            SECTION,
            format!("{label} {what} req/s"),
            rate,
            "",
            Verdict::Info,
        );
    }
    let errors = f.create.errors + f.get.errors + f.health.errors;
    summary.add(
        SECTION,
        format!("{label} errors"),
        errors.to_string(),
        "0",
        Verdict::of(errors == 0),
    );
}

/// `create 1.13 + 0.08, get 0.83 + 0.14, healthz 1.02 + 0.61` (`?` where /proc is unavailable).
fn cores_busy(cpu: &[CpuUse; 3]) -> String {
    let show = |v: Option<f64>| v.map_or_else(|| "?".to_owned(), |c| format!("{c:.2}"));
    ["create", "get", "healthz"]
        .iter()
        .zip(cpu)
        .map(|(what, c)| format!("{what} {} + {}", show(c.server), show(c.client)))
        .collect::<Vec<_>>()
        .join(", ")
}
