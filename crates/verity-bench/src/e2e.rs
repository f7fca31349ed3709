//! Section `e2e`: what one whole verification costs. A client drives complete verifications
//! through the flow API exactly as the flow app does (`web/flow/src/main.js`): create, the
//! fields step, the ID's front and back uploads, the ID step, three selfie frames, the selfie
//! step, then a look at the inquiry every 400 ms until the checks have decided. The server is
//! the release binary on SQLite with the shipped face and OCR models and a template that
//! requires the default checks of `verity-checks` (docs/verifications.md); the fixtures are
//! `verity-checks`' generated licence with a real portrait and its real-photo selfie set, so
//! every face check has a face to judge.
//!
//! Figures: server CPU-seconds per completed verification (the server process's own
//! utime + stime over the measured run, divided by the verifications it completed), the
//! verifications one core completes per hour, decision latency (the last step submission
//! leaving the client → the outcome's commit time the API reports), upload bytes per
//! verification and the server's peak resident memory (VmHWM). One verification runs first
//! as a warm-up (the models load lazily), outside every figure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use verity_checks::fixtures::{self, LicenceVariant, SelfieVariant};

use crate::cpu;
use crate::error::BenchError;
use crate::report::{heading, Summary, Verdict};
use crate::server::Server;
use crate::Context;

const SECTION: &str = "e2e";
/// Targets with faces and OCR on.
const CPU_TARGET_S: f64 = 0.5;
const DECISION_P95_TARGET_MS: f64 = 1000.0;
/// A phone's ID photos and three selfie frames: more than this is wasted mobile data.
const UPLOAD_TARGET_BYTES: u64 = 3 * 1024 * 1024;
/// The models and a few images in flight fit a small instance.
const MEMORY_TARGET_BYTES: u64 = 1024 * 1024 * 1024;
/// How often the flow app looks at the inquiry while its checks run (`OUTCOME_POLL_MS`).
const OUTCOME_POLL: Duration = Duration::from_millis(400);
/// A verification not decided within this time is reported as an error.
const OUTCOME_TIMEOUT: Duration = Duration::from_secs(120);

/// How many verifications, how many at once.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub verifications: usize,
    pub concurrency: usize,
}

/// One upload as the flow app sends it: its form fields, file name and image.
pub(crate) struct Upload {
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) file_name: &'static str,
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Vec<u8>,
}

/// The inputs every verification submits (generated once).
pub(crate) struct Inputs {
    pub(crate) details: Value,
    pub(crate) id_uploads: Vec<Upload>,
    pub(crate) selfie_uploads: Vec<Upload>,
}

/// What one verification measured.
struct Outcome {
    status: String,
    decision_ms: f64,
    upload_bytes: u64,
    /// For an inquiry that did not complete: its required checks that did not pass.
    unmet_checks: Vec<String>,
}

/// What the measured run gave.
struct Figures {
    outcomes: Vec<Outcome>,
    errors: Vec<String>,
    cpu_seconds: Option<f64>,
    wall: Duration,
    peak_memory: Option<u64>,
}

pub async fn run(ctx: &Context, load: Load, summary: &mut Summary) {
    heading("e2e: complete verifications through the flow API (SQLite, faces + OCR)");
    match bench(ctx, load).await {
        Ok(figures) => report(load, &figures, summary),
        Err(e) => {
            println!("failed: {e}");
            let first = e.to_string().lines().next().unwrap_or_default().to_owned();
            summary.add(SECTION, "(section)", "-", first, Verdict::Failed);
        }
    }
}

async fn bench(ctx: &Context, load: Load) -> Result<Figures, BenchError> {
    let inputs = Arc::new(inputs());
    let mut server = Server::start(&ctx.verity, None).await?;
    let result = drive(&mut server, load, inputs).await;
    server.stop().await;
    result
}

async fn drive(
    server: &mut Server,
    load: Load,
    inputs: Arc<Inputs>,
) -> Result<Figures, BenchError> {
    let base = server.base_url();
    let template = create_template(&base, &server.api_key).await?;
    let client = reqwest::Client::new();
    let driver = Arc::new(Driver {
        client,
        base,
        api_key: server.api_key.clone(),
        template,
        inputs,
    });
    println!(
        "{} verifications, {} at a time, server at {} (one warm-up verification first)",
        load.verifications, load.concurrency, server.addr
    );
    driver
        .verify()
        .await
        .map_err(|e| BenchError::Setup("warm-up verification".into(), e))?;

    let pid = server.pid();
    let cpu_before = pid.and_then(cpu::cpu_seconds_of);
    let started = Instant::now();
    let (outcomes, errors) = run_all(&driver, load).await;
    let wall = started.elapsed();
    let cpu_after = pid.and_then(cpu::cpu_seconds_of);
    if let Some(why) = server.exited() {
        return Err(BenchError::ServerDied(why));
    }
    Ok(Figures {
        outcomes,
        errors,
        cpu_seconds: cpu_before.zip(cpu_after).map(|(b, a)| a - b),
        wall,
        peak_memory: pid.and_then(cpu::peak_memory_bytes),
    })
}

