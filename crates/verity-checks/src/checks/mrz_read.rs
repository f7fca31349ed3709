//! Turning OCR'd lines into MRZ text: find the zone (the lowest run of two or three long
//! lines made of MRZ characters), bring each line to its exact length, then correct what the
//! recogniser may have confused — first by field type (a date holds digits, a name letters;
//! ICAO 9303 part 3 §4.2), then by check digits: a character in an alphanumeric field is changed
//! only when exactly one single change makes every check digit of the zone hold. Anything else
//! is left as read, so a misread fails the parser's check digits instead of passing as wrong data.

use chrono::NaiveDate;

use crate::checks::mrz;
use crate::text::TextLine;

/// What a position may hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Digit,
    Alpha,
    Alnum,
}

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
    let (count, width) = match rows.last().map(String::len) {
        Some(n) if n >= 40 => (2, 44),
        Some(_) if rows.len() >= 3 => (3, 30),
        _ => return None,
    };
    if rows.len() < count {
        return None;
    }
    let read: Vec<String> = rows[rows.len() - count..].to_vec();
    let sized: Vec<String> = read.iter().map(|r| fit_length(r, width)).collect();
    let (corrected, corrections) = correct(&sized, today);
    Some(ReadZone {
        read,
        corrected,
        corrections,
    })
}

/// Pads or trims the longest run of fillers so the line is `width` long (the recogniser most
/// often gains or loses a `<` inside long filler runs); a line with no fillers is cut or padded
/// at the end.
fn fit_length(line: &str, width: usize) -> String {
    let mut s: Vec<char> = line.chars().collect();
    while s.len() != width {
        let (start, len) = longest_filler_run(&s);
        if s.len() > width {
            if len == 0 {
                s.truncate(width);
            } else {
                s.remove(start);
            }
        } else {
            let at = if len == 0 { s.len() } else { start };
            s.insert(at, '<');
        }
    }
    s.into_iter().collect()
}

fn longest_filler_run(s: &[char]) -> (usize, usize) {
    let (mut best, mut run_start, mut run) = ((0, 0), 0, 0);
    for (i, &c) in s.iter().enumerate() {
        if c == '<' {
            if run == 0 {
                run_start = i;
            }
            run += 1;
            if run > best.1 {
                best = (run_start, run);
            }
        } else {
            run = 0;
        }
    }
    best
}

/// Field kinds per line (ICAO 9303 parts 4 and 5).
fn layout(width: usize, line: usize) -> Vec<Kind> {
    use Kind::*;
    let spans: &[(usize, Kind)] = match (width, line) {
        (44, 0) | (30, 2) => &[(width, Alpha)],
        (44, 1) => &[
            (9, Alnum),
            (1, Digit),
            (3, Alpha),
            (7, Digit),
            (1, Alpha),
            (7, Digit),
            (15, Alnum),
            (1, Digit),
        ],
        (30, 0) => &[(5, Alpha), (9, Alnum), (16, Alnum)],
        (30, 1) => &[
            (7, Digit),
            (1, Alpha),
            (7, Digit),
            (3, Alpha),
            (11, Alnum),
            (1, Digit),
        ],
        _ => &[(width, Alnum)],
    };
    spans
        .iter()
        .flat_map(|&(n, k)| std::iter::repeat_n(k, n))
        .collect()
}

/// Letters the recogniser takes for digits and back.
const DIGIT_FOR: [(char, char); 9] = [
    ('O', '0'),
    ('D', '0'),
    ('Q', '0'),
    ('I', '1'),
    ('L', '1'),
    ('Z', '2'),
    ('S', '5'),
    ('B', '8'),
    ('G', '6'),
];

fn forced(c: char, kind: Kind) -> char {
    match kind {
        Kind::Digit => DIGIT_FOR
            .iter()
            .find(|(l, _)| *l == c)
            .map_or(c, |&(_, d)| d),
        Kind::Alpha => DIGIT_FOR
            .iter()
            .find(|(l, d)| *d == c && *l != 'D' && *l != 'Q' && *l != 'L')
            .map_or(c, |&(l, _)| l),
        Kind::Alnum => c,
    }
}

/// The alternatives a character in an alphanumeric field may have been misread from.
fn alternatives(c: char) -> Vec<char> {
    DIGIT_FOR
        .iter()
        .filter_map(|&(l, d)| match c {
            _ if c == l => Some(d),
            _ if c == d => Some(l),
            _ => None,
        })
        .collect()
}

fn correct(lines: &[String], today: NaiveDate) -> (Vec<String>, Vec<String>) {
    let width = lines.first().map_or(0, String::len);
    let mut grid: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
    let mut changes = Vec::new();
    for (li, line) in grid.iter_mut().enumerate() {
        for (ci, (c, kind)) in line.iter_mut().zip(layout(width, li)).enumerate() {
            let f = forced(*c, kind);
            if f != *c {
                changes.push(format!("{}:{} {}→{}", li + 1, ci + 1, c, f));
                *c = f;
            }
        }
    }
    let join = |g: &[Vec<char>]| {
        g.iter()
            .map(|l| l.iter().collect::<String>())
            .collect::<Vec<_>>()
    };
    if mrz::parse(&join(&grid).join("\n"), today).is_ok() {
        return (join(&grid), changes);
    }
    let mut fixes = Vec::new();
    for li in 0..grid.len() {
        for (ci, kind) in layout(width, li).into_iter().enumerate() {
            if kind != Kind::Alnum {
                continue;
            }
            let original = grid[li][ci];
            for alt in alternatives(original) {
                grid[li][ci] = alt;
                if mrz::parse(&join(&grid).join("\n"), today).is_ok() {
                    fixes.push((li, ci, original, alt));
                }
            }
            grid[li][ci] = original;
        }
    }
    if let [(li, ci, old, new)] = fixes.as_slice() {
        grid[*li][*ci] = *new;
        changes.push(format!("{}:{} {}→{}", li + 1, ci + 1, old, new));
    }
    (join(&grid), changes)
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn no_zone_in_ordinary_text() {
        assert_eq!(
            find_zone(&lines(&["DRIVER LICENSE", "LN SMITH"]), today()),
            None
        );
    }
}
