//! `verity backup FILE` and `verity restore FILE` for the embedded SQLite database
//! (docs/operations.md §2). PostgreSQL is backed up with `pg_dump` (README).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use verity_store::backup::{backup_sqlite, verify_sqlite};

use crate::config::Config;

/// The database file inside a data directory (as `Config::effective_database_url` names it).
const DATABASE_FILE: &str = "verity.db";

fn refuse_postgres(config: &Config, what: &str) -> anyhow::Result<()> {
    if !config.database_url.is_empty() && !config.database_url.starts_with("sqlite:") {
        bail!("{what} covers the embedded SQLite database; for PostgreSQL use pg_dump and pg_restore (README, Running in production)");
    }
    Ok(())
}

fn database_path(config: &Config) -> PathBuf {
    match config.database_url.strip_prefix("sqlite:") {
        Some(rest) => PathBuf::from(
            rest.trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or(rest),
        ),
        None => config.data_dir.join(DATABASE_FILE),
    }
}

/// Writes a consistent copy of the running (or stopped) server's database to `file`.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    refuse_postgres(config, "verity backup")?;
    let database = database_path(config);
    backup_sqlite(&database, file)
        .await
        .with_context(|| format!("backing up {}", database.display()))?;
    let verified = verify_sqlite(file).await?;
    println!(
        "backed up {} to {} (migration {})",
        database.display(),
        file.display(),
        verified.migration
    );
    Ok(())
}

/// Puts the backup `file` in place as the database of `data_dir` (the configured one unless
/// given). A data directory holding anything is refused unless `force`; with it only the
/// database files are replaced. The server must not be running on that directory.
pub async fn restore(
    config: &Config,
    file: &Path,
    data_dir: Option<PathBuf>,
    force: bool,
) -> anyhow::Result<()> {
    refuse_postgres(config, "verity restore")?;
    let verified = verify_sqlite(file).await?;
    let data_dir = data_dir.unwrap_or_else(|| config.data_dir.clone());
    let occupied = match std::fs::read_dir(&data_dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e).with_context(|| format!("reading {}", data_dir.display())),
    };
    if occupied && !force {
        bail!(
            "{} is not empty; stop the server and pass --force to replace its database",
            data_dir.display()
        );
    }
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let database = data_dir.join(DATABASE_FILE);
    // Copied beside the target, then renamed over it: a crash leaves the old or the new
    // database, never half of one. The old log files belong to the old database.
    let partial = data_dir.join(format!("{DATABASE_FILE}.restoring"));
    std::fs::copy(file, &partial).with_context(|| format!("copying {}", file.display()))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .context("syncing the restored database")?;
    for suffix in ["-wal", "-shm"] {
        let log = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        match std::fs::remove_file(&log) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", log.display()))
            }
            _ => {}
        }
    }
    std::fs::rename(&partial, &database)
        .with_context(|| format!("moving the restored database to {}", database.display()))?;
    println!(
        "restored {} into {} (migration {}{})",
        file.display(),
        database.display(),
        verified.migration,
        if verified.behind {
            "; the server migrates it forward at start"
        } else {
            ""
        }
    );
    Ok(())
}
