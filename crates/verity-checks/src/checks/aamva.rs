//! AAMVA DL/ID Card Design Standard payload (the text inside a North American licence's
//! PDF417). Layout: compliance indicator `@`, data-element separator (LF), record separator
//! (RS), segment terminator (CR), file type `ANSI ` (or `AAMVA` on old cards), 6-digit issuer
//! id (IIN), 2-digit AAMVA version, 2-digit jurisdiction version (version 2 onwards), 2-digit
//! number of entries, then one 10-character designator per subfile (type, 4-digit offset,
//! 4-digit length). A `DL` or `ID` subfile holds elements `IDvalue` separated by the element
//! separator and ended by the segment terminator.
//!
//! Dates: `MMDDCCYY` for US cards, `CCYYMMDD` for Canadian ones (country `DCG` = `CAN`) and for
//! version 1 cards. Offsets that do not point at their subfile are common in the field, so the
//! parser falls back to finding the subfile type after the designators.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use thiserror::Error;

use crate::Check;

/// Why a payload is not a usable AAMVA record.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AamvaError {
    #[error("not an AAMVA payload: it does not start with the compliance indicator '@'")]
    NoComplianceIndicator,
    #[error("AAMVA header is truncated ({0} bytes)")]
    TruncatedHeader(usize),
    #[error("AAMVA file type is {0:?}; expected \"ANSI \" or \"AAMVA\"")]
    FileType(String),
    #[error("AAMVA header field {field} is {value:?}; expected {digits} digits")]
    HeaderNumber {
        field: &'static str,
        value: String,
        digits: usize,
    },
    #[error("AAMVA header declares no subfiles")]
    NoSubfiles,
    #[error("AAMVA payload has no DL or ID subfile (found {0:?})")]
    NoCardSubfile(Vec<String>),
    #[error("AAMVA subfile {0} is not where its designator says and cannot be found")]
    SubfileNotFound(String),
    #[error("AAMVA element {id} ({meaning}) is missing")]
    MissingElement {
        id: &'static str,
        meaning: &'static str,
    },
    #[error("AAMVA element {id} is {value:?}; expected a date as {format}")]
    BadDate {
        id: &'static str,
        value: String,
        format: &'static str,
    },
}

/// The fields Verity uses from a licence or ID card, plus every raw element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AamvaRecord {
    pub iin: String,
    pub version: u8,
    pub subfile_type: String,
    pub family_name: String,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub birthdate: NaiveDate,
    pub expiration_date: NaiveDate,
    pub document_number: String,
    /// `DAJ`: state or province code.
    pub jurisdiction: Option<String>,
    /// `DCG`: `USA` or `CAN`.
    pub country: Option<String>,
    /// `DBC`: 1 male, 2 female, 9 not specified.
    pub sex: Option<String>,
    pub elements: BTreeMap<String, String>,
}

#[derive(Clone, Copy)]
enum DateOrder {
    /// MMDDCCYY (United States, version 2 onwards).
    Us,
    /// CCYYMMDD (Canada; everyone on version 1).
    Iso,
}

/// Parses an AAMVA payload.
pub fn parse(payload: &str) -> Result<AamvaRecord, AamvaError> {
    let bytes = payload.as_bytes();
    if bytes.first() != Some(&b'@') {
        return Err(AamvaError::NoComplianceIndicator);
    }
    let header_fixed = 4 + 5 + 6 + 2;
    if bytes.len() < header_fixed + 2 {
        return Err(AamvaError::TruncatedHeader(bytes.len()));
    }
    // The header declares the separators it uses; honour them rather than assume.
    let element_sep = char::from(bytes[1]);
    let segment_end = char::from(bytes[3]);
    let file_type = slice(payload, 4, 9);
    if file_type != "ANSI " && file_type != "AAMVA" {
        return Err(AamvaError::FileType(file_type.to_owned()));
    }
    let iin = digits(payload, 9, 6, "IIN")?.to_owned();
    let version: u8 = digits(payload, 15, 2, "AAMVA version")?
        .parse()
        .unwrap_or(0);
    let mut at = 17;
    if version >= 2 {
        digits(payload, at, 2, "jurisdiction version")?;
        at += 2;
    }
    let entries: usize = digits(payload, at, 2, "number of entries")?
        .parse()
        .unwrap_or(0);
    at += 2;
    if entries == 0 {
        return Err(AamvaError::NoSubfiles);
    }
    let mut designators = Vec::with_capacity(entries);
    for _ in 0..entries {
        let kind = slice(payload, at, at + 2).to_owned();
        if kind.len() != 2 {
            return Err(AamvaError::TruncatedHeader(bytes.len()));
        }
        let offset: usize = digits(payload, at + 2, 4, "subfile offset")?
            .parse()
            .unwrap_or(0);
        let length: usize = digits(payload, at + 6, 4, "subfile length")?
            .parse()
            .unwrap_or(0);
        designators.push((kind, offset, length));
        at += 10;
    }
    let (kind, offset, _) = designators
        .iter()
        .find(|(k, _, _)| k == "DL" || k == "ID")
        .ok_or_else(|| {
            AamvaError::NoCardSubfile(designators.iter().map(|d| d.0.clone()).collect())
        })?;
    let start = if slice(payload, *offset, offset + 2) == kind {
        *offset
    } else {
        payload
            .get(at..)
            .and_then(|rest| rest.find(kind.as_str()))
            .map(|i| at + i)
            .ok_or_else(|| AamvaError::SubfileNotFound(kind.clone()))?
    };
    let body = payload.get(start + 2..).unwrap_or("");
    let body = body.split(segment_end).next().unwrap_or("");
    let mut elements = BTreeMap::new();
    for element in body.split(element_sep) {
        let element = element.trim_matches(|c: char| c == '\r' || c == '\n');
        if let (Some(id), Some(value)) = (element.get(..3), element.get(3..)) {
            elements
                .entry(id.to_owned())
                .or_insert_with(|| value.trim().to_owned());
        }
    }
    build(iin, version, kind.clone(), elements)
}

