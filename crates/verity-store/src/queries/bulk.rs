//! Multi-row `INSERT`s: one statement for many rows, so a group commit of N changes costs a
//! handful of statements instead of N times a handful. Statement count, not row count, is
//! what a write costs on SQLite through sqlx (each statement is a round trip to the
//! driver's worker thread).

use crate::exec::{Arg, Exec};

/// Bound parameters per statement. SQLite allows 32,766 and PostgreSQL 65,535; staying
/// well under both keeps any row width safe.
const MAX_PARAMS: usize = 16_000;

/// `{head} VALUES ($1, …), (…) {tail}` for `rows`, chunked so no statement binds more than
/// [`MAX_PARAMS`]. Every row must have `width` values. Returns the rows changed.
pub(crate) async fn insert<E: Exec>(
    ex: &mut E,
    head: &str,
    width: usize,
    rows: Vec<Vec<Arg>>,
    tail: &str,
) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    for (sql, args) in statements(head, width, rows, tail) {
        changed += ex.execute(&sql, args).await?;
    }
    Ok(changed)
}

/// As [`insert`], for a statement whose `tail` has a `RETURNING` clause.
pub(crate) async fn insert_returning<E: Exec, T: crate::exec::AnyRow>(
    ex: &mut E,
    head: &str,
    width: usize,
    rows: Vec<Vec<Arg>>,
    tail: &str,
) -> Result<Vec<T>, sqlx::Error> {
    let mut returned = Vec::with_capacity(rows.len());
    for (sql, args) in statements(head, width, rows, tail) {
        returned.extend(ex.fetch_all::<T>(&sql, args).await?);
    }
    Ok(returned)
}

fn statements(
    head: &str,
    width: usize,
    rows: Vec<Vec<Arg>>,
    tail: &str,
) -> Vec<(String, Vec<Arg>)> {
    let width = width.max(1);
    let per_statement = (MAX_PARAMS / width).max(1);
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per_statement).collect();
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * width * 5);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut args = Vec::with_capacity(chunk.len() * width);
        for (i, row) in chunk.into_iter().enumerate() {
            debug_assert_eq!(row.len(), width, "every row binds `width` values");
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..row.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&(args.len() + j + 1).to_string());
            }
            sql.push(')');
            args.extend(row);
        }
        if !tail.is_empty() {
            sql.push(' ');
            sql.push_str(tail);
        }
        out.push((sql, args));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: i64) -> Vec<Arg> {
        vec![Arg::I64(n), Arg::Text(n.to_string())]
    }

    #[test]
    fn numbers_placeholders_across_rows() {
        let got = statements(
            "INSERT INTO t (a, b)",
            2,
            vec![row(1), row(2)],
            "RETURNING a",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].0,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING a"
        );
        assert_eq!(got[0].1.len(), 4);
    }

    #[test]
    fn splits_rows_so_no_statement_binds_too_many() {
        let rows: Vec<_> = (0..(MAX_PARAMS as i64)).map(row).collect();
        let got = statements("INSERT INTO t (a, b)", 2, rows, "");
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(_, args)| args.len() <= MAX_PARAMS));
        assert_eq!(
            got.iter().map(|(_, a)| a.len()).sum::<usize>(),
            MAX_PARAMS * 2
        );
        // Placeholders restart in every statement.
        assert!(got[1].0.contains("VALUES ($1, $2)"));
    }

    #[test]
    fn no_rows_no_statement() {
        assert!(statements("INSERT INTO t (a)", 1, vec![], "").is_empty());
    }
}
