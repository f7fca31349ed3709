//! What one verification checks: the inquiry's latest documents of its kind, through
//! `verity-checks`, judged by the template's required checks (`required-checks`, else the
//! crate's defaults). Synchronous and CPU-bound: the worker calls it off the async runtime.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;
use std::sync::Arc;

use verity_checks::{
    run_government_id, run_selfie, selfie_duplicate, Check, CheckContext, CheckStatus,
    ClaimedIdentity, FaceModel, GovernmentIdInput, InquiryFields, KnownFace, RequiredChecks,
    Requirement, SelfieInput, TextReader,
};
use verity_core::capture::{DocumentKind, IdClass, Pose, Shot, Side};
use verity_core::document::Document;
use verity_core::inquiry::Inquiry;
use verity_core::template::{CheckRequirement, Step, TemplateDefinition};
use verity_core::verification::{CheckOutcome, CheckResult, VerificationType};

/// The name of the check a run that overran its time limit fails.
pub const TIME_LIMIT_CHECK: &str = "checks_time_limit";

/// Everything a run needs, loaded by the worker (documents with their bytes).
pub struct Inputs {
    pub kind: VerificationType,
    pub documents: Vec<Document>,
    pub definition: TemplateDefinition,
    /// The step that owes the verification (its selfie poses).
    pub step: String,
    pub inquiry: Inquiry,
    pub today: NaiveDate,
    /// Compares the selfie with the ID portrait; `NoFaceModel` makes face checks
    /// `not_applicable`.
    pub face: Arc<dyn FaceModel>,
    /// Reads the MRZ and the printed front; `NoTextReader` makes text checks `not_applicable`.
    pub text: Arc<dyn TextReader>,
    /// Selfies: the faces other inquiries stored, for `selfie_duplicate`.
    pub known_faces: Vec<KnownFace>,
}

/// A finished run: every check (with `required` set), whether a required one is unmet,
/// and the document's data (government IDs).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub checks: Vec<CheckResult>,
    pub unmet_required: bool,
    pub extracted: Value,
    /// Selfies: the face to store for later duplicate searches (unit length).
    pub face: Option<Vec<f32>>,
}