fn build(
    iin: String,
    version: u8,
    subfile_type: String,
    elements: BTreeMap<String, String>,
) -> Result<AamvaRecord, AamvaError> {
    let get = |id: &str| elements.get(id).filter(|v| !v.is_empty()).cloned();
    let country = get("DCG");
    let order = if version <= 1 || country.as_deref() == Some("CAN") {
        DateOrder::Iso
    } else {
        DateOrder::Us
    };
    // Names: DCS/DAC/DAD from version 3; DCT (given names) on version 2; DAA "LAST,FIRST,MIDDLE"
    // on version 1.
    let full: Vec<String> = get("DAA")
        .map(|v| v.split([',', '$']).map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let family_name = get("DCS")
        .or_else(|| get("DAB"))
        .or_else(|| full.first().cloned())
        .ok_or(AamvaError::MissingElement {
            id: "DCS",
            meaning: "family name",
        })?;
    let given_dct: Vec<String> = get("DCT")
        .map(|v| {
            v.split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let first_name = get("DAC")
        .or_else(|| given_dct.first().cloned())
        .or_else(|| full.get(1).cloned())
        .ok_or(AamvaError::MissingElement {
            id: "DAC",
            meaning: "first name",
        })?;
    let middle_name = get("DAD")
        .or_else(|| (given_dct.len() > 1).then(|| given_dct[1..].join(" ")))
        .or_else(|| full.get(2).cloned().filter(|s| !s.is_empty()));
    let birthdate = date(&elements, "DBB", "date of birth", order)?;
    let expiration_date = date(&elements, "DBA", "expiration date", order)?;
    let document_number = get("DAQ").ok_or(AamvaError::MissingElement {
        id: "DAQ",
        meaning: "document number",
    })?;
    Ok(AamvaRecord {
        iin,
        version,
        subfile_type,
        family_name,
        first_name,
        middle_name: middle_name.filter(|m| !m.eq_ignore_ascii_case("NONE")),
        birthdate,
        expiration_date,
        document_number,
        jurisdiction: get("DAJ"),
        country,
        sex: get("DBC"),
        elements,
    })
}

fn date(
    elements: &BTreeMap<String, String>,
    id: &'static str,
    meaning: &'static str,
    order: DateOrder,
) -> Result<NaiveDate, AamvaError> {
    let value = elements
        .get(id)
        .ok_or(AamvaError::MissingElement { id, meaning })?;
    let (format, y, m, d) = match order {
        DateOrder::Us => (
            "MMDDCCYY",
            value.get(4..8),
            value.get(0..2),
            value.get(2..4),
        ),
        DateOrder::Iso => (
            "CCYYMMDD",
            value.get(0..4),
            value.get(4..6),
            value.get(6..8),
        ),
    };
    let bad = || AamvaError::BadDate {
        id,
        value: value.clone(),
        format,
    };
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(y), num(m), num(d)) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).map_err(|_| bad())?, m, d).ok_or_else(bad)
}

fn slice(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to.min(s.len())).unwrap_or("")
}

fn digits<'a>(
    s: &'a str,
    at: usize,
    len: usize,
    field: &'static str,
) -> Result<&'a str, AamvaError> {
    let v = slice(s, at, at + len);
    if v.len() == len && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v)
    } else {
        Err(AamvaError::HeaderNumber {
            field,
            value: v.to_owned(),
            digits: len,
        })
    }
}

/// Builds a version-10 payload with one subfile — the inverse of [`parse`], used by the
/// fixture generator and the round-trip tests.
pub fn encode(iin: &str, subfile_type: &str, elements: &[(&str, String)]) -> String {
    let mut subfile = String::from(subfile_type);
    let body: Vec<String> = elements.iter().map(|(id, v)| format!("{id}{v}")).collect();
    subfile.push_str(&body.join("\n"));
    subfile.push('\r');
    let header_len = 21 + 10;
    format!(
        "@\n\x1e\rANSI {iin}100001{subfile_type}{header_len:04}{:04}{subfile}",
        subfile.len()
    )
}

