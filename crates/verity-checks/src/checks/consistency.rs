//! Consistency between the document's data and the inquiry's fields (name, birth date).
//! Names are compared after folding case, diacritics (NFKD then dropping combining marks, plus
//! a few letters that do not decompose: ß, æ, ø, ł …), hyphens, apostrophes and whitespace, so
//! "José-María  O'Neil" on the inquiry matches "JOSE MARIA ONEIL" in a barcode.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::context::InquiryFields;
use crate::{Check, ExtractedData};

/// The comparison form of a name.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            // Apostrophes vanish (O'Neil = ONEIL, as in an MRZ); other separators are spaces.
            '\'' | '’' | '`' => {}
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether two names agree: equal when folded, or — for given names, where documents often
/// carry middle names too — one is a whole-word prefix of the other ("anna" vs "anna maria").
pub fn names_match(document: &str, inquiry: &str, allow_prefix: bool) -> bool {
    let (a, b) = (fold(document), fold(inquiry));
    if a == b {
        return true;
    }
    // Compare without spaces too: "VANDERBERG" vs "van der Berg".
    if a.replace(' ', "") == b.replace(' ', "") {
        return true;
    }
    allow_prefix && !a.is_empty() && !b.is_empty() && {
        let (short, long) = if a.len() <= b.len() {
            (&a, &b)
        } else {
            (&b, &a)
        };
        long.starts_with(short.as_str()) && long.as_bytes().get(short.len()) == Some(&b' ')
    }
}

pub fn check(name: &str, document: &ExtractedData, inquiry: &InquiryFields) -> Check {
    if inquiry.name_first.is_none() && inquiry.name_last.is_none() && inquiry.birthdate.is_none() {
        return Check::not_applicable(name, "the inquiry has no name or birth date to compare");
    }
    let mut reasons = Vec::new();
    let mut details = Map::new();
    let mut compared = 0;
    let mut compare_name =
        |field: &str, doc: &Option<String>, inq: &Option<String>, prefix: bool| {
            if let (Some(doc), Some(inq)) = (doc, inq) {
                compared += 1;
                let ok = names_match(doc, inq, prefix);
                details.insert(
                    field.to_owned(),
                    json!({"document": doc, "inquiry": inq, "match": ok}),
                );
                if !ok {
                    reasons.push(format!(
                        "{field} on the document ({doc:?}) does not match the inquiry ({inq:?})"
                    ));
                }
            }
        };
    compare_name(
        "name_first",
        &document.name_first,
        &inquiry.name_first,
        true,
    );
    compare_name("name_last", &document.name_last, &inquiry.name_last, false);
    if let (Some(doc), Some(inq)) = (document.birthdate, inquiry.birthdate) {
        compared += 1;
        let ok = doc == inq;
        details.insert(
            "birthdate".into(),
            json!({"document": doc, "inquiry": inq, "match": ok}),
        );
        if !ok {
            reasons.push(format!(
                "birthdate on the document ({doc}) does not match the inquiry ({inq})"
            ));
        }
    }
    if compared == 0 {
        return Check::not_applicable(
            name,
            "the document has none of the inquiry's fields to compare",
        );
    }
    Check::from_reasons(name, reasons, Value::Object(details))
}

/// Birth date helper for callers holding strings (`YYYY-MM-DD`).
pub fn parse_birthdate(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckStatus;

    #[test]
    fn folding_ignores_case_diacritics_and_separators() {
        assert_eq!(fold("José-María  O'Neil"), "jose maria oneil");
        assert_eq!(fold("ÆRØ Straße"), "aero strasse");
        assert_eq!(fold("Łukasz Đorđević"), "lukasz dordevic");
        assert_eq!(fold("  ANNA\tMARIA "), "anna maria");
    }

    #[test]
    fn given_names_may_carry_middle_names() {
        assert!(names_match("ANNA MARIA", "Anna", true));
        assert!(!names_match("ANNA MARIA", "Anna", false));
        assert!(
            !names_match("ANNABEL", "Anna", true),
            "prefix must end at a word boundary"
        );
        assert!(names_match("VANDERBERG", "van der Berg", false));
        assert!(!names_match("SMITH", "Smyth", false));
    }

    #[test]
    fn check_compares_what_both_sides_have() {
        let doc = ExtractedData {
            name_first: Some("JOSE".into()),
            name_last: Some("GARCIA".into()),
            birthdate: parse_birthdate("1990-01-02"),
            ..ExtractedData::default()
        };
        let mut inq = InquiryFields {
            name_first: Some("José".into()),
            name_last: Some("García".into()),
            birthdate: parse_birthdate("1990-01-02"),
        };
        assert_eq!(check("c", &doc, &inq).status, CheckStatus::Passed);
        inq.birthdate = parse_birthdate("1990-01-03");
        let c = check("c", &doc, &inq);
        assert_eq!(c.status, CheckStatus::Failed);
        assert_eq!(c.reasons.len(), 1);
        assert_eq!(
            check("c", &doc, &InquiryFields::default()).status,
            CheckStatus::NotApplicable
        );
        assert_eq!(
            check("c", &ExtractedData::default(), &inq).status,
            CheckStatus::NotApplicable
        );
    }
}
