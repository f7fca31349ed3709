//! `verity-bench`: Verity's benchmark command. Runs the selected sections in a fixed order and
//! prints a summary of every figure beside its target.
//!
//! Sections (`--only` picks some; all run by default):
//! - `e2e`      complete verifications through the flow API, faces and OCR on: CPU per
//!   verification, decision latency, upload bytes, peak memory — `e2e.rs`;
//! - `api`      the REST API on SQLite and PostgreSQL under 64 connections — `api.rs`;
//! - `flow`     `new Client` → `onReady` in headless Chromium — `web/tests/bench/flow-ready.mjs`;
//!   then per-capture feedback latency and bytes per complete inquiry — `capture.rs`;
//! - `sdk-size` the SDK's gzipped bytes — `web/tests/bench/sdk-size.mjs`;
//! - `webhooks` deliveries/s and commit-to-receipt latency on SQLite and PostgreSQL — `webhooks.rs`;
//! - `checks`   milliseconds per ID — the `bench_checks` example of `verity-checks`.
//! - `faces`    face model load, per-image inference, selfie end to end, peak memory, duplicate
//!   search over 100,000 stored faces — `faces.rs`.
//! - `ocr`      MRZ and front-field accuracy, time and memory per document — the `bench_ocr` example of `verity-ocr` (`ocr.rs`).
//! - `uploads`  peak server memory under 32 concurrent hostile uploads — `uploads.rs`.
//!
//! To add a section: a variant of [`Section`], and an arm in [`run_section`] that prints under a
//! heading and adds its figures to the [`Summary`] — a module of its own (like `api`) or an
//! [`external::External`] command.
//!
//! It builds nothing (`scripts/bench` does) and only talks to 127.0.0.1.

mod api;
mod callgrind;
mod capture;
mod cpu;
mod database;
mod e2e;
mod error;
mod external;
mod faces;
mod load;
mod ocr;
mod report;
mod requests;
mod server;
mod uploads;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

use crate::error::BenchError;
use crate::report::{heading, Summary, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum Section {
    E2e,
    Api,
    Flow,
    SdkSize,
    Webhooks,
    Checks,
    Faces,
    Ocr,
    Uploads,
}

#[derive(Parser, Debug)]
#[command(
    name = "verity-bench",
    about = "Starts the release `verity` server on SQLite and PostgreSQL and prints throughput, latency and size figures"
)]
struct Cli {
    /// The `verity` binary to benchmark (default: `verity` next to this executable, i.e.
    /// target/release/verity under `cargo run --release`).
    #[arg(long)]
    verity: Option<PathBuf>,
    /// Measured seconds per endpoint and backend.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Warm-up seconds before each measured phase (not counted).
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Concurrent keep-alive connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Worker threads of the load generator (it shares the machine's cores with the server).
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Complete verifications the `e2e` section drives (after one warm-up).
    #[arg(long, default_value_t = 20)]
    e2e_verifications: usize,
    /// How many of them run at once.
    #[arg(long, default_value_t = 2)]
    e2e_concurrency: usize,
    /// Sections to run, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    only: Vec<Section>,
    /// Skip the PostgreSQL half of the `api` and `webhooks` sections.
    #[arg(long)]
    skip_postgres: bool,
    /// Administration database on the local PostgreSQL; a fresh database is created beside it.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_admin_url: String,
    /// Repository root (for the external sections' scripts).
    #[arg(long)]
    repo: Option<PathBuf>,
}

/// What every section may read.
pub struct Context {
    pub verity: PathBuf,
    pub repo: PathBuf,
    pub seconds: Duration,
    pub warmup: Duration,
    pub connections: usize,
    pub skip_postgres: bool,
    pub postgres_admin_url: String,
    pub e2e: e2e::Load,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(summary) if summary.count(Verdict::Failed) == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("verity-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<Summary, BenchError> {
    let ctx = context(&cli)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| BenchError::Io("starting the tokio runtime".into(), e))?;
    let mut sections = if cli.only.is_empty() {
        Section::value_variants().to_vec()
    } else {
        cli.only.clone()
    };
    sections.sort();
    sections.dedup();

    print_setting(&ctx, cli.client_threads);
    let started = Instant::now();
    let mut summary = Summary::default();
    runtime.block_on(async {
        for section in &sections {
            run_section(*section, &ctx, &mut summary).await;
        }
    });

    heading("summary");
    print!("{}", summary.render());
    println!(
        "{} met, {} missed, {} skipped, {} failed; {:.0} s in all",
        summary.count(Verdict::Met),
        summary.count(Verdict::Missed),
        summary.count(Verdict::Skipped),
        summary.count(Verdict::Failed),
        started.elapsed().as_secs_f64()
    );
    Ok(summary)
}

async fn run_section(section: Section, ctx: &Context, summary: &mut Summary) {
    match section {
        Section::E2e => e2e::run(ctx, ctx.e2e, summary).await,
        Section::Api => api::run(ctx, summary).await,
        Section::Flow => {
            external::run(ctx, &external::flow(ctx), summary).await;
            capture::run(ctx, summary).await;
        }
        Section::SdkSize => external::run(ctx, &external::sdk_size(), summary).await,
        Section::Webhooks => webhooks::run(ctx, summary).await,
        Section::Checks => external::run(ctx, &external::checks(), summary).await,
        Section::Faces => {
            external::run(ctx, &faces::faces(), summary).await;
            external::run(ctx, &faces::duplicate_search(), summary).await;
        }
        Section::Ocr => external::run(ctx, &ocr::section(), summary).await,
        Section::Uploads => uploads::run(ctx, summary).await,
    }
}

fn context(cli: &Cli) -> Result<Context, BenchError> {
    let verity = match &cli.verity {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| BenchError::Io("locating this executable".into(), e))?
            .with_file_name("verity"),
    };
    let needs_server = cli.only.is_empty()
        || cli.only.contains(&Section::E2e)
        || cli.only.contains(&Section::Api)
        || cli.only.contains(&Section::Flow)
        || cli.only.contains(&Section::Webhooks)
        || cli.only.contains(&Section::Uploads);
    if needs_server && !verity.is_file() {
        return Err(BenchError::MissingBinary(verity.display().to_string()));
    }
    // Absolute, because the server runs with its temporary data directory as working directory.
    let verity = verity.canonicalize().unwrap_or(verity);
    let seconds = positive_seconds(cli.seconds, "--seconds")?;
    let warmup = Duration::try_from_secs_f64(cli.warmup.max(0.0)).unwrap_or_default();
    Ok(Context {
        verity,
        repo: cli.repo.clone().unwrap_or_else(external::default_repo),
        seconds,
        warmup,
        connections: cli.connections.max(1),
        skip_postgres: cli.skip_postgres,
        postgres_admin_url: cli.postgres_admin_url.clone(),
        e2e: e2e::Load {
            verifications: cli.e2e_verifications.max(1),
            concurrency: cli.e2e_concurrency.max(1),
        },
    })
}

fn positive_seconds(value: f64, flag: &str) -> Result<Duration, BenchError> {
    match Duration::try_from_secs_f64(value) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(BenchError::Setup(
            flag.into(),
            format!("must be a positive number of seconds, got {value}"),
        )),
    }
}

/// The conditions the figures were taken under: the machine is shared, so say how busy it was.
fn print_setting(ctx: &Context, client_threads: usize) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    println!("verity-bench: server {}", ctx.verity.display());
    println!(
        "{cores} cores shared by the server and the load generator ({client_threads} client threads); load average at start {load}"
    );
}
