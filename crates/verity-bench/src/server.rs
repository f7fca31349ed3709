//! Runs the release `verity` binary for a benchmark: on 127.0.0.1 (port chosen by the kernel and
//! read back from the startup line), a temporary data directory as its working directory (so no
//! stray `verity.toml` is read), no inherited `VERITY_*` settings, the demo seeded, rate limits
//! off. Stopped with SIGTERM (then SIGKILL after a grace period); the temporary directory goes
//! with it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

use crate::error::BenchError;

const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Output lines kept for the error report if the server dies.
const KEEP_LINES: usize = 30;

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub api_key: String,
    output: Arc<Mutex<VecDeque<String>>>,
    _data: tempfile::TempDir,
}

/// What the startup lines told us.
struct Started {
    addr: SocketAddr,
    api_key: Option<String>,
}

impl Server {
    /// Starts the server; `database_url` `None` means the embedded SQLite database.
    pub async fn start(verity: &Path, database_url: Option<&str>) -> Result<Server, BenchError> {
        Self::start_with(verity, database_url, &[]).await
    }

    /// Like [`Server::start`], with extra `VERITY_*` settings a section needs (set last, so
    /// they win over the defaults above).
    pub async fn start_with(
        verity: &Path,
        database_url: Option<&str>,
        settings: &[(&str, &str)],
    ) -> Result<Server, BenchError> {
        Self::launch(&[], verity, database_url, settings, START_TIMEOUT).await
    }

    /// Like [`Server::start_with`], run by `wrapper` (e.g. `valgrind --tool=callgrind`), which
    /// must keep the process id (valgrind does) and may take `start_timeout` to start it.
    pub async fn start_under(
        wrapper: &[String],
        verity: &Path,
        settings: &[(&str, &str)],
        start_timeout: Duration,
    ) -> Result<Server, BenchError> {
        Self::launch(wrapper, verity, None, settings, start_timeout).await
    }

    async fn launch(
        wrapper: &[String],
        verity: &Path,
        database_url: Option<&str>,
        settings: &[(&str, &str)],
        start_timeout: Duration,
    ) -> Result<Server, BenchError> {
        let data = tempfile::Builder::new()
            .prefix("verity-bench-")
            .tempdir()
            .map_err(|e| BenchError::Io("creating a temporary data directory".into(), e))?;
        let mut cmd = command(wrapper, verity, data.path(), database_url, settings);
        let mut child = cmd
            .spawn()
            .map_err(|e| BenchError::Io(format!("starting {}", verity.display()), e))?;

        let output = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, rx) = oneshot::channel();
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(read_stdout(stdout, tx, output.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(drain(stderr, output.clone()));
        }

        let started = match tokio::time::timeout(start_timeout, rx).await {
            Ok(Ok(s)) => s,
            Ok(Err(_)) => {
                // stdout closed before the serving line: the process ended.
                let _ = child.wait().await;
                return Err(BenchError::ServerStart(tail(&output)));
            }
            Err(_) => {
                let _ = child.kill().await;
                return Err(BenchError::ServerStart(format!(
                    "no `Verity is serving` line within {} s\n{}",
                    start_timeout.as_secs(),
                    tail(&output)
                )));
            }
        };
        let Some(api_key) = started.api_key else {
            let _ = child.kill().await;
            return Err(BenchError::ServerStart(format!(
                "the server printed no first API key (is VERITY_DEMO honoured?)\n{}",
                tail(&output)
            )));
        };
        Ok(Server {
            child,
            addr: started.addr,
            api_key,
            output,
            _data: data,
        })
    }

    /// The process id while it runs (for CPU accounting).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Whether the process is still running (a crash during a phase explains its errors).
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("server exited ({status})\n{}", tail(&self.output))),
            _ => None,
        }
    }

    /// SIGTERM, wait for the graceful shutdown, SIGKILL if it takes too long.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // `kill` rather than libc: this crate forbids unsafe code.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
            if tokio::time::timeout(STOP_GRACE, self.child.wait())
                .await
                .is_ok()
            {
                return;
            }
        }
        let _ = self.child.kill().await;
    }
}

/// `verity serve` (run by `wrapper` if any) with the benchmark's settings, then `settings`.
fn command(
    wrapper: &[String],
    verity: &Path,
    data: &Path,
    database_url: Option<&str>,
    settings: &[(&str, &str)],
) -> Command {
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(verity);
            cmd
        }
        None => Command::new(verity),
    };
    cmd.arg("serve")
        .current_dir(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("VERITY_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("VERITY_LISTEN", "127.0.0.1:0")
        .env("VERITY_PUBLIC_URL", "http://127.0.0.1")
        .env("VERITY_DATA_DIR", data.join("data"))
        .env("VERITY_LOG", "warn")
        .env("VERITY_RATE_LIMIT_PER_SECOND", "0")
        .env("VERITY_DEMO", "true")
        .env("NO_COLOR", "1");
    if let Some(url) = database_url {
        cmd.env("VERITY_DATABASE_URL", url);
    }
    for (key, value) in settings {
        cmd.env(key, value);
    }
    cmd
}

async fn read_stdout(
    stdout: impl AsyncRead + Unpin,
    tx: oneshot::Sender<Started>,
    output: Arc<Mutex<VecDeque<String>>>,
) {
    let mut lines = BufReader::new(stdout).lines();
    let mut api_key = None;
    let mut tx = Some(tx);
    while let Ok(Some(line)) = lines.next_line().await {
        if tx.is_some() {
            if let Some(i) = line.find("vk_") {
                api_key = line[i..].split_whitespace().next().map(str::to_owned);
            }
            if let Some(addr) = serving_addr(&line) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(Started {
                        addr,
                        api_key: api_key.take(),
                    });
                }
                continue;
            }
        }
        keep(&output, line);
    }
}

/// `Verity is serving on 127.0.0.1:PORT (…)` → the address.
fn serving_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.strip_prefix("Verity is serving on ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Keeps reading so the server never blocks on a full pipe.
async fn drain(stream: impl AsyncRead + Unpin, output: Arc<Mutex<VecDeque<String>>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        keep(&output, line);
    }
}

fn keep(output: &Mutex<VecDeque<String>>, line: String) {
    if let Ok(mut lines) = output.lock() {
        if lines.len() == KEEP_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }
}

fn tail(output: &Mutex<VecDeque<String>>) -> String {
    output
        .lock()
        .map(|lines| lines.iter().cloned().collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_address_from_the_serving_line() {
        let line = "Verity is serving on 127.0.0.1:41234 (API at http://127.0.0.1/api/v1, reference at http://127.0.0.1/docs/api)";
        assert_eq!(
            serving_addr(line),
            Some(SocketAddr::from(([127, 0, 0, 1], 41234)))
        );
        assert_eq!(serving_addr("Demo host page: http://127.0.0.1/demo"), None);
    }
}
