//! The `faces` section: the `bench_faces` example of `verity-faces` (model load time,
//! detect + align + embed per image — median and p99 — a selfie verification end to end, peak
//! memory), run like the `checks` section.

use std::time::Duration;

use crate::external::External;

pub fn faces() -> External {
    External {
        section: "faces",
        title: "faces: model load, detect+align+embed per image (median, p99), selfie end to end, peak memory",
        program: "cargo",
        args: [
            "run",
            "--release",
            "-q",
            "-p",
            "verity-faces",
            "--example",
            "bench_faces",
        ]
        .map(String::from)
        .to_vec(),
        requires: vec![(
            "crates/verity-faces/examples/bench_faces.rs",
            "the faces benchmark example is missing",
        )],
        env: Vec::new(),
        // Generous: the first run compiles tract in release.
        time_limit: Duration::from_secs(900),
        judge: None,
        exit_1_means_missed: false,
    }
}
