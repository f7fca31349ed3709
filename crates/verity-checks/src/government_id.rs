//! Running every government-ID check on one submission and collecting what the document says.
//!
//! Data sources, in order of trust: the AAMVA barcode (North American licences and ID cards),
//! then a valid MRZ (passports, TD1 ID cards). Data from a barcode that does not parse or an
//! MRZ whose check digits fail is not used: the report then says so rather than guessing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::check::names;
use crate::checks::front_consistency::{self, ReadClass};
use crate::checks::{
    aamva, age, barcode, blur, consistency, decode, expiry, glare, mrz, resolution, same_image,
    Side,
};
use crate::reading::read_sides;
use crate::{Check, CheckContext, RequiredChecks, TextReader};

/// One government-ID submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernmentIdInput {
    /// Persona's id classes: `dl` (driver licence), `id` (ID card), `pp` (passport), …
    pub id_class: String,
    pub front: Vec<u8>,
    pub back: Option<Vec<u8>>,
    /// Issuing country, ISO 3166 alpha-2 or alpha-3 (`US`, `CA`, `DE`, …).
    pub country: String,
    /// MRZ text read by the client or another reader; without it the MRZ is read from the
    /// image by the [`TextReader`] given to [`run_government_id`].
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

/// Runs every government-ID check, reading the sides' text with `reader` (MRZ, printed
/// front). Never fails: problems become failed checks.
pub fn run_government_id(
    input: &GovernmentIdInput,
    ctx: &CheckContext,
    reader: &dyn TextReader,
) -> GovernmentIdReport {
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
    let reading = read_sides(input, front, back, reader, ctx.today);
    let (mrz_check, zone) = mrz_check(input, &reading, ctx.today);

    let from_barcode = record.as_ref().map(ExtractedData::from_aamva);
    let from_mrz = zone.as_ref().map(ExtractedData::from_mrz);
    let extracted = from_barcode
        .clone()
        .or(from_mrz.clone())
        .unwrap_or_default();
    let mut checks = vec![
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
    checks.extend(front_checks(
        input,
        &reading,
        from_barcode.as_ref(),
        from_mrz.as_ref(),
        record.as_ref(),
        zone.as_ref(),
    ));
    GovernmentIdReport { checks, extracted }
}

/// `id_mrz` from the reading: parsed when there is text, with how it was read in `details`.
fn mrz_check(
    input: &GovernmentIdInput,
    reading: &crate::reading::Reading,
    today: NaiveDate,
) -> (Check, Option<mrz::Mrz>) {
    match &reading.mrz_text {
        Ok(text) => {
            let (mut c, zone) = mrz::check(
                names::ID_MRZ,
                &input.id_class,
                &input.country,
                Some(text),
                today,
            );
            add_details(&mut c, reading.mrz_details());
            (c, zone)
        }
        Err(reason) => (Check::not_applicable(names::ID_MRZ, reason.clone()), None),
    }
}

/// The printed front against the barcode and the MRZ, and the class read against the chosen.
fn front_checks(
    input: &GovernmentIdInput,
    reading: &crate::reading::Reading,
    from_barcode: Option<&ExtractedData>,
    from_mrz: Option<&ExtractedData>,
    record: Option<&aamva::AamvaRecord>,
    zone: Option<&mrz::Mrz>,
) -> [Check; 3] {
    let front = reading.front.as_ref().map_err(String::as_str);
    let read_class = ReadClass {
        mrz_code: zone.map(|z| z.document_code.as_str()),
        mrz_issuer: zone.map(|z| z.issuing_state.as_str()),
        barcode_type: record.map(|r| r.subfile_type.as_str()),
        barcode_country: record.and_then(|r| r.country.as_deref()),
    };
    [
        front_consistency::check(names::ID_FRONT_BARCODE, front, from_barcode, "barcode"),
        front_consistency::check(names::ID_FRONT_MRZ, front, from_mrz, "MRZ"),
        front_consistency::class_check(
            names::ID_CLASS,
            &input.id_class,
            &input.country,
            &read_class,
        ),
    ]
}

/// Merges `extra`'s keys into `check.details` (an object, or null).
fn add_details(check: &mut Check, extra: serde_json::Value) {
    if let serde_json::Value::Object(extra) = extra {
        match &mut check.details {
            serde_json::Value::Object(map) => map.extend(extra),
            other => *other = serde_json::Value::Object(extra),
        }
    }
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
        let report = run_government_id(&input, &CheckContext::new(today), &crate::NoTextReader);
        let listed: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
        // The portrait check needs the face model: its caller runs it and lists it last.
        let (portrait, run_here) = names::GOVERNMENT_ID.split_last().expect("checks");
        assert_eq!(*portrait, names::ID_PORTRAIT_PRESENT);
        assert_eq!(listed, run_here);
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
