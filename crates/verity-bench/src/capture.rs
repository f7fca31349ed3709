//! Part of section `flow`: the feedback one capture gets (docs/verifications.md §5). Each upload
//! is checked at once in its own request, so the time from sending an ID side or a selfie frame to
//! its answer — kept (201) or refused with the failing check (422) — is what the individual waits
//! before the flow moves on or asks for a retake. The release server on SQLite, shipped face and
//! OCR models, the `e2e` section's template (the default required checks) and fixtures; every
//! inquiry also sends one blurred front first, which must be refused.
//!
//! Figures: per-capture feedback latency over every upload (p50/p95, target p95 < 500 ms), the
//! refusals' own p50/p95, and the bytes a complete inquiry uploads (its five kept captures;
//! target < 2.5 MB). One inquiry runs first as a warm-up (the models load lazily).

use std::time::Instant;

use serde_json::{json, Value};
use verity_checks::fixtures::{self, LicenceVariant};

use crate::e2e::{create_template, inputs, multipart, percentile, truncate, Inputs, Upload};
use crate::error::BenchError;
use crate::report::{Summary, Verdict};
use crate::server::Server;
use crate::Context;

const SECTION: &str = "flow";
const INQUIRIES: usize = 10;
const LATENCY_P95_TARGET_MS: f64 = 500.0;
const BYTES_TARGET: u64 = 2_500_000;

/// What one inquiry measured.
struct Sample {
    kept_ms: Vec<f64>,
    refused_ms: f64,
    kept_bytes: u64,
}

pub async fn run(ctx: &Context, summary: &mut Summary) {
    println!("per-capture feedback: {INQUIRIES} inquiries through the flow API (SQLite, faces + OCR), one blurred front refused in each");
    match bench(ctx).await {
        Ok(samples) => report(&samples, summary),
        Err(e) => {
            println!("failed: {e}");
            let first = e.to_string().lines().next().unwrap_or_default().to_owned();
            summary.add(SECTION, "per-capture feedback", "-", first, Verdict::Failed);
        }
    }
}

async fn bench(ctx: &Context) -> Result<Vec<Sample>, BenchError> {
    let server = Server::start(&ctx.verity, None).await?;
    let result = drive(&server).await;
    server.stop().await;
    result
}

async fn drive(server: &Server) -> Result<Vec<Sample>, BenchError> {
    let base = server.base_url();
    let driver = Driver {
        client: reqwest::Client::new(),
        template: create_template(&base, &server.api_key).await?,
        base,
        inputs: inputs(),
        blurred: blurred_front(),
    };
    let failed = |e: String| BenchError::Setup("a capture inquiry".into(), e);
    driver.inquiry().await.map_err(failed)?;
    let mut samples = Vec::with_capacity(INQUIRIES);
    for _ in 0..INQUIRIES {
        samples.push(driver.inquiry().await.map_err(failed)?);
    }
    Ok(samples)
}

/// The generated licence's front, blurred: `id_blur` refuses it.
fn blurred_front() -> Upload {
    let id = fixtures::licence(LicenceVariant::Blurred, chrono::Utc::now().date_naive());
    let fields = [
        ("kind", "government_id"),
        ("side", "front"),
        ("capture-method", "upload"),
        ("id-class", "dl"),
        ("country", "US"),
    ];
    Upload {
        fields: fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        file_name: "front.png",
        content_type: "image/png",
        bytes: id.input.front,
    }
}

struct Driver {
    client: reqwest::Client,
    base: String,
    template: String,
    inputs: Inputs,
    blurred: Upload,
}

