//! Checks benchmark: milliseconds per government ID (front + back) through every check, on
//! generated licences. Prints the median and p99 over `RUNS` runs (default 50).
//!
//! `cargo run --release -p verity-checks --example bench_checks [-- RUNS]`

use std::time::Instant;

use verity_checks::fixtures::{self, LicenceVariant};
use verity_checks::{run_government_id, RequiredChecks};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // Nearest-rank percentile.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50)
        .max(1);
    let today = fixtures::fixed_today();
    let fixture = fixtures::licence(LicenceVariant::Valid, today);
    let ctx = fixture.context(today);
    let required = RequiredChecks::default();
    // One warm-up run so first-touch allocation is not counted.
    let warm = run_government_id(&fixture.input, &ctx, &verity_checks::NoTextReader);
    assert!(
        warm.passed(&required),
        "the valid fixture must pass: {:#?}",
        warm.checks
    );

    let mut millis: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let report = run_government_id(&fixture.input, &ctx, &verity_checks::NoTextReader);
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            assert!(report.passed(&required));
            elapsed
        })
        .collect();
    millis.sort_by(f64::total_cmp);
    let (w, h) = fixtures::CARD;
    println!("checks per ID (front+back, {w}x{h} PNG, every government-ID check): {runs} runs");
    println!("median_ms {:.2}", percentile(&millis, 50.0));
    println!("p99_ms {:.2}", percentile(&millis, 99.0));
}
