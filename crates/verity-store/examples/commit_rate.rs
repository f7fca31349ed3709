//! Measures how many inquiry-creating commits per second a store sustains.
//!
//! `cargo run -p verity-store --release --example commit_rate -- [DATABASE_URL] [TOTAL] [CONCURRENCY]`
//! (default: a SQLite file in a temp dir, 20000 inquiries, 64 in flight). Each commit is
//! what `POST /api/v1/inquiries` writes: the inquiry, its `inquiry.created` event, and
//! an account found or created by reference id.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use verity_core::field::{FieldSchema, FieldSpec, FieldType};
use verity_core::id::{Id, InquiryTemplateVersionId, TemplateId};
use verity_core::inquiry::{Inquiry, NewInquiry};
use verity_store::{AccountLink, Change, InquiryWrite, NewEvent, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = tempfile::tempdir()?;
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}/rate.db", dir.path().display()));
    let total: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    let concurrency: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(64);
    let store = verity_store::open(&url, verity_store::Keyring::ephemeral()).await?;

    let template_id = TemplateId::Dynamic(Id::generate(&mut rand::thread_rng()));
    let version: InquiryTemplateVersionId = Id::generate(&mut rand::thread_rng());
    let schema = FieldSchema(vec![FieldSpec::new("name-first", FieldType::String)]);

    let started = Instant::now();
    let per_task = total / concurrency;
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let store: Arc<dyn Store> = Arc::clone(&store);
            let (template_id, version, schema) =
                (template_id.clone(), version.clone(), schema.clone());
            tokio::spawn(async move {
                for n in 0..per_task {
                    let change = make_change(task, n, &template_id, &version, &schema);
                    store.commit(change).await.expect("commit");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed();
    let done = per_task * concurrency;
    println!(
        "{}: {done} commits in {:.2?} = {:.0}/s ({concurrency} in flight)",
        store.backend(),
        elapsed,
        done as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

/// Built synchronously: the thread-local RNG must not live across an await.
fn make_change(
    task: usize,
    n: usize,
    template_id: &TemplateId,
    version: &InquiryTemplateVersionId,
    schema: &FieldSchema,
) -> Change {
    let mut rng = rand::thread_rng();
    let reference = format!("user-{task}-{}", n % 50);
    let mut fields = serde_json::Map::new();
    fields.insert("name-first".into(), json!("Ada"));
    let created = Inquiry::create(
        NewInquiry {
            id: Id::generate(&mut rng),
            template_id: template_id.clone(),
            template_version_id: version.clone(),
            schema: schema.clone(),
            fields,
            reference_id: Some(reference.clone()),
            account_id: None,
            note: None,
            tags: vec![],
            ttl_seconds: 3600,
        },
        1_700_000_000_000,
    )
    .expect("valid inquiry");
    let event = NewEvent {
        id: Id::generate(&mut rng),
        name: created.events[0].name,
        subject_id: created.inquiry.id.to_string(),
        inquiry_id: Some(created.inquiry.id.clone()),
        created_at: 1_700_000_000_000,
        payload: json!({ "data": serde_json::to_value(&created.inquiry).expect("json") }),
    };
    Change {
        account: Some(AccountLink {
            reference_id: reference,
            new_id: Id::generate(&mut rng),
        }),
        events: vec![event],
        inquiry: Some(InquiryWrite::Insert(created.inquiry)),
        ..Change::default()
    }
}
