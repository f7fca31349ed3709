//! Minimum age from the template, judged on the document's birth date and "today".

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::Check;

/// Completed years between `birthdate` and `today` (0 for a future birth date). Someone born
/// on 29 February turns a year older on 1 March in common years.
pub fn age_on(birthdate: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birthdate.year();
    if (today.month(), today.day()) < (birthdate.month(), birthdate.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

pub fn check(
    name: &str,
    minimum_age: Option<u32>,
    birthdate: Option<NaiveDate>,
    today: NaiveDate,
) -> Check {
    let Some(minimum) = minimum_age else {
        return Check::not_applicable(name, "the template sets no minimum age");
    };
    let Some(birthdate) = birthdate else {
        return Check::not_applicable(name, "no birth date could be read from the document");
    };
    let age = age_on(birthdate, today);
    let details = json!({"age": age, "minimum_age": minimum});
    if age < minimum {
        Check::failed(
            name,
            vec![format!(
                "the holder is {age}, under the minimum age of {minimum}"
            )],
            details,
        )
    } else {
        Check::passed(name, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckStatus;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on(d(2008, 5, 20), d(2026, 5, 19)), 17);
        assert_eq!(age_on(d(2008, 5, 20), d(2026, 5, 20)), 18);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), 0);
    }

    #[test]
    fn check_needs_a_minimum_and_a_birthdate() {
        let today = d(2026, 5, 19);
        assert_eq!(
            check("a", Some(18), Some(d(2008, 5, 20)), today).status,
            CheckStatus::Failed
        );
        assert_eq!(
            check("a", Some(18), Some(d(2008, 5, 19)), today).status,
            CheckStatus::Passed
        );
        assert_eq!(
            check("a", None, Some(d(2008, 5, 20)), today).status,
            CheckStatus::NotApplicable
        );
        assert_eq!(
            check("a", Some(18), None, today).status,
            CheckStatus::NotApplicable
        );
    }
}
