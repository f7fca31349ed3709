//! CPU time used by the server and by this process during a phase, read from `/proc/<pid>/stat`
//! (Linux; elsewhere the figures are simply absent). On a machine shared with other work this
//! says whether a low rate means an expensive request (the server busy on both cores) or a
//! starved one (the server idle part of the time) — and that the load generator is not the
//! bottleneck.

use std::time::Instant;

/// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system) used so far by `pid` (`None` for this process).
fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    parse_stat(&stat)
}

/// CPU seconds (user + system) used so far by the process `pid`.
pub fn cpu_seconds_of(pid: u32) -> Option<f64> {
    cpu_seconds(Some(pid))
}

/// The peak resident set size of `pid` (`VmHWM` in `/proc/<pid>/status`), in bytes.
pub fn peak_memory_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

/// `VmHWM:\t  123456 kB` → bytes.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Fields after the command name (which may contain spaces, so split at the last `)`):
/// state is field 3, utime field 14, stime field 15.
fn parse_stat(stat: &str) -> Option<f64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// Started before a phase, read after it.
pub struct CpuMeter {
    server_pid: Option<u32>,
    started: Instant,
    server: Option<f64>,
    client: Option<f64>,
}

/// Average cores busy over the phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub server: Option<f64>,
    pub client: Option<f64>,
}

impl CpuMeter {
    pub fn start(server_pid: Option<u32>) -> CpuMeter {
        CpuMeter {
            server_pid,
            started: Instant::now(),
            server: server_pid.and_then(|p| cpu_seconds(Some(p))),
            client: cpu_seconds(None),
        }
    }

    pub fn stop(self) -> CpuUse {
        let wall = self.started.elapsed().as_secs_f64();
        let cores = |before: Option<f64>, after: Option<f64>| match (before, after) {
            (Some(b), Some(a)) if wall > 0.0 => Some((a - b) / wall),
            _ => None,
        };
        CpuUse {
            server: cores(
                self.server,
                self.server_pid.and_then(|p| cpu_seconds(Some(p))),
            ),
            client: cores(self.client, cpu_seconds(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utime_and_stime_past_a_command_with_spaces() {
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(parse_stat(stat), Some(3.0));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn reads_the_peak_resident_size() {
        let status = "Name:\tverity\nVmPeak:\t  900 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(2048 * 1024));
        assert_eq!(parse_vm_hwm("Name: x"), None);
        if cfg!(target_os = "linux") {
            assert!(peak_memory_bytes(std::process::id()).is_some_and(|b| b > 0));
        }
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        // Linux only; the bench runs there.
        if cfg!(target_os = "linux") {
            assert!(cpu_seconds(None).is_some());
        }
    }
}
