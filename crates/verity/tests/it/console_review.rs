//! The console's review tools end to end (docs/console.md §4): tags, comments and redaction
//! with a typed confirmation — refused to viewers (403) and to cross-site posts, audited
//! with the reviewer's email — and the inquiry page's sessions and webhook deliveries.

use serde_json::{json, Value};

use crate::console::{audit_records, create_operator, Browser};
use crate::server::TestServer;
use crate::verifications::{wait_for_status, Flow};
use crate::webhooks::{all_events, create_webhook, eventually, start_receiver};

/// A completed fields-only inquiry made through the flow API: its id.
pub(crate) async fn completed_inquiry(s: &TestServer) -> String {
    let (code, template) = s.post("/api/v1/inquiry-templates", json!({"data": {"attributes": {
        "name": "Fields only", "kind": "dynamic",
        "steps": [
            {"name": "details", "kind": "fields", "name-display": "Details", "fields": ["name-first"]},
            {"name": "done", "kind": "completion", "name-display": "Done"}
        ],
        "fields": [{"key": "name-first", "type": "string", "required": true}],
        "allowed-domains": ["localhost"]
    }}})).await;
    assert_eq!(code, 201, "{template}");
    let flow = Flow::start(s, template["data"]["id"].as_str().expect("id")).await;
    flow.step("details", json!({"fields": {"name-first": "Ada"}}))
        .await;
    wait_for_status(s, &flow.id, "completed").await;
    flow.id.clone()
}

/// A browser signed in as a new operator of `role`.
pub(crate) async fn operator<'a>(s: &'a TestServer, email: &str, role: &str) -> Browser<'a> {
    let mut browser = Browser::new(s);
    let password = create_operator(s, email, role);
    assert_eq!(browser.sign_in(email, &password).await.status, 303);
    browser
}

async fn inquiry(s: &TestServer, id: &str) -> Value {
    let (status, body) = s.get(&format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["attributes"].clone()
}

pub(crate) fn with_token<'p>(
    token: &'p str,
    pairs: &[(&'p str, &'p str)],
) -> Vec<(&'p str, &'p str)> {
    let mut all = vec![("csrf", token)];
    all.extend_from_slice(pairs);
    all
}

