//! Unit and property tests of the inquiry state machine.

use super::*;
use crate::field::{FieldSpec, FieldType};
use proptest::prelude::*;
use rand::SeedableRng;
use serde_json::json;

const T0: Millis = 1_700_000_000_000;

fn schema() -> FieldSchema {
    FieldSchema(vec![
        FieldSpec::new("name-first", FieldType::String),
        FieldSpec::new("age", FieldType::Integer),
    ])
}

fn new_inquiry() -> Inquiry {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let fields = json!({"age": "30"}).as_object().cloned().unwrap();
    Inquiry::create(
        NewInquiry {
            id: InquiryId::generate(&mut rng),
            template_id: TemplateId::parse("itmpl_0123456789abcdef").unwrap(),
            template_version_id: InquiryTemplateVersionId::generate(&mut rng),
            schema: schema(),
            fields,
            reference_id: Some("user-1".into()),
            account_id: None,
            note: None,
            tags: vec![],
            ttl_seconds: 3600,
        },
        T0,
    )
    .unwrap()
    .inquiry
}

fn session(n: u64) -> NewSession {
    let mut rng = rand::rngs::StdRng::seed_from_u64(n);
    NewSession {
        id: SessionId::generate(&mut rng),
        token_hash: format!("{n:064x}"),
        handoff: None,
        max_lifetime_ms: None,
        anonymous: false,
        replaces: None,
    }
}

fn names(t: &Transition) -> Vec<&'static str> {
    t.events.iter().map(|e| e.name.as_str()).collect()
}

#[test]
fn create_prefills_typed_fields_and_logs_created() {
    let inq = new_inquiry();
    assert_eq!(inq.status, InquiryStatus::Created);
    assert_eq!(inq.fields["age"].value, json!(30));
    assert!(inq.fields["name-first"].value.is_null());
    assert_eq!(inq.expires_at, T0 + 3_600_000);
}

#[test]
fn create_rejects_bad_prefill() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let err = Inquiry::create(
        NewInquiry {
            id: InquiryId::generate(&mut rng),
            template_id: TemplateId::parse("tmpl_0123456789abcdef").unwrap(),
            template_version_id: InquiryTemplateVersionId::generate(&mut rng),
            schema: schema(),
            fields: json!({"age": "old"}).as_object().cloned().unwrap(),
            reference_id: None,
            account_id: None,
            note: None,
            tags: vec![],
            ttl_seconds: 60,
        },
        T0,
    )
    .unwrap_err();
    assert!(matches!(err, InquiryError::Fields(ref e) if e[0].key() == "age"));
}

#[test]
fn happy_path_then_decision() {
    let inq = new_inquiry();
    let t = inq.apply(Command::Start, T0 + 1).unwrap();
    assert_eq!(names(&t), ["inquiry.started"]);
    let t = t.inquiry.apply(Command::Complete, T0 + 2).unwrap();
    assert_eq!(t.inquiry.status, InquiryStatus::Completed);
    assert_eq!(t.inquiry.completed_at, Some(T0 + 2));
    let t = t.inquiry.apply(Command::Approve, T0 + 3).unwrap();
    assert_eq!(t.inquiry.status, InquiryStatus::Approved);
    assert_eq!(names(&t), ["inquiry.approved"]);
    let err = t.inquiry.apply(Command::Decline, T0 + 4).unwrap_err();
    assert_eq!(
        err,
        InquiryError::IllegalTransition {
            from: InquiryStatus::Approved,
            action: "decline"
        }
    );
}

#[test]
fn expired_inquiry_resumes_to_pending_with_new_expiry() {
    let inq = new_inquiry();
    let t = inq.apply(Command::Expire, T0 + 10).unwrap();
    assert_eq!(t.inquiry.status, InquiryStatus::Expired);
    let later = T0 + 10_000_000;
    let t = t.inquiry.apply(Command::Resume(session(1)), later).unwrap();
    assert_eq!(t.inquiry.status, InquiryStatus::Pending);
    assert_eq!(t.inquiry.expires_at, later + 3_600_000);
    let s = t.new_session.as_ref().unwrap();
    assert_eq!(s.expires_at, t.inquiry.expires_at);
    assert_eq!(names(&t), ["inquiry.resumed", "inquiry-session.started"]);
}

#[test]
fn handoff_session_lifetime_never_outlives_inquiry() {
    let inq = new_inquiry();
    let mut s = session(2);
    s.max_lifetime_ms = Some(15 * 60 * 1000);
    let t = inq.apply(Command::Resume(s.clone()), T0).unwrap();
    assert_eq!(t.new_session.unwrap().expires_at, T0 + 15 * 60 * 1000);
    s.max_lifetime_ms = Some(10 * 3_600_000);
    let t = inq.apply(Command::Resume(s), T0).unwrap();
    assert_eq!(t.new_session.unwrap().expires_at, inq.expires_at);
}

#[test]
fn at_most_25_sessions() {
    let mut inq = new_inquiry();
    for n in 0..MAX_SESSIONS_PER_INQUIRY {
        inq = inq
            .apply(Command::Resume(session(n.into())), T0)
            .unwrap()
            .inquiry;
    }
    assert_eq!(
        inq.apply(Command::Resume(session(99)), T0).unwrap_err(),
        InquiryError::TooManySessions
    );
}

