//! The one seam between shared SQL and the two drivers.
//!
//! Its items are `pub` inside this private module only so that the public
//! [`crate::SqlStore`]'s backend trait may name them; nothing here is reachable from outside.
//!
//! Every query in this crate is written once, with `$N` placeholders (sqlx's SQLite
//! driver accepts `$N` as well as PostgreSQL does), and runs through [`Exec`], which is
//! implemented for both pools and both connection types. Values travel as [`Arg`]s so
//! the shared code never names a driver type; rows come back through sqlx's derived
//! `FromRow`, which is generic over the row type.

use futures::future::BoxFuture;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{
    FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
};

/// A bound parameter.
#[derive(Debug, Clone)]
pub enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptI64(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}

/// `vec![Arg, …]` from anything convertible.
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::exec::Arg::from($v)),*] };
}
pub(crate) use args;

/// A row type both drivers can decode.
pub trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Something shared SQL can run on: a pool (autocommit) or a connection inside a
/// transaction. Boxed futures rather than `impl Future`: the latter trips rustc's
/// higher-ranked `Send` inference (rust-lang/rust#100013) inside `async_trait` methods.
pub trait Exec: Send {
    fn fetch_all<'a, T: AnyRow + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
    ) -> BoxFuture<'a, Result<Vec<T>, sqlx::Error>>;

    fn fetch_optional<'a, T: AnyRow + 'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
    ) -> BoxFuture<'a, Result<Option<T>, sqlx::Error>>;

    /// Runs a statement; returns the number of rows it changed.
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        args: Vec<Arg>,
    ) -> BoxFuture<'a, Result<u64, sqlx::Error>>;
}

/// Binds `args` in order onto a `query` or `query_as`.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::I64(v) => query.bind(v),
                Arg::OptI64(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
                Arg::OptText(v) => query.bind(v),
                Arg::Bytes(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Implements [`Exec`] for an executor type; `$exec` turns `self` into the sqlx executor.
macro_rules! impl_exec {
    ($ty:ty, $db:ty, |$this:ident| $exec:expr) => {
        impl Exec for $ty {
            fn fetch_all<'a, T: AnyRow + 'a>(
                &'a mut self,
                sql: &'a str,
                args: Vec<Arg>,
            ) -> BoxFuture<'a, Result<Vec<T>, sqlx::Error>> {
                Box::pin(async move {
                    let $this = self;
                    bind_all!(sqlx::query_as::<$db, T>(sql), args)
                        .fetch_all($exec)
                        .await
                })
            }

            fn fetch_optional<'a, T: AnyRow + 'a>(
                &'a mut self,
                sql: &'a str,
                args: Vec<Arg>,
            ) -> BoxFuture<'a, Result<Option<T>, sqlx::Error>> {
                Box::pin(async move {
                    let $this = self;
                    bind_all!(sqlx::query_as::<$db, T>(sql), args)
                        .fetch_optional($exec)
                        .await
                })
            }

            fn execute<'a>(
                &'a mut self,
                sql: &'a str,
                args: Vec<Arg>,
            ) -> BoxFuture<'a, Result<u64, sqlx::Error>> {
                Box::pin(async move {
                    let $this = self;
                    let done = bind_all!(sqlx::query::<$db>(sql), args)
                        .execute($exec)
                        .await?;
                    Ok(done.rows_affected())
                })
            }
        }
    };
}

impl_exec!(&SqlitePool, sqlx::Sqlite, |this| *this);
impl_exec!(&PgPool, sqlx::Postgres, |this| *this);
impl_exec!(&mut SqliteConnection, sqlx::Sqlite, |this| &mut **this);
impl_exec!(&mut PgConnection, sqlx::Postgres, |this| &mut **this);
impl_exec!(Transaction<'static, Sqlite>, sqlx::Sqlite, |this| {
    &mut **this
});
impl_exec!(Transaction<'static, Postgres>, sqlx::Postgres, |this| {
    &mut **this
});

/// A transaction shared SQL runs in, then commits or rolls back. Dropping one without
/// either rolls it back.
pub trait Transact: Exec + Sized {
    fn commit(self) -> BoxFuture<'static, Result<(), sqlx::Error>>;
    fn rollback(self) -> BoxFuture<'static, Result<(), sqlx::Error>>;
}

macro_rules! impl_transact {
    ($db:ty) => {
        impl Transact for Transaction<'static, $db> {
            fn commit(self) -> BoxFuture<'static, Result<(), sqlx::Error>> {
                Box::pin(Transaction::commit(self))
            }
            fn rollback(self) -> BoxFuture<'static, Result<(), sqlx::Error>> {
                Box::pin(Transaction::rollback(self))
            }
        }
    };
}

impl_transact!(Sqlite);
impl_transact!(Postgres);
