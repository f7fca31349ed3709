//! The `ocr` section: reading documents with the shipped OCR models — the `bench_ocr` example
//! of `verity-ocr`, which generates its own random documents and distortions (none shared with
//! the tests) and prints `name value` lines; each is judged against its target here.

use std::time::Duration;

use crate::external::External;
use crate::report::{Summary, Verdict};

const SECTION: &str = "ocr";

pub fn section() -> External {
    External {
        section: SECTION,
        title: "ocr: 200 random passports and ID cards read by the shipped models",
        program: "target/release/examples/bench_ocr",
        args: vec!["200".into()],
        requires: vec![(
            "target/release/examples/bench_ocr",
            "built by scripts/bench (cargo build --release --workspace --examples)",
        )],
        env: Vec::new(),
        // About a second per document.
        time_limit: Duration::from_secs(1800),
        judge: Some(judge),
        exit_1_means_missed: false,
    }
}

/// Targets: ≥ 99 % of zones exact, ≥ 97 % of each front field, median < 0.4 s, p99 < 1 s.
fn judge(lines: &[String], summary: &mut Summary) {
    for line in lines {
        let Some((name, value)) = line.split_once(' ') else {
            continue;
        };
        let Ok(v) = value.trim().parse::<f64>() else {
            summary.add(SECTION, line.trim(), "", "", Verdict::Info);
            continue;
        };
        let (target, met) = match name {
            "mrz_exact_pct" => (">= 99", Some(v >= 99.0)),
            n if n.starts_with("front_") => (">= 97", Some(v >= 97.0)),
            // Judged on the CPU time of the reading thread (one core), as the targets are stated.
            "cpu_seconds_per_document_median" => ("< 0.4", Some(v < 0.4)),
            "cpu_seconds_per_document_p99" => ("< 1", Some(v < 1.0)),
            _ => ("", None),
        };
        let verdict = met.map_or(Verdict::Info, Verdict::of);
        summary.add(SECTION, name, format!("{v}"), target, verdict);
    }
}
