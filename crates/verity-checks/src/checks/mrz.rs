//! Machine-readable zone (ICAO 9303) of passports (TD3: 2 lines × 44, part 4) and ID cards
//! (TD1: 3 lines × 30, part 5; TD2: 2 lines × 36, part 6). Check digits use weights 7-3-1 over character values (`0`-`9` as digits,
//! `A`=10 … `Z`=35, filler `<`=0), modulo 10. Dates are YYMMDD: a birth date takes the latest
//! century that puts it in the past; an expiry date takes the century closest to today.
//!
//! The text comes from the caller (a reader app) or from a [`TextReader`](crate::TextReader)
//! through `mrz_read`; the parser and check-digit logic never depend on OCR.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use thiserror::Error;

use crate::Check;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MrzFormat {
    Td1,
    Td2,
    Td3,
}

/// One problem with an MRZ. Parsing reports every check-digit failure, not just the first.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
pub enum MrzError {
    #[error(
        "MRZ must be 2 lines of 44 characters (TD3), 2 of 36 (TD2) or 3 of 30 (TD1); got {0} characters"
    )]
    Shape(usize),
    #[error("MRZ character {ch:?} at position {position} is not A-Z, 0-9 or '<'")]
    BadCharacter { position: usize, ch: char },
    #[error("MRZ {field} check digit is {found:?}, computed {computed}")]
    CheckDigit {
        field: &'static str,
        found: char,
        computed: u8,
    },
    #[error("MRZ {field} {value:?} is not a valid YYMMDD date")]
    BadDate { field: &'static str, value: String },
}

/// The parsed zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mrz {
    pub format: MrzFormat,
    /// `P`, `I`, `ID`, `A`, `C`… with fillers removed.
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub nationality: String,
    pub surname: String,
    pub given_names: String,
    pub birthdate: NaiveDate,
    pub expiration_date: NaiveDate,
    /// `M`, `F` or `X` (unspecified, written `<`).
    pub sex: char,
    pub optional_data: String,
}

/// Value of one MRZ character, `None` outside the MRZ alphabet.
fn value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// ICAO 9303 check digit of `field` (7-3-1 weights, mod 10); `None` on a non-MRZ character.
pub fn check_digit(field: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        sum += value(c)? * WEIGHTS[i % 3];
    }
    u8::try_from(sum % 10).ok()
}

/// Normalises OCR or typed text: whitespace removed, upper-cased.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Parses MRZ text relative to `today` (for century inference).
pub fn parse(text: &str, today: NaiveDate) -> Result<Mrz, Vec<MrzError>> {
    let s = normalise(text);
    if let Some((position, ch)) = s.chars().enumerate().find(|(_, c)| value(*c).is_none()) {
        return Err(vec![MrzError::BadCharacter { position, ch }]);
    }
    match s.len() {
        88 => parse_td3(&s[..44], &s[44..], today),
        72 => parse_td2(&s[..36], &s[36..], today),
        90 => parse_td1(&s[..30], &s[30..60], &s[60..], today),
        n => Err(vec![MrzError::Shape(n)]),
    }
}

/// Collects check-digit failures and date errors while the fields are read.
struct Reader {
    errors: Vec<MrzError>,
}

impl Reader {
    fn digit(&mut self, field: &'static str, data: &str, found: char) {
        let computed = check_digit(data).unwrap_or(0);
        // A filler check digit is allowed where the whole field is filler (unused optional data).
        let ok = match found {
            '<' => data.chars().all(|c| c == '<'),
            c => value(c) == Some(u32::from(computed)),
        };
        if !ok {
            self.errors.push(MrzError::CheckDigit {
                field,
                found,
                computed,
            });
        }
    }