#[test]
fn a_session_replacing_another_does_not_count_against_the_cap() {
    let mut inq = new_inquiry();
    let first = session(1);
    let mut previous = first.id.clone();
    inq = inq.apply(Command::Resume(first), T0).unwrap().inquiry;
    for n in 2..(2 * u64::from(MAX_SESSIONS_PER_INQUIRY)) {
        let next = NewSession {
            anonymous: true,
            replaces: Some(previous.clone()),
            ..session(n)
        };
        previous = next.id.clone();
        let t = inq.apply(Command::Resume(next), T0).unwrap();
        assert!(t.new_session.as_ref().is_some_and(|s| s.anonymous));
        inq = t.inquiry;
    }
    assert_eq!(inq.session_count, 1);
    assert!(inq.apply(Command::Resume(session(99)), T0).is_ok());
}

#[test]
fn redaction_clears_personal_data_and_is_final() {
    let inq = new_inquiry();
    let t = inq.apply(Command::Redact, T0).unwrap();
    assert!(t.inquiry.fields.values().all(|v| v.value.is_null()));
    assert_eq!(
        t.inquiry.apply(Command::Start, T0).unwrap_err(),
        InquiryError::Redacted
    );
}

#[test]
fn fields_cannot_change_after_completion() {
    let inq = new_inquiry();
    let done = inq
        .apply(Command::Start, T0)
        .unwrap()
        .inquiry
        .apply(Command::Complete, T0)
        .unwrap()
        .inquiry;
    let err = done
        .apply(Command::UpdateFields(Fields::new()), T0)
        .unwrap_err();
    assert!(matches!(
        err,
        InquiryError::IllegalTransition {
            from: InquiryStatus::Completed,
            ..
        }
    ));
}

/// The legal edges of the status graph (spec: created → pending → completed | failed |
/// expired, decisions after, expired → pending on resume). Self-loops are always legal.
fn legal_edge(from: InquiryStatus, to: InquiryStatus) -> bool {
    use InquiryStatus::*;
    from == to
        || matches!(
            (from, to),
            (Created, Pending)
                | (Created, Expired)
                | (Pending, Expired)
                | (Pending, Completed)
                | (Pending, Failed)
                | (Expired, Pending)
                | (Completed | Failed, NeedsReview)
                | (Completed | Failed | NeedsReview, Approved | Declined)
        )
}

fn arb_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Start),
        Just(Command::UpdateFields(Fields::new())),
        "[a-z]{1,6}".prop_map(|s| Command::Transition {
            to_step: s.clone(),
            submitted: Some(s)
        }),
        Just(Command::Complete),
        Just(Command::Fail),
        Just(Command::Expire),
        (0u64..1000).prop_map(|n| Command::Resume(session(n))),
        Just(Command::Approve),
        Just(Command::Decline),
        Just(Command::MarkForReview),
        Just(Command::AddTag("vip".into())),
        Just(Command::RemoveTag("vip".into())),
        Just(Command::Redact),
    ]
}

proptest! {
    /// No sequence of commands reaches an illegal state: every accepted command moves
    /// along a legal edge, rejected commands leave the inquiry untouched, and the
    /// timestamps and counters stay consistent with the status.
    #[test]
    fn no_sequence_reaches_an_illegal_state(commands in prop::collection::vec(arb_command(), 0..60)) {
        let mut inq = new_inquiry();
        let mut now = T0;
        for command in commands {
            now += 1000;
            let before = inq.clone();
            match inq.apply(command, now) {
                Ok(t) => {
                    prop_assert!(legal_edge(before.status, t.inquiry.status),
                        "{} -> {}", before.status, t.inquiry.status);
                    prop_assert!(t.inquiry.session_count <= MAX_SESSIONS_PER_INQUIRY);
                    prop_assert!(t.inquiry.session_count >= before.session_count);
                    if t.inquiry.status != before.status {
                        prop_assert!(!t.events.is_empty(), "a status change must log an event");
                    }
                    inq = t.inquiry;
                }
                Err(_) => prop_assert_eq!(&inq, &before),
            }
            let s = inq.status;
            prop_assert_eq!(s == InquiryStatus::Completed, inq.completed_at.is_some() && s == InquiryStatus::Completed);
            if matches!(s, InquiryStatus::Pending | InquiryStatus::Completed | InquiryStatus::Failed) {
                prop_assert!(inq.started_at.is_some());
            }
            if s == InquiryStatus::Expired {
                prop_assert!(inq.expired_at.is_some());
            }
            if matches!(s, InquiryStatus::Approved | InquiryStatus::Declined | InquiryStatus::NeedsReview) {
                prop_assert!(inq.decisioned_at.is_some());
                prop_assert!(inq.completed_at.is_some() || inq.failed_at.is_some());
            }
            if inq.redacted_at.is_some() {
                prop_assert!(inq.fields.values().all(|v| v.value.is_null()));
            }
        }
    }
}
