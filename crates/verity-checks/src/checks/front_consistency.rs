//! The printed front against the machine-readable data (`id_front_barcode_consistency`,
//! `id_front_mrz_consistency`) and the document read against the class and country the person
//! chose (`id_class_consistent`). Names are compared folded (case, diacritics, spacing and
//! hyphens, as in `consistency`); dates as dates, whatever format the front printed them in;
//! document numbers on letters and digits only. Each mismatch names its field.

use serde_json::{json, Map, Value};

use crate::checks::consistency::names_match;
use crate::checks::front::{self, FrontFields};
use crate::{Check, ExtractedData};

/// Mismatches between `front` and `data` (from `source`, "barcode" or "MRZ") and what was
/// compared, as `(reasons, details)`; `None` when no field could be compared.
fn compare(
    front: &FrontFields,
    data: &ExtractedData,
    source: &str,
) -> Option<(Vec<String>, Value)> {
    let mut reasons = Vec::new();
    let mut compared = Map::new();
    let mut field = |name: &str, printed: Option<String>, encoded: Option<String>, same: bool| {
        if let (Some(p), Some(e)) = (printed, encoded) {
            if !same {
                reasons.push(format!("{name}: the front says {p:?}, the {source} {e:?}"));
            }
            compared.insert(
                name.to_owned(),
                json!({"front": p, source: e, "match": same}),
            );
        }
    };
    let given = match (&data.name_first, &data.name_middle) {
        (Some(f), Some(m)) => Some(format!("{f} {m}")),
        (f, _) => f.clone(),
    };
    if let (Some(p), Some(e)) = (&front.name_last, &data.name_last) {
        field(
            "name_last",
            Some(p.clone()),
            Some(e.clone()),
            names_match(p, e, false),
        );
    }
    if let (Some(p), Some(e)) = (&front.name_first, &given) {
        field(
            "name_first",
            Some(p.clone()),
            Some(e.clone()),
            names_match(p, e, true),
        );
    }
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    field(
        "birthdate",
        date(front.birthdate),
        date(data.birthdate),
        front.birthdate == data.birthdate,
    );
    field(
        "expiration_date",
        date(front.expiration_date),
        date(data.expiration_date),
        front.expiration_date == data.expiration_date,
    );
    let alnum = |s: &Option<String>| {
        s.as_ref().map(|s| {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_uppercase()
        })
    };
    let (read, e) = (alnum(&front.document_number), alnum(&data.document_number));
    let p = match (&read, &e) {
        (Some(p), Some(e)) => Some(front::cross_read_number(p, e)),
        _ => read.clone(),
    };
    let same = p == e;
    field("document_number", p.clone(), e, same);
    if read != p {
        // Only look-alikes differed: say what the front was read as.
        if let Some(Value::Object(n)) = compared.get_mut("document_number") {
            n.insert("front_read".to_owned(), json!(read));
        }
    }
    (!compared.is_empty()).then_some((reasons, Value::Object(compared)))
}

/// `id_front_barcode_consistency` or `id_front_mrz_consistency`. `front` is `Err(reason)` when
/// the front was not read; `data` is `None` when the other zone gave no valid data.
pub fn check(
    name: &str,
    front: Result<&FrontFields, &str>,
    data: Option<&ExtractedData>,
    source: &str,
) -> Check {
    let front = match front {
        Ok(f) => f,
        Err(reason) => return Check::not_applicable(name, reason),
    };
    let Some(data) = data else {
        return Check::not_applicable(
            name,
            format!("no valid {source} data to compare the front with"),
        );
    };
    match compare(front, data, source) {
        Some((reasons, details)) => Check::from_reasons(name, reasons, json!({"fields": details})),
        None => Check::not_applicable(
            name,
            format!("no field printed on the front could be compared with the {source}"),
        ),
    }
}

/// ISO 3166 alpha-3 of an alpha-2 or alpha-3 code, for the countries whose documents we
/// read (ICAO's test state `UTO` is the fixtures' "Utopia", alpha-2 `UT`).
pub fn alpha3(country: &str) -> String {
    let upper = country.to_ascii_uppercase();
    const TABLE: [(&str, &str); 24] = [
        ("US", "USA"),
        ("CA", "CAN"),
        ("MX", "MEX"),
        ("GB", "GBR"),
        ("IE", "IRL"),
        ("FR", "FRA"),
        ("DE", "D"),
        ("ES", "ESP"),
        ("IT", "ITA"),
        ("PT", "PRT"),
        ("NL", "NLD"),
        ("BE", "BEL"),
        ("CH", "CHE"),
        ("AT", "AUT"),
        ("SE", "SWE"),
        ("NO", "NOR"),
        ("DK", "DNK"),
        ("FI", "FIN"),
        ("PL", "POL"),
        ("AU", "AUS"),
        ("NZ", "NZL"),
        ("IN", "IND"),
        ("BR", "BRA"),
        ("UT", "UTO"),
    ];
    TABLE
        .iter()
        .find(|(a2, _)| *a2 == upper)
        .map_or(upper, |(_, a3)| (*a3).to_owned())
}

/// The MRZ document codes a class may carry (ICAO 9303 part 4 §4.2.2, part 5 §4.2.2).
fn class_matches_code(id_class: &str, code: &str) -> bool {
    match id_class {
        "pp" => code.starts_with('P'),
        "id" => code.starts_with(['I', 'A', 'C']),
        _ => false,
    }
}

