//! Verifications and workflow runs: written by commits, finished exactly once,
//! claimed with leases that expire.

use verity_core::event::EventName;
use verity_core::id::InquiryId;
use verity_core::verification::{
    CheckOutcome, CheckResult, Verification, VerificationStatus, VerificationType,
};
use verity_store::{
    Change, FaceRecord, NewEvent, StoreError, VerificationWrite, WorkflowRun, WorkflowRunStatus,
};

use crate::fixtures::{self, NOW};
use crate::harness::Harness;

fn submitted(inquiry: &InquiryId, kind: VerificationType, now: i64) -> Verification {
    Verification::submitted(fixtures::id(), inquiry.clone(), kind, "step".into(), now)
}

async fn inquiry(store: &dyn verity_store::Store) -> InquiryId {
    let template = fixtures::template("t", NOW);
    let created = fixtures::create(&template, None, NOW);
    let id = created.inquiry.id.clone();
    store
        .commit(fixtures::insert(created, NOW))
        .await
        .expect("insert inquiry");
    id
}

pub async fn verifications_insert_finish_once_and_list(h: &Harness) {
    let store = h.open().await;
    let id = inquiry(store.as_ref()).await;
    let gov = submitted(&id, VerificationType::GovernmentId, NOW);
    let selfie = submitted(&id, VerificationType::Selfie, NOW + 1);
    store
        .commit(Change {
            verifications: vec![
                VerificationWrite::Insert(gov.clone()),
                VerificationWrite::Insert(selfie.clone()),
            ],
            ..Change::default()
        })
        .await
        .expect("insert");
    assert_eq!(
        store.verifications_for_inquiry(&id).await.expect("list"),
        [gov.clone(), selfie.clone()]
    );

    let checks = vec![CheckResult {
        name: "id_expiry".into(),
        status: CheckOutcome::Failed,
        reasons: vec!["expired".into()],
        details: serde_json::json!({"expired": "2020-01-01"}),
        required: true,
    }];
    let (done, event) = gov
        .finish(checks, true, serde_json::Value::Null, NOW + 5)
        .record(false);
    let finish = |v: &Verification| Change {
        verifications: vec![VerificationWrite::Finish(v.clone())],
        events: vec![NewEvent {
            id: fixtures::id(),
            name: event.name,
            subject_id: v.id.to_string(),
            inquiry_id: Some(id.clone()),
            created_at: NOW + 5,
            payload: serde_json::json!({"data": {"id": v.id}}),
        }],
        ..Change::default()
    };
    store.commit(finish(&done)).await.expect("finish");
    let read = store.verification(&gov.id).await.expect("read");
    assert_eq!(read.as_ref(), Some(&done));
    assert_eq!(read.map(|v| v.status), Some(VerificationStatus::Failed));

    // A second result for the same verification is refused, and its event not written.
    let again = store.commit(finish(&done)).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let events = crate::suite::events_of(store.as_ref(), &id).await;
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e.name == EventName::VerificationFailed)
        .collect();
    assert_eq!(failed.len(), 1);

    // Redaction keeps names and statuses and removes what the document said.
    store
        .commit(Change {
            delete_documents_of: Some(id.clone()),
            ..Change::default()
        })
        .await
        .expect("redact");
    let scrubbed = store
        .verification(&gov.id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(scrubbed.status, VerificationStatus::Failed);
    assert_eq!(scrubbed.checks[0].name, "id_expiry");
    assert!(scrubbed.checks[0].reasons.is_empty());
    assert_eq!(scrubbed.checks[0].details, serde_json::Value::Null);

    // A verification of an unknown inquiry writes nothing.
    let orphan = submitted(&fixtures::id(), VerificationType::Selfie, NOW);
    let refused = store
        .commit(Change {
            verifications: vec![VerificationWrite::Insert(orphan.clone())],
            ..Change::default()
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { .. })),
        "{refused:?}"
    );
    assert_eq!(store.verification(&orphan.id).await.expect("read"), None);
}

pub async fn verifications_claim_is_leased_and_expired_leases_reclaim(h: &Harness) {
    let store = h.open().await;
    let id = inquiry(store.as_ref()).await;
    let a = submitted(&id, VerificationType::GovernmentId, NOW);
    let b = submitted(&id, VerificationType::Selfie, NOW);
    store
        .commit(Change {
            verifications: vec![
                VerificationWrite::Insert(a.clone()),
                VerificationWrite::Insert(b.clone()),
            ],
            ..Change::default()
        })
        .await
        .expect("insert");

    let first = store
        .claim_verifications(NOW, NOW + 1000, 1)
        .await
        .expect("claim");
    assert_eq!(first.iter().map(|v| &v.id).collect::<Vec<_>>(), [&a.id]);
    let second = store
        .claim_verifications(NOW, NOW + 1000, 10)
        .await
        .expect("claim");
    assert_eq!(
        second.iter().map(|v| &v.id).collect::<Vec<_>>(),
        [&b.id],
        "a leased verification is not handed out twice"
    );
    assert!(store
        .claim_verifications(NOW + 999, NOW + 2000, 10)
        .await
        .expect("claim")
        .is_empty());

    // `b` is finished; `a`'s worker died: its lease runs out and it is claimable again.
    let done = b.finish(Vec::new(), false, serde_json::Value::Null, NOW + 10);
    store
        .commit(Change {
            verifications: vec![VerificationWrite::Finish(done)],
            ..Change::default()
        })
        .await
        .expect("finish");
    let reclaimed = store
        .claim_verifications(NOW + 1000, NOW + 3000, 10)
        .await
        .expect("claim");
    assert_eq!(reclaimed.iter().map(|v| &v.id).collect::<Vec<_>>(), [&a.id]);
}

