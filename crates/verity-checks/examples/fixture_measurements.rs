//! Prints each fixture variant's measurements (sharpness, glare fraction, hash distances,
//! barcode scale) next to the thresholds — the evidence for the defaults in `Thresholds`.
//!
//! `cargo run -p verity-checks --example fixture_measurements`

use verity_checks::fixtures::{self, LicenceVariant, PassportVariant, SelfieVariant};
use verity_checks::{names, run_government_id, run_selfie, CheckContext, NoFaceModel, Thresholds};

fn main() {
    let today = fixtures::fixed_today();
    println!("thresholds: {:?}", Thresholds::default());
    let ids = LicenceVariant::ALL
        .iter()
        .map(|v| (format!("licence {v:?}"), fixtures::licence(*v, today)))
        .chain(
            [PassportVariant::Valid, PassportVariant::BadMrz]
                .map(|v| (format!("passport {v:?}"), fixtures::passport(v, today))),
        );
    for (label, f) in ids {
        let r = run_government_id(&f.input, &f.context(today), &verity_checks::NoTextReader);
        println!("{label}:");
        for name in [
            names::ID_BLUR,
            names::ID_GLARE,
            names::ID_SAME_IMAGE,
            names::ID_BARCODE,
        ] {
            if let Some(c) = r.check(name) {
                println!("  {name} {:?} {}", c.status, c.details);
            }
        }
    }
    for v in [
        SelfieVariant::Valid,
        SelfieVariant::Replayed,
        SelfieVariant::Blurred,
    ] {
        let r = run_selfie(
            &fixtures::selfie(v),
            &CheckContext::new(today),
            &NoFaceModel,
        );
        println!("selfie {v:?}:");
        for name in [
            names::SELFIE_REPLAY,
            names::SELFIE_BLUR,
            names::SELFIE_GLARE,
        ] {
            if let Some(c) = r.check(name) {
                println!("  {name} {:?} {}", c.status, c.details);
            }
        }
    }
}
