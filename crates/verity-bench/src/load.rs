//! The load generator: a fixed number of HTTP/1.1 keep-alive connections to one server on
//! 127.0.0.1, each driven by its own task in a closed loop (the next request leaves as soon as
//! the previous response has been read in full), so the offered load is exactly
//! `connections` requests in flight.
//!
//! Invariants: a phase runs for `warmup + measure`; only requests *started* inside the measured
//! window are counted and timed, and the rate divides them by the window's length. Any transport
//! failure or non-2xx status is an error (counted, first one kept as a sample) — never silently
//! retried, so the error column means what it says.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Deserialize;

/// Builds the next request of a connection (path-only URI plus headers, including `Host`).
/// Gets the connection's own random source so request mixes need no shared state.
pub type MakeRequest = Arc<dyn Fn(&mut Rng) -> Request<Full<Bytes>> + Send + Sync>;

/// One timed phase against one endpoint.
pub struct Phase {
    pub addr: SocketAddr,
    pub connections: usize,
    pub warmup: Duration,
    pub measure: Duration,
    pub make: MakeRequest,
    /// Keep the `data.id` of every successful response (the create phase feeds the get phase).
    pub collect_ids: bool,
}

/// What a phase measured.
#[derive(Debug, Default)]
pub struct PhaseResult {
    /// Successful requests started inside the measured window.
    pub requests: u64,
    /// Length of the measured window.
    pub window: Duration,
    /// Latencies of those requests, microseconds, sorted ascending.
    pub latencies_us: Vec<u32>,
    /// Failed requests (transport error or non-2xx) inside the measured window and warm-up.
    pub errors: u64,
    /// The first failure seen, for the report.
    pub error_sample: Option<String>,
    /// `data.id` of successful responses (warm-up included) when `collect_ids` was set.
    pub ids: Vec<String>,
}

impl PhaseResult {
    pub fn rate(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }

    /// Nearest-rank percentile in milliseconds (`None` when nothing was measured).
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        let n = self.latencies_us.len();
        if n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        let us = self.latencies_us[rank.clamp(1, n) - 1];
        Some(f64::from(us) / 1000.0)
    }
}

/// Runs a phase to completion and merges what every connection saw.
pub async fn run(phase: Phase) -> PhaseResult {
    let start = Instant::now();
    let measure_from = start + phase.warmup;
    let end = measure_from + phase.measure;
    let mut tasks = Vec::with_capacity(phase.connections);
    for n in 0..phase.connections {
        let make = phase.make.clone();
        let addr = phase.addr;
        let collect_ids = phase.collect_ids;
        let seed = 0x9E37_79B9_7F4A_7C15_u64 ^ ((n as u64 + 1) << 17);
        tasks.push(tokio::spawn(async move {
            connection(addr, make, measure_from, end, collect_ids, Rng::new(seed)).await
        }));
    }
    let mut merged = PhaseResult {
        window: phase.measure,
        ..PhaseResult::default()
    };
    for task in tasks {
        match task.await {
            Ok(r) => {
                merged.requests += r.requests;
                merged.errors += r.errors;
                merged.latencies_us.extend(r.latencies_us);
                merged.ids.extend(r.ids);
                if merged.error_sample.is_none() {
                    merged.error_sample = r.error_sample;
                }
            }
            Err(e) => {
                merged.errors += 1;
                merged
                    .error_sample
                    .get_or_insert_with(|| format!("load task failed: {e}"));
            }
        }
    }
    merged.latencies_us.sort_unstable();
    merged
}

#[derive(Deserialize)]
struct Created {
    data: CreatedData,
}

#[derive(Deserialize)]
struct CreatedData {
    id: String,
}

/// One simulated client: one connection, reopened after a transport error.
async fn connection(
    addr: SocketAddr,
    make: MakeRequest,
    measure_from: Instant,
    end: Instant,
    collect_ids: bool,
    mut rng: Rng,
) -> PhaseResult {
    let mut out = PhaseResult::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let started = Instant::now();
        if started >= end {
            break;
        }
        let conn = match sender.as_mut() {
            Some(s) => s,
            None => match connect(addr).await {
                Ok(s) => sender.insert(s),
                Err(e) => {
                    // The server is gone or refusing: retrying in a loop would only spin.
                    out.fail(format!("connect: {e}"));
                    break;
                }
            },
        };
        let outcome = exchange(conn, make(&mut rng)).await;
        let took = started.elapsed();
        match outcome {
            Ok((status, body)) if (200..300).contains(&status) => {
                if started >= measure_from {
                    out.requests += 1;
                    out.latencies_us
                        .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
                }
                if collect_ids {
                    match serde_json::from_slice::<Created>(&body) {
                        Ok(c) => out.ids.push(c.data.id),
                        Err(e) => out.fail(format!("response without data.id: {e}")),
                    }
                }
            }
            Ok((status, body)) => {
                let text = String::from_utf8_lossy(&body);
                out.fail(format!("HTTP {status}: {}", truncate(&text, 200)));
            }
            Err(e) => {
                out.fail(e.to_string());
                sender = None;
            }
        }
    }
    out
}

impl PhaseResult {
    fn fail(&mut self, message: String) {
        self.errors += 1;
        self.error_sample.get_or_insert(message);
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

pub(crate) async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, ConnectError> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    // Small request/response pairs: Nagle would add delayed-ACK stalls to every exchange.
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // The connection task ends when the sender is dropped or the peer closes.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

pub(crate) async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<(u16, Bytes), ConnectError> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Http(#[from] hyper::Error),
}

/// xorshift64*: a few instructions per draw, plenty for picking which id to read.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        if n == 0 {
            0
        } else {
            (x % n as u64) as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let r = PhaseResult {
            latencies_us: (1..=100).map(|ms| ms * 1000).collect(),
            ..PhaseResult::default()
        };
        assert_eq!(r.percentile_ms(50.0), Some(50.0));
        assert_eq!(r.percentile_ms(99.0), Some(99.0));
        assert_eq!(r.percentile_ms(100.0), Some(100.0));
        assert_eq!(PhaseResult::default().percentile_ms(50.0), None);
    }

    #[test]
    fn rate_divides_by_the_window() {
        let r = PhaseResult {
            requests: 500,
            window: Duration::from_millis(250),
            ..PhaseResult::default()
        };
        assert!((r.rate() - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn rng_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let i = rng.below(10);
            assert!(i < 10);
            seen[i] = true;
        }
        assert!(seen.iter().all(|s| *s), "{seen:?}");
        assert_eq!(rng.below(0), 0);
    }
}