pub async fn workflow_runs_upsert_and_claim_when_due(h: &Harness) {
    let store = h.open().await;
    let id = inquiry(store.as_ref()).await;
    let run = WorkflowRun {
        inquiry_id: id.clone(),
        status: WorkflowRunStatus::Pending,
        rule: None,
        action: 0,
        due_at: NOW + 100,
        updated_at: NOW,
    };
    store
        .commit(Change {
            workflow_runs: vec![run.clone()],
            ..Change::default()
        })
        .await
        .expect("insert run");
    assert_eq!(
        store.workflow_run(&id).await.expect("read"),
        Some(run.clone())
    );
    assert!(
        store
            .claim_workflow_runs(NOW, NOW + 50, 10)
            .await
            .expect("claim")
            .is_empty(),
        "not due yet"
    );
    let claimed = store
        .claim_workflow_runs(NOW + 100, NOW + 1000, 10)
        .await
        .expect("claim");
    assert_eq!(claimed, std::slice::from_ref(&run));
    assert!(
        store
            .claim_workflow_runs(NOW + 200, NOW + 1000, 10)
            .await
            .expect("claim")
            .is_empty(),
        "leased"
    );

    // A wait: the run moves on and is due later; the upsert releases the lease.
    let waiting = WorkflowRun {
        rule: Some(0),
        action: 1,
        due_at: NOW + 300,
        updated_at: NOW + 200,
        ..run.clone()
    };
    store
        .commit(Change {
            workflow_runs: vec![waiting.clone()],
            ..Change::default()
        })
        .await
        .expect("advance run");
    assert_eq!(
        store
            .claim_workflow_runs(NOW + 300, NOW + 400, 10)
            .await
            .expect("claim"),
        std::slice::from_ref(&waiting)
    );
    let done = WorkflowRun {
        status: WorkflowRunStatus::Done,
        ..waiting
    };
    store
        .commit(Change {
            workflow_runs: vec![done.clone()],
            ..Change::default()
        })
        .await
        .expect("finish run");
    assert!(store
        .claim_workflow_runs(NOW + 10_000, NOW + 20_000, 10)
        .await
        .expect("claim")
        .is_empty());
    assert_eq!(store.workflow_run(&id).await.expect("read"), Some(done));
}

pub async fn verifications_concurrent_claimers_never_share_one(h: &Harness) {
    let store = h.open().await;
    let id = inquiry(store.as_ref()).await;
    let all: Vec<Verification> = (0..40)
        .map(|i| submitted(&id, VerificationType::Selfie, NOW + i))
        .collect();
    store
        .commit(Change {
            verifications: all.iter().cloned().map(VerificationWrite::Insert).collect(),
            ..Change::default()
        })
        .await
        .expect("insert");
    // Four claimers (on PostgreSQL: four connections) race for the same rows.
    let claims = (0..4).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_verifications(NOW, NOW + 60_000, 3)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|v| v.id));
            }
        })
    });
    let mut claimed = Vec::new();
    for c in claims {
        claimed.extend(c.await.expect("claimer"));
    }
    let unique: std::collections::HashSet<_> = claimed.iter().collect();
    assert_eq!(
        claimed.len(),
        all.len(),
        "every verification claimed exactly once"
    );
    assert_eq!(unique.len(), all.len());
}

pub async fn faces_upsert_list_others_and_redaction_deletes(h: &Harness) {
    let store = h.open().await;
    let a = inquiry(store.as_ref()).await;
    let b = inquiry(store.as_ref()).await;
    let face = |id: &InquiryId, v: f32, at: i64| FaceRecord {
        inquiry_id: id.clone(),
        reference_id: Some(format!("ref-{v}")),
        name_key: None,
        embedding: vec![v, -0.5, 1.0e-7, f32::MAX],
        created_at: at,
    };
    let write = |faces: Vec<FaceRecord>| Change {
        faces,
        ..Change::default()
    };
    store
        .commit(write(vec![face(&a, 0.25, NOW)]))
        .await
        .expect("a");
    store
        .commit(write(vec![face(&b, 0.5, NOW + 1)]))
        .await
        .expect("b");
    assert_eq!(
        store.faces_except(&a).await.expect("list"),
        [face(&b, 0.5, NOW + 1)]
    );
    // A later selfie replaces the inquiry's face; the floats come back bit for bit.
    store
        .commit(write(vec![face(&a, 0.75, NOW + 2)]))
        .await
        .expect("replace");
    assert_eq!(
        store.faces_except(&b).await.expect("list"),
        [face(&a, 0.75, NOW + 2)]
    );
    let unknown = fixtures::id();
    assert_eq!(store.faces_except(&unknown).await.expect("all").len(), 2);
    // A face for an inquiry that does not exist is refused.
    let missing = store.commit(write(vec![face(&unknown, 1.0, NOW)])).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );

    store
        .commit(Change {
            delete_documents_of: Some(a.clone()),
            ..Change::default()
        })
        .await
        .expect("redact");
    assert_eq!(store.faces_except(&b).await.expect("list"), []);
    assert_eq!(store.faces_except(&unknown).await.expect("all").len(), 1);
}