/// The template's required checks in `verity-checks`' terms.
pub fn required_checks(definition: &TemplateDefinition) -> RequiredChecks {
    match &definition.required_checks {
        None => RequiredChecks::default(),
        Some(map) => RequiredChecks(
            map.iter()
                .map(|(name, r)| {
                    let r = match r {
                        CheckRequirement::Pass => Requirement::Pass,
                        CheckRequirement::NotFailed => Requirement::NotFailed,
                    };
                    (name.clone(), r)
                })
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// Every check name a template may require or a workflow may name.
pub fn known_check_names() -> impl Iterator<Item = &'static str> {
    verity_checks::names::GOVERNMENT_ID
        .into_iter()
        .chain(verity_checks::names::SELFIE)
        .chain([TIME_LIMIT_CHECK])
}

/// The latest document of `shot`, in upload order.
fn latest(docs: &[Document], shot: Shot) -> Option<&Document> {
    docs.iter().rev().find(|d| d.shot() == shot)
}

fn text_field(inquiry: &Inquiry, key: &str) -> Option<String> {
    inquiry
        .fields
        .get(key)?
        .value
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

fn context(input: &Inputs) -> CheckContext {
    let mut ctx = CheckContext::new(input.today);
    ctx.minimum_age = input.definition.minimum_age;
    ctx.inquiry = InquiryFields {
        name_first: text_field(&input.inquiry, "name-first"),
        name_last: text_field(&input.inquiry, "name-last"),
        birthdate: text_field(&input.inquiry, "birthdate")
            .and_then(|b| verity_checks::checks::consistency::parse_birthdate(&b)),
    };
    ctx
}

/// Runs every check of the verification's kind.
pub fn run(input: &Inputs) -> Outcome {
    let ctx = context(input);
    let (checks, extracted, face) = match input.kind {
        VerificationType::GovernmentId => {
            let (checks, extracted) = government_id(input, &ctx);
            (checks, extracted, None)
        }
        VerificationType::Selfie => {
            let (checks, face) = selfie(input, &ctx);
            (checks, Value::Null, face)
        }
    };
    let mut outcome = judge(&required_checks(&input.definition), checks, extracted);
    outcome.face = face;
    outcome
}

/// The checks of the latest ID (its class decides which sides count) and its data.
fn government_id(input: &Inputs, ctx: &CheckContext) -> (Vec<Check>, Value) {
    let docs = &input.documents;
    let id_doc = docs
        .iter()
        .rev()
        .find(|d| d.kind() == DocumentKind::GovernmentId);
    let id_class = id_doc.and_then(Document::id_class);
    let side = |s: Side| {
        docs.iter()
            .rev()
            .find(|d| d.shot() == Shot::Id(s) && d.id_class() == id_class)
    };
    let front = side(Side::Front);
    let back = side(Side::Back);
    let country = front
        .or(back)
        .and_then(|d| d.capture.country())
        .unwrap_or_default()
        .to_owned();
    let gov = GovernmentIdInput {
        // The checks crate takes the class by its wire name (it depends on nothing of ours).
        id_class: id_class.map(IdClass::as_str).unwrap_or_default().to_owned(),
        front: front.map(|d| d.bytes.clone()).unwrap_or_default(),
        back: back.map(|d| d.bytes.clone()),
        country,
        mrz_text: None,
    };
    let report = run_government_id(&gov, ctx, input.text.as_ref());
    let extracted = serde_json::to_value(&report.extracted).unwrap_or(Value::Null);
    let mut checks = report.checks;
    checks.push(portrait_check(&gov.front, ctx, input.face.as_ref()));
    (checks, extracted)
}

/// `id_portrait_present` on the ID front. A front that does not decode already fails
/// `id_decode`; the portrait check then has nothing to look at.
fn portrait_check(front: &[u8], ctx: &CheckContext, face: &dyn FaceModel) -> Check {
    match verity_checks::raster::decode(front, &ctx.limits) {
        Ok(decoded) => verity_checks::id_portrait_present(&decoded.image, face),
        Err(e) => Check::not_applicable(
            verity_checks::names::ID_PORTRAIT_PRESENT,
            format!("the front could not be decoded: {e}"),
        ),
    }
}

/// The checks of the step's poses, compared with the latest ID front and with the faces of
/// other inquiries; and the face to store.
fn selfie(input: &Inputs, ctx: &CheckContext) -> (Vec<Check>, Option<Vec<f32>>) {
    let docs = &input.documents;
    let poses = input
        .definition
        .step(&input.step)
        .map(Step::required_poses)
        .unwrap_or_default();
    let selfie = SelfieInput {
        poses: poses
            .iter()
            .filter_map(|p| {
                let pose = Pose::parse(p)?;
                latest(docs, Shot::Selfie(pose)).map(|d| (p.clone(), d.bytes.clone()))
            })
            .collect(),
        required_poses: poses,
        id_front: latest(docs, Shot::Id(Side::Front)).map(|d| d.bytes.clone()),
    };
    let report = run_selfie(&selfie, ctx, input.face.as_ref());
    let mut checks = report.checks;
    checks.push(selfie_duplicate(
        report.face.as_ref().map_err(Clone::clone),
        &claimed_identity(&input.inquiry),
        &input.known_faces,
        input.face.match_threshold(),
    ));
    (checks, report.face.ok().map(|e| e.0))
}

/// Who the inquiry says the person is: its reference-id and a digest of its name
/// (`name-first` and `name-last`, case and spacing ignored), the form faces are stored with.
pub fn claimed_identity(inquiry: &Inquiry) -> ClaimedIdentity {
    use sha2::{Digest, Sha256};
    let name: Vec<String> = ["name-first", "name-last"]
        .iter()
        .filter_map(|k| text_field(inquiry, k))
        .map(|part| {
            part.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        })
        .collect();
    let name_key = (!name.is_empty()).then(|| {
        let digest = Sha256::digest(name.join("\u{1f}").as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    });
    ClaimedIdentity {
        reference_id: inquiry.reference_id.clone(),
        name_key,
    }
}

/// Marks required checks and decides whether any is unmet.
pub fn judge(required: &RequiredChecks, checks: Vec<Check>, extracted: Value) -> Outcome {
    let unmet_required = !required.satisfied_by(&checks);
    let checks = checks
        .into_iter()
        .map(|c| CheckResult {
            required: required.0.contains_key(&c.name),
            name: c.name,
            status: match c.status {
                CheckStatus::Passed => CheckOutcome::Passed,
                CheckStatus::Failed => CheckOutcome::Failed,
                CheckStatus::NotApplicable => CheckOutcome::NotApplicable,
            },
            reasons: c.reasons,
            details: c.details,
        })
        .collect();
    Outcome {
        checks,
        unmet_required,
        extracted,
        face: None,
    }
}

/// The run that did not finish in time: failed, saying so.
pub fn timed_out(limit: std::time::Duration) -> Outcome {
    let check = Check::failed(
        TIME_LIMIT_CHECK,
        vec![format!(
            "the checks did not finish within {} ms",
            limit.as_millis()
        )],
        serde_json::json!({ "time_limit_ms": limit.as_millis() as u64 }),
    );
    let mut outcome = judge(
        &RequiredChecks::all_pass([TIME_LIMIT_CHECK]),
        vec![check],
        Value::Null,
    );
    outcome.unmet_required = true;
    outcome
}

/// Inquiry field values from the document's data, as the template maps them
/// (`extracted-fields`: field key → extracted attribute). Attributes the document did
/// not give are left out.
pub fn mapped_fields(
    definition: &TemplateDefinition,
    extracted: &Value,
) -> serde_json::Map<String, Value> {
    definition
        .extracted_fields
        .iter()
        .filter_map(|(field, attribute)| {
            let value = extracted.get(attribute).filter(|v| !v.is_null())?;
            Some((field.clone(), value.clone()))
        })
        .collect()
}