/// `load.concurrency` tasks take verifications off one counter until `load.verifications`
/// have been started.
async fn run_all(driver: &Arc<Driver>, load: Load) -> (Vec<Outcome>, Vec<String>) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..load.concurrency.max(1) {
        let (driver, next) = (driver.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < load.verifications {
                results.push(driver.verify().await);
            }
            results
        }));
    }
    let (mut outcomes, mut errors) = (Vec::new(), Vec::new());
    for task in tasks {
        match task.await {
            Ok(results) => {
                for r in results {
                    match r {
                        Ok(o) => outcomes.push(o),
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(e) => errors.push(format!("verification task failed: {e}")),
        }
    }
    (outcomes, errors)
}

/// The licence of an adult (valid today) and the selfie set of the portrait's person.
pub(crate) fn inputs() -> Inputs {
    let today = chrono::Utc::now().date_naive();
    let id = fixtures::licence(LicenceVariant::Valid, today);
    let typed = &id.inquiry;
    let details = json!({"fields": {
        "name-first": typed.name_first,
        "name-last": typed.name_last,
        "birthdate": typed.birthdate.map(|d| d.to_string()),
    }});
    let id_field = |side: &str| {
        vec![
            ("kind", "government_id".to_owned()),
            ("side", side.to_owned()),
            ("capture-method", "upload".to_owned()),
            ("id-class", "dl".to_owned()),
            ("country", "US".to_owned()),
        ]
    };
    let mut id_uploads = vec![Upload {
        fields: id_field("front"),
        file_name: "front.png",
        content_type: "image/png",
        bytes: id.input.front.clone(),
    }];
    if let Some(back) = &id.input.back {
        id_uploads.push(Upload {
            fields: id_field("back"),
            file_name: "back.png",
            content_type: "image/png",
            bytes: back.clone(),
        });
    }
    let selfie_uploads = fixtures::selfie(SelfieVariant::Valid)
        .poses
        .into_iter()
        .map(|(pose, bytes)| Upload {
            fields: vec![
                ("kind", "selfie".to_owned()),
                ("side", pose),
                ("capture-method", "auto".to_owned()),
            ],
            file_name: "selfie.jpeg",
            content_type: "image/jpeg",
            bytes,
        })
        .collect();
    Inputs {
        details,
        id_uploads,
        selfie_uploads,
    }
}

/// A template with the default required checks (no `required-checks` key), an age limit and
/// the steps of a complete verification.
fn template_document() -> Value {
    json!({"data": {"attributes": {
        "name": "Bench: full verification",
        "kind": "dynamic",
        "steps": [
            {"name": "details", "kind": "fields", "name-display": "Details",
             "fields": ["name-first", "name-last", "birthdate"]},
            {"name": "government-id", "kind": "government_id", "name-display": "ID", "id-classes": ["dl"]},
            {"name": "selfie", "kind": "selfie", "name-display": "Selfie", "poses": ["center", "left", "right"]},
            {"name": "done", "kind": "completion", "name-display": "Done"}
        ],
        "fields": [
            {"key": "name-first", "type": "string", "required": true},
            {"key": "name-last", "type": "string", "required": true},
            {"key": "birthdate", "type": "date", "required": true}
        ],
        "allowed-domains": ["localhost", "127.0.0.1"],
        "minimum-age": 18
    }}})
}

pub(crate) async fn create_template(base: &str, api_key: &str) -> Result<String, BenchError> {
    let path = "/api/v1/inquiry-templates";
    let setup = |e: String| BenchError::Setup(format!("POST {path}"), e);
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(api_key)
        .json(&template_document())
        .send()
        .await
        .map_err(|e| setup(e.to_string()))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| setup(e.to_string()))?;
    match body["data"]["id"].as_str() {
        Some(id) if status.is_success() => Ok(id.to_owned()),
        _ => Err(setup(format!("HTTP {status}: {body}"))),
    }
}

/// The individual's side of the flow API, plus one REST read for the commit time.
struct Driver {
    client: reqwest::Client,
    base: String,
    api_key: String,
    template: String,
    inputs: Arc<Inputs>,
}

impl Driver {
    /// One complete verification, as the flow app sends it.
    async fn verify(&self) -> Result<Outcome, String> {
        let created = self
            .send(
                self.flow("/inquiries")
                    .json(&json!({"templateId": self.template})),
            )
            .await?;
        let (Some(id), Some(token)) = (
            created["inquiry"]["id"].as_str(),
            created["sessionToken"].as_str(),
        ) else {
            return Err(format!("create answered without an id or token: {created}"));
        };
        let step = |name: &str, body: &Value| {
            self.flow(&format!("/inquiries/{id}/steps/{name}"))
                .bearer_auth(token)
                .json(body)
        };
        self.send(step("details", &self.inputs.details)).await?;
        let mut upload_bytes = 0;
        for upload in &self.inputs.id_uploads {
            upload_bytes += self.upload(id, token, upload).await?;
        }
        self.send(step("government-id", &json!({}))).await?;
        for upload in &self.inputs.selfie_uploads {
            upload_bytes += self.upload(id, token, upload).await?;
        }
        let submitted_ms = chrono::Utc::now().timestamp_millis();
        self.send(step("selfie", &json!({}))).await?;
        let status = self.await_outcome(id, token).await?;
        let decided_ms = self.decided_at(id).await?;
        let unmet_checks = if status == "completed" {
            Vec::new()
        } else {
            self.unmet_checks(id).await?
        };
        Ok(Outcome {
            status,
            decision_ms: (decided_ms - submitted_ms) as f64,
            upload_bytes,
            unmet_checks,
        })
    }

    fn flow(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}/flow/v1{path}", self.base))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, String> {
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", truncate(&body, 300)));
        }
        serde_json::from_str(&body).map_err(|e| format!("{e}: {}", truncate(&body, 300)))
    }

    /// Posts one multipart upload; returns the bytes of its body.
    async fn upload(&self, id: &str, token: &str, upload: &Upload) -> Result<u64, String> {
        let (content_type, body) = multipart(upload);
        let bytes = body.len() as u64;
        let request = self
            .flow(&format!("/inquiries/{id}/documents"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body);
        self.send(request).await?;
        Ok(bytes)
    }

    /// Looks at the inquiry like the flow app until it is no longer `pending`.
    async fn await_outcome(&self, id: &str, token: &str) -> Result<String, String> {
        let started = Instant::now();
        loop {
            tokio::time::sleep(OUTCOME_POLL).await;
            let request = self
                .client
                .get(format!("{}/flow/v1/inquiries/{id}", self.base))
                .bearer_auth(token);
            let state = self.send(request).await?;
            let status = state["inquiry"]["status"].as_str().unwrap_or_default();
            if status != "pending" {
                return Ok(status.to_owned());
            }
            if started.elapsed() > OUTCOME_TIMEOUT {
                return Err(format!("{id} still pending after {OUTCOME_TIMEOUT:?}"));
            }
        }
    }

    /// When the outcome was committed: `completed-at` or `failed-at`, in Unix milliseconds.
    async fn decided_at(&self, id: &str) -> Result<i64, String> {
        let request = self
            .client
            .get(format!("{}/api/v1/inquiries/{id}", self.base))
            .bearer_auth(&self.api_key);
        let doc = self.send(request).await?;
        let attributes = &doc["data"]["attributes"];
        let at = attributes["completed-at"]
            .as_str()
            .or_else(|| attributes["failed-at"].as_str())
            .ok_or_else(|| format!("{id} has neither completed-at nor failed-at"))?;
        chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| t.timestamp_millis())
            .map_err(|e| format!("{id}: bad time {at}: {e}"))
    }
}

