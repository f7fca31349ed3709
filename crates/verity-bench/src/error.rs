//! The benchmark's errors: anything that stops a section from producing figures. Targets that
//! are missed are not errors — they are figures, reported as such.

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("the verity binary was not found at {0} (build it: cargo build --release -p verity, or pass --verity PATH)")]
    MissingBinary(String),
    #[error("the server did not start:\n{0}")]
    ServerStart(String),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("setup request {0}: {1}")]
    Setup(String, String),
    #[error("{0}")]
    ServerDied(String),
}
