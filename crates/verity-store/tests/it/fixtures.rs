//! Domain values for the suite, built with verity-core's own constructors so the store
//! is tested on what the application really writes.

use serde_json::json;
use verity_core::field::{FieldSchema, FieldSpec, FieldType};
use verity_core::id::{Id, InquiryId, TemplateId};
use verity_core::inquiry::{Command, Inquiry, NewInquiry, NewSession, Transition};
use verity_core::template::{
    FrameDimensions, Step, StepKind, Template, TemplateDefinition, TemplateStatus,
};
use verity_core::Millis;
use verity_store::{Change, InquiryWrite, NewEvent};

/// A fixed clock: 2023-11-14T22:13:20Z.
pub const NOW: Millis = 1_700_000_000_000;

pub fn id<K: verity_core::id::IdKind>() -> Id<K> {
    Id::generate(&mut rand::thread_rng())
}

fn step(name: &str, kind: StepKind) -> Step {
    Step {
        name: name.into(),
        kind,
        name_display: name.into(),
        fields: vec![],
        id_classes: vec![],
        poses: vec![],
        handoff: false,
    }
}

pub fn definition() -> TemplateDefinition {
    TemplateDefinition {
        steps: vec![
            step("start", StepKind::Start),
            step("done", StepKind::Completion),
        ],
        fields: FieldSchema(vec![FieldSpec::new("name-first", FieldType::String)]),
        allowed_domains: vec!["localhost".into()],
        preferred_dimensions: FrameDimensions::default(),
        border_radius: 8,
        inquiry_ttl_seconds: 3600,
        minimum_age: None,
        required_checks: None,
        max_capture_attempts: 3,
        extracted_fields: Default::default(),
        workflow: Vec::new(),
        retention_days: None,
    }
}

/// An active dynamic-flow template with one published version.
pub fn template(name: &str, now: Millis) -> Template {
    let mut template = Template {
        id: TemplateId::Dynamic(id()),
        name: name.into(),
        status: TemplateStatus::Active,
        definition: definition(),
        versions: vec![],
        created_at: now,
        updated_at: now,
    };
    template.publish(id(), now).expect("valid definition");
    template
}

/// `Inquiry::create` from the template's latest version.
pub fn create(template: &Template, reference_id: Option<&str>, now: Millis) -> Transition {
    create_named(template, "Ada", reference_id, now)
}

/// [`create`] with `name-first` set to `name`.
pub fn create_named(
    template: &Template,
    name: &str,
    reference_id: Option<&str>,
    now: Millis,
) -> Transition {
    let version = template.latest_version().expect("published template");
    let mut fields = serde_json::Map::new();
    fields.insert("name-first".into(), json!(name));
    Inquiry::create(
        NewInquiry {
            id: id(),
            template_id: template.id.clone(),
            template_version_id: version.id.clone(),
            schema: version.definition.fields.clone(),
            fields,
            reference_id: reference_id.map(str::to_owned),
            account_id: None,
            note: None,
            tags: vec![],
            ttl_seconds: version.definition.inquiry_ttl_seconds,
        },
        now,
    )
    .expect("valid inquiry")
}

/// The events a transition owes, stamped at `now`.
pub fn events(transition: &Transition, now: Millis) -> Vec<NewEvent> {
    transition
        .events
        .iter()
        .map(|draft| NewEvent {
            id: id(),
            name: draft.name,
            subject_id: draft.subject_id.clone(),
            inquiry_id: draft
                .inquiry_id
                .as_deref()
                .map(|s| InquiryId::parse(s).expect("inquiry id")),
            created_at: now,
            payload: json!({ "data": { "id": draft.subject_id, "at": now } }),
        })
        .collect()
}

/// The change that stores a freshly created inquiry and its events.
pub fn insert(transition: Transition, now: Millis) -> Change {
    Change {
        events: events(&transition, now),
        new_session: transition.new_session,
        inquiry: Some(InquiryWrite::Insert(transition.inquiry)),
        ..Change::default()
    }
}

/// The change that stores `command` applied to `read` (as read from the store).
pub fn update(read: &Inquiry, command: Command, now: Millis) -> Change {
    let transition = read.apply(command, now).expect("legal command");
    Change {
        events: events(&transition, now),
        new_session: transition.new_session,
        inquiry: Some(InquiryWrite::Update {
            inquiry: transition.inquiry,
            expected_revision: read.revision,
        }),
        ..Change::default()
    }
}

/// A `Resume` command starting a session whose token hashes to `token_hash`.
pub fn resume(token_hash: &str) -> Command {
    Command::Resume(NewSession {
        id: id(),
        token_hash: token_hash.into(),
        handoff: None,
        max_lifetime_ms: None,
        anonymous: false,
        replaces: None,
    })
}
