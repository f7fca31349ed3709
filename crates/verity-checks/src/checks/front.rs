//! The printed front (visual inspection zone): name, birth date, expiry and document number
//! found in OCR'd text by their labels and by date patterns, not by where our fixtures put
//! them. A label's value is the rest of its row, or the next row when the label stands alone
//! (the ICAO 9303 part 4 layout prints labels above values; licences beside them).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::text::TextLine;

/// What the front says, as printed (values upper-cased, spacing collapsed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontFields {
    pub name_first: Option<String>,
    pub name_last: Option<String>,
    pub birthdate: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
    pub document_number: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    First,
    Last,
    Birth,
    Expiry,
    Number,
}

/// Labels seen on licences, ID cards and passports (English, French, Spanish, German), longest
/// first so `DATE OF BIRTH` wins over `BIRTH`.
const LABELS: [(&str, Field); 27] = [
    ("DATE OF EXPIRY", Field::Expiry),
    ("DATE OF BIRTH", Field::Birth),
    ("DOCUMENT NO", Field::Number),
    ("PASSPORT NO", Field::Number),
    ("GIVEN NAMES", Field::First),
    ("FIRST NAME", Field::First),
    ("LAST NAME", Field::Last),
    ("FAMILY NAME", Field::Last),
    ("APELLIDOS", Field::Last),
    ("NACHNAME", Field::Last),
    ("VORNAMEN", Field::First),
    ("PRENOMS", Field::First),
    ("SURNAME", Field::Last),
    ("EXPIRES", Field::Expiry),
    ("EXPIRY", Field::Expiry),
    ("NOMBRE", Field::First),
    ("GIVEN", Field::First),
    ("BIRTH", Field::Birth),
    ("BORN", Field::Birth),
    ("NOM", Field::Last),
    ("NO", Field::Number),
    ("DOB", Field::Birth),
    ("EXP", Field::Expiry),
    ("DLN", Field::Number),
    ("DL", Field::Number),
    ("FN", Field::First),
    ("LN", Field::Last),
];

