//! Workflows: a template's declarative rules, run after an inquiry is `completed` or `failed`.
//!
//! Rules are tried in order; the first whose conditions all hold runs its actions in order
//! (the others are skipped). Actions are the inquiry's own decisions (approve, decline,
//! mark for review, add a tag), so each goes through the state machine and logs its event,
//! and `wait`, which pauses the run for N seconds (durably: the store keeps the run and its
//! due time). Everything here is pure: evaluation takes "today" and the facts as arguments.
//!
//! ```toml
//! [[workflow]]
//! name = "approve clean IDs after a cool-off"
//! when = { status = "completed", checks-passed = ["id_expiry"], min-age = 21 }
//! then = [{ action = "wait", seconds = 2 }, { action = "approve" }]
//! ```

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::field::FieldSchema;
use crate::inquiry::{Command, Inquiry, InquiryStatus};
use crate::verification::{CheckOutcome, CheckResult};

/// The longest `wait` a rule may ask for (30 days).
pub const MAX_WAIT_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct WorkflowRule {
    /// Unique within the template; errors and logs name the rule by it.
    pub name: String,
    #[serde(default)]
    pub when: Conditions,
    pub then: Vec<Action>,
}

/// Every condition given must hold (an empty set always holds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Conditions {
    /// `completed` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InquiryStatus>,
    /// Checks (by name, e.g. `id_expiry`) that passed in one of the inquiry's verifications.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks_passed: Vec<String>,
    /// Checks that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks_failed: Vec<String>,
    /// Field key → the value it must equal (as the API renders `fields[key].value`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_exclude: Vec<String>,
    /// The individual's age in whole years (from the `birthdate` field) is at least this.
    /// Without a birthdate the condition does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u32>,
    /// … is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    Approve,
    Decline,
    MarkForReview,
    AddTag { tag: String },
    Wait { seconds: u64 },
}

impl Action {
    /// The inquiry command this action is; `None` for `wait`.
    pub fn command(&self) -> Option<Command> {
        match self {
            Action::Approve => Some(Command::Approve),
            Action::Decline => Some(Command::Decline),
            Action::MarkForReview => Some(Command::MarkForReview),
            Action::AddTag { tag } => Some(Command::AddTag(tag.clone())),
            Action::Wait { .. } => None,
        }
    }
}

/// A rule that cannot be accepted, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("workflow rule `{rule}`: {problem}")]
pub struct WorkflowError {
    pub rule: String,
    pub problem: String,
}