    fn date(&mut self, field: &'static str, yymmdd: &str, pick: impl Fn(i32) -> i32) -> NaiveDate {
        let parsed = (yymmdd.len() == 6 && yymmdd.bytes().all(|b| b.is_ascii_digit()))
            .then(|| {
                let n = |r: std::ops::Range<usize>| yymmdd[r].parse::<u32>().unwrap_or(0);
                let year = pick(i32::try_from(n(0..2)).unwrap_or(0));
                NaiveDate::from_ymd_opt(year, n(2..4), n(4..6))
            })
            .flatten();
        parsed.unwrap_or_else(|| {
            self.errors.push(MrzError::BadDate {
                field,
                value: yymmdd.to_owned(),
            });
            NaiveDate::MIN
        })
    }

    fn finish(self, mrz: Mrz) -> Result<Mrz, Vec<MrzError>> {
        if self.errors.is_empty() {
            Ok(mrz)
        } else {
            Err(self.errors)
        }
    }
}

fn char_at(s: &str, i: usize) -> char {
    s.as_bytes().get(i).map_or('<', |&b| char::from(b))
}

fn clean(field: &str) -> String {
    field
        .trim_end_matches('<')
        .replace('<', " ")
        .trim()
        .to_owned()
}

fn names(field: &str) -> (String, String) {
    let field = field.trim_end_matches('<');
    match field.split_once("<<") {
        Some((surname, given)) => (clean(surname), collapse(&clean(given))),
        None => (clean(field), String::new()),
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Birth year: the latest of 19YY/20YY (relative to today's century) not after today.
fn birth_year(today: NaiveDate) -> impl Fn(i32) -> i32 {
    move |yy| {
        let century = today.year() - today.year().rem_euclid(100);
        let candidate = century + yy;
        if candidate > today.year() {
            candidate - 100
        } else {
            candidate
        }
    }
}

/// Expiry year: whichever of the previous, current and next century is closest to today.
fn expiry_year(today: NaiveDate) -> impl Fn(i32) -> i32 {
    move |yy| {
        let century = today.year() - today.year().rem_euclid(100);
        [century - 100 + yy, century + yy, century + 100 + yy]
            .into_iter()
            .min_by_key(|y| (y - today.year()).abs())
            .unwrap_or(century + yy)
    }
}

fn sex(c: char) -> char {
    if c == '<' {
        'X'
    } else {
        c
    }
}

fn parse_td3(l1: &str, l2: &str, today: NaiveDate) -> Result<Mrz, Vec<MrzError>> {
    let mut r = Reader { errors: Vec::new() };
    r.digit("document number", &l2[0..9], char_at(l2, 9));
    r.digit("birth date", &l2[13..19], char_at(l2, 19));
    r.digit("expiry date", &l2[21..27], char_at(l2, 27));
    r.digit("personal number", &l2[28..42], char_at(l2, 42));
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    r.digit("composite", &composite, char_at(l2, 43));
    let birthdate = r.date("birth date", &l2[13..19], birth_year(today));
    let expiration_date = r.date("expiry date", &l2[21..27], expiry_year(today));
    let (surname, given_names) = names(&l1[5..44]);
    let mrz = Mrz {
        format: MrzFormat::Td3,
        document_code: clean(&l1[0..2]),
        issuing_state: clean(&l1[2..5]),
        document_number: clean(&l2[0..9]),
        nationality: clean(&l2[10..13]),
        surname,
        given_names,
        birthdate,
        expiration_date,
        sex: sex(char_at(l2, 20)),
        optional_data: clean(&l2[28..42]),
    };
    r.finish(mrz)
}

/// The document number and the optional data after it. A number longer than 9 characters
/// continues in the optional data, with its check digit at its end and a filler in the usual
/// check-digit position (ICAO 9303 part 5 §4.2.2 and part 6 §4.2.2, note j).
fn number_and_optional(
    r: &mut Reader,
    number: &str,
    check: char,
    optional: &str,
) -> (String, String) {
    if check == '<' && optional.chars().next().is_some_and(|c| c != '<') {
        let rest = optional.trim_end_matches('<');
        let split = rest.find('<').unwrap_or(rest.len());
        let (tail, after) = rest.split_at(split);
        let (tail_digits, check) = tail.split_at(tail.len().saturating_sub(1));
        let full = format!("{number}{tail_digits}");
        r.digit(
            "document number",
            &full,
            check.chars().next().unwrap_or('<'),
        );
        (clean(&full), clean(after))
    } else {
        r.digit("document number", number, check);
        (clean(number), clean(optional))
    }
}

fn parse_td1(l1: &str, l2: &str, l3: &str, today: NaiveDate) -> Result<Mrz, Vec<MrzError>> {
    let mut r = Reader { errors: Vec::new() };
    let (document_number, optional_data) =
        number_and_optional(&mut r, &l1[5..14], char_at(l1, 14), &l1[15..30]);
    r.digit("birth date", &l2[0..6], char_at(l2, 6));
    r.digit("expiry date", &l2[8..14], char_at(l2, 14));
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    r.digit("composite", &composite, char_at(l2, 29));
    let birthdate = r.date("birth date", &l2[0..6], birth_year(today));
    let expiration_date = r.date("expiry date", &l2[8..14], expiry_year(today));
    let (surname, given_names) = names(l3);
    let mrz = Mrz {
        format: MrzFormat::Td1,
        document_code: clean(&l1[0..2]),
        issuing_state: clean(&l1[2..5]),
        document_number,
        nationality: clean(&l2[15..18]),
        surname,
        given_names,
        birthdate,
        expiration_date,
        sex: sex(char_at(l2, 7)),
        optional_data,
    };
    r.finish(mrz)
}

/// TD2 (ICAO 9303 part 6 §4.2): line 1 as a passport's (code, state, name), line 2 as a
/// passport's up to the expiry's check digit, then 7 characters of optional data and the
/// composite check digit over positions 1–10, 14–20 and 22–35.
fn parse_td2(l1: &str, l2: &str, today: NaiveDate) -> Result<Mrz, Vec<MrzError>> {
    let mut r = Reader { errors: Vec::new() };
    let (document_number, optional_data) =
        number_and_optional(&mut r, &l2[0..9], char_at(l2, 9), &l2[28..35]);
    r.digit("birth date", &l2[13..19], char_at(l2, 19));
    r.digit("expiry date", &l2[21..27], char_at(l2, 27));
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]);
    r.digit("composite", &composite, char_at(l2, 35));
    let birthdate = r.date("birth date", &l2[13..19], birth_year(today));
    let expiration_date = r.date("expiry date", &l2[21..27], expiry_year(today));
    let (surname, given_names) = names(&l1[5..36]);
    let mrz = Mrz {
        format: MrzFormat::Td2,
        document_code: clean(&l1[0..2]),
        issuing_state: clean(&l1[2..5]),
        document_number,
        nationality: clean(&l2[10..13]),
        surname,
        given_names,
        birthdate,
        expiration_date,
        sex: sex(char_at(l2, 20)),
        optional_data,
    };
    r.finish(mrz)
}

/// Fields for writing a TD3 or TD2 zone (fixtures and tests).
#[derive(Debug, Clone)]
pub struct ZoneFields<'a> {
    pub document_code: &'a str,
    pub issuing_state: &'a str,
    pub surname: &'a str,
    pub given_names: &'a str,
    pub document_number: &'a str,
    pub nationality: &'a str,
    pub birthdate: NaiveDate,
    pub sex: char,
    pub expiration_date: NaiveDate,
    /// TD3's personal number (14 characters), TD2's optional data (7).
    pub personal_number: &'a str,
}

