//! Same person matches, different people do not, on every pair of the test photos.

use verity_checks::Embedding;
use verity_faces::MATCH_THRESHOLD;

use crate::{engine, photo};

fn embedding(name: &str) -> Embedding {
    let image = photo(name);
    let faces = engine().faces(&image).expect("detection runs");
    assert_eq!(faces.len(), 1, "{name}: one face expected, found {faces:?}");
    engine()
        .embedding(&image, &faces[0])
        .expect("embedding runs")
        .expect("a direction")
}

#[test]
fn every_same_person_pair_matches_and_every_different_pair_does_not() {
    let people = [
        ("obama.jpg", "obama"),
        ("obama2.jpg", "obama"),
        ("obama3.jpg", "obama"),
        ("biden.jpg", "biden"),
    ];
    let embeddings: Vec<Embedding> = people.iter().map(|(f, _)| embedding(f)).collect();
    let mut failures = Vec::new();
    for i in 0..people.len() {
        for j in i + 1..people.len() {
            let score = embeddings[i].cosine(&embeddings[j]);
            let same = people[i].1 == people[j].1;
            println!(
                "{} / {}: cosine {score:.3} ({}; threshold {MATCH_THRESHOLD})",
                people[i].0,
                people[j].0,
                if same {
                    "same person"
                } else {
                    "different people"
                }
            );
            if same != (score >= MATCH_THRESHOLD) {
                failures.push((people[i].0, people[j].0, score));
            }
        }
    }
    assert!(failures.is_empty(), "misjudged pairs: {failures:?}");
}

#[test]
fn an_embedding_is_unit_length_and_stable() {
    let a = embedding("obama.jpg");
    let norm: f32 = a.0.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    assert_eq!(a.0.len(), 192);
    assert!((a.cosine(&embedding("obama.jpg")) - 1.0).abs() < 1e-5);
}

/// Faces embedded together (two per run of the embedder, an odd one beside a copy of itself)
/// get the embeddings each gets alone, in order.
#[test]
fn faces_embedded_in_one_batch_match_each_embedded_alone() {
    let names = ["obama.jpg", "biden.jpg", "obama2.jpg"];
    let images: Vec<_> = names.iter().map(|n| photo(n)).collect();
    let faces: Vec<_> = images
        .iter()
        .map(|image| engine().faces(image).expect("detection runs")[0])
        .collect();
    let pairs: Vec<_> = images.iter().zip(&faces).collect();
    let batched = engine().embeddings(&pairs).expect("embedding runs");
    assert_eq!(batched.len(), names.len());
    for (name, got) in names.iter().zip(&batched) {
        let alone = embedding(name);
        let got = got.as_ref().expect("a direction");
        let cosine = got.cosine(&alone);
        assert!(
            (cosine - 1.0).abs() < 1e-5,
            "{name}: cosine {cosine} with its own embedding"
        );
    }
}

#[test]
fn models_load_from_a_directory_and_a_missing_one_is_a_clear_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let engine = verity_faces::FaceEngine::from_dir(&dir).expect("models/ loads");
    assert!(engine.source().contains("models"), "{}", engine.source());
    let image = photo("biden.jpg");
    assert_eq!(engine.faces(&image).expect("runs").len(), 1);
    let missing = verity_faces::FaceEngine::from_dir(&dir.join("nowhere"));
    let err = missing
        .err()
        .expect("a missing directory fails")
        .to_string();
    assert!(err.contains("face_detection_short_range.onnx"), "{err}");
}