/// What the document says about its own class and issuer.
pub struct ReadClass<'a> {
    pub mrz_code: Option<&'a str>,
    pub mrz_issuer: Option<&'a str>,
    /// The barcode's AAMVA subfile type (`DL` or `ID`) and country (`USA`, `CAN`).
    pub barcode_type: Option<&'a str>,
    pub barcode_country: Option<&'a str>,
}

/// `id_class_consistent`: the chosen class and country against the MRZ and the barcode.
pub fn class_check(name: &str, id_class: &str, country: &str, read: &ReadClass<'_>) -> Check {
    let chosen = alpha3(country);
    let mut reasons = Vec::new();
    if let Some(code) = read.mrz_code {
        if !class_matches_code(id_class, code) {
            reasons.push(format!(
                "the MRZ document code {code:?} is not a {id_class}"
            ));
        }
    }
    for (what, issuer) in [
        ("MRZ issuing state", read.mrz_issuer),
        ("barcode country", read.barcode_country),
    ] {
        if let Some(issuer) = issuer.filter(|i| !i.is_empty()) {
            if alpha3(issuer) != chosen {
                reasons.push(format!(
                    "the {what} {issuer:?} is not the chosen country {country:?}"
                ));
            }
        }
    }
    if let Some(kind) = read.barcode_type {
        let expected = if id_class == "dl" { "DL" } else { "ID" };
        if kind != expected {
            reasons.push(format!(
                "the barcode is a {kind} record, the chosen class is {id_class}"
            ));
        }
    }
    if read.mrz_code.is_none() && read.barcode_type.is_none() {
        return Check::not_applicable(
            name,
            "neither an MRZ nor a barcode was read to say what the document is",
        );
    }
    let details = json!({"chosen_class": id_class, "chosen_country": country, "mrz_document_code": read.mrz_code,
        "mrz_issuing_state": read.mrz_issuer, "barcode_type": read.barcode_type, "barcode_country": read.barcode_country});
    Check::from_reasons(name, reasons, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckStatus;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn each_mismatched_field_is_named_and_formats_are_tolerated() {
        let data = ExtractedData {
            name_first: Some("ANA".into()),
            name_middle: Some("MARIA".into()),
            name_last: Some("MUNOZ RIOS".into()),
            birthdate: d(1992, 5, 1),
            expiration_date: d(2030, 9, 15),
            document_number: Some("S1234567".into()),
            ..ExtractedData::default()
        };
        let front = FrontFields {
            name_first: Some("Ana María".into()),
            name_last: Some("MUÑOZ-RÍOS".into()),
            birthdate: d(1992, 5, 1),
            expiration_date: d(2030, 9, 15),
            document_number: Some("S 1234567".into()),
        };
        let c = check("c", Ok(&front), Some(&data), "barcode");
        assert_eq!(c.status, CheckStatus::Passed, "{c:?}");
        let edited = FrontFields {
            name_last: Some("SMITH".into()),
            ..front
        };
        let c = check("c", Ok(&edited), Some(&data), "barcode");
        assert_eq!(c.status, CheckStatus::Failed);
        assert_eq!(c.reasons.len(), 1);
        assert!(c.reasons[0].starts_with("name_last:"), "{:?}", c.reasons);
        assert_eq!(
            check("c", Err("no reader"), Some(&data), "MRZ").status,
            CheckStatus::NotApplicable
        );
    }

    #[test]
    fn a_number_read_with_look_alikes_matches_and_a_changed_one_does_not() {
        let data = ExtractedData {
            document_number: Some("KLMET8A0N".into()),
            ..ExtractedData::default()
        };
        let front = |n: &str| FrontFields {
            document_number: Some(n.into()),
            ..FrontFields::default()
        };
        let c = check("c", Ok(&front("KLMET8AON")), Some(&data), "MRZ");
        assert_eq!(c.status, CheckStatus::Passed, "{c:?}");
        let n = &c.details["fields"]["document_number"];
        assert_eq!(
            (&n["front"], &n["front_read"]),
            (&json!("KLMET8A0N"), &json!("KLMET8AON"))
        );
        for changed in ["KLMET8AXN", "KLMET8A0", "KLMET9A0N"] {
            let c = check("c", Ok(&front(changed)), Some(&data), "MRZ");
            assert_eq!(c.status, CheckStatus::Failed, "{changed}: {c:?}");
            assert!(
                c.reasons[0].starts_with("document_number:"),
                "{:?}",
                c.reasons
            );
        }
    }

    #[test]
    fn class_and_country_come_from_the_document() {
        let passport = ReadClass {
            mrz_code: Some("P"),
            mrz_issuer: Some("UTO"),
            barcode_type: None,
            barcode_country: None,
        };
        assert_eq!(
            class_check("c", "pp", "UT", &passport).status,
            CheckStatus::Passed
        );
        let c = class_check("c", "id", "UT", &passport);
        assert_eq!(c.status, CheckStatus::Failed);
        assert!(c.reasons[0].contains("\"P\""), "{:?}", c.reasons);
        let licence = ReadClass {
            mrz_code: None,
            mrz_issuer: None,
            barcode_type: Some("DL"),
            barcode_country: Some("USA"),
        };
        assert_eq!(
            class_check("c", "dl", "US", &licence).status,
            CheckStatus::Passed
        );
        assert_eq!(
            class_check("c", "dl", "CA", &licence).status,
            CheckStatus::Failed
        );
    }
}
