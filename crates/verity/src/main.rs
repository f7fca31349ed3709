//! The `verity` binary: `serve` (the default), `migrate`, `api-key create|list|revoke`,
//! `template import FILE`, `operator create|list|disable|reset-password|reset-totp`, `backup FILE`, `restore FILE`,
//! `keys rotate|rewrap`.

mod backup;
mod cli;
mod config;
mod keys;
mod models;
mod operators;
mod serve;
mod setup;
mod template_file;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(cli::run(cli));
    // Blocking work cut off by the shutdown grace period (a check still running) must not
    // hold the exit: its claim is taken up again when the lease runs out.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
