//! Running every government-ID check on one submission and collecting what the document says.
//!
//! Data sources, in order of trust: the AAMVA barcode (North American licences and ID cards),
//! then a valid MRZ (passports, TD1 ID cards). Data from a barcode that does not parse or an
//! MRZ whose check digits fail is not used: the report then says so rather than guessing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::check::names;
use crate::checks::{
    aamva, age, barcode, blur, consistency, decode, expiry, glare, mrz, resolution, same_image,
    Side,
};
use crate::{Check, CheckContext, RequiredChecks};

/// One government-ID submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernmentIdInput {
    /// Persona's id classes: `dl` (driver licence), `id` (ID card), `pp` (passport), …
    pub id_class: String,
    pub front: Vec<u8>,
    pub back: Option<Vec<u8>>,
    /// Issuing country, ISO 3166 alpha-2 or alpha-3 (`US`, `CA`, `DE`, …).
    pub country: String,
    /// MRZ text read by the client or another reader; without it (and without the `ocr`
    /// feature) MRZ checks are `not_applicable`.
    pub mrz_text: Option<String>,
}

/// Where the extracted data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    Barcode,
    Mrz,
}

/// What the document says about its holder. Fills the inquiry's fields where the template
/// says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedData {
    pub name_first: Option<String>,
    pub name_middle: Option<String>,
    pub name_last: Option<String>,
    pub birthdate: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
    pub document_number: Option<String>,
    /// State or province (`DAJ`) for North American cards.
    pub issuing_jurisdiction: Option<String>,
    /// ISO 3166 alpha-3 where the document gives it (`USA`, `CAN`, MRZ issuing state).
    pub issuing_country: Option<String>,
    pub sex: Option<String>,
    pub source: Option<DataSource>,
}

impl ExtractedData {
    fn from_aamva(r: &aamva::AamvaRecord) -> Self {
        Self {
            name_first: Some(r.first_name.clone()),
            name_middle: r.middle_name.clone(),
            name_last: Some(r.family_name.clone()),
            birthdate: Some(r.birthdate),
            expiration_date: Some(r.expiration_date),
            document_number: Some(r.document_number.clone()),
            issuing_jurisdiction: r.jurisdiction.clone(),
            issuing_country: r.country.clone(),
            sex: r.sex.as_deref().map(|s| match s {
                "1" => "M".to_owned(),
                "2" => "F".to_owned(),
                other => other.to_owned(),
            }),
            source: Some(DataSource::Barcode),
        }
    }

    fn from_mrz(m: &mrz::Mrz) -> Self {
        let mut given = m.given_names.splitn(2, ' ');
        let non_empty = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        Self {
            name_first: non_empty(given.next()),
            name_middle: non_empty(given.next()),
            name_last: non_empty(Some(&m.surname)),
            birthdate: Some(m.birthdate),
            expiration_date: Some(m.expiration_date),
            document_number: Some(m.document_number.clone()),
            issuing_jurisdiction: None,
            issuing_country: Some(m.issuing_state.clone()),
            sex: Some(m.sex.to_string()),
            source: Some(DataSource::Mrz),
        }
    }
}

/// Every government-ID check, in [`names::GOVERNMENT_ID`] order, and the extracted data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GovernmentIdReport {
    pub checks: Vec<Check>,
    pub extracted: ExtractedData,
}

impl GovernmentIdReport {
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// Whether every required check meets its requirement.
    pub fn passed(&self, required: &RequiredChecks) -> bool {
        required.satisfied_by(&self.checks)
    }
}

/// Runs every government-ID check. Never fails: problems become failed checks.
pub fn run_government_id(input: &GovernmentIdInput, ctx: &CheckContext) -> GovernmentIdReport {
    let t = &ctx.thresholds;
    let mut images: Vec<(String, &[u8])> = vec![("front".into(), &input.front)];
    if let Some(back) = &input.back {
        images.push(("back".into(), back));
    }
    let (decode_check, decoded) = decode::check(names::ID_DECODE, &images, &ctx.limits);
    let front = decoded.first().and_then(Option::as_ref);
    let back = decoded.get(1).and_then(Option::as_ref);
    let sides: Vec<Side<'_>> = images
        .iter()
        .zip(&decoded)
        .filter_map(|((label, _), img)| {
            img.as_ref().map(|image| Side {
                label: label.clone(),
                image,
            })
        })
        .collect();

    let same = match front {
        Some(front) => same_image::check(names::ID_SAME_IMAGE, front, back, t),
        None => Check::not_applicable(names::ID_SAME_IMAGE, "the front image did not decode"),
    };
    let (barcode_check, payload) = barcode::check(
        names::ID_BARCODE,
        &input.id_class,
        &input.country,
        back.map(|b| &b.gray),
    );
    let (aamva_check, record) = aamva::check(names::ID_AAMVA, payload.as_deref());
    let (mrz_text, ocr_error) = mrz_text(input, front, back);
    let (mut mrz_check, zone) = mrz::check(
        names::ID_MRZ,
        &input.id_class,
        &input.country,
        mrz_text.as_deref(),
        ctx.today,
    );
    if let (Some(e), None) = (ocr_error, &mrz_text) {
        mrz_check = Check::not_applicable(names::ID_MRZ, format!("the MRZ could not be read: {e}"));
    }

    let mut extracted = record
        .as_ref()
        .map(ExtractedData::from_aamva)
        .unwrap_or_default();
    if let Some(zone) = &zone {
        let from_mrz = ExtractedData::from_mrz(zone);
        if extracted.source.is_none() {
            extracted = from_mrz;
        }
    }

    let checks = vec![
        decode_check,
        resolution::check(names::ID_RESOLUTION, &sides, t),
        blur::check(names::ID_BLUR, &sides, t),
        glare::check(names::ID_GLARE, &sides, t),
        same,
        barcode_check,
        aamva_check,
        mrz_check,
        expiry::check(names::ID_EXPIRY, extracted.expiration_date, ctx.today),
        age::check(
            names::ID_AGE,
            ctx.minimum_age,
            extracted.birthdate,
            ctx.today,
        ),
        consistency::check(names::ID_CONSISTENCY, &extracted, &ctx.inquiry),
    ];
    GovernmentIdReport { checks, extracted }
}

/// MRZ text: as supplied; else, with the `ocr` feature, read from the side that carries it
/// (passports: the data page; ID cards: the back). Returns the text and any OCR error.
fn mrz_text(
    input: &GovernmentIdInput,
    front: Option<&crate::raster::DecodedImage>,
    back: Option<&crate::raster::DecodedImage>,
) -> (Option<String>, Option<String>) {
    if input.mrz_text.is_some() {
        return (input.mrz_text.clone(), None);
    }
    #[cfg(feature = "ocr")]
    if mrz::applies(&input.id_class, &input.country) {
        let side = if input.id_class == "pp" {
            front
        } else {
            back.or(front)
        };
        if let Some(side) = side {
            return match crate::checks::ocr::read_mrz(&side.gray) {
                Ok(text) => (text, None),
                Err(e) => (None, Some(e.to_string())),
            };
        }
    }
    let _ = (front, back);
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckStatus;

    #[test]
    fn undecodable_front_fails_decode_and_lists_every_check() {
        let input = GovernmentIdInput {
            id_class: "pp".into(),
            front: b"junk".to_vec(),
            country: "UT".into(),
            ..GovernmentIdInput::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let report = run_government_id(&input, &CheckContext::new(today));
        let listed: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(listed, names::GOVERNMENT_ID);
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Failed)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(failed, vec![names::ID_DECODE]);
        assert!(!report.passed(&RequiredChecks::default()));
    }
}