/// Rows of text, boxes on one row joined left to right with a space, upper-cased.
pub fn rows(lines: &[TextLine]) -> Vec<String> {
    let mut rows: Vec<(f32, f32, Vec<&TextLine>)> = Vec::new();
    for l in lines {
        let (top, bottom) = (l.bounds.y as f32, (l.bounds.y + l.bounds.height) as f32);
        let centre = (top + bottom) / 2.0;
        match rows.iter_mut().find(|(t, b, _)| centre > *t && centre < *b) {
            Some(row) => row.2.push(l),
            None => rows.push((top, bottom, vec![l])),
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    rows.into_iter()
        .map(|(_, _, mut ls)| {
            ls.sort_by_key(|l| l.bounds.x);
            let joined: Vec<&str> = ls.iter().map(|l| l.text.as_str()).collect();
            plain(&joined.join(" "))
        })
        .collect()
}

/// Upper case without diacritics (`Prénoms` → `PRENOMS`); punctuation is kept for dates.
fn plain(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_uppercase()
}

/// The row without a leading field number: ICAO pages number their fields (`1.`), AAMVA
/// cards too (`4d DLN`, `3 DOB`).
fn without_field_number(row: &str) -> &str {
    let digits = row.len() - row.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return row.trim_start();
    }
    let rest = &row[digits..];
    let rest = match rest.chars().next() {
        Some(c) if c.is_ascii_alphabetic() && rest[1..].starts_with(' ') => &rest[1..],
        _ => rest,
    };
    rest.trim_start_matches(['.', ' '])
}

/// The label a row starts with and the rest of the row.
fn label(row: &str) -> Option<(Field, &str)> {
    let trimmed = without_field_number(row);
    LABELS.iter().find_map(|&(l, f)| {
        let (rest, joined) = strip_label(trimmed, l)?;
        // The recogniser often drops the space after a label (`BORN25JUL1989`,
        // `SURNAMEVIZO`). Labels of two or three letters begin ordinary words too, so one run
        // into what follows counts only when what follows has the field's shape (`NOK2MLDWKAM`
        // is a number, `NOVA` is not).
        let short = l.len() <= 3;
        let value = value_after(rest);
        (!(joined && short) || has_shape(f, value)).then_some((f, value))
    })
}

/// Whether `value` looks like what `field` holds: a date for dates, a document number (one
/// token of 6–12 letters and digits with a digit in it) for numbers. Names have no shape.
fn has_shape(field: Field, value: &str) -> bool {
    match field {
        Field::Birth | Field::Expiry => [true, false]
            .into_iter()
            .any(|day_first| !find_dates(value, day_first).is_empty()),
        Field::Number => {
            let token: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
            (6..=12).contains(&token.len())
                && token.iter().all(char::is_ascii_alphanumeric)
                && token.iter().any(char::is_ascii_digit)
        }
        Field::First | Field::Last => false,
    }
}

/// `row` after `label`, spaces ignored on both sides and `0`/`1` read as `O`/`I` (the
/// recogniser's usual confusions inside words), and whether the value follows the label
/// with no separator.
fn strip_label<'a>(row: &'a str, label: &str) -> Option<(&'a str, bool)> {
    let mut chars = row.char_indices().filter(|(_, c)| *c != ' ');
    let mut after = 0;
    for lc in label.chars().filter(|c| *c != ' ') {
        let (i, c) = chars.next()?;
        after = i + c.len_utf8();
        let c = match c {
            '0' => 'O',
            '1' => 'I',
            c => c,
        };
        if c != lc {
            return None;
        }
    }
    let joined = row[after..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let end = chars.next().map_or(row.len(), |(i, _)| i);
    Some((&row[end..], joined))
}

/// What follows a label. A bilingual label (`SURNAME / NOM`, `DATE OF BIRTH / DATE DE
/// NAISSANCE`) has only its translation after the slash: the value is then on the next row.
fn value_after(rest: &str) -> &str {
    let rest = rest.trim_start();
    if let Some(translation) = rest.strip_prefix('/') {
        let translation = translation.trim();
        if let Some((_, after)) = label(translation) {
            return after;
        }
        if !translation.chars().any(|c| c.is_ascii_digit()) {
            return "";
        }
    }
    rest.trim_start_matches([' ', ':', '/', '.', '#']).trim()
}

/// The fields found in `lines`. `day_first` says how `NN/NN/YYYY` dates are read (`false` on
/// North American cards, which print month first).
pub fn parse(lines: &[TextLine], day_first: bool) -> FrontFields {
    let rows = rows(lines);
    let mut out = FrontFields::default();
    let mut dates = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        dates.extend(find_dates(row, day_first));
        let Some((field, rest)) = label(row) else {
            continue;
        };
        let value = if rest.is_empty() {
            rows.get(i + 1).map_or("", String::as_str)
        } else {
            rest
        };
        if value.is_empty() {
            continue;
        }
        match field {
            Field::First => out.name_first = out.name_first.or(Some(collapse(value))),
            Field::Last => out.name_last = out.name_last.or(Some(collapse(value))),
            Field::Birth => {
                out.birthdate = out
                    .birthdate
                    .or(find_dates(value, day_first).first().copied())
            }
            Field::Expiry => {
                out.expiration_date = out
                    .expiration_date
                    .or(find_dates(value, day_first).first().copied())
            }
            Field::Number => out.document_number = out.document_number.or(number(value)),
        }
    }
    // Unlabelled dates: the earliest is the birth date, the latest the expiry.
    dates.sort();
    if out.birthdate.is_none() && dates.len() >= 2 {
        out.birthdate = dates.first().copied();
    }
    if out.expiration_date.is_none() && dates.len() >= 2 {
        out.expiration_date = dates.last().copied();
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The document number in a labelled value: the first token with a digit in it, of at least 5
/// characters, else the first of at least 6 letters (numbers need not hold a digit).
fn number(value: &str) -> Option<String> {
    let tokens: Vec<String> = value
        .split_whitespace()
        .map(|t| t.chars().filter(char::is_ascii_alphanumeric).collect())
        .collect();
    let with_digit = tokens
        .iter()
        .find(|t| t.len() >= 5 && t.chars().any(|c| c.is_ascii_digit()));
    with_digit
        .or_else(|| tokens.iter().find(|t| t.len() >= 6))
        .cloned()
}

/// The printed document number `printed` cross-read against `encoded`, the same document's
/// number in a machine-readable zone whose check digits hold (ICAO 9303 part 3 §4.9) or in a
/// parsed barcode: when the two are equally long and differ only where one has a letter and
/// the other its digit look-alike (`O`/`0`, `I`/`1`, `B`/`8`, … — the pairs the MRZ correction
/// uses, `mrz_correct::DIGIT_FOR`), the printed number is `encoded`. The free decode of the
/// front has no check digit, and its recogniser (trained mostly on Chinese, with Latin as
/// words) takes `0` for `O` inside a mix of letters and digits; in the faces documents print
/// those pairs are the same glyph to it but a different one to a reader, so this settles only
/// what the image cannot. Any other difference (another character, a length) is kept as read:
/// `id_front_mrz_consistency` still fails a front whose number was changed.
pub fn cross_read_number(printed: &str, encoded: &str) -> String {
    let lookalike = |a: char, b: char| {
        a == b
            || crate::checks::mrz_correct::DIGIT_FOR
                .iter()
                .any(|&(l, d)| (a, b) == (l, d) || (a, b) == (d, l))
    };
    let same_length = printed.chars().count() == encoded.chars().count();
    if same_length
        && printed
            .chars()
            .zip(encoded.chars())
            .all(|(a, b)| lookalike(a, b))
    {
        encoded.to_owned()
    } else {
        printed.to_owned()
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Dates in `s`: `YYYY-MM-DD`, `DD MMM YYYY` (`15 JAN 1990`, `15JAN1990`), and `NN/NN/YYYY`
/// or `NN.NN.YYYY` read day or month first as told (dots are always day first).
pub fn find_dates(s: &str, day_first: bool) -> Vec<NaiveDate> {
    let tokens: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Some(d) = numeric_date(t, day_first) {
            out.push(d);
        } else if let Some(d) = month_name_date(t) {
            out.push(d);
        } else if let Some(d) = tokens
            .get(i + 1)
            .and_then(|m| month_name_date(&format!("{t}{m}")))
        {
            out.push(d);
        } else if let (Some(m), Some(y)) = (tokens.get(i + 1), tokens.get(i + 2)) {
            if let Some(d) = month_name_date(&format!("{t}{m}{y}")) {
                out.push(d);
            }
        }
    }
    out
}

fn numeric_date(t: &str, day_first: bool) -> Option<NaiveDate> {
    let sep = t.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<u32> = t
        .split(sep)
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c] = parts[..] else { return None };
    let (y, m, d) = if a > 999 {
        (a, b, c)
    } else if sep == '.' || day_first {
        (c, b, a)
    } else {
        (c, a, b)
    };
    (y > 1900)
        .then(|| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d))
        .flatten()
}

/// `DDMMMYYYY` with any separators removed before: a day of one or two digits, a month name
/// (read with `0` as `O`, as in `0CT` and `N0V`, which the recogniser often gives), perhaps its
/// translation (`JAN/JAN`), then the year.
fn month_name_date(t: &str) -> Option<NaiveDate> {
    let chars: Vec<char> = t.chars().collect();
    [2, 1].into_iter().find_map(|day_len| {
        let day: String = chars.get(..day_len)?.iter().collect();
        let month: String = chars
            .get(day_len..day_len + 3)?
            .iter()
            .map(|&c| as_letter(c))
            .collect();
        let month = MONTHS.iter().position(|m| *m == month)?;
        let rest: String = chars.get(day_len + 3..)?.iter().collect();
        let year = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '/');
        let (day, year) = (day.parse::<u32>().ok()?, year.parse::<i32>().ok()?);
        (year > 1900)
            .then(|| NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()? + 1, day))
            .flatten()
    })
}

