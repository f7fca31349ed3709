//! Measures the duplicate-face search (`selfie_duplicate`) over many stored faces: the store
//! reads every other inquiry's face (`Store::faces_except`) and each is compared with the
//! selfie's by cosine similarity, brute force, as the checks worker does.
//!
//! `cargo run -p verity-store --release --example face_search -- [DATABASE_URL] [FACES]`
//! (default: a SQLite file in a temp dir, 100000 faces of 192 dimensions, the shipped
//! embedder's size). Prints the time to store them, then the median and p99 of five
//! searches, split into reading and comparing.

use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::Map;
use verity_core::field::FieldSchema;
use verity_core::id::{Id, InquiryId, InquiryTemplateVersionId, TemplateId};
use verity_core::inquiry::{Inquiry, NewInquiry};
use verity_store::{Change, FaceRecord, InquiryWrite};

const DIMENSIONS: usize = 192;
/// Faces written per commit while filling the store.
const BATCH: usize = 500;
const SEARCHES: usize = 5;
/// What a search may take for the check to stay well inside the checks' time limit.
const TARGET: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = tempfile::tempdir()?;
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}/faces.db", dir.path().display()));
    let total: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let store = verity_store::open(&url, verity_store::Keyring::ephemeral()).await?;

    let started = Instant::now();
    for first in (0..total).step_by(BATCH) {
        // Concurrent commits, so the store groups them as it does under load.
        let commits: Vec<_> = batch(first, BATCH.min(total - first))
            .into_iter()
            .map(|change| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move { store.commit(change).await.map(|_| ()) })
            })
            .collect();
        for commit in commits {
            commit.await??;
        }
    }
    println!(
        "faces stored: {total} in {:.1?} ({})",
        started.elapsed(),
        store.backend()
    );

    let probe = unit(&mut rand::thread_rng());
    let nobody: InquiryId = Id::generate(&mut rand::thread_rng());
    let mut reads = Vec::new();
    let mut compares = Vec::new();
    for _ in 0..SEARCHES {
        let t = Instant::now();
        let faces = store.faces_except(&nobody).await?;
        reads.push(t.elapsed());
        let t = Instant::now();
        let best = faces
            .iter()
            .map(|f| dot(&probe, &f.embedding))
            .fold(f32::MIN, f32::max);
        compares.push(t.elapsed());
        assert_eq!(
            faces.len(),
            total,
            "every face is searched (best {best:.3})"
        );
    }
    let total_times: Vec<Duration> = reads.iter().zip(&compares).map(|(a, b)| *a + *b).collect();
    report("duplicate search, read", &reads, None);
    report("duplicate search, compare", &compares, None);
    report(
        "duplicate search over all faces",
        &total_times,
        Some(TARGET),
    );
    Ok(())
}

/// `n` new inquiries with a random face each, one change per inquiry.
fn batch(first: usize, n: usize) -> Vec<Change> {
    let mut rng = rand::thread_rng();
    let template_id = TemplateId::Dynamic(Id::generate(&mut rng));
    let version: InquiryTemplateVersionId = Id::generate(&mut rng);
    (0..n)
        .map(|i| {
            let created = Inquiry::create(
                NewInquiry {
                    id: Id::generate(&mut rng),
                    template_id: template_id.clone(),
                    template_version_id: version.clone(),
                    schema: FieldSchema(Vec::new()),
                    fields: Map::new(),
                    reference_id: Some(format!("user-{}", first + i)),
                    account_id: None,
                    note: None,
                    tags: vec![],
                    ttl_seconds: 3600,
                },
                1_700_000_000_000,
            )
            .expect("valid inquiry");
            let face = FaceRecord {
                inquiry_id: created.inquiry.id.clone(),
                reference_id: created.inquiry.reference_id.clone(),
                name_key: None,
                embedding: unit(&mut rng),
                created_at: 1_700_000_000_000,
            };
            Change {
                inquiry: Some(InquiryWrite::Insert(created.inquiry)),
                faces: vec![face],
                ..Change::default()
            }
        })
        .collect()
}

fn unit(rng: &mut impl Rng) -> Vec<f32> {
    let raw: Vec<f32> = (0..DIMENSIONS).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
    raw.into_iter().map(|v| v / norm).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One figure line: median and p99 (the slowest of few runs), with its target if any.
fn report(what: &str, times: &[Duration], target: Option<Duration>) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    let p99 = sorted[sorted.len() - 1];
    let verdict = target.map_or(String::new(), |t| {
        let met = if median <= t { "met" } else { "missed" };
        format!(" (target median < {t:.0?}: {met})")
    });
    println!("{what}: median {median:.1?}, p99 {p99:.1?}{verdict}");
}
