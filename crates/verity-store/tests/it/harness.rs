//! Where a test's database lives. A SQLite test gets a file in its own tempdir; a
//! PostgreSQL test gets its own schema `t_<random>` (set as `search_path` on every
//! connection), dropped when the harness is dropped — also when the test panics.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rand::Rng;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use verity_store::{Keyring, PgOptions, PgStore, SqliteOptions, SqliteStore, Store};

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// `keys` is the text form of the keyring every [`Harness::open`] uses, so stores opened
/// one after another read each other's sealed rows.
pub enum Harness {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
        keys: String,
    },
    Postgres {
        url: String,
        schema: String,
        keys: String,
    },
}

fn fresh_keys() -> String {
    Keyring::generate_line("k1")
}

fn pg_url() -> String {
    std::env::var("VERITY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

impl Harness {
    pub fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        // A nested path: opening must create the parent directory.
        let path = dir.path().join("data").join("verity.db");
        Harness::Sqlite {
            _dir: dir,
            path,
            keys: fresh_keys(),
        }
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
        Some(Harness::Postgres {
            url,
            schema,
            keys: fresh_keys(),
        })
    }

    /// Opens a store on this test's database, migrating it if needed. Each call is a new
    /// store (a restart, or another process sharing the database).
    pub async fn open(&self) -> Arc<dyn Store> {
        let keyring = Keyring::parse(self.keys()).expect("harness keyring");
        self.open_with(keyring).await.expect("open store")
    }

    /// Opens a store with another keyring (rotation, a lost key).
    pub async fn open_with(
        &self,
        keyring: Keyring,
    ) -> Result<Arc<dyn Store>, verity_store::StoreError> {
        Ok(match self {
            Harness::Sqlite { path, .. } => {
                let options = SqliteOptions {
                    keyring,
                    ..SqliteOptions::default()
                };
                Arc::new(SqliteStore::open_with(path, options).await?)
            }
            Harness::Postgres { .. } => {
                let options = PgOptions {
                    max_connections: 4,
                    keyring,
                    ..PgOptions::default()
                };
                Arc::new(PgStore::connect_with(self.pg_connect(), options).await?)
            }
        })
    }

    pub fn keys(&self) -> &str {
        match self {
            Harness::Sqlite { keys, .. } | Harness::Postgres { keys, .. } => keys,
        }
    }

    fn pg_connect(&self) -> PgConnectOptions {
        match self {
            Harness::Postgres { url, schema, .. } => PgConnectOptions::from_str(url)
                .expect("PostgreSQL URL")
                .options([("search_path", schema.as_str())]),
            Harness::Sqlite { .. } => unreachable!("a SQLite harness has no PostgreSQL URL"),
        }
    }

    /// The one column `sql` selects for `$1 = id`, read behind the store's back.
    pub async fn raw_bytes(&self, sql: &str, id: &str) -> Vec<u8> {
        match self {
            Harness::Sqlite { path, .. } => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
                )
                .await
                .expect("raw SQLite connection");
                let (value,): (Vec<u8>,) = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_one(&mut conn)
                    .await
                    .expect("raw select");
                value
            }
            Harness::Postgres { .. } => {
                let mut conn = PgConnection::connect_with(&self.pg_connect())
                    .await
                    .expect("raw PostgreSQL connection");
                let (value,): (Vec<u8>,) = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_one(&mut conn)
                    .await
                    .expect("raw select");
                value
            }
        }
    }

    /// Runs `sql` with `$1 = id, $2 = value` behind the store's back (tampering,
    /// restoring an old backup).
    pub async fn raw_set_bytes(&self, sql: &str, id: &str, value: Vec<u8>) {
        match self {
            Harness::Sqlite { path, .. } => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
                )
                .await
                .expect("raw SQLite connection");
                let done = sqlx::query(sql)
                    .bind(id)
                    .bind(value)
                    .execute(&mut conn)
                    .await
                    .expect("raw update");
                assert_eq!(done.rows_affected(), 1, "{sql}");
            }
            Harness::Postgres { .. } => {
                let mut conn = PgConnection::connect_with(&self.pg_connect())
                    .await
                    .expect("raw PostgreSQL connection");
                let done = sqlx::query(sql)
                    .bind(id)
                    .bind(value)
                    .execute(&mut conn)
                    .await
                    .expect("raw update");
                assert_eq!(done.rows_affected(), 1, "{sql}");
            }
        }
    }

    pub async fn raw_text(&self, sql: &str, id: &str) -> String {
        match self {
            Harness::Sqlite { path, .. } => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
                )
                .await
                .expect("raw SQLite connection");
                let (value,): (String,) = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_one(&mut conn)
                    .await
                    .expect("raw select");
                value
            }
            Harness::Postgres { .. } => {
                let mut conn = PgConnection::connect_with(&self.pg_connect())
                    .await
                    .expect("raw PostgreSQL connection");
                let (value,): (String,) = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_one(&mut conn)
                    .await
                    .expect("raw select");
                value
            }
        }
    }

    pub async fn raw_set_text(&self, sql: &str, id: &str, value: String) {
        match self {
            Harness::Sqlite { path, .. } => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
                )
                .await
                .expect("raw SQLite connection");
                sqlx::query(sql)
                    .bind(id)
                    .bind(value)
                    .execute(&mut conn)
                    .await
                    .expect("raw update");
            }
            Harness::Postgres { .. } => {
                let mut conn = PgConnection::connect_with(&self.pg_connect())
                    .await
                    .expect("raw PostgreSQL connection");
                sqlx::query(sql)
                    .bind(id)
                    .bind(value)
                    .execute(&mut conn)
                    .await
                    .expect("raw update");
            }
        }
    }

    /// Runs `sql` with `id` bound as `$1` (`?1` on SQLite spells the same), answering the
    /// database's refusal instead of panicking: for checks that something is refused.
    pub async fn raw_try(&self, sql: &str, id: &str) -> Result<u64, String> {
        let done = match self {
            Harness::Sqlite { path, .. } => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
                )
                .await
                .expect("raw SQLite connection");
                sqlx::query(sql)
                    .bind(id)
                    .execute(&mut conn)
                    .await
                    .map(|d| d.rows_affected())
            }
            Harness::Postgres { .. } => {
                let mut conn = PgConnection::connect_with(&self.pg_connect())
                    .await
                    .expect("raw PostgreSQL connection");
                sqlx::query(sql)
                    .bind(id)
                    .execute(&mut conn)
                    .await
                    .map(|d| d.rows_affected())
            }
        };
        done.map_err(|e| e.to_string())
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
        let Harness::Postgres { url, schema, .. } = self else {
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
