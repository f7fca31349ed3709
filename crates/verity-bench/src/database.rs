//! A throw-away PostgreSQL database per benchmark run, created through the administration
//! database on the local server and dropped (with any sessions still open) afterwards.

use sqlx::Connection;

use crate::error::BenchError;

pub struct FreshDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl FreshDatabase {
    /// Creates `verity_bench_<pid>_<nanos>` next to the administration database.
    pub async fn create(admin_url: &str) -> Result<FreshDatabase, BenchError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("verity_bench_{}_{nanos}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(admin_url).await?;
        // The name is ours (digits and underscores), so formatting it in is safe.
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        let _ = conn.close().await;
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        Ok(FreshDatabase {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    pub async fn drop_database(self) -> Result<(), BenchError> {
        let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok(())
    }
}
