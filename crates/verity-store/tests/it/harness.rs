//! Where a test's database lives. A SQLite test gets a file in its own tempdir; a
//! PostgreSQL test gets its own schema `t_<random>` (set as `search_path` on every
//! connection), dropped when the harness is dropped — also when the test panics.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rand::Rng;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use verity_store::{PgOptions, PgStore, SqliteStore, Store};

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub enum Harness {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        url: String,
        schema: String,
    },
}

fn pg_url() -> String {
    std::env::var("VERITY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

impl Harness {
    pub fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        // A nested path: opening must create the parent directory.
        let path = dir.path().join("data").join("verity.db");
        Harness::Sqlite { _dir: dir, path }
    }

    /// A fresh schema, or `None` when PostgreSQL is unreachable and the caller asked to
    /// skip (`VERITY_TEST_SKIP_POSTGRES=1`).
    pub async fn postgres() -> Option<Harness> {
        let url = pg_url();
        let mut conn = match PgConnection::connect(&url).await {
            Ok(conn) => conn,
            Err(err) if std::env::var("VERITY_TEST_SKIP_POSTGRES").as_deref() == Ok("1") => {
                eprintln!("skipping PostgreSQL test: {url} unreachable ({err})");
                return None;
            }
            Err(err) => panic!(
                "PostgreSQL at {url} is unreachable ({err}); start it, point \
                 VERITY_TEST_POSTGRES_URL at one, or set VERITY_TEST_SKIP_POSTGRES=1"
            ),
        };
        let schema = format!("t_{:016x}", rand::thread_rng().gen::<u64>());
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .expect("create test schema");
        conn.close().await.expect("close setup connection");
        Some(Harness::Postgres { url, schema })
    }

    /// Opens a store on this test's database, migrating it if needed. Each call is a new
    /// store (a restart, or another process sharing the database).
    pub async fn open(&self) -> Arc<dyn Store> {
        match self {
            Harness::Sqlite { path, .. } => {
                Arc::new(SqliteStore::open(path).await.expect("open SQLite store"))
            }
            Harness::Postgres { url, schema } => {
                let connect = PgConnectOptions::from_str(url)
                    .expect("PostgreSQL URL")
                    .options([("search_path", schema.as_str())]);
                let options = PgOptions {
                    max_connections: 4,
                    ..PgOptions::default()
                };
                Arc::new(
                    PgStore::connect_with(connect, options)
                        .await
                        .expect("open PostgreSQL store"),
                )
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Harness::Sqlite { .. } => "sqlite",
            Harness::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let Harness::Postgres { url, schema } = self else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived
        // thread with its own runtime does the async cleanup.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("cleanup runtime");
            runtime.block_on(async move {
                let mut conn = PgConnection::connect(&url).await?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            })
        });
        if let Ok(Err(err)) = cleanup.join() {
            eprintln!("could not drop test schema: {err}");
        }
    }
}
