//! Section `uploads`: peak server memory under hostile uploads. The server (SQLite, defaults
//! but for rate limits) gets three waves of 32 concurrent flow uploads: a 7000×7000 PNG (a
//! few hundred kB that would decode to 49 MB a channel — refused from its header); then
//! the largest image the default pixel budget (`upload_max_pixels`, 16 MP) accepts, a
//! 4000×4000 RGBA PNG, as an ID front; then the same image as a selfie frame, which the
//! face model reads too. The accepted ones each decode fully (64 MB of RGBA pixels, then
//! kept as RGB while checked) — at most `upload_decode_concurrency` at a time. Figure: the
//! server's peak resident memory (`VmHWM` of /proc/PID/status) after the three waves.
//! Target: < 300 MB.

use std::io::Cursor;

use serde_json::{json, Value};

use crate::error::BenchError;
use crate::report::{heading, Summary, Verdict};
use crate::requests::demo_template;
use crate::server::Server;
use crate::Context;

const SECTION: &str = "uploads";
const CONCURRENT: usize = 32;
const TARGET_MB: f64 = 300.0;

pub async fn run(ctx: &Context, summary: &mut Summary) {
    heading("uploads: 32 concurrent hostile images");
    match measure(ctx).await {
        Ok(figures) => figures.report(summary),
        Err(e) => {
            println!("failed: {e}");
            summary.add(
                SECTION,
                "peak server RSS",
                "-",
                e.to_string(),
                Verdict::Failed,
            );
        }
    }
}

/// The largest square inside the default pixel budget (16,000,000 pixels).
const LARGEST_SIDE: u32 = 4000;

struct Figures {
    baseline_mb: f64,
    peak_mb: f64,
    refused: Vec<u16>,
    fronts: Vec<u16>,
    selfies: Vec<u16>,
}

impl Figures {
    fn report(&self, summary: &mut Summary) {
        let statuses = |s: &[u16]| {
            let mut s = s.to_vec();
            s.sort_unstable();
            s.dedup();
            format!("{s:?}")
        };
        println!(
            "7000×7000 PNGs answered {}; {LARGEST_SIDE}×{LARGEST_SIDE} RGBA PNGs answered {} \
             as ID fronts and {} as selfie frames",
            statuses(&self.refused),
            statuses(&self.fronts),
            statuses(&self.selfies)
        );
        println!(
            "server resident memory: {:.0} MB before, peak {:.0} MB",
            self.baseline_mb, self.peak_mb
        );
        summary.add(
            SECTION,
            "peak server RSS, 3 × 32 concurrent hostile uploads",
            format!("{:.0} MB", self.peak_mb),
            "< 300 MB",
            Verdict::of(self.peak_mb < TARGET_MB),
        );
        let refused_all = self.refused.iter().all(|s| *s == 422);
        summary.add(
            SECTION,
            "7000×7000 PNG refused (422)",
            format!(
                "{}/{}",
                self.refused.iter().filter(|s| **s == 422).count(),
                CONCURRENT
            ),
            "all",
            Verdict::of(refused_all),
        );
    }
}

async fn measure(ctx: &Context) -> Result<Figures, BenchError> {
    let settings = [
        ("VERITY_FLOW_RATE_LIMIT_PER_ADDRESS_PER_SECOND", "0"),
        ("VERITY_FLOW_RATE_LIMIT_PER_INQUIRY_PER_SECOND", "0"),
    ];
    let server = Server::start_with(&ctx.verity, None, &settings).await?;
    let result = waves(&server).await;
    server.stop().await;
    result
}

