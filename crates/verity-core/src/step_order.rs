//! The order in which an inquiry's steps may be submitted, and when its flow is done — so an
//! outcome can only come from every step of the template version, in order.
//!
//! A step may be submitted once every step before it has been submitted (so earlier steps can
//! be submitted again — the flow's Back — but no step can be skipped); the completion step is
//! never submitted, it is reached. The flow is done when every other step has been submitted.

use crate::template::{Step, StepKind, TemplateDefinition};

/// The first step before `index` that has not been submitted: what the flow expects instead
/// of step `index`. `None` when step `index` may be submitted.
pub fn step_expected_before<'a>(
    definition: &'a TemplateDefinition,
    submitted: &[String],
    index: usize,
) -> Option<&'a Step> {
    definition
        .steps
        .iter()
        .take(index)
        .find(|s| s.kind != StepKind::Completion && !submitted.contains(&s.name))
}

/// The steps not yet submitted that must be before the flow is done (every step but the
/// completion step), in template order.
pub fn steps_left<'a>(definition: &'a TemplateDefinition, submitted: &[String]) -> Vec<&'a Step> {
    definition
        .steps
        .iter()
        .filter(|s| s.kind != StepKind::Completion && !submitted.contains(&s.name))
        .collect()
}

/// Steps that owe a verification (government ID, selfie).
pub fn capture_steps(definition: &TemplateDefinition) -> impl Iterator<Item = &Step> {
    definition
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::GovernmentId | StepKind::Selfie))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn definition() -> TemplateDefinition {
        let step = |name: &str, kind: &str| serde_json::json!({"name": name, "kind": kind, "name-display": name});
        let steps = [
            step("start", "start"),
            step("details", "fields"),
            step("government-id", "government_id"),
            step("selfie", "selfie"),
            step("done", "completion"),
        ];
        serde_json::from_value(serde_json::json!({ "steps": steps })).expect("definition")
    }

    /// What the flow API does with a submission of step `index`: refuse it, or record it and
    /// move to the next step.
    fn submit(
        def: &TemplateDefinition,
        submitted: &mut Vec<String>,
        current: &mut usize,
        index: usize,
    ) -> bool {
        let step = &def.steps[index];
        if step.kind == StepKind::Completion
            || step_expected_before(def, submitted, index).is_some()
        {
            return false;
        }
        if !submitted.contains(&step.name) {
            submitted.push(step.name.clone());
        }
        *current = (index + 1).min(def.steps.len() - 1);
        true
    }

    #[test]
    fn a_skipped_step_is_named_as_the_expected_one() {
        let def = definition();
        let expected = step_expected_before(&def, &[], 3).map(|s| s.name.as_str());
        assert_eq!(expected, Some("start"));
        let submitted = vec!["start".to_owned(), "details".to_owned()];
        assert_eq!(
            step_expected_before(&def, &submitted, 3).map(|s| s.name.as_str()),
            Some("government-id")
        );
        assert!(step_expected_before(&def, &submitted, 2).is_none());
        assert!(
            step_expected_before(&def, &submitted, 1).is_none(),
            "going back is allowed"
        );
    }

    proptest! {
        /// No sequence of submissions reaches the completion step without every other step
        /// submitted, and a refused submission changes nothing.
        #[test]
        fn no_submission_sequence_reaches_completion_without_every_step(seq in proptest::collection::vec(0usize..5, 0..40)) {
            let def = definition();
            let (mut submitted, mut current) = (Vec::new(), 0usize);
            for index in seq {
                let before = (submitted.clone(), current);
                if !submit(&def, &mut submitted, &mut current, index) {
                    prop_assert_eq!(before, (submitted.clone(), current));
                }
                if def.steps[current].kind == StepKind::Completion {
                    prop_assert!(steps_left(&def, &submitted).is_empty(), "{:?}", submitted);
                }
            }
        }
    }
}