fn pad(s: &str, len: usize) -> String {
    let mut out: String = pad_free(s).chars().take(len).collect();
    while out.len() < len {
        out.push('<');
    }
    out
}

fn digit_char(field: &str) -> char {
    char::from(b'0' + check_digit(field).unwrap_or(0))
}

/// Writes a TD3 zone (two lines joined by `\n`) with correct check digits. Input must already
/// be in the MRZ alphabet (upper-case A-Z, digits; spaces and hyphens become fillers).
pub fn encode_td3(f: &ZoneFields<'_>) -> String {
    encode_two_lines(f, 44)
}

/// Writes a TD2 zone (two lines of 36, ICAO 9303 part 6) as [`encode_td3`] writes a TD3.
pub fn encode_td2(f: &ZoneFields<'_>) -> String {
    encode_two_lines(f, 36)
}

/// TD3 (`width` 44) and TD2 (36) share their first 28 characters of line 2; the optional data
/// fills the rest but the last, the composite check digit. TD3's personal number has a check
/// digit of its own; TD2's optional data has none.
fn encode_two_lines(f: &ZoneFields<'_>, width: usize) -> String {
    let name_field = pad(
        &format!("{}<<{}", pad_free(f.surname), pad_free(f.given_names)),
        width - 5,
    );
    let l1 = format!(
        "{}{}{}",
        pad(f.document_code, 2),
        pad(f.issuing_state, 3),
        name_field
    );
    let number = pad(f.document_number, 9);
    let birth = f.birthdate.format("%y%m%d").to_string();
    let expiry = f.expiration_date.format("%y%m%d").to_string();
    let mut l2 = format!(
        "{number}{}{}{birth}{}{}{expiry}{}",
        digit_char(&number),
        pad(f.nationality, 3),
        digit_char(&birth),
        f.sex,
        digit_char(&expiry),
    );
    if width == 44 {
        let personal = pad(f.personal_number, 14);
        let personal_check = if personal.chars().all(|c| c == '<') {
            '<'
        } else {
            digit_char(&personal)
        };
        l2.push_str(&personal);
        l2.push(personal_check);
    } else {
        l2.push_str(&pad(f.personal_number, width - 29));
    }
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..width - 1]);
    l2.push(digit_char(&composite));
    format!("{l1}\n{l2}")
}

