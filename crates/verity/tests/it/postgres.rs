//! The server on PostgreSQL: each test gets its own database on the local server
//! (127.0.0.1:5432, database `test` for administration); two processes share one.

use serde_json::json;
use sqlx::Connection;

use crate::server::TestServer;

const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Creates a fresh database and returns its URL (dropped by the next run's cleanup).
pub(crate) async fn fresh_database() -> String {
    let mut conn = sqlx::PgConnection::connect(ADMIN_URL)
        .await
        .expect("PostgreSQL must be running on 127.0.0.1:5432 with database `test`");
    let name = format!("verity_it_{}", rand::random::<u32>());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

pub(crate) async fn drop_database(url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default();
    if let Ok(mut conn) = sqlx::PgConnection::connect(ADMIN_URL).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

#[tokio::test]
async fn two_processes_share_one_database() {
    let url = fresh_database().await;
    let a = TestServer::builder().database_url(&url).start();
    let b = TestServer::builder()
        .database_url(&url)
        .api_key(&a.api_key)
        .start();
    let (_, ready) = b.get("/readyz").await;
    let _ = ready;
    let template = a.template_id("Demo: ID").await;
    let (status, created) = a
        .create_inquiry(&template, json!({"reference-id": "pg-user"}))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap();

    // The other process sees it and can change it; the first sees the change.
    let (status, resumed) = b
        .post(&format!("/api/v1/inquiries/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "{resumed}");
    let (_, expired) = b
        .post(&format!("/api/v1/inquiries/{id}/expire"), json!({}))
        .await;
    assert_eq!(expired["data"]["attributes"]["status"], "expired");
    let (_, seen) = a.get(&format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(seen["data"]["attributes"]["status"], "expired");

    // Concurrent resumes from both processes: all succeed via the revision check, and
    // the session count is exact.
    let mut handles = Vec::new();
    for n in 0..10 {
        let s = if n % 2 == 0 { &a } else { &b };
        let client = s.client.clone();
        let url = s.url(&format!("/api/v1/inquiries/{id}/resume"));
        let key = s.api_key.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    let (_, with_sessions) = a
        .get(&format!("/api/v1/inquiries/{id}?include=sessions"))
        .await;
    assert_eq!(with_sessions["included"].as_array().unwrap().len(), 11);
    let ready: serde_json::Value = a
        .client
        .get(a.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["database"], "postgres");
    drop(a);
    drop(b);
    drop_database(&url).await;
}