impl Driver {
    /// One inquiry: the fields, a refused blurred front, the kept ID sides and selfie frames.
    async fn inquiry(&self) -> Result<Sample, String> {
        let created = self
            .post("/inquiries", None, json!({"templateId": self.template}))
            .await?;
        let (Some(id), Some(token)) = (
            created["inquiry"]["id"].as_str(),
            created["sessionToken"].as_str(),
        ) else {
            return Err(format!("create answered without an id or token: {created}"));
        };
        let step = |name: &str| format!("/inquiries/{id}/steps/{name}");
        self.post(&step("details"), Some(token), self.inputs.details.clone())
            .await?;
        let (refused_ms, answer) = self.upload(id, token, &self.blurred).await?;
        if answer["error"]["code"] != "capture_refused" {
            return Err(format!("the blurred front was not refused: {answer}"));
        }
        let (mut kept_ms, mut kept_bytes) = (Vec::new(), 0);
        for (i, upload) in self
            .inputs
            .id_uploads
            .iter()
            .chain(&self.inputs.selfie_uploads)
            .enumerate()
        {
            if i == self.inputs.id_uploads.len() {
                self.post(&step("government-id"), Some(token), json!({}))
                    .await?;
            }
            let (ms, answer) = self.upload(id, token, upload).await?;
            if answer.get("document").is_none() {
                return Err(format!(
                    "a capture was not kept: {}",
                    truncate(&answer.to_string(), 300)
                ));
            }
            kept_ms.push(ms);
            kept_bytes += multipart(upload).1.len() as u64;
        }
        self.post(&step("selfie"), Some(token), json!({})).await?;
        Ok(Sample {
            kept_ms,
            refused_ms,
            kept_bytes,
        })
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Result<Value, String> {
        let mut request = self
            .client
            .post(format!("{}/flow/v1{path}", self.base))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "POST {path}: HTTP {status}: {}",
                truncate(&text, 300)
            ));
        }
        serde_json::from_str(&text).map_err(|e| format!("{e}: {}", truncate(&text, 300)))
    }

    /// Sends one capture; how long its answer took (ms) and the answer, kept or refused.
    async fn upload(&self, id: &str, token: &str, upload: &Upload) -> Result<(f64, Value), String> {
        let (content_type, body) = multipart(upload);
        let started = Instant::now();
        let response = self
            .client
            .post(format!("{}/flow/v1/inquiries/{id}/documents", self.base))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match status {
            201 | 422 => serde_json::from_str(&text)
                .map(|v| (ms, v))
                .map_err(|e| format!("{e}: {}", truncate(&text, 300))),
            _ => Err(format!("upload: HTTP {status}: {}", truncate(&text, 300))),
        }
    }
}

fn report(samples: &[Sample], summary: &mut Summary) {
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let refused = sorted(samples.iter().map(|s| s.refused_ms).collect());
    let all = sorted(
        samples
            .iter()
            .flat_map(|s| s.kept_ms.iter().copied().chain([s.refused_ms]))
            .collect(),
    );
    let show =
        |v: &[f64], p: f64| percentile(v, p).map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
    println!(
        "per-capture feedback: {} captures, p50 {} ms, p95 {} ms; refusals p50 {} ms, p95 {} ms",
        all.len(),
        show(&all, 50.0),
        show(&all, 95.0),
        show(&refused, 50.0),
        show(&refused, 95.0)
    );
    summary.add(
        SECTION,
        "per-capture feedback p50/p95 ms",
        format!("{}/{}", show(&all, 50.0), show(&all, 95.0)),
        format!("p95 < {LATENCY_P95_TARGET_MS}"),
        Verdict::of(percentile(&all, 95.0).is_some_and(|p| p < LATENCY_P95_TARGET_MS)),
    );
    summary.add(
        SECTION,
        "refused capture p50/p95 ms",
        format!("{}/{}", show(&refused, 50.0), show(&refused, 95.0)),
        format!("p95 < {LATENCY_P95_TARGET_MS}"),
        Verdict::of(percentile(&refused, 95.0).is_some_and(|p| p < LATENCY_P95_TARGET_MS)),
    );
    let bytes = samples.first().map(|s| s.kept_bytes);
    summary.add(
        SECTION,
        "bytes uploaded per complete inquiry",
        bytes.map_or_else(|| "-".to_owned(), |b| crate::report::thousands(b as f64)),
        format!("< {}", crate::report::thousands(BYTES_TARGET as f64)),
        Verdict::of(bytes.is_some_and(|b| b < BYTES_TARGET)),
    );
}
