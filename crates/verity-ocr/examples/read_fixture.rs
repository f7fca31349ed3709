//! Prints the lines the embedded models read on a fixture (debugging aid).
//! `cargo run -p verity-ocr --example read_fixture -- passport|passport-photo|card-front|card-back|card-photo`
use verity_checks::fixtures::{fixed_today, id_card, passport_read, Capture, ReadVariant};
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let today = fixed_today();
    let f = match which.as_str() {
        "card-front" | "card-back" => id_card(ReadVariant::Valid, Capture::Scan, today),
        "passport-photo" => passport_read(ReadVariant::Valid, Capture::Photo, today),
        "card-photo" => id_card(ReadVariant::Valid, Capture::Photo, today),
        _ => passport_read(ReadVariant::Valid, Capture::Scan, today),
    };
    let bytes = if which == "card-back" || which == "card-photo" {
        f.input.back.clone().unwrap_or_default()
    } else {
        f.input.front.clone()
    };
    let gray = image::load_from_memory(&bytes)
        .expect("fixture decodes")
        .to_luma8();
    let ocr = verity_ocr::Ocr::embedded().expect("models load");
    for l in ocr.read_lines(&gray).expect("reads") {
        println!(
            "{:?} | {} | {:.2} {:?}",
            l.text, l.mrz, l.confidence, l.bounds
        );
    }
    println!("truth:\n{}", f.mrz_text.unwrap_or_default());
}
