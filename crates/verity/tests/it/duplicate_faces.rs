//! Duplicate faces across inquiries (docs/verifications.md, `selfie_duplicate`): the same
//! real face verified again under another reference-id fails the check, which names the
//! earlier inquiry and drives a workflow rule; the same person under the same identity
//! passes; a redacted inquiry's face is no longer found.

use reqwest::Method;
use serde_json::{json, Value};
use verity_checks::fixtures::{self, LicenceVariant};

use crate::server::TestServer;
use crate::verifications::{
    included_verifications, server, strict_template, wait_for_status, Flow,
};
use crate::webhooks::eventually;

/// The strict template, with a rule that tags inquiries whose face was seen under another
/// identity.
fn template() -> Value {
    let mut t = strict_template();
    t["data"]["attributes"]["workflow"] = json!([
        {"name": "flag duplicate faces",
         "when": {"checks-failed": ["selfie_duplicate"]},
         "then": [{"action": "add-tag", "tag": "duplicate-face"}]}
    ]);
    t
}

/// Runs one inquiry under `reference` with the valid licence and the real selfie photos,
/// and returns its id and its selfie verification's `selfie_duplicate` check.
async fn verify_as(s: &TestServer, template: &str, reference: &str) -> (String, Value) {
    let today = chrono::Utc::now().date_naive();
    let flow = Flow::start_with(s, json!({"templateId": template, "referenceId": reference})).await;
    flow.run(&fixtures::licence(LicenceVariant::Valid, today))
        .await;
    wait_for_status(s, &flow.id, "completed").await;
    let selfie = included_verifications(s, &flow.id)
        .await
        .into_iter()
        .find(|v| v["type"] == "verification/selfie")
        .expect("a selfie verification");
    let check = selfie["attributes"]["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "selfie_duplicate").cloned())
        .expect("selfie_duplicate in the selfie report");
    (flow.id.clone(), check)
}

async fn tags(s: &TestServer, id: &str) -> Value {
    let (_, inquiry) = s.get(&format!("/api/v1/inquiries/{id}")).await;
    inquiry["data"]["attributes"]["tags"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_face_under_another_reference_id_is_flagged_until_the_first_is_redacted() {
    let s = server();
    let (code, created) = s.post("/api/v1/inquiry-templates", template()).await;
    assert_eq!(code, 201, "{created}");
    let template = created["data"]["id"].as_str().expect("id").to_owned();

    let (first, check) = verify_as(&s, &template, "user-1").await;
    assert_eq!(check["status"], "passed", "nothing stored before: {check}");
    assert_eq!(check["details"]["searched"], 0);

    // The same person again under the same reference-id and name: not a fraud signal.
    let (again, check) = verify_as(&s, &template, "user-1").await;
    assert_eq!(check["status"], "passed", "{check}");
    assert_eq!(check["details"]["matches"][0]["inquiry_id"], first.as_str());

    // The same face under another reference-id: failed, naming both earlier inquiries.
    let (other, check) = verify_as(&s, &template, "user-2").await;
    assert_eq!(check["status"], "failed", "{check}");
    let reasons = check["reasons"].to_string();
    assert!(
        reasons.contains(&first) && reasons.contains(&again),
        "{reasons}"
    );
    assert!(
        check["details"]["matches"][0]["similarity"].as_f64()
            > check["details"]["threshold"].as_f64()
    );
    let flagged = eventually(15, "the workflow's tag", || async {
        let t = tags(&s, &other).await;
        (t != json!([])).then_some(t)
    })
    .await;
    assert_eq!(flagged, json!(["duplicate-face"]));
    assert_eq!(
        tags(&s, &first).await,
        json!([]),
        "the first inquiry was clean"
    );

    // Redacted inquiries' faces are gone: a fourth identity finds only `other`.
    for id in [&first, &again] {
        let (code, body) = s
            .call(Method::DELETE, &format!("/api/v1/inquiries/{id}"), None)
            .await;
        assert_eq!(code, 200, "{body}");
    }
    let (_, check) = verify_as(&s, &template, "user-3").await;
    assert_eq!(check["details"]["searched"], 1, "{check}");
    let reasons = check["reasons"].to_string();
    assert!(
        reasons.contains(&other) && !reasons.contains(&first),
        "{reasons}"
    );
}