/// `id_barcode_aamva`: the barcode payload parses as AAMVA with the fields Verity needs.
pub fn check(name: &str, payload: Option<&str>) -> (Check, Option<AamvaRecord>) {
    let Some(payload) = payload else {
        return (
            Check::not_applicable(name, "no barcode payload to parse"),
            None,
        );
    };
    match parse(payload) {
        Ok(r) => {
            let details = json!({
                "iin": r.iin, "version": r.version, "subfile": r.subfile_type,
                "jurisdiction": r.jurisdiction, "country": r.country, "elements": r.elements.len(),
            });
            (Check::passed(name, details), Some(r))
        }
        Err(e) => (
            Check::failed(name, vec![e.to_string()], json!({"error": e.to_string()})),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us_elements() -> Vec<(&'static str, String)> {
        vec![
            ("DAQ", "D1234567".into()),
            ("DCS", "SAMPLE".into()),
            ("DAC", "JANE".into()),
            ("DAD", "Q".into()),
            ("DBB", "07041990".into()),
            ("DBA", "07042030".into()),
            ("DBC", "2".into()),
            ("DAJ", "CA".into()),
            ("DCG", "USA".into()),
        ]
    }

    #[test]
    fn round_trips_a_us_licence() {
        let payload = encode("636014", "DL", &us_elements());
        let r = parse(&payload).expect("parses");
        assert_eq!(
            (r.family_name.as_str(), r.first_name.as_str()),
            ("SAMPLE", "JANE")
        );
        assert_eq!(r.middle_name.as_deref(), Some("Q"));
        assert_eq!(
            r.birthdate,
            NaiveDate::from_ymd_opt(1990, 7, 4).expect("date")
        );
        assert_eq!(
            r.expiration_date,
            NaiveDate::from_ymd_opt(2030, 7, 4).expect("date")
        );
        assert_eq!(
            (r.document_number.as_str(), r.jurisdiction.as_deref()),
            ("D1234567", Some("CA"))
        );
        assert_eq!(
            (r.iin.as_str(), r.version, r.subfile_type.as_str()),
            ("636014", 10, "DL")
        );
    }

    #[test]
    fn canadian_dates_are_ccyymmdd() {
        let mut e = us_elements();
        e.retain(|(id, _)| !matches!(*id, "DBB" | "DBA" | "DCG"));
        e.extend([
            ("DBB", "19900704".into()),
            ("DBA", "20300704".into()),
            ("DCG", "CAN".into()),
        ]);
        let r = parse(&encode("636028", "DL", &e)).expect("parses");
        assert_eq!(
            r.birthdate,
            NaiveDate::from_ymd_opt(1990, 7, 4).expect("date")
        );
    }

    #[test]
    fn a_wrong_offset_falls_back_to_finding_the_subfile() {
        let payload = encode("636014", "ID", &us_elements()).replacen("ID0031", "ID0099", 1);
        assert_eq!(parse(&payload).expect("parses").subfile_type, "ID");
    }

    #[test]
    fn version_one_names_and_dates() {
        let payload = "@\n\x1e\rANSI 6360000101DL00290100DLDAQ99\nDAALAST,FIRST,MID\nDBB19800102\nDBA20300102\r";
        let r = parse(payload).expect("parses");
        assert_eq!(
            (r.family_name.as_str(), r.first_name.as_str()),
            ("LAST", "FIRST")
        );
        assert_eq!(r.middle_name.as_deref(), Some("MID"));
        assert_eq!(
            r.birthdate,
            NaiveDate::from_ymd_opt(1980, 1, 2).expect("date")
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(parse("hello"), Err(AamvaError::NoComplianceIndicator));
        assert_eq!(
            parse("@\n\x1e\rANSI 63"),
            Err(AamvaError::TruncatedHeader(11))
        );
        assert!(matches!(
            parse("@\n\x1e\rXXXXX636014100001DL00310010"),
            Err(AamvaError::FileType(_))
        ));
        assert!(matches!(
            parse("@\n\x1e\rANSI 63601A100001DL00310010"),
            Err(AamvaError::HeaderNumber { field: "IIN", .. })
        ));
        let mut e = us_elements();
        e.retain(|(id, _)| *id != "DBB");
        assert_eq!(
            parse(&encode("636014", "DL", &e)),
            Err(AamvaError::MissingElement {
                id: "DBB",
                meaning: "date of birth"
            })
        );
        let mut e = us_elements();
        e[4].1 = "19901307".into();
        assert!(matches!(
            parse(&encode("636014", "DL", &e)),
            Err(AamvaError::BadDate { id: "DBB", .. })
        ));
        let zz = encode("636014", "ZZ", &[("ZZA", "x".into())]);
        assert_eq!(
            parse(&zz),
            Err(AamvaError::NoCardSubfile(vec!["ZZ".into()]))
        );
    }
}
