//! Expired document: a document is valid through its expiration date and expired the day after.

use chrono::NaiveDate;
use serde_json::json;

use crate::Check;

pub fn check(name: &str, expiration_date: Option<NaiveDate>, today: NaiveDate) -> Check {
    let Some(expires) = expiration_date else {
        return Check::not_applicable(name, "no expiration date could be read from the document");
    };
    let details = json!({"expiration_date": expires, "today": today});
    if expires < today {
        Check::failed(
            name,
            vec![format!("the document expired on {expires}")],
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

    #[test]
    fn valid_through_the_expiration_day() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("date");
        assert_eq!(
            check("e", Some(day(10)), day(10)).status,
            CheckStatus::Passed
        );
        assert_eq!(
            check("e", Some(day(10)), day(11)).status,
            CheckStatus::Failed
        );
        assert_eq!(check("e", None, day(11)).status, CheckStatus::NotApplicable);
    }
}