/// The letter a digit is taken for inside a word (`0CT` → `OCT`).
fn as_letter(c: char) -> char {
    match c {
        '0' => 'O',
        '1' => 'I',
        '5' => 'S',
        '8' => 'B',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextBounds;

    fn line(text: &str, x: u32, y: u32) -> TextLine {
        TextLine {
            text: text.into(),
            mrz: String::new(),
            confidence: 1.0,
            bounds: TextBounds {
                x,
                y,
                width: 200,
                height: 30,
            },
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn labels_beside_values_and_above_them_are_both_read() {
        let licence = [
            line("4d DLN S1234567", 300, 110),
            line("EXP 09/15/2030", 300, 152),
            line("LN", 300, 194),
            line("MUÑOZ RÍOS", 360, 196),
            line("FNANA MARIA", 300, 236),
            line("DOB 05/01/1992", 300, 278),
        ];
        let f = parse(&licence, false);
        assert_eq!(f.document_number.as_deref(), Some("S1234567"));
        assert_eq!(f.name_last.as_deref(), Some("MUNOZ RIOS"));
        assert_eq!(f.name_first, None, "a two-letter label needs its separator");
        assert_eq!(
            (f.birthdate, f.expiration_date),
            (Some(d(1992, 5, 1)), Some(d(2030, 9, 15)))
        );

        let passport = [
            line("Surname / Nom", 280, 80),
            line("VAN DER BERG", 280, 120),
            line("Given names / Prénoms", 280, 160),
            line("Anna", 280, 200),
            line("Date of birth", 280, 240),
            line("03 FEB 1990", 280, 280),
            line("12.04.2031", 280, 320),
        ];
        let f = parse(&passport, true);
        assert_eq!(f.name_last.as_deref(), Some("VAN DER BERG"));
        assert_eq!(f.name_first.as_deref(), Some("ANNA"));
        assert_eq!(f.birthdate, Some(d(1990, 2, 3)));
        assert_eq!(
            f.expiration_date,
            Some(d(2031, 4, 12)),
            "the latest unlabelled date"
        );
    }

    #[test]
    fn labels_run_into_their_values_and_misread_digits_are_tolerated() {
        let rows = [
            line("SURNAMEVIZO", 0, 0),
            line("B0RN25JUL1989", 0, 40),
            line("EXPIRES 09APR 2027", 0, 80),
        ];
        let f = parse(&rows, true);
        assert_eq!(f.name_last.as_deref(), Some("VIZO"));
        assert_eq!(
            (f.birthdate, f.expiration_date),
            (Some(d(1989, 7, 25)), Some(d(2027, 4, 9)))
        );
    }

    #[test]
    fn a_short_label_run_into_a_value_of_its_field_shape_is_read() {
        let rows = [line("NOVASCOTIA", 0, 0), line("DOBIE", 0, 40)];
        let f = parse(&rows, false);
        assert_eq!(f.document_number, None, "a joined number needs a digit");
        assert_eq!(f.birthdate, None);
        let rows = [line("NOK2MLD7KAM", 0, 0), line("DOB05/01/1992", 0, 40)];
        let f = parse(&rows, false);
        assert_eq!(f.document_number.as_deref(), Some("K2MLD7KAM"));
        assert_eq!(f.birthdate, Some(d(1992, 5, 1)));
    }

    #[test]
    fn a_labelled_number_may_hold_no_digit() {
        let rows = [line("DOCUMENT NO", 0, 0), line("TXFAXPFZZ", 0, 40)];
        assert_eq!(
            parse(&rows, true).document_number.as_deref(),
            Some("TXFAXPFZZ")
        );
    }

    #[test]
    fn a_printed_number_takes_the_zone_spelling_only_across_look_alikes() {
        // `O` for `0` and `B` for `8`: the image cannot tell them apart, the zone's check
        // digit can.
        assert_eq!(cross_read_number("KLMET8AON", "KLMET8A0N"), "KLMET8A0N");
        assert_eq!(cross_read_number("KLMETBA0N", "KLMET8A0N"), "KLMET8A0N");
        // Another letter, a character more or less: a real difference, kept as printed.
        for printed in ["KLMET8AXN", "KLMET8A0", "KLMET8A0NN", "KLMEH8A0N"] {
            assert_eq!(cross_read_number(printed, "KLMET8A0N"), printed);
        }
    }

    #[test]
    fn month_names_read_with_zero_for_o() {
        assert_eq!(find_dates("220CT1998", true), vec![d(1998, 10, 22)]);
        assert_eq!(find_dates("07N0V 2033", true), vec![d(2033, 11, 7)]);
        assert_eq!(find_dates("7N0V2033", true), vec![d(2033, 11, 7)]);
    }

    #[test]
    fn date_formats() {
        assert_eq!(find_dates("15JAN1990", true), vec![d(1990, 1, 15)]);
        assert_eq!(find_dates("26JUL 2028", true), vec![d(2028, 7, 26)]);
        assert_eq!(
            find_dates("1990-01-15 and 02/03/2001", true),
            vec![d(1990, 1, 15), d(2001, 3, 2)]
        );
        assert_eq!(find_dates("02/03/2001", false), vec![d(2001, 2, 3)]);
        assert_eq!(find_dates("13/13/2001 5-06", false), vec![]);
    }
}
