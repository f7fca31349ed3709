//! Instant per-capture checks at upload (docs/verifications.md §5), through the flow API of the
//! real binary with its shipped face and text models: a bad ID side or selfie frame is refused
//! at once with the failing check and the retakes left, and nothing of it is stored; once the
//! template's `max-capture-attempts` are used up a bad capture is kept and the verification
//! fails it. On SQLite and on PostgreSQL.

use serde_json::{json, Value};
use verity_checks::fixtures::{self, LicenceVariant, SelfieVariant};

use crate::postgres::{drop_database, fresh_database};
use crate::server::{Builder, TestServer};
use crate::verifications::{
    failed_required, included_verifications, strict_template, wait_for_status, Flow,
};

fn server(builder: Builder) -> TestServer {
    // A debug build on a shared machine checks slowly (the models load on first use): the time
    // limits are not what is tested here, the verdicts are.
    builder
        .env("VERITY_CHECKS_POLL_INTERVAL_MS", "100")
        .env("VERITY_CHECKS_TIME_LIMIT_MS", "120000")
        .env("VERITY_CAPTURE_CHECKS_TIME_LIMIT_MS", "60000")
        .start()
}

async fn template(s: &TestServer, max_attempts: Option<u32>) -> String {
    let mut body = strict_template();
    if let Some(max) = max_attempts {
        body["data"]["attributes"]["max-capture-attempts"] = json!(max);
    }
    let (code, template) = s.post("/api/v1/inquiry-templates", body).await;
    assert_eq!(code, 201, "{template}");
    template["data"]["id"].as_str().expect("id").to_owned()
}

fn id_side(side: &str) -> [(&'static str, &str); 5] {
    [
        ("kind", "government_id"),
        ("side", side),
        ("id-class", "dl"),
        ("country", "US"),
        ("capture-method", "upload"),
    ]
}

fn selfie(pose: &str) -> [(&'static str, &str); 3] {
    [
        ("kind", "selfie"),
        ("side", pose),
        ("capture-method", "auto"),
    ]
}

/// Asserts a `capture_refused` answer naming `check` with `left` retakes left.
fn assert_refused(status: u16, body: &Value, check: &str, left: u64) {
    assert_eq!(status, 422, "{body}");
    let error = &body["error"];
    assert_eq!(error["code"], "capture_refused", "{body}");
    assert_eq!(error["status"], 422, "{body}");
    assert_eq!(error["check"], check, "{body}");
    assert_eq!(error["attemptsLeft"], left, "{body}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.len() > 10 && !message.contains(check),
        "plain words: {body}"
    );
}

async fn document_count(flow: &Flow<'_>) -> usize {
    flow.state().await["documents"]
        .as_array()
        .map_or(0, Vec::len)
}

/// A blurred front is refused three times (the default `max-capture-attempts`), storing
/// nothing; a broken barcode on the back is refused on its own count and a sharp back kept;
/// the fourth blurred front is kept, and the verification then fails on `id_blur`.
async fn blurred_front_is_refused_then_kept_and_fails_the_verification(s: &TestServer) {
    let template_id = template(s, None).await;
    let flow = Flow::start(s, &template_id).await;
    let today = chrono::Utc::now().date_naive();
    let blurred = fixtures::licence(LicenceVariant::Blurred, today);
    let broken = fixtures::licence(LicenceVariant::BrokenBarcode, today);
    let typed = &blurred.inquiry;
    let details = json!({"fields": {
        "name-first": typed.name_first, "name-last": typed.name_last,
        "birthdate": typed.birthdate.map(|d| d.to_string()),
    }});
    flow.step("details", details).await;
    for left in [2, 1, 0] {
        let (status, body) = flow
            .try_upload(&id_side("front"), &blurred.input.front)
            .await;
        assert_refused(status, &body, "id_blur", left);
    }
    assert_eq!(
        document_count(&flow).await,
        0,
        "a refused capture stores nothing"
    );
    let broken_back = broken.input.back.as_deref().expect("back");
    let (status, body) = flow.try_upload(&id_side("back"), broken_back).await;
    assert_refused(status, &body, "id_barcode", 2);
    let sharp_back = blurred.input.back.as_deref().expect("back");
    flow.upload(&id_side("back"), sharp_back).await;
    flow.upload(&id_side("front"), &blurred.input.front).await;
    assert_eq!(document_count(&flow).await, 2);
    flow.step("government-id", json!({})).await;
    for (pose, bytes) in fixtures::selfie(SelfieVariant::Valid).poses {
        flow.upload(&selfie(&pose), &bytes).await;
    }
    flow.step("selfie", json!({})).await;
    wait_for_status(s, &flow.id, "failed").await;
    let verifications = included_verifications(s, &flow.id).await;
    let id = verifications
        .iter()
        .find(|v| v["type"] == "verification/government-id")
        .expect("ID verification");
    assert!(failed_required(id).contains(&"id_blur".to_owned()), "{id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blurred_front_is_refused_until_the_attempts_are_used_then_kept_and_failed() {
    let s = server(TestServer::builder());
    blurred_front_is_refused_then_kept_and_fails_the_verification(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_blurred_front_is_refused_until_the_attempts_are_used_then_kept() {
    let url = fresh_database().await;
    let s = server(TestServer::builder().database_url(&url));
    blurred_front_is_refused_then_kept_and_fails_the_verification(&s).await;
    drop(s);
    drop_database(&url).await;
}

/// A selfie frame without a face (the sharp back of a licence) is refused on
/// `selfie_face_presence` by the shipped face model, and a real pose is kept; a sharp front
/// is kept at once; with `max-capture-attempts` 0 nothing is ever refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selfie_frame_without_a_face_is_refused_and_sharp_captures_are_kept() {
    let s = server(TestServer::builder());
    let template_id = template(&s, None).await;
    let flow = Flow::start(&s, &template_id).await;
    let today = chrono::Utc::now().date_naive();
    let valid = fixtures::licence(LicenceVariant::Valid, today);
    let (status, body) = flow.try_upload(&id_side("front"), &valid.input.front).await;
    assert_eq!(status, 201, "{body}");
    let back = valid.input.back.as_deref().expect("back");
    let (status, body) = flow.try_upload(&selfie("center"), back).await;
    assert_refused(status, &body, "selfie_face_presence", 2);
    let poses = fixtures::selfie(SelfieVariant::Valid).poses;
    let (pose, bytes) = poses.first().expect("a pose");
    flow.upload(&selfie(pose), bytes).await;
    assert_eq!(document_count(&flow).await, 2);

    let lenient = template(&s, Some(0)).await;
    let flow = Flow::start(&s, &lenient).await;
    let blurred = fixtures::licence(LicenceVariant::Blurred, today);
    flow.upload(&id_side("front"), &blurred.input.front).await;
    flow.upload(&selfie("center"), back).await;
}
