//! Turning OCR'd lines into MRZ text: find the zone (the lowest run of two or three long
//! lines made of MRZ characters: TD3 2 × 44, TD2 2 × 36, TD1 3 × 30) and correct what the recogniser may have got wrong
//! (`mrz_correct`: field types, then check digits, only where one answer fits).

use chrono::NaiveDate;

use crate::checks::mrz_correct;
use crate::text::TextLine;

/// The zone as read and as corrected, with what was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadZone {
    pub read: Vec<String>,
    pub corrected: Vec<String>,
    /// `line:column old→new` for every change made.
    pub corrections: Vec<String>,
}

impl ReadZone {
    pub fn text(&self) -> String {
        self.corrected.join("\n")
    }
}

/// Rows of text (boxes on one row joined left to right) with only MRZ characters kept.
fn rows(lines: &[TextLine]) -> Vec<String> {
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
            ls.iter().map(|l| l.mrz.as_str()).collect::<String>()
        })
        .collect()
}

/// The MRZ in `lines`, or `None` when no zone-shaped run of lines is there.
pub fn find_zone(lines: &[TextLine], today: NaiveDate) -> Option<ReadZone> {
    let rows: Vec<String> = rows(lines)
        .into_iter()
        .filter(|r| r.len() >= 26 && r.contains('<'))
        .collect();
    // The last line's length says which format, each length taken to the nearest (a line
    // read a character or two long or short is corrected below).
    let (count, width) = match rows.last().map(String::len) {
        Some(n) if n >= 40 => (2, 44),
        Some(n) if n >= 33 => (2, 36),
        Some(_) if rows.len() >= 3 => (3, 30),
        _ => return None,
    };
    if rows.len() < count {
        return None;
    }
    let read: Vec<String> = rows[rows.len() - count..].to_vec();
    let (corrected, corrections) = mrz_correct::correct(&read, width, today);
    Some(ReadZone {
        read,
        corrected,
        corrections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mrz;
    use crate::text::TextBounds;

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn lines(rows: &[&str]) -> Vec<TextLine> {
        rows.iter()
            .zip(0u32..)
            .map(|(t, i)| TextLine {
                text: (*t).to_owned(),
                mrz: (*t).to_owned(),
                confidence: 1.0,
                bounds: TextBounds {
                    x: 10,
                    y: 100 + 40 * i,
                    width: 800,
                    height: 30,
                },
            })
            .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2010, 1, 1).unwrap_or_default()
    }

    #[test]
    fn finds_the_zone_below_other_text_and_fixes_filler_counts() {
        let short = TD3[0].replacen("<<<<", "<<<", 1);
        let z = find_zone(&lines(&["PASSPORT", &short, TD3[1]]), today()).expect("zone");
        assert_eq!(z.corrected, TD3.to_vec());
        assert!(mrz::parse(&z.text(), today()).is_ok());
    }

    #[test]
    fn digits_in_dates_and_letters_in_names_are_forced_by_field_type() {
        let l1 = TD3[0].replace("ERIKSSON", "ER1KSS0N");
        let l2 = TD3[1].replace("7408122", "74O8l22").replace('l', "I");
        let z = find_zone(&lines(&[&l1, &l2]), today()).expect("zone");
        assert_eq!(z.corrected, TD3.to_vec(), "{:?}", z.corrections);
        assert_eq!(z.corrections.len(), 4);
    }

    #[test]
    fn an_alphanumeric_field_is_fixed_only_when_one_change_satisfies_every_check_digit() {
        // The document number's `C` is not ambiguous, but its `0` read as `O` is.
        let l2 = TD3[1].replacen("L898902C3", "L8989O2C3", 1);
        let z = find_zone(&lines(&[TD3[0], &l2]), today()).expect("zone");
        assert_eq!(z.corrected[1], TD3[1]);
        // A wrong check digit has no single ambiguous-character fix: left as read, and failing.
        let bad = TD3[1].replacen("7408122", "7408123", 1);
        let z = find_zone(&lines(&[TD3[0], &bad]), today()).expect("zone");
        assert_eq!(z.corrected[1], bad);
        assert!(mrz::parse(&z.text(), today()).is_err());
    }

    #[test]
    fn a_td2_zone_is_read_and_corrected_like_the_others() {
        let td2 = [
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6",
        ];
        // A filler short on line 1, `O` for `0` in the birth date (a date holds digits), and in
        // the document number an `S` that only the check digits can tell from `5`.
        let l1 = td2[0].replacen("<<<<", "<<<", 1);
        let l2 = td2[1]
            .replacen("7408122", "74O8122", 1)
            .replacen("D2314589", "D2314S89", 1);
        let z = find_zone(&lines(&["CARTE D IDENTITE", &l1, &l2]), today()).expect("zone");
        assert_eq!(z.corrected, td2.to_vec(), "{:?}", z.corrections);
        let m = mrz::parse(&z.text(), today()).expect("parses");
        assert_eq!(m.format, mrz::MrzFormat::Td2);
    }

    #[test]
    fn no_zone_in_ordinary_text() {
        assert_eq!(
            find_zone(&lines(&["DRIVER LICENSE", "LN SMITH"]), today()),
            None
        );
    }
}
