//! What the benchmark prints: section headings, number formatting, and the summary collected
//! from every section and printed at the end (one line per figure, with its target and whether
//! it was met, so a reader can copy it into the README as is).

use std::fmt::Write as _;

/// Whether a figure met its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// A figure without a target of its own (reported for reference).
    Info,
    /// The section could not run here (prerequisite missing); the line says why.
    Skipped,
    /// The section ran and failed.
    Failed,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::Info => "",
            Verdict::Skipped => "skipped",
            Verdict::Failed => "FAILED",
        }
    }

    /// `Met` when `ok`, else `Missed`.
    pub fn of(ok: bool) -> Verdict {
        if ok {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }
}

#[derive(Debug, Clone)]
pub struct Line {
    pub section: &'static str,
    pub what: String,
    pub value: String,
    pub target: String,
    pub verdict: Verdict,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub lines: Vec<Line>,
}

impl Summary {
    pub fn add(
        &mut self,
        section: &'static str,
        what: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        verdict: Verdict,
    ) {
        self.lines.push(Line {
            section,
            what: what.into(),
            value: value.into(),
            target: target.into(),
            verdict,
        });
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.lines.iter().filter(|l| l.verdict == verdict).count()
    }

    pub fn render(&self) -> String {
        let w_section = width(self.lines.iter().map(|l| l.section.len()), 7);
        let w_what = width(self.lines.iter().map(|l| l.what.chars().count()), 6);
        let w_value = width(self.lines.iter().map(|l| l.value.chars().count()), 5);
        let w_target = width(self.lines.iter().map(|l| l.target.chars().count()), 6);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<w_section$}  {:<w_what$}  {:>w_value$}  {:<w_target$}  result",
            "section", "figure", "value", "target"
        );
        for l in &self.lines {
            let _ = writeln!(
                out,
                "{:<w_section$}  {:<w_what$}  {:>w_value$}  {:<w_target$}  {}",
                l.section,
                l.what,
                l.value,
                l.target,
                l.verdict.label()
            );
        }
        out
    }
}

fn width(lengths: impl Iterator<Item = usize>, min: usize) -> usize {
    lengths.max().unwrap_or(0).max(min)
}

pub fn heading(title: &str) {
    println!();
    println!(
        "== {title} {}",
        "=".repeat(76_usize.saturating_sub(title.len()))
    );
}

/// `12345.6` → `12,346`.
pub fn thousands(value: f64) -> String {
    let rounded = value.round().max(0.0) as u64;
    let digits = rounded.to_string();
    let mut groups: Vec<&str> = Vec::new();
    let mut end = digits.len();
    while end > 3 {
        groups.push(&digits[end - 3..end]);
        end -= 3;
    }
    groups.push(&digits[..end]);
    groups.reverse();
    groups.join(",")
}

/// Milliseconds with two decimals, or `-` when nothing was measured.
pub fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1234567.0), "1,234,567");
    }

    #[test]
    fn summary_lines_carry_their_verdict() {
        let mut s = Summary::default();
        s.add("api", "create/s", "6,000", ">= 5,000", Verdict::Met);
        s.add("api", "p99", "30.00", "< 25", Verdict::Missed);
        let text = s.render();
        assert!(text.contains("create/s"), "{text}");
        assert!(text.lines().nth(2).is_some_and(|l| l.ends_with("MISSED")));
        assert_eq!(s.count(Verdict::Missed), 1);
    }
}