impl Driver {
    /// The required checks of the inquiry's verifications that did not pass, as `name: status`.
    async fn unmet_checks(&self, id: &str) -> Result<Vec<String>, String> {
        let request = self
            .client
            .get(format!(
                "{}/api/v1/inquiries/{id}?include=verifications",
                self.base
            ))
            .bearer_auth(&self.api_key);
        let doc = self.send(request).await?;
        let included = doc["included"].as_array().cloned().unwrap_or_default();
        Ok(included
            .iter()
            .flat_map(|v| {
                v["attributes"]["checks"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|c| c["required"] == true && c["status"] != "passed")
            .map(|c| format!("{}: {}", c["name"], c["status"]))
            .collect())
    }
}

/// A multipart form body as a browser's `FormData` sends it.
pub(crate) fn multipart(upload: &Upload) -> (String, Vec<u8>) {
    let boundary = "----verity-bench-boundary-5f2c91";
    let mut body = Vec::with_capacity(upload.bytes.len() + 1024);
    for (k, v) in &upload.fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
             Content-Type: {}\r\n\r\n",
            upload.file_name, upload.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&upload.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn report(load: Load, f: &Figures, summary: &mut Summary) {
    let completed = f
        .outcomes
        .iter()
        .filter(|o| o.status == "completed")
        .count();
    let decided = f.outcomes.len();
    println!(
        "{decided} of {} verifications decided in {:.1} s, {completed} completed, {} errors",
        load.verifications,
        f.wall.as_secs_f64(),
        f.errors.len()
    );
    if let Some(e) = f.errors.first() {
        println!("first error: {e}");
    }
    if let Some(o) = f.outcomes.iter().find(|o| o.status != "completed") {
        println!(
            "first inquiry not completed: {}, unmet required checks: {}",
            o.status,
            o.unmet_checks.join(", ")
        );
    }
    summary.add(
        SECTION,
        "verifications completed",
        format!("{completed}/{}", load.verifications),
        "all",
        Verdict::of(completed == load.verifications),
    );
    summarise_cost(f, completed, summary);
    summarise_latency(f, summary);
    summarise_sizes(f, summary);
}

fn summarise_cost(f: &Figures, completed: usize, summary: &mut Summary) {
    let per = f
        .cpu_seconds
        .filter(|_| completed > 0)
        .map(|s| s / completed as f64);
    let show = per.map_or_else(|| "-".to_owned(), |s| format!("{s:.3}"));
    println!(
        "server CPU: {} s over the run, {show} s per completed verification",
        f.cpu_seconds
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"))
    );
    summary.add(
        SECTION,
        "server CPU-s per verification (mean)",
        show,
        format!("<= {CPU_TARGET_S}"),
        Verdict::of(per.is_some_and(|s| s <= CPU_TARGET_S)),
    );
    let per_core_hour = per.filter(|s| *s > 0.0).map(|s| 3600.0 / s);
    summary.add(
        SECTION,
        "verifications per core-hour",
        per_core_hour.map_or_else(|| "-".to_owned(), crate::report::thousands),
        format!(">= {}", crate::report::thousands(3600.0 / CPU_TARGET_S)),
        Verdict::of(per_core_hour.is_some_and(|v| v >= 3600.0 / CPU_TARGET_S)),
    );
}

fn summarise_latency(f: &Figures, summary: &mut Summary) {
    let mut decisions: Vec<f64> = f.outcomes.iter().map(|o| o.decision_ms).collect();
    decisions.sort_by(f64::total_cmp);
    let [p50, p95, p99] = [50.0, 95.0, 99.0].map(|p| percentile(&decisions, p));
    let show = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
    println!(
        "decision latency (last submission -> outcome committed): p50 {} ms, p95 {} ms, p99 {} ms",
        show(p50),
        show(p95),
        show(p99)
    );
    summary.add(
        SECTION,
        "decision latency p50/p95/p99 ms",
        format!("{}/{}/{}", show(p50), show(p95), show(p99)),
        format!("p95 < {DECISION_P95_TARGET_MS}"),
        Verdict::of(p95.is_some_and(|p| p < DECISION_P95_TARGET_MS)),
    );
}

fn summarise_sizes(f: &Figures, summary: &mut Summary) {
    let upload = f.outcomes.first().map(|o| o.upload_bytes);
    summary.add(
        SECTION,
        "upload bytes per verification",
        upload.map_or_else(|| "-".to_owned(), |b| crate::report::thousands(b as f64)),
        format!(
            "<= {}",
            crate::report::thousands(UPLOAD_TARGET_BYTES as f64)
        ),
        Verdict::of(upload.is_some_and(|b| b <= UPLOAD_TARGET_BYTES)),
    );
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    summary.add(
        SECTION,
        "peak server memory (VmHWM) MiB",
        f.peak_memory
            .map_or_else(|| "-".to_owned(), |b| format!("{:.0}", mib(b))),
        format!("<= {:.0}", mib(MEMORY_TARGET_BYTES)),
        Verdict::of(f.peak_memory.is_some_and(|b| b <= MEMORY_TARGET_BYTES)),
    );
    summary.add(
        SECTION,
        "errors",
        f.errors.len().to_string(),
        "0",
        Verdict::of(f.errors.is_empty()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn a_multipart_body_carries_every_field_and_the_file() {
        let upload = Upload {
            fields: vec![("kind", "selfie".into()), ("side", "left".into())],
            file_name: "selfie.jpeg",
            content_type: "image/jpeg",
            bytes: vec![0xff, 0xd8, 0xff],
        };
        let (content_type, body) = multipart(&upload);
        let text = String::from_utf8_lossy(&body);
        assert!(content_type.starts_with("multipart/form-data; boundary="));
        assert!(text.contains("name=\"kind\"\r\n\r\nselfie\r\n"), "{text}");
        assert!(text.contains("name=\"side\"\r\n\r\nleft\r\n"), "{text}");
        assert!(text.contains("filename=\"selfie.jpeg\""), "{text}");
        assert!(body.windows(3).any(|w| w == [0xff, 0xd8, 0xff]));
    }
}