async fn waves(server: &Server) -> Result<Figures, BenchError> {
    let template = demo_template(server).await?;
    let client = reqwest::Client::new();
    let mut sessions = Vec::with_capacity(CONCURRENT);
    for _ in 0..CONCURRENT {
        sessions.push(new_inquiry(&client, server, &template).await?);
    }
    let bomb = png(7000, 7000, false)?;
    let large = png(LARGEST_SIDE, LARGEST_SIDE, true)?;
    println!(
        "images: 7000×7000 PNG of {} kB, {LARGEST_SIDE}×{LARGEST_SIDE} RGBA PNG of {} kB",
        bomb.len() / 1024,
        large.len() / 1024
    );
    let pid = server.pid();
    let baseline_mb = memory_mb(pid, "VmRSS:").unwrap_or(0.0);
    let refused = wave(&client, server, &sessions, &bomb, &ID_FRONT).await;
    let fronts = wave(&client, server, &sessions, &large, &ID_FRONT).await;
    let selfies = wave(&client, server, &sessions, &large, &SELFIE_CENTER).await;
    let peak_mb = memory_mb(pid, "VmHWM:")
        .ok_or_else(|| BenchError::Setup("reading /proc/PID/status".into(), "no VmHWM".into()))?;
    Ok(Figures {
        baseline_mb,
        peak_mb,
        refused,
        fronts,
        selfies,
    })
}

/// A new inquiry through the public flow API: its id and session token.
async fn new_inquiry(
    client: &reqwest::Client,
    server: &Server,
    template: &str,
) -> Result<(String, String), BenchError> {
    let setup = |e: String| BenchError::Setup("POST /flow/v1/inquiries".into(), e);
    let body: Value = client
        .post(format!("{}/flow/v1/inquiries", server.base_url()))
        .json(&json!({ "templateId": template }))
        .send()
        .await
        .map_err(|e| setup(e.to_string()))?
        .json()
        .await
        .map_err(|e| setup(e.to_string()))?;
    let id = body["inquiry"]["id"].as_str();
    let token = body["sessionToken"].as_str();
    match (id, token) {
        (Some(id), Some(token)) => Ok((id.to_owned(), token.to_owned())),
        _ => Err(setup(format!("unexpected answer {body}"))),
    }
}

/// The upload form's values (docs/contract.md §5) for an ID's front.
const ID_FRONT: [(&str, &str); 4] = [
    ("kind", "government_id"),
    ("side", "front"),
    ("id-class", "dl"),
    ("capture-method", "upload"),
];

/// The upload form's values for a selfie's centre pose.
const SELFIE_CENTER: [(&str, &str); 3] = [
    ("kind", "selfie"),
    ("side", "center"),
    ("capture-method", "manual"),
];

/// One upload of `image` (with the form's `fields`) to each inquiry, all at once; their
/// statuses.
async fn wave(
    client: &reqwest::Client,
    server: &Server,
    sessions: &[(String, String)],
    image: &[u8],
    fields: &[(&str, &str)],
) -> Vec<u16> {
    let boundary = "verity-bench-boundary";
    let body = multipart(boundary, image, fields);
    let handles: Vec<_> = sessions
        .iter()
        .map(|(id, token)| {
            let upload = client
                .post(format!(
                    "{}/flow/v1/inquiries/{id}/documents",
                    server.base_url()
                ))
                .bearer_auth(token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body.clone())
                .send();
            tokio::spawn(upload)
        })
        .collect();
    let mut statuses = Vec::with_capacity(handles.len());
    for handle in handles {
        let status = match handle.await {
            Ok(Ok(response)) => response.status().as_u16(),
            _ => 0,
        };
        statuses.push(status);
    }
    statuses
}

/// The flow's upload form (docs/contract.md §5): `fields`, then `image` as the file.
fn multipart(boundary: &str, image: &[u8], fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::with_capacity(image.len() + 1024);
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"image.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(image);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// A flat PNG of `width`×`height` (grey, or RGBA: four bytes a pixel once decoded): tiny
/// on the wire, large once decoded.
fn png(width: u32, height: u32, rgba: bool) -> Result<Vec<u8>, BenchError> {
    let image: image::DynamicImage = if rgba {
        image::RgbaImage::from_pixel(width, height, image::Rgba([200, 180, 160, 255])).into()
    } else {
        image::GrayImage::from_pixel(width, height, image::Luma([200])).into()
    };
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| BenchError::Setup("encoding a test PNG".into(), e.to_string()))?;
    Ok(out.into_inner())
}

/// A `/proc/PID/status` figure (`VmRSS:`, `VmHWM:`) in MB.
fn memory_mb(pid: Option<u32>, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}