/// Checks the rules' shape against the template's fields. Check names are checked by the
/// caller, which knows them (`check_names`).
pub fn validate(rules: &[WorkflowRule], schema: &FieldSchema) -> Result<(), WorkflowError> {
    let mut seen = std::collections::HashSet::new();
    for rule in rules {
        let bad = |problem: String| WorkflowError {
            rule: rule.name.clone(),
            problem,
        };
        if rule.name.trim().is_empty() || rule.name.len() > 100 {
            return Err(bad("a rule needs a name of 1 to 100 characters".into()));
        }
        if !seen.insert(rule.name.as_str()) {
            return Err(bad("the name is used by two rules".into()));
        }
        if rule.then.is_empty() {
            return Err(bad("`then` needs at least one action".into()));
        }
        let w = &rule.when;
        if let Some(s) = w.status {
            if !matches!(s, InquiryStatus::Completed | InquiryStatus::Failed) {
                return Err(bad(format!(
                    "status `{s}` never holds when workflows run: use completed or failed"
                )));
            }
        }
        if let Some(key) = w.fields.keys().find(|k| schema.get(k).is_none()) {
            return Err(bad(format!(
                "field `{key}` is not declared by the template"
            )));
        }
        if let (Some(min), Some(max)) = (w.min_age, w.max_age) {
            if min >= max {
                return Err(bad(format!("min-age {min} is not below max-age {max}")));
            }
        }
        if w.min_age.or(w.max_age).is_some_and(|a| a > 150) {
            return Err(bad("ages above 150 are not plausible".into()));
        }
        for action in &rule.then {
            match action {
                Action::Wait { seconds } if *seconds == 0 || *seconds > MAX_WAIT_SECONDS => {
                    return Err(bad(format!(
                        "wait must be between 1 and {MAX_WAIT_SECONDS} seconds"
                    )))
                }
                Action::AddTag { tag } if tag.trim().is_empty() || tag.len() > 64 => {
                    return Err(bad("a tag needs 1 to 64 characters".into()))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Every `(rule, check name)` the rules mention, for the caller to check against the known names.
pub fn check_names(rules: &[WorkflowRule]) -> impl Iterator<Item = (&str, &str)> {
    rules.iter().flat_map(|r| {
        r.when
            .checks_passed
            .iter()
            .chain(&r.when.checks_failed)
            .map(move |c| (r.name.as_str(), c.as_str()))
    })
}

/// What conditions are judged against.
pub struct Facts<'a> {
    pub inquiry: &'a Inquiry,
    /// Every check of every verification of the inquiry.
    pub checks: &'a [CheckResult],
    pub today: NaiveDate,
}

impl Conditions {
    pub fn hold(&self, f: &Facts<'_>) -> bool {
        let check_is = |name: &str, outcome: CheckOutcome| {
            f.checks
                .iter()
                .any(|c| c.name == name && c.status == outcome)
        };
        let field_equals =
            |key: &str, want: &Value| f.inquiry.fields.get(key).is_some_and(|v| &v.value == want);
        let age = age_of(f.inquiry, f.today);
        self.status.is_none_or(|s| s == f.inquiry.status)
            && self
                .checks_passed
                .iter()
                .all(|c| check_is(c, CheckOutcome::Passed))
            && self
                .checks_failed
                .iter()
                .all(|c| check_is(c, CheckOutcome::Failed))
            && self.fields.iter().all(|(k, v)| field_equals(k, v))
            && self.tags_include.iter().all(|t| f.inquiry.tags.contains(t))
            && !self.tags_exclude.iter().any(|t| f.inquiry.tags.contains(t))
            && self.min_age.is_none_or(|min| age.is_some_and(|a| a >= min))
            && self.max_age.is_none_or(|max| age.is_some_and(|a| a < max))
    }
}

/// Whole years since the `birthdate` field's date, if it has one.
fn age_of(inquiry: &Inquiry, today: NaiveDate) -> Option<u32> {
    let birth = inquiry.fields.get("birthdate")?.value.as_str()?;
    let birth = NaiveDate::parse_from_str(birth, "%Y-%m-%d").ok()?;
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The first rule whose conditions hold.
pub fn first_match(rules: &[WorkflowRule], facts: &Facts<'_>) -> Option<usize> {
    rules.iter().position(|r| r.when.hold(facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{FieldSpec, FieldType, FieldValue};
    use crate::id::{InquiryId, InquiryTemplateVersionId, TemplateId};
    use crate::inquiry::NewInquiry;

    fn inquiry(status: InquiryStatus, birthdate: &str) -> Inquiry {
        let schema = FieldSchema(vec![FieldSpec::new("birthdate", FieldType::Date)]);
        let mut rng = rand::thread_rng();
        let mut i = Inquiry::create(
            NewInquiry {
                id: InquiryId::generate(&mut rng),
                template_id: TemplateId::Dynamic(crate::id::Id::generate(&mut rng)),
                template_version_id: InquiryTemplateVersionId::generate(&mut rng),
                schema,
                fields: serde_json::Map::new(),
                reference_id: None,
                account_id: None,
                note: None,
                tags: vec!["vip".into()],
                ttl_seconds: 3600,
            },
            0,
        )
        .expect("create")
        .inquiry;
        i.status = status;
        i.fields.insert(
            "birthdate".into(),
            FieldValue {
                field_type: FieldType::Date,
                value: Value::String(birthdate.into()),
            },
        );
        i
    }

    fn check(name: &str, status: CheckOutcome) -> CheckResult {
        CheckResult {
            name: name.into(),
            status,
            reasons: vec![],
            details: Value::Null,
            required: true,
        }
    }

    #[test]
    fn rules_parse_from_toml_and_conditions_hold_or_not() {
        let text = r#"
            [[workflow]]
            name = "decline expired"
            when = { status = "failed", checks-failed = ["id_expiry"] }
            then = [{ action = "decline" }]
            [[workflow]]
            name = "approve adults"
            when = { status = "completed", min-age = 21, tags-include = ["vip"], fields = { birthdate = "1990-01-02" } }
            then = [{ action = "wait", seconds = 2 }, { action = "add-tag", tag = "auto" }, { action = "approve" }]
        "#;
        #[derive(Deserialize)]
        struct File {
            workflow: Vec<WorkflowRule>,
        }
        let rules = toml::from_str::<File>(text).expect("parses").workflow;
        let schema = FieldSchema(vec![FieldSpec::new("birthdate", FieldType::Date)]);
        assert_eq!(validate(&rules, &schema), Ok(()));
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let adult = inquiry(InquiryStatus::Completed, "1990-01-02");
        let checks = [check("id_expiry", CheckOutcome::Passed)];
        let facts = Facts {
            inquiry: &adult,
            checks: &checks,
            today,
        };
        assert_eq!(first_match(&rules, &facts), Some(1));
        let failed = inquiry(InquiryStatus::Failed, "1990-01-02");
        let expired = [check("id_expiry", CheckOutcome::Failed)];
        let facts = Facts {
            inquiry: &failed,
            checks: &expired,
            today,
        };
        assert_eq!(first_match(&rules, &facts), Some(0));
        let young = inquiry(InquiryStatus::Completed, "2006-01-02");
        let facts = Facts {
            inquiry: &young,
            checks: &checks,
            today,
        };
        assert_eq!(first_match(&rules, &facts), None, "19 is below min-age 21");
        assert_eq!(
            rules[1].then[2].command().map(|c| c.name()),
            Some("approve")
        );
    }

    #[test]
    fn invalid_rules_are_named() {
        let schema = FieldSchema::default();
        let rule = |when: Conditions, then: Vec<Action>| WorkflowRule {
            name: "r1".into(),
            when,
            then,
        };
        let err = validate(&[rule(Conditions::default(), vec![])], &schema).unwrap_err();
        assert_eq!(err.rule, "r1");
        assert!(err.to_string().contains("`then`"));
        let err = validate(
            &[rule(
                Conditions::default(),
                vec![Action::Wait { seconds: 0 }],
            )],
            &schema,
        )
        .unwrap_err();
        assert!(err.problem.contains("wait"));
        let pending = Conditions {
            status: Some(InquiryStatus::Pending),
            ..Conditions::default()
        };
        assert!(validate(&[rule(pending, vec![Action::Approve])], &schema).is_err());
        let unknown_field = Conditions {
            fields: [("nope".to_string(), Value::Bool(true))].into(),
            ..Conditions::default()
        };
        let err = validate(&[rule(unknown_field, vec![Action::Approve])], &schema).unwrap_err();
        assert!(err.problem.contains("nope"));
        let r = rule(Conditions::default(), vec![Action::Approve]);
        let err = validate(&[r.clone(), r], &schema).unwrap_err();
        assert!(err.problem.contains("two rules"));
    }
}