/// Every refusal a state-changing console post must give: a viewer's (403), a foreign
/// origin's, a missing `Origin`'s, a missing or another session's form token. Nothing
/// changes.
async fn refused_everywhere(
    review: &Browser<'_>,
    view: &Browser<'_>,
    path: &str,
    pairs: &[(&str, &str)],
    (csrf, view_csrf): (&str, &str),
) {
    let viewer = view.post(path, &with_token(view_csrf, pairs)).await;
    assert_eq!(viewer.status, 403, "viewer on {path}: {}", viewer.body);
    let good = with_token(csrf, pairs);
    let foreign = review
        .post_from(Some("https://evil.example"), path, &good)
        .await;
    assert_eq!(foreign.status, 403, "foreign origin on {path}");
    assert_eq!(review.post_from(None, path, &good).await.status, 403);
    assert_eq!(
        review.post(path, pairs).await.status,
        403,
        "no token on {path}"
    );
    let other = with_token(view_csrf, pairs);
    assert_eq!(
        review.post(path, &other).await.status,
        403,
        "another session's token on {path}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_comments_and_redaction_are_reviewers_audited_and_refused_to_viewers_and_other_sites()
{
    let s = crate::verifications::server();
    let (_receiver, addr) = start_receiver().await;
    create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    let id = completed_inquiry(&s).await;
    let reviewer = "reviewer@example.com";
    let review = operator(&s, reviewer, "reviewer").await;
    let view = operator(&s, "viewer@example.com", "viewer").await;
    let page_path = format!("/console/inquiries/{id}");
    let csrf = review.csrf(&page_path).await;
    let view_csrf = view.csrf(&page_path).await;

    // The page: forms for the reviewer only; sessions and deliveries for both.
    let page = review.get(&page_path).await.body;
    for form in ["/tags\"", "/comments\"", "/redact\""] {
        assert!(page.contains(form), "the reviewer's page has {form}");
    }
    let masked = view.get(&page_path).await.body;
    for form in ["/tags\"", "/comments\"", "/redact\"", "/decision\""] {
        assert!(!masked.contains(form), "the viewer's page has no {form}");
    }
    assert!(page.contains("<td>Ada</td>"), "the reviewer sees the value");
    assert!(page.contains("Sessions and one-time links") && page.contains("iqse_"));
    let delivered = eventually(15, "a delivery on the page", || {
        let review = &review;
        let path = page_path.clone();
        async move {
            let body = review.get(&path).await.body;
            body.contains("wbh_").then_some(body)
        }
    })
    .await;
    assert!(
        delivered.contains("<tr><td>inquiry.created</td><td>wbh_"),
        "the outbox rows of the inquiry's events, to the endpoint"
    );

    let tags = format!("{page_path}/tags");
    let untag = format!("{page_path}/tags/remove");
    let comments = format!("{page_path}/comments");
    let redact = format!("{page_path}/redact");
    let note = "Called <b>Ada</b> back";
    refused_everywhere(
        &review,
        &view,
        &tags,
        &[("tag", "vip")],
        (&csrf, &view_csrf),
    )
    .await;
    refused_everywhere(
        &review,
        &view,
        &comments,
        &[("body", note)],
        (&csrf, &view_csrf),
    )
    .await;
    refused_everywhere(
        &review,
        &view,
        &redact,
        &[("confirm", &id)],
        (&csrf, &view_csrf),
    )
    .await;
    let current = inquiry(&s, &id).await;
    assert_eq!(current["tags"], json!([]));
    assert!(current["redacted-at"].is_null());

    // Tags: added and removed through the change path, with the actor in the event's meta.
    let added = review
        .post(&tags, &[("csrf", &csrf), ("tag", " vip ")])
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(inquiry(&s, &id).await["tags"], json!(["vip"]));
    assert!(review
        .get(&page_path)
        .await
        .body
        .contains("<span class=\"tag\">vip</span>"));
    refused_everywhere(
        &review,
        &view,
        &untag,
        &[("tag", "vip")],
        (&csrf, &view_csrf),
    )
    .await;
    let bad = review.post(&tags, &[("csrf", &csrf), ("tag", "a|b")]).await;
    assert_eq!(bad.status, 422);
    let removed = review
        .post(&untag, &[("csrf", &csrf), ("tag", "vip")])
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(inquiry(&s, &id).await["tags"], json!([]));
    let updated: Vec<Value> = all_events(&s)
        .await
        .into_iter()
        .filter(|e| e["attributes"]["name"] == "inquiry.updated")
        .collect();
    assert!(
        updated
            .iter()
            .any(|e| e["attributes"]["payload"]["meta"]["actor"]
                == json!({"kind": "operator", "id": reviewer})),
        "{updated:?}"
    );

    // A comment: stored, shown escaped to the reviewer, hidden from the viewer.
    let commented = review
        .post(&comments, &[("csrf", &csrf), ("body", note)])
        .await;
    assert_eq!(commented.status, 303, "{}", commented.body);
    let page = review.get(&page_path).await.body;
    assert!(
        page.contains("Called &lt;b&gt;Ada&lt;/b&gt; back"),
        "escaped"
    );
    assert!(!view.get(&page_path).await.body.contains("Called"));

    // Redaction needs the inquiry's id typed; then values and comments are gone.
    let wrong = review
        .post(&redact, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(inquiry(&s, &id).await["redacted-at"].is_null());
    let redacted = review
        .post(&redact, &[("csrf", &csrf), ("confirm", &id)])
        .await;
    assert_eq!(redacted.status, 303, "{}", redacted.body);
    let after = inquiry(&s, &id).await;
    assert!(after["redacted-at"].is_string(), "{after}");
    let before = review.get(&page_path).await.body;
    assert!(!before.contains("Called") && !before.contains("<td>Ada</td>"));
    let again = review
        .post(&redact, &[("csrf", &csrf), ("confirm", &id)])
        .await;
    assert_eq!(
        again.status, 409,
        "a redacted inquiry is not redacted twice"
    );
    let late = review
        .post(&comments, &[("csrf", &csrf), ("body", "late")])
        .await;
    assert_eq!(late.status, 409, "no comment on a redacted inquiry");

    // The audit trail: each action once, by the reviewer; none by the viewer.
    let records = audit_records(&s, &id).await;
    let by = |action: &str| -> Vec<&Value> {
        records
            .iter()
            .filter(|r| r["attributes"]["action"] == action && r["attributes"]["actor"] == reviewer)
            .collect()
    };
    assert_eq!(by("inquiry.tagged").len(), 1, "{records:?}");
    assert_eq!(by("inquiry.tagged")[0]["attributes"]["detail"], "vip");
    assert_eq!(by("inquiry.untagged").len(), 1);
    let comment = by("inquiry.commented");
    assert_eq!(comment.len(), 1);
    assert!(comment[0]["attributes"]["detail"]
        .as_str()
        .is_some_and(|d| d.starts_with("cmt_")));
    assert_eq!(by("inquiry.redacted").len(), 1);
    assert!(records
        .iter()
        .all(|r| r["attributes"]["actor"] != "viewer@example.com"));
    assert!(
        !records.iter().any(|r| r.to_string().contains("Called")),
        "no record holds the comment's text"
    );
}

/// The inquiry ids the console's list at `query` shows (links to inquiry pages, in order).
async fn listed(browser: &Browser<'_>, query: &str) -> Vec<String> {
    let page = browser.get(&format!("/console/inquiries?{query}")).await;
    assert_eq!(page.status, 200, "{query}: {}", page.body);
    page.body
        .split("<a href=\"/console/inquiries/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inquiry_list_filters_by_created_dates_tag_and_failed_check_and_pages_keep_them() {
    let s = crate::verifications::server();
    let (code, template) = s
        .post(
            "/api/v1/inquiry-templates",
            crate::verifications::strict_template(),
        )
        .await;
    assert_eq!(code, 201, "{template}");
    let template_id = template["data"]["id"].as_str().expect("id").to_owned();
    // An expired licence: `id_expiry` fails, and the workflow tags it `expired-id`.
    let today = chrono::Utc::now().date_naive();
    let expired = Flow::start(&s, &template_id).await;
    expired
        .run(&verity_checks::fixtures::licence(
            verity_checks::fixtures::LicenceVariant::Expired,
            today,
        ))
        .await;
    wait_for_status(&s, &expired.id, "declined").await;
    // 26 more through the API, tagged `bulk`: more than one page of 25.
    let mut bulk = Vec::new();
    for _ in 0..26 {
        let (code, body) = s
            .post(
                "/api/v1/inquiries",
                json!({"data": {"attributes": {"inquiry-template-id": template_id, "tags": ["bulk"]}}}),
            )
            .await;
        assert_eq!(code, 201, "{body}");
        bulk.push(body["data"]["id"].as_str().expect("id").to_owned());
    }
    let view = operator(&s, "viewer@example.com", "viewer").await;

    let only_expired = std::slice::from_ref(&expired.id);
    assert_eq!(listed(&view, "failed-check=id_expiry").await, only_expired);
    assert_eq!(listed(&view, "tag=expired-id").await, only_expired);
    assert!(listed(&view, "failed-check=id_expiry&tag=bulk")
        .await
        .is_empty());
    assert!(
        listed(&view, "failed-check=id_barcode").await.is_empty(),
        "passed checks do not match"
    );
    let day = today.format("%Y-%m-%d").to_string();
    let tomorrow = (today + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        listed(&view, &format!("from={day}&to={day}&tag=expired-id"))
            .await
            .len(),
        1
    );
    assert!(listed(&view, &format!("from={tomorrow}")).await.is_empty());
    let bad = view.get("/console/inquiries?from=yesterday").await;
    assert_eq!(bad.status, 422);

    // Paging keeps every filter: 25 then 1, newest first, and the links carry the filter.
    let first = view
        .get(&format!("/console/inquiries?tag=bulk&from={day}"))
        .await
        .body;
    let older = first
        .split("<a href=\"/console/inquiries?")
        .skip(1)
        .find_map(|rest| {
            rest.split_once("\">Older<")
                .map(|(q, _)| q.replace("&amp;", "&"))
        })
        .expect("an Older link");
    assert!(
        older.contains("tag=bulk") && older.contains(&format!("from={day}")),
        "{older}"
    );
    let page1 = listed(&view, &format!("tag=bulk&from={day}")).await;
    let page2 = listed(&view, &older).await;
    assert_eq!(page1.len(), 25);
    assert_eq!(page2.len(), 1);
    let mut all: Vec<String> = page1.into_iter().chain(page2).collect();
    let newest_first: Vec<String> = bulk.iter().rev().cloned().collect();
    assert_eq!(all, newest_first);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 26);
}
