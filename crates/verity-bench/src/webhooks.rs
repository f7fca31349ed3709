//! Section `webhooks`: webhook delivery to a local receiver, once on SQLite and once
//! on PostgreSQL. Per backend: start the server with private addresses allowed, register one
//! webhook for every event pointing at a hyper HTTP/1.1 receiver inside this process, then
//! 64 clients create 5,000 inquiries and expire each (10,000 events, two per inquiry, so the
//! per-inquiry ordering is exercised too), and wait until the receiver holds every event the log
//! lists.
//!
//! Figures: deliveries/s from the first to the last receipt (first receipts of distinct
//! `webhook-id`s), and the latency from commit — the event's `created-at` in the payload,
//! millisecond precision, so latencies read up to 1 ms high — to receipt. Both clocks are this
//! machine's. Targets (2 cores shared by server, receiver and clients): >= 2,000/s on SQLite,
//! p99 < 250 ms.

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

use crate::database::FreshDatabase;
use crate::error::BenchError;
use crate::load;
use crate::report::{heading, ms, thousands, Summary, Verdict};
use crate::requests::{demo_template, request};
use crate::server::Server;
use crate::Context;

const SECTION: &str = "webhooks";
/// Inquiries created and then expired: two events each.
const INQUIRIES: usize = 5_000;
const RATE_TARGET: f64 = 2_000.0;
const P99_TARGET_MS: f64 = 250.0;
/// How long to wait for the last deliveries once every change is committed.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// One request the receiver got: when (µs since the Unix epoch) and what.
struct Receipt {
    at_us: i64,
    body: Bytes,
}

#[derive(Clone, Default)]
struct Receiver {
    inner: Arc<Mutex<Received>>,
}

#[derive(Default)]
struct Received {
    receipts: Vec<Receipt>,
    /// Distinct `webhook-id`s, so waiting for completion is a length check.
    ids: HashSet<String>,
}