fn pad_free(s: &str) -> String {
    s.chars()
        .map(|c| if c == ' ' || c == '-' { '<' } else { c })
        .collect()
}

/// Whether an MRZ is expected: every passport; ID cards outside North America (TD1).
pub fn applies(id_class: &str, country: &str) -> bool {
    id_class == "pp" || (id_class == "id" && !crate::checks::barcode::applies(id_class, country))
}

/// `id_mrz`. Supplied text is always parsed; without text an expected MRZ is `not_applicable`
/// because it could not be read, which is not evidence against the document.
pub fn check(
    name: &str,
    id_class: &str,
    country: &str,
    text: Option<&str>,
    today: NaiveDate,
) -> (Check, Option<Mrz>) {
    let Some(text) = text else {
        let reason = if applies(id_class, country) {
            "no MRZ text available: it was not supplied and no text reader read a machine-readable zone".to_owned()
        } else {
            format!("no machine-readable zone is expected on a {id_class} from {country}")
        };
        return (Check::not_applicable(name, reason), None);
    };
    match parse(text, today) {
        Ok(m) => {
            let details = json!({"format": m.format, "document_code": m.document_code, "issuing_state": m.issuing_state});
            (Check::passed(name, details), Some(m))
        }
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
            (
                Check::failed(name, reasons.clone(), json!({"errors": reasons})),
                None,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    // The ICAO 9303 part 4 specimen passport.
    const ICAO_TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    // The ICAO 9303 part 5 specimen TD1 card.
    const ICAO_TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    // The ICAO 9303 part 6 specimen TD2 card.
    const ICAO_TD2: &str =
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";

    #[test]
    fn check_digits_match_the_specification_examples() {
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("D23145890"), Some(7));
        assert_eq!(check_digit("<<<<"), Some(0));
        assert_eq!(check_digit("ab"), None);
    }

    #[test]
    fn parses_the_icao_td3_specimen() {
        let m = parse(ICAO_TD3, d(2010, 1, 1)).expect("valid specimen");
        assert_eq!(m.format, MrzFormat::Td3);
        assert_eq!(
            (m.surname.as_str(), m.given_names.as_str()),
            ("ERIKSSON", "ANNA MARIA")
        );
        assert_eq!(
            (m.document_number.as_str(), m.issuing_state.as_str()),
            ("L898902C3", "UTO")
        );
        assert_eq!(m.birthdate, d(1974, 8, 12));
        assert_eq!(m.expiration_date, d(2012, 4, 15));
        assert_eq!((m.sex, m.optional_data.as_str()), ('F', "ZE184226B"));
    }

    #[test]
    fn parses_the_icao_td1_specimen() {
        let m = parse(ICAO_TD1, d(2010, 1, 1)).expect("valid specimen");
        assert_eq!(m.format, MrzFormat::Td1);
        assert_eq!(
            (m.document_code.as_str(), m.document_number.as_str()),
            ("I", "D23145890")
        );
        assert_eq!(
            (m.surname.as_str(), m.given_names.as_str()),
            ("ERIKSSON", "ANNA MARIA")
        );
        assert_eq!(m.birthdate, d(1974, 8, 12));
    }

    #[test]
    fn parses_the_icao_td2_specimen() {
        let m = parse(ICAO_TD2, d(2010, 1, 1)).expect("valid specimen");
        assert_eq!(m.format, MrzFormat::Td2);
        assert_eq!(
            (m.document_code.as_str(), m.issuing_state.as_str()),
            ("I", "UTO")
        );
        assert_eq!(
            (m.surname.as_str(), m.given_names.as_str()),
            ("ERIKSSON", "ANNA MARIA")
        );
        assert_eq!(
            (m.document_number.as_str(), m.nationality.as_str()),
            ("D23145890", "UTO")
        );
        assert_eq!(m.birthdate, d(1974, 8, 12));
        assert_eq!(m.expiration_date, d(2012, 4, 15));
        assert_eq!((m.sex, m.optional_data.as_str()), ('F', ""));
        // Each check digit is checked: the composite (last) and the document number's.
        let composite = ICAO_TD2.replace("<<<<<<<6", "<<<<<<<7");
        let errors = parse(&composite, d(2010, 1, 1)).expect_err("composite");
        assert!(matches!(
            errors.as_slice(),
            [MrzError::CheckDigit {
                field: "composite",
                found: '7',
                computed: 6
            }]
        ));
        let number = ICAO_TD2.replace("D231458907", "D231458917");
        let errors = parse(&number, d(2010, 1, 1)).expect_err("number");
        assert!(errors.iter().any(|e| matches!(
            e,
            MrzError::CheckDigit {
                field: "document number",
                found: '7',
                ..
            }
        )));
    }

    #[test]
    fn encoded_td2_round_trips_with_a_long_document_number() {
        let f = ZoneFields {
            document_code: "I",
            issuing_state: "UTO",
            surname: "ERIKSSON",
            given_names: "ANNA MARIA",
            document_number: "D23145890",
            nationality: "UTO",
            birthdate: d(1974, 8, 12),
            sex: 'F',
            expiration_date: d(2012, 4, 15),
            personal_number: "",
        };
        assert_eq!(encode_td2(&f), ICAO_TD2);
        // 12 characters: 9 in the number field, a filler, the rest and its check digit in the
        // optional data.
        let number = "D23145890123";
        let check = check_digit(number).expect("digit");
        let body = format!(
            "{}<UTO7408122F1204159{}{check}<<<",
            &number[..9],
            &number[9..]
        );
        let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..35]);
        let l2 = format!("{body}{}", check_digit(&composite).expect("digit"));
        let text = format!("{}\n{l2}", &ICAO_TD2[..36]);
        let m = parse(&text, d(2010, 1, 1)).expect("valid");
        assert_eq!(
            (m.document_number.as_str(), m.optional_data.as_str()),
            (number, "")
        );
    }

    #[test]
    fn td1_long_document_numbers_continue_in_optional_data() {
        // Number "D23145890123", check digit of the full number follows it, filler at 14.
        let number = "D23145890123";
        let check = check_digit(number).expect("digit");
        let l1 = format!("I<UTO{}<{}{}", &number[..9], &number[9..], check);
        let l1 = format!("{l1:<<30}");
        let l2_body = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!(
            "{}{}{}{}",
            &l1[5..30],
            &l2_body[0..7],
            &l2_body[8..15],
            &l2_body[18..29]
        );
        let l2 = format!("{l2_body}{}", check_digit(&composite).expect("digit"));
        let text = format!("{l1}\n{l2}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        assert_eq!(
            parse(&text, d(2010, 1, 1)).expect("valid").document_number,
            number
        );
    }

    #[test]
    fn reports_every_broken_check_digit() {
        let broken = ICAO_TD3.replace("7408122F", "7408123F");
        let errors = parse(&broken, d(2010, 1, 1)).expect_err("broken birth digit");
        assert!(errors.contains(&MrzError::CheckDigit {
            field: "birth date",
            found: '3',
            computed: 2
        }));
        assert!(errors.iter().any(|e| matches!(
            e,
            MrzError::CheckDigit {
                field: "composite",
                ..
            }
        )));
    }

    #[test]
    fn rejects_bad_shapes_characters_and_dates() {
        assert_eq!(parse("P<UTO", d(2010, 1, 1)), Err(vec![MrzError::Shape(5)]));
        let errors = parse("P<UT*", d(2010, 1, 1)).expect_err("bad character");
        assert!(matches!(
            errors.as_slice(),
            [MrzError::BadCharacter { ch: '*', .. }]
        ));
        let bad_month = ICAO_TD3.replace(
            "7408122",
            &format!("741312{}", check_digit("741312").unwrap_or(0)),
        );
        let errors = parse(&bad_month, d(2010, 1, 1)).expect_err("month 13");
        assert!(errors.contains(&MrzError::BadDate {
            field: "birth date",
            value: "741312".into()
        }));
    }

    #[test]
    fn centuries_are_inferred_relative_to_today() {
        let today = d(2026, 6, 1);
        assert_eq!(birth_year(today)(26), 2026);
        assert_eq!(
            birth_year(today)(27),
            1927,
            "a birth year cannot be in the future"
        );
        assert_eq!(expiry_year(today)(36), 2036);
        assert_eq!(expiry_year(today)(95), 1995, "an expired 1990s passport");
        assert_eq!(expiry_year(d(2095, 1, 1))(5), 2105);
    }

    #[test]
    fn encoded_td3_round_trips_and_is_lenient_about_whitespace() {
        let f = ZoneFields {
            document_code: "P",
            issuing_state: "UTO",
            surname: "VAN DER BERG",
            given_names: "ANNA MARIA",
            document_number: "X1234567",
            nationality: "UTO",
            birthdate: d(1990, 2, 3),
            sex: 'F',
            expiration_date: d(2031, 4, 5),
            personal_number: "",
        };
        let text = encode_td3(&f);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!((lines.len(), lines[0].len(), lines[1].len()), (2, 44, 44));
        let m = parse(
            &format!("  {}\r\n {} \n", lines[0], lines[1].to_lowercase()),
            d(2026, 1, 1),
        )
        .expect("round trip");
        assert_eq!(
            (m.surname.as_str(), m.given_names.as_str()),
            ("VAN DER BERG", "ANNA MARIA")
        );
        assert_eq!(
            (m.birthdate, m.expiration_date, m.sex),
            (f.birthdate, f.expiration_date, 'F')
        );
        assert_eq!(m.document_number, "X1234567");
    }

    #[test]
    fn check_is_not_applicable_without_text() {
        let (c, _) = check("m", "pp", "UT", None, d(2026, 1, 1));
        assert_eq!(c.status, crate::CheckStatus::NotApplicable);
        assert!(c.reasons[0].contains("not supplied"));
        let (c, m) = check("m", "pp", "UT", Some(ICAO_TD3), d(2010, 1, 1));
        assert_eq!(c.status, crate::CheckStatus::Passed);
        assert!(m.is_some());
    }
}
