//! Writes synthetic ID and selfie images to a directory, for end-to-end tests that upload
//! them through the flow (web/tests/flow/verifications.test.js). Nothing in them is real.
//!
//! `cargo run -p verity-checks --example write_fixtures -- DIR [YYYY-MM-DD]`
//!
//! Writes `licence-<variant>-front.png`, `licence-<variant>-back.png` for every licence
//! variant, `licence-edited-front-front.png` / `-back.png` (the printed surname changed, the
//! barcode kept), `passport-valid.png` and `passport-edited-front.png` (a data page whose MRZ
//! must be read, issued by `NL` so the flow's country list has it; the second with its printed
//! surname changed and its zone kept), `selfie-<pose>.jpg` (a valid pose set), and
//! `holder.json`: the inquiry fields a user would type for the valid licence (`name-first`,
//! `name-last`, `birthdate`), the document number, and under `passport` the passport's country
//! and the names in its zone. Dates are relative to the given day (default: today, UTC), so the
//! valid documents are valid on that day.

use std::path::PathBuf;

use verity_checks::fixtures::{self, Capture, LicenceVariant, ReadVariant, SelfieVariant};

fn variant_name(v: LicenceVariant) -> &'static str {
    match v {
        LicenceVariant::Valid => "valid",
        LicenceVariant::Expired => "expired",
        LicenceVariant::UnderAge => "under-age",
        LicenceVariant::Blurred => "blurred",
        LicenceVariant::Glare => "glare",
        LicenceVariant::MismatchedName => "mismatched-name",
        LicenceVariant::BrokenBarcode => "broken-barcode",
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: write_fixtures DIR [YYYY-MM-DD]")?,
    );
    let today = match args.next() {
        Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")?,
        None => chrono::Utc::now().date_naive(),
    };
    std::fs::create_dir_all(&dir)?;
    for variant in LicenceVariant::ALL {
        let f = fixtures::licence(variant, today);
        let name = variant_name(variant);
        std::fs::write(
            dir.join(format!("licence-{name}-front.png")),
            &f.input.front,
        )?;
        if let Some(back) = &f.input.back {
            std::fs::write(dir.join(format!("licence-{name}-back.png")), back)?;
        }
    }
    let edited = fixtures::licence_read(ReadVariant::EditedFrontName, Capture::Scan, today);
    std::fs::write(
        dir.join("licence-edited-front-front.png"),
        &edited.input.front,
    )?;
    if let Some(back) = &edited.input.back {
        std::fs::write(dir.join("licence-edited-front-back.png"), back)?;
    }
    let passport_country = "NL";
    let passport =
        fixtures::passport_read_from(ReadVariant::Valid, Capture::Scan, today, passport_country);
    std::fs::write(dir.join("passport-valid.png"), &passport.input.front)?;
    let edited = fixtures::passport_read_from(
        ReadVariant::EditedFrontName,
        Capture::Scan,
        today,
        passport_country,
    );
    std::fs::write(dir.join("passport-edited-front.png"), &edited.input.front)?;
    for (pose, bytes) in fixtures::selfie(SelfieVariant::Valid).poses {
        std::fs::write(dir.join(format!("selfie-{pose}.jpg")), bytes)?;
    }
    let valid = fixtures::licence(LicenceVariant::Valid, today);
    let holder = serde_json::json!({
        "name-first": valid.inquiry.name_first,
        "name-last": valid.inquiry.name_last,
        "birthdate": valid.inquiry.birthdate.map(|d| d.to_string()),
        "document-number": valid.holder.document_number,
        "today": today.to_string(),
        "passport": {
            "country": passport_country,
            "name-last": passport.holder.name_last,
            "name-first": passport.holder.name_first,
        },
    });
    std::fs::write(dir.join("holder.json"), serde_json::to_vec_pretty(&holder)?)?;
    println!("{}", dir.display());
    Ok(())
}
