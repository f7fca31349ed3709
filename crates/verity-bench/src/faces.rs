//! The `faces` section: the `bench_faces` example of `verity-faces` (model load time,
//! detect + align + embed per image — median and p99 — a selfie verification end to end, peak
//! memory), run like the `checks` section; then the duplicate-face search over 100,000 stored
//! faces (the `face_search` example of `verity-store`).

use std::time::Duration;

use crate::external::External;

pub fn faces() -> External {
    External {
        section: "faces",
        title: "faces: model load, detect+align+embed per image (median, p99), selfie end to end, peak memory",
        program: "target/release/examples/bench_faces",
        args: Vec::new(),
        requires: vec![(
            "target/release/examples/bench_faces",
            "built by scripts/bench (cargo build --release --workspace --examples)",
        )],
        env: Vec::new(),
                time_limit: Duration::from_secs(900),
        judge: None,
        exit_1_means_missed: false,
    }
}

/// The 1:N duplicate search (`selfie_duplicate`) over 100,000 faces stored in SQLite.
pub fn duplicate_search() -> External {
    External {
        section: "faces",
        title: "faces: duplicate search over 100,000 stored faces, read + compare (target median < 1 s)",
        program: "target/release/examples/face_search",
        args: Vec::new(),
        requires: vec![(
            "target/release/examples/face_search",
            "built by scripts/bench (cargo build --release --workspace --examples)",
        )],
        env: Vec::new(),
        time_limit: Duration::from_secs(900),
        judge: None,
        exit_1_means_missed: false,
    }
}
