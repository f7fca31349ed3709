//! Correcting a zone as the recogniser read it. Each step changes the text only where the zone's
//! own structure leaves one answer (ICAO 9303 part 3 §4.2 field types, §4.9 check digits):
//!
//! 1. a line of the wrong length loses or gains a filler in its longest filler run (the
//!    recogniser most often miscounts long runs of `<`);
//! 2. each position takes its field's type: a date holds digits, a name letters;
//! 3. if the check digits still fail, every single change that could explain the misread is
//!    tried — a dropped or doubled character on a line read one short or long, a letter/digit
//!    confusion in an alphanumeric field — and
//!    the one change that makes every check digit and date hold is kept, only when exactly one
//!    does.
//!
//! Anything else is left as read, so a misread fails the parser's check digits instead of
//! passing as wrong data. Name fields carry no check digit: only steps 1 and 2 touch them.

use chrono::NaiveDate;

use crate::checks::mrz;

/// What a position may hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Digit,
    Alpha,
    Alnum,
}

/// The zone's lines (`width` long each) after correction and the changes made
/// (`line:column old→new`, `line:column +new` for an insertion, `line:column -old` for a
/// removal; columns count from 1).
pub(crate) fn correct(
    read: &[String],
    width: usize,
    today: NaiveDate,
) -> (Vec<String>, Vec<String>) {
    let sized: Vec<String> = read.iter().map(|r| fit_length(r, width)).collect();
    let (forced, mut changes) = force_kinds(&sized, width);
    if parses(&forced, today) {
        return (forced, changes);
    }
    if let Some((fixed, change)) = one_length_fix(read, &sized, width, today) {
        return (fixed, vec![change]);
    }
    if let Some((fixed, change)) = one_substitution(&forced, width, today) {
        changes.push(change);
        return (fixed, changes);
    }
    (forced, changes)
}

fn parses(lines: &[String], today: NaiveDate) -> bool {
    mrz::parse(&lines.join("\n"), today).is_ok()
}

