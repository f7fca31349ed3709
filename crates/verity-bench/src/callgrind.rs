//! Instructions per create: the release server on SQLite run under
//! `valgrind --tool=callgrind` (instruction counts do not depend on how busy the machine is,
//! unlike times), a warm-up of creates, the counters zeroed, a fixed number of creates, the
//! counters dumped. The figure is the dump's total instruction count (every thread of the
//! server, user space) divided by the creates. The dump stays in the temporary directory so
//! `callgrind_annotate FILE` shows where the instructions went (docs/architecture.md §6).
//!
//! The face and OCR models are not loaded (`none`): creating an inquiry never uses them, and
//! loading them under callgrind takes minutes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::Method;
use tokio::process::Command;

use crate::error::BenchError;
use crate::load;
use crate::requests::{demo_template, request};
use crate::server::Server;

const WARMUP_CREATES: usize = 100;
pub const MEASURED_CREATES: usize = 1000;
/// Enough concurrent requests that group commits hold several creates, as under load.
const CONNECTIONS: usize = 8;
const START_TIMEOUT: Duration = Duration::from_secs(300);

/// What the profiled run gave.
pub struct Profile {
    pub instructions_per_create: f64,
    pub dump: PathBuf,
}

/// `None` when valgrind is not installed.
pub async fn profile_creates(verity: &Path) -> Result<Option<Profile>, BenchError> {
    if !installed().await {
        return Ok(None);
    }
    let out = std::env::temp_dir().join(format!("verity-bench-callgrind.{}", std::process::id()));
    let wrapper = [
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        format!("--callgrind-out-file={}", out.display()),
    ];
    let settings = [
        ("VERITY_FACE_MODELS_DIR", "none"),
        ("VERITY_OCR_MODELS_DIR", "none"),
    ];
    let mut server = Server::start_under(&wrapper, verity, &settings, START_TIMEOUT).await?;
    let result = measure(&mut server, &out).await;
    server.stop().await;
    result.map(Some)
}

async fn installed() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

async fn measure(server: &mut Server, out: &Path) -> Result<Profile, BenchError> {
    let pid = server
        .pid()
        .ok_or_else(|| BenchError::Setup("callgrind".into(), "the server has no pid".into()))?;
    let template = Arc::new(demo_template(server).await?);
    creates(server, &template, WARMUP_CREATES, "warm").await?;
    control(pid, "--zero").await?;
    creates(server, &template, MEASURED_CREATES, "measured").await?;
    control(pid, "--dump").await?;
    if let Some(why) = server.exited() {
        return Err(BenchError::ServerDied(why));
    }
    let dump = latest_dump(out)?;
    let text = std::fs::read_to_string(&dump)
        .map_err(|e| BenchError::Io(format!("reading {}", dump.display()), e))?;
    let total = total_instructions(&text).ok_or_else(|| {
        BenchError::Setup(
            "callgrind".into(),
            format!("no totals line in {}", dump.display()),
        )
    })?;
    Ok(Profile {
        instructions_per_create: total as f64 / MEASURED_CREATES as f64,
        dump,
    })
}

/// `count` creates over [`CONNECTIONS`] keep-alive connections, each with its own reference id.
async fn creates(
    server: &Server,
    template: &Arc<String>,
    count: usize,
    tag: &'static str,
) -> Result<(), BenchError> {
    let mut tasks = Vec::new();
    for c in 0..CONNECTIONS {
        let (addr, host) = (server.addr, server.addr.to_string());
        let auth = format!("Bearer {}", server.api_key);
        let template = template.clone();
        let share = count / CONNECTIONS + usize::from(c < count % CONNECTIONS);
        tasks.push(tokio::spawn(async move {
            let mut sender = load::connect(addr).await.map_err(|e| e.to_string())?;
            for n in 0..share {
                let body = format!(
                    r#"{{"data":{{"attributes":{{"inquiry-template-id":"{template}","reference-id":"cg-{tag}-{c}-{n}"}}}}}}"#
                );
                let req = request(Method::POST, "/api/v1/inquiries", &host, Some(&auth), Some(body));
                let (status, body) = load::exchange(&mut sender, req)
                    .await
                    .map_err(|e| e.to_string())?;
                if status != 201 {
                    return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
                }
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        let outcome = task.await.map_err(|e| e.to_string()).and_then(|r| r);
        outcome
            .map_err(|e| BenchError::Setup("POST /api/v1/inquiries under callgrind".into(), e))?;
    }
    Ok(())
}

async fn control(pid: u32, action: &str) -> Result<(), BenchError> {
    let status = Command::new("callgrind_control")
        .arg(action)
        .arg(pid.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .map_err(|e| BenchError::Io(format!("callgrind_control {action}"), e))?;
    if status.success() {
        Ok(())
    } else {
        Err(BenchError::Setup(
            format!("callgrind_control {action} {pid}"),
            status.to_string(),
        ))
    }
}

/// The newest dump of `out` (callgrind appends `.1`, `.2`, … for dumps taken on request).
fn latest_dump(out: &Path) -> Result<PathBuf, BenchError> {
    let dir = out.parent().unwrap_or_else(|| Path::new("."));
    let prefix = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| BenchError::Io(format!("listing {}", dir.display()), e))?;
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, p)| p)
        .ok_or_else(|| BenchError::Setup("callgrind".into(), format!("no dump {prefix}*")))
}

/// The `totals:` (or, in older formats, `summary:`) line's first event count: instructions.
fn total_instructions(dump: &str) -> Option<u64> {
    dump.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_total_from_a_dump() {
        let dump = "version: 1\ncmd: verity serve\nevents: Ir\nfn=main\n0 5\ntotals: 123456789\n";
        assert_eq!(total_instructions(dump), Some(123_456_789));
        assert_eq!(total_instructions("summary: 42\n"), Some(42));
        assert_eq!(total_instructions("events: Ir\n"), None);
    }
}
