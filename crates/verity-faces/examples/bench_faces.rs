//! `cargo run --release -p verity-faces --example bench_faces [ROUNDS]`: model load time,
//! detect + align + embed per image (median, p99) at camera size (640×480) and as uploaded,
//! one selfie verification end to end (three poses and the ID front), and peak memory. The
//! `faces` section of `verity-bench` runs it.

use std::time::{Duration, Instant};

use image::DynamicImage;
use verity_checks::fixtures::{fixed_today, licence, LicenceVariant};
use verity_checks::{run_selfie, CheckContext, SelfieInput};
use verity_faces::FaceEngine;

fn photo(name: &str) -> Result<DynamicImage, String> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    image::open(&path).map_err(|e| format!("{path}: {e}"))
}

fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .to_rgb8()
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label}: median {:.1} ms, p99 {:.1} ms ({} runs)",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len()
    );
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn pipeline(engine: &FaceEngine, image: &DynamicImage) -> Result<Duration, String> {
    let started = Instant::now();
    let faces = engine.faces(image).map_err(|e| e.to_string())?;
    let face = faces.first().ok_or("no face")?;
    engine.embedding(image, face).map_err(|e| e.to_string())?;
    Ok(started.elapsed())
}

fn main() -> Result<(), String> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let started = Instant::now();
    let engine = FaceEngine::shipped().map_err(|e| e.to_string())?;
    println!(
        "model load: {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );

    let names = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"];
    let photos: Vec<DynamicImage> = names.iter().map(|n| photo(n)).collect::<Result<_, _>>()?;
    let camera: Vec<DynamicImage> = photos
        .iter()
        .map(|p| p.resize(640, 480, image::imageops::FilterType::Triangle))
        .collect();
    for (label, set) in [
        ("detect+align+embed, 640x480", &camera),
        ("detect+align+embed, as uploaded (0.7-3.3 MP)", &photos),
    ] {
        let mut times = Vec::new();
        for _ in 0..rounds {
            for image in set.iter() {
                times.push(pipeline(&engine, image)?);
            }
        }
        report(label, times);
    }

    let turned = &camera[1];
    let input = SelfieInput {
        poses: vec![
            ("center".into(), jpeg(&camera[2])?),
            ("left".into(), jpeg(&turned.fliph())?),
            ("right".into(), jpeg(turned)?),
        ],
        required_poses: vec!["center".into(), "left".into(), "right".into()],
        id_front: Some(licence(LicenceVariant::Valid, fixed_today()).input.front),
    };
    let ctx = CheckContext::new(fixed_today());
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        run_selfie(&input, &ctx, &engine);
        times.push(t.elapsed());
    }
    report("selfie verification end to end (3 poses + ID front)", times);
    match peak_mib() {
        Some(mib) => println!("peak memory: {mib:.0} MiB"),
        None => println!("peak memory: unavailable (no /proc)"),
    }
    Ok(())
}