/// Pads or trims the longest run of fillers so the line is `width` long; a line with no
/// fillers is cut or padded at the end.
pub(crate) fn fit_length(line: &str, width: usize) -> String {
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

/// Field kinds of line `line` of a zone `width` wide (ICAO 9303 parts 4, 5 and 6).
fn layout(width: usize, line: usize) -> Vec<Kind> {
    use Kind::*;
    let spans: &[(usize, Kind)] = match (width, line) {
        (44, 0) | (36, 0) | (30, 2) => &[(width, Alpha)],
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
        // TD2: a passport's second line with 7 characters of optional data, no check digit of
        // their own.
        (36, 1) => &[
            (9, Alnum),
            (1, Digit),
            (3, Alpha),
            (7, Digit),
            (1, Alpha),
            (7, Digit),
            (7, Alnum),
            (1, Digit),
        ],
        // Document code and state, the number, its check digit, optional data.
        (30, 0) => &[(5, Alpha), (9, Alnum), (1, Digit), (15, Alnum)],
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

/// Whether line `line` holds a field covered by a check digit (TD3 and TD2 line 2, TD1 lines
/// 1–2).
fn has_check_digits(width: usize, line: usize) -> bool {
    layout(width, line).contains(&Kind::Digit)
}

/// Letters the recogniser takes for digits and back (also the look-alikes the printed front's
/// document number is cross-read over, `front::cross_read_number`).
pub(crate) const DIGIT_FOR: [(char, char); 9] = [
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

/// Every line with each position forced to its field's kind, and the changes made.
fn force_kinds(lines: &[String], width: usize) -> (Vec<String>, Vec<String>) {
    let mut changes = Vec::new();
    let out = lines
        .iter()
        .enumerate()
        .map(|(li, line)| {
            line.chars()
                .zip(layout(width, li))
                .enumerate()
                .map(|(ci, (c, kind))| {
                    let f = forced(c, kind);
                    if f != c {
                        changes.push(format!("{}:{} {}→{}", li + 1, ci + 1, c, f));
                    }
                    f
                })
                .collect()
        })
        .collect();
    (out, changes)
}

/// What a character in an alphanumeric field may have been misread from: its letter/digit
/// look-alikes. (Any digit for any digit would let several changes satisfy the check digits
/// at once, and then none is taken.)
fn alternatives(c: char, kind: Kind) -> Vec<char> {
    if kind != Kind::Alnum {
        return Vec::new();
    }
    DIGIT_FOR
        .iter()
        .filter_map(|&(l, d)| match c {
            _ if c == l => Some(d),
            _ if c == d => Some(l),
            _ => None,
        })
        .collect()
}

/// Characters a position of `kind` may hold.
fn alphabet(kind: Kind) -> Vec<char> {
    let letters = ('A'..='Z').chain(std::iter::once('<'));
    match kind {
        Kind::Digit => ('0'..='9').collect(),
        Kind::Alpha => letters.collect(),
        Kind::Alnum => ('0'..='9').chain(letters).collect(),
    }
}

/// The one zone, among all single substitutions of [`alternatives`] at positions with a
/// check digit's kind, that parses; `None` when none or several do.
fn one_substitution(
    lines: &[String],
    width: usize,
    today: NaiveDate,
) -> Option<(Vec<String>, String)> {
    let mut found: Vec<(Vec<String>, String)> = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        for (ci, kind) in layout(width, li).into_iter().enumerate() {
            let Some(&original) = chars.get(ci) else {
                continue;
            };
            for alt in alternatives(original, kind) {
                let mut edited = chars.clone();
                edited[ci] = alt;
                let mut zone = lines.to_vec();
                zone[li] = edited.into_iter().collect();
                if parses(&zone, today) {
                    let change = format!("{}:{} {}→{}", li + 1, ci + 1, original, alt);
                    found.push((zone, change));
                }
            }
        }
    }
    unique(found)
}

/// For a line with check digits read one character short or long: the one zone, among all
/// insertions (of a character its position's kind allows) or removals of one character, that
/// parses once forced to its kinds. The other lines are taken as `sized`.
fn one_length_fix(
    read: &[String],
    sized: &[String],
    width: usize,
    today: NaiveDate,
) -> Option<(Vec<String>, String)> {
    let mut found: Vec<(Vec<String>, String)> = Vec::new();
    for (li, line) in read.iter().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        if chars.len().abs_diff(width) != 1 || !has_check_digits(width, li) {
            continue;
        }
        for (edited, change) in single_edits(&chars, width, li) {
            let mut zone = sized.to_vec();
            zone[li] = edited;
            let (zone, _) = force_kinds(&zone, width);
            if parses(&zone, today) {
                found.push((zone, change));
            }
        }
    }
    unique(found)
}

/// Line `li` with one character inserted (when it is one short) or removed (one long), each
/// with its change.
fn single_edits(chars: &[char], width: usize, li: usize) -> Vec<(String, String)> {
    let kinds = layout(width, li);
    let mut out = Vec::new();
    if chars.len() < width {
        for (at, &kind) in kinds.iter().enumerate().take(chars.len() + 1) {
            for c in alphabet(kind) {
                let mut edited = chars.to_vec();
                edited.insert(at, c);
                out.push((
                    edited.into_iter().collect(),
                    format!("{}:{} +{c}", li + 1, at + 1),
                ));
            }
        }
    } else {
        for at in 0..chars.len() {
            let mut edited = chars.to_vec();
            let old = edited.remove(at);
            out.push((
                edited.into_iter().collect(),
                format!("{}:{} -{old}", li + 1, at + 1),
            ));
        }
    }
    out
}

/// The single distinct zone of `found` (several edits may give the same text, as inserting a
/// letter before or after its twin).
fn unique(mut found: Vec<(Vec<String>, String)>) -> Option<(Vec<String>, String)> {
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    match found.len() {
        1 => found.pop(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2010, 1, 1).unwrap_or_default()
    }

    fn corrected(lines: &[&str]) -> (Vec<String>, Vec<String>) {
        let lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        correct(&lines, 44, today())
    }

    #[test]
    fn a_dropped_character_is_put_back_where_only_one_insertion_fits() {
        // `22` in the birth date read as one `2` (repeated characters merge): 43 characters.
        let l2 = TD3[1].replacen("7408122", "740812", 1);
        assert_eq!(l2.len(), 43);
        let (lines, changes) = corrected(&[TD3[0], &l2]);
        assert_eq!(lines[1], TD3[1], "{changes:?}");
        // A doubled character is taken out the same way.
        let l2 = TD3[1].replacen("ZE184226B", "ZE1842266B", 1);
        let (lines, _) = corrected(&[TD3[0], &l2]);
        assert_eq!(lines[1], TD3[1]);
    }

    #[test]
    fn two_errors_are_left_as_read() {
        let l2 = TD3[1].replacen("7408122", "7403128", 1);
        let (lines, _) = corrected(&[TD3[0], &l2]);
        assert_eq!(lines[1], l2);
        assert!(!parses(&lines, today()));
    }

    #[test]
    fn the_td1_document_number_check_digit_is_a_digit() {
        assert_eq!(layout(30, 0)[14], Kind::Digit);
        assert_eq!(layout(30, 0)[13], Kind::Alnum);
        assert_eq!(layout(44, 1).len(), 44);
        assert_eq!(layout(36, 1).len(), 36);
        assert_eq!(layout(36, 1)[35], Kind::Digit);
        assert!(layout(30, 1).len() == 30 && layout(30, 0).len() == 30);
    }
}