impl Receiver {
    /// Records the request and answers 204. The body is parsed after the run, not here, so
    /// the receiver costs the shared cores as little as possible.
    async fn receive(self, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let id = req
            .headers()
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, body) = match req.into_body().collect().await {
            Ok(body) => (StatusCode::NO_CONTENT, body.to_bytes()),
            Err(_) => (StatusCode::BAD_REQUEST, Bytes::new()),
        };
        if let (Some(id), StatusCode::NO_CONTENT) = (id, status) {
            let at_us = now_us();
            if let Ok(mut got) = self.inner.lock() {
                got.ids.insert(id);
                got.receipts.push(Receipt { at_us, body });
            }
        }
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = status;
        Ok(response)
    }

    fn distinct(&self) -> usize {
        self.inner.lock().map_or(0, |g| g.ids.len())
    }
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Serves HTTP/1.1 keep-alive connections on 127.0.0.1 until the returned task is aborted.
async fn start_receiver() -> Result<(Receiver, SocketAddr, tokio::task::JoinHandle<()>), BenchError>
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| BenchError::Io("binding the webhook receiver".into(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| BenchError::Io("reading the receiver's address".into(), e))?;
    let receiver = Receiver::default();
    let serving = receiver.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let receiver = serving.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| receiver.clone().receive(req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((receiver, addr, task))
}

/// What one backend measured.
struct Figures {
    /// Events the log lists after the burst.
    events: usize,
    /// Of those, never received.
    lost: usize,
    /// Requests beyond the first for one `webhook-id`.
    duplicates: usize,
    /// Successful state changes per second while the clients ran.
    commit_rate: f64,
    /// First receipts per second, first to last.
    delivery_rate: f64,
    /// Commit-to-receipt of each event's first receipt, ms, sorted.
    latencies_ms: Vec<f64>,
    errors: u64,
    error_sample: Option<String>,
}

impl Figures {
    fn percentile_ms(&self, p: f64) -> Option<f64> {
        let n = self.latencies_ms.len();
        if n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        Some(self.latencies_ms[rank.clamp(1, n) - 1])
    }
}

pub async fn run(ctx: &Context, summary: &mut Summary) {
    for postgres in [false, true] {
        let label = if postgres { "PostgreSQL" } else { "SQLite" };
        heading(&format!("webhooks: {label}"));
        if postgres && ctx.skip_postgres {
            println!("skipped (--skip-postgres)");
            summary.add(SECTION, label, "-", "", Verdict::Skipped);
            continue;
        }
        match bench_backend(ctx, postgres).await {
            Ok(figures) => report(label, !postgres, &figures, summary),
            Err(e) => {
                println!("failed: {e}");
                let first = e.to_string().lines().next().unwrap_or_default().to_owned();
                summary.add(SECTION, format!("{label} run"), "-", first, Verdict::Failed);
            }
        }
    }
}

/// Starts the receiver and the server, runs the burst, and always cleans up.
async fn bench_backend(ctx: &Context, postgres: bool) -> Result<Figures, BenchError> {
    let database = if postgres {
        Some(FreshDatabase::create(&ctx.postgres_admin_url).await?)
    } else {
        None
    };
    let (receiver, addr, receiving) = start_receiver().await?;
    let settings = [("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")];
    let url = database.as_ref().map(|d| d.url.as_str());
    let result = match Server::start_with(&ctx.verity, url, &settings).await {
        Ok(mut server) => {
            let result = drive(ctx, &mut server, &receiver, addr).await;
            server.stop().await;
            result
        }
        Err(e) => Err(e),
    };
    receiving.abort();
    if let Some(db) = database {
        if let Err(e) = db.drop_database().await {
            println!("note: could not drop the benchmark database: {e}");
        }
    }
    result
}

async fn drive(
    ctx: &Context,
    server: &mut Server,
    receiver: &Receiver,
    receiver_addr: SocketAddr,
) -> Result<Figures, BenchError> {
    let template = demo_template(server).await?;
    register_webhook(server, receiver_addr).await?;
    println!(
        "{INQUIRIES} inquiries created then expired by {} clients, receiver at {receiver_addr}, server at {}",
        ctx.connections, server.addr
    );

    let started = Instant::now();
    let burst = burst(server, &template, ctx.connections).await;
    let committed_in = started.elapsed();
    if let Some(why) = server.exited() {
        return Err(BenchError::ServerDied(why));
    }

    // Every change makes at least one event: wait for that many before listing the log, so
    // paging through it does not compete with the deliveries being measured.
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    while receiver.distinct() < burst.changes && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let expected = event_ids(server).await?;
    while Instant::now() < deadline {
        let complete = receiver
            .inner
            .lock()
            .map(|g| expected.iter().all(|id| g.ids.contains(id)))
            .unwrap_or(false);
        if complete {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if let Some(why) = server.exited() {
        return Err(BenchError::ServerDied(why));
    }

    let mut figures = measure(receiver, &expected);
    figures.commit_rate = burst.changes as f64 / committed_in.as_secs_f64().max(1e-9);
    figures.errors = burst.errors;
    figures.error_sample = burst.error_sample;
    Ok(figures)
}

async fn register_webhook(server: &Server, receiver: SocketAddr) -> Result<(), BenchError> {
    let path = "/api/v1/webhooks";
    let setup = |e: String| BenchError::Setup(format!("POST {path}"), e);
    let body = serde_json::json!({"data": {"attributes": {
        "url": format!("http://{receiver}/hook"),
        "enabled-events": ["*"],
    }}});
    let response = reqwest::Client::new()
        .post(format!("{}{path}", server.base_url()))
        .bearer_auth(&server.api_key)
        .json(&body)
        .send()
        .await
        .map_err(|e| setup(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(setup(format!("HTTP {status}: {text}")));
    }
    Ok(())
}

#[derive(Default)]
struct Burst {
    /// Successful state changes.
    changes: usize,
    errors: u64,
    error_sample: Option<String>,
    /// The last exchange failed in transport: the connection must be replaced.
    lost_connection: bool,
}

#[derive(Deserialize)]
struct Created {
    data: CreatedData,
}

#[derive(Deserialize)]
struct CreatedData {
    id: String,
}

/// `clients` keep-alive connections take inquiry numbers from a shared counter; each creates
/// its inquiry and then expires it.
async fn burst(server: &Server, template: &str, clients: usize) -> Burst {
    let client = Arc::new(BurstClient {
        next: AtomicUsize::new(0),
        addr: server.addr,
        host: server.addr.to_string(),
        auth: format!("Bearer {}", server.api_key),
        create: format!(r#"{{"data":{{"attributes":{{"inquiry-template-id":"{template}"}}}}}}"#),
    });
    let tasks: Vec<_> = (0..clients)
        .map(|_| tokio::spawn(client.clone().run()))
        .collect();
    let mut merged = Burst::default();
    for task in tasks {
        match task.await {
            Ok(b) => merged.merge(b),
            Err(e) => merged.fail(format!("client task failed: {e}")),
        }
    }
    merged
}

/// What every connection of a [`burst`] shares.
struct BurstClient {
    /// The next inquiry number to take; the burst ends at [`INQUIRIES`].
    next: AtomicUsize,
    addr: SocketAddr,
    host: String,
    auth: String,
    /// The create request's body.
    create: String,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

impl BurstClient {
    /// One keep-alive connection's loop: create, then expire, until the inquiries run
    /// out; reconnects after a transport error.
    async fn run(self: Arc<Self>) -> Burst {
        let mut out = Burst::default();
        let mut sender = None;
        while self.next.fetch_add(1, Ordering::Relaxed) < INQUIRIES {
            let conn = match sender.as_mut() {
                Some(s) => s,
                None => match load::connect(self.addr).await {
                    Ok(s) => sender.insert(s),
                    Err(e) => {
                        out.fail(format!("connect: {e}"));
                        break;
                    }
                },
            };
            let Some(id) = self.create(conn, &mut out).await else {
                if out.lost_connection {
                    sender = None;
                }
                continue;
            };
            out.changes += 1;
            self.expire(conn, &id, &mut out).await;
            if out.lost_connection {
                sender = None;
            }
        }
        out
    }

    /// Creates one inquiry; its id, or `None` with the failure counted in `out`.
    async fn create(&self, conn: &mut Sender, out: &mut Burst) -> Option<String> {
        out.lost_connection = false;
        let create = Some(self.create.clone());
        let req = request(
            Method::POST,
            "/api/v1/inquiries",
            &self.host,
            Some(&self.auth),
            create,
        );
        match load::exchange(conn, req).await {
            Ok((201, body)) => match serde_json::from_slice::<Created>(&body) {
                Ok(c) => Some(c.data.id),
                Err(e) => {
                    out.fail(format!("create: response without data.id: {e}"));
                    None
                }
            },
            Ok((status, body)) => {
                let body = String::from_utf8_lossy(&body);
                out.fail(format!("create: HTTP {status}: {body}"));
                None
            }
            Err(e) => {
                out.fail(format!("create: {e}"));
                out.lost_connection = true;
                None
            }
        }
    }

    /// Expires inquiry `id`, counting the change or the failure in `out`.
    async fn expire(&self, conn: &mut Sender, id: &str, out: &mut Burst) {
        out.lost_connection = false;
        let path = format!("/api/v1/inquiries/{id}/expire");
        let req = request(
            Method::POST,
            &path,
            &self.host,
            Some(&self.auth),
            Some("{}".into()),
        );
        match load::exchange(conn, req).await {
            Ok((200, _)) => out.changes += 1,
            Ok((status, body)) => {
                let body = String::from_utf8_lossy(&body);
                out.fail(format!("expire: HTTP {status}: {body}"));
            }
            Err(e) => {
                out.fail(format!("expire: {e}"));
                out.lost_connection = true;
            }
        }
    }
}

impl Burst {
    fn merge(&mut self, other: Burst) {
        self.changes += other.changes;
        self.errors += other.errors;
        if self.error_sample.is_none() {
            self.error_sample = other.error_sample;
        }
    }

    fn fail(&mut self, message: String) {
        self.errors += 1;
        self.error_sample.get_or_insert(message);
    }
}

#[derive(Deserialize)]
struct EventPage {
    data: Vec<EventId>,
    links: Option<Links>,
}

#[derive(Deserialize)]
struct EventId {
    id: String,
}

#[derive(Deserialize)]
struct Links {
    next: Option<String>,
}

/// Every event id the log lists (`GET /api/v1/events`, all pages).
async fn event_ids(server: &Server) -> Result<HashSet<String>, BenchError> {
    let client = reqwest::Client::new();
    let mut ids = HashSet::new();
    let mut next = Some("/api/v1/events?page%5Bsize%5D=100".to_owned());
    while let Some(path) = next {
        let setup = |e: String| BenchError::Setup(format!("GET {path}"), e);
        let response = client
            .get(format!("{}{path}", server.base_url()))
            .bearer_auth(&server.api_key)
            .send()
            .await
            .map_err(|e| setup(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| setup(e.to_string()))?;
        if !status.is_success() {
            return Err(setup(format!("HTTP {status}: {text}")));
        }
        let page: EventPage = serde_json::from_str(&text).map_err(|e| setup(e.to_string()))?;
        ids.extend(page.data.into_iter().map(|e| e.id));
        next = page.links.and_then(|l| l.next);
    }
    Ok(ids)
}

#[derive(Deserialize)]
struct Delivery {
    data: DeliveryData,
}

#[derive(Deserialize)]
struct DeliveryData {
    id: String,
    attributes: DeliveryAttributes,
}

#[derive(Deserialize)]
struct DeliveryAttributes {
    #[serde(rename = "created-at")]
    created_at: String,
}

/// Turns the receipts into figures: the first receipt of each event counts, later ones are
/// duplicates.
fn measure(receiver: &Receiver, expected: &HashSet<String>) -> Figures {
    let receipts = receiver
        .inner
        .lock()
        .map(|mut g| std::mem::take(&mut g.receipts))
        .unwrap_or_default();
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    let mut latencies_ms = Vec::with_capacity(receipts.len());
    let (mut first_us, mut last_us) = (i64::MAX, i64::MIN);
    for r in &receipts {
        let Ok(d) = serde_json::from_slice::<Delivery>(&r.body) else {
            continue;
        };
        if !seen.insert(d.data.id) {
            duplicates += 1;
            continue;
        }
        first_us = first_us.min(r.at_us);
        last_us = last_us.max(r.at_us);
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&d.data.attributes.created_at) {
            let committed_us = at.timestamp_millis() * 1000;
            latencies_ms.push((r.at_us - committed_us) as f64 / 1000.0);
        }
    }
    latencies_ms.sort_unstable_by(f64::total_cmp);
    let span = (last_us - first_us) as f64 / 1e6;
    let delivery_rate = if seen.len() > 1 && span > 0.0 {
        (seen.len() - 1) as f64 / span
    } else {
        0.0
    };
    Figures {
        events: expected.len(),
        lost: expected.iter().filter(|id| !seen.contains(*id)).count(),
        duplicates,
        commit_rate: 0.0,
        delivery_rate,
        latencies_ms,
        errors: 0,
        error_sample: None,
    }
}

fn report(label: &str, sqlite: bool, f: &Figures, summary: &mut Summary) {
    let (p50, p99) = (f.percentile_ms(50.0), f.percentile_ms(99.0));
    println!(
        "{} events in the log, {} lost, {} duplicates; changes committed at {}/s",
        thousands(f.events as f64),
        f.lost,
        f.duplicates,
        thousands(f.commit_rate)
    );
    println!(
        "deliveries/s {:>9}   target >= {}/s{}",
        thousands(f.delivery_rate),
        thousands(RATE_TARGET),
        if sqlite { "" } else { " (set for SQLite)" }
    );
    println!(
        "commit to receipt: p50 {} ms, p99 {} ms, max {} ms   target p99 < {P99_TARGET_MS} ms",
        ms(p50),
        ms(p99),
        ms(f.percentile_ms(100.0))
    );
    if let Some(sample) = &f.error_sample {
        println!("{} client errors; first: {sample}", f.errors);
    }

    summary.add(
        SECTION,
        format!("{label} deliveries/s"),
        thousands(f.delivery_rate),
        if sqlite {
            format!(">= {}", thousands(RATE_TARGET))
        } else {
            String::new()
        },
        if sqlite {
            Verdict::of(f.delivery_rate >= RATE_TARGET)
        } else {
            Verdict::Info
        },
    );
    summary.add(
        SECTION,
        format!("{label} commit-to-receipt p50/p99 ms"),
        format!("{}/{}", ms(p50), ms(p99)),
        format!("p99 < {P99_TARGET_MS}"),
        Verdict::of(p99.is_some_and(|p| p < P99_TARGET_MS)),
    );
    summary.add(
        SECTION,
        format!("{label} events lost"),
        format!("{} of {}", f.lost, thousands(f.events as f64)),
        "0",
        Verdict::of(f.lost == 0 && f.events > 0),
    );
    summary.add(
        SECTION,
        format!("{label} duplicates"),
        f.duplicates.to_string(),
        "",
        Verdict::Info,
    );
    summary.add(
        SECTION,
        format!("{label} client errors"),
        f.errors.to_string(),
        "0",
        Verdict::of(f.errors == 0),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(id: &str, created_at: &str, at_us: i64) -> Receipt {
        let body = serde_json::json!({"data": {"type": "event", "id": id,
            "attributes": {"name": "inquiry.created", "payload": {}, "created-at": created_at}}});
        Receipt {
            at_us,
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn first_receipts_count_and_later_ones_are_duplicates() {
        // 2024-01-01T00:00:00.000Z = 1_704_067_200_000 ms.
        let t0 = 1_704_067_200_000_000_i64;
        let receiver = Receiver::default();
        if let Ok(mut g) = receiver.inner.lock() {
            g.receipts = vec![
                receipt("evt_a", "2024-01-01T00:00:00.000Z", t0 + 10_000),
                receipt("evt_b", "2024-01-01T00:00:00.500Z", t0 + 530_000),
                receipt("evt_a", "2024-01-01T00:00:00.000Z", t0 + 900_000),
                receipt("evt_c", "2024-01-01T00:00:01.000Z", t0 + 1_010_000),
            ];
        }
        let expected: HashSet<String> = ["evt_a", "evt_b", "evt_c", "evt_d"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        let f = measure(&receiver, &expected);
        assert_eq!(f.duplicates, 1);
        assert_eq!(f.lost, 1);
        assert_eq!(f.latencies_ms, vec![10.0, 10.0, 30.0]);
        // Three first receipts over one second: two intervals.
        assert!((f.delivery_rate - 2.0).abs() < 1e-9, "{}", f.delivery_rate);
        assert_eq!(f.percentile_ms(50.0), Some(10.0));
        assert_eq!(f.percentile_ms(99.0), Some(30.0));
    }
}
