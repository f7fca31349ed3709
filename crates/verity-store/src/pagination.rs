//! Cursor pagination over `seq`, shared by every list.
//!
//! Lists are newest first. `after = id` continues towards older items (`seq` below the
//! cursor's), `before = id` towards newer ones (`seq` above it: fetched ascending, then
//! reversed). One extra row is fetched to learn whether the list goes on. An unknown
//! cursor id is `NotFound { what: "page cursor" }`, so the edge can answer 400 rather
//! than silently restart from the top.

use crate::exec::{args, AnyRow, Arg, Exec};
use crate::rows::Keyed;
use crate::{Page, PageRequest, StoreError};

/// Largest page the store will fetch, whatever the caller asks (the edge allows 100).
const MAX_PAGE: u32 = 1000;

/// `AND`-joined conditions with their arguments, numbered `$1, $2, …` as they are pushed.
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Adds `column op $n`. `column` and `op` are always literals of this crate.
    pub fn push(&mut self, column: &str, op: &str, value: impl Into<Arg>) {
        self.args.push(value.into());
        self.clauses
            .push(format!("{column} {op} ${}", self.args.len()));
    }

    /// Adds `clause` with its one `?` replaced by the next `$n`. `clause` is always a
    /// literal of this crate (a subquery, say).
    pub fn push_clause(&mut self, clause: &str, value: impl Into<Arg>) {
        self.args.push(value.into());
        self.clauses
            .push(clause.replacen('?', &format!("${}", self.args.len()), 1));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

enum Direction {
    First,
    After,
    Before,
}

/// One page of `SELECT columns FROM table WHERE filter`, newest first.
pub(crate) async fn fetch_page<E: Exec, R: AnyRow + Keyed>(
    ex: &mut E,
    table: &str,
    columns: &str,
    mut filter: Where,
    page: &PageRequest,
) -> Result<Page<R>, StoreError> {
    let (direction, cursor) = match (&page.after, &page.before) {
        (Some(after), _) => (Direction::After, Some(after)),
        (None, Some(before)) => (Direction::Before, Some(before)),
        (None, None) => (Direction::First, None),
    };
    if let Some(cursor) = cursor {
        let sql = format!("SELECT seq FROM {table} WHERE id = $1");
        let found: Option<(i64,)> = ex.fetch_optional(&sql, args![cursor.as_str()]).await?;
        let (seq,) = found.ok_or(StoreError::NotFound {
            what: "page cursor",
        })?;
        let op = if matches!(direction, Direction::Before) {
            ">"
        } else {
            "<"
        };
        filter.push("seq", op, seq);
    }
    let order = if matches!(direction, Direction::Before) {
        "ASC"
    } else {
        "DESC"
    };
    let size = page.size.clamp(1, MAX_PAGE) as usize;
    let limit = i64::try_from(size + 1).unwrap_or(i64::MAX);
    let mut args = std::mem::take(&mut filter.args);
    args.push(limit.into());
    let sql = format!(
        "SELECT {columns} FROM {table}{} ORDER BY seq {order} LIMIT ${}",
        filter.sql(),
        args.len()
    );
    let mut items: Vec<R> = ex.fetch_all(&sql, args).await?;
    let more = items.len() > size;
    items.truncate(size);
    if matches!(direction, Direction::Before) {
        items.reverse();
    }
    let first = || items.first().map(|r| r.key().to_owned());
    let last = || items.last().map(|r| r.key().to_owned());
    let (next_after, prev_before) = match direction {
        Direction::First => (more.then(last).flatten(), None),
        // The cursor item itself is newer than this page.
        Direction::After => (more.then(last).flatten(), first()),
        // The cursor item itself is older than this page.
        Direction::Before => (last(), more.then(first).flatten()),
    };
    Ok(Page {
        items,
        next_after,
        prev_before,
    })
}

/// Maps a page's rows to records.
pub(crate) fn map_page<R, T>(
    page: Page<R>,
    f: impl FnMut(R) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    Ok(Page {
        items: page.items.into_iter().map(f).collect::<Result<_, _>>()?,
        next_after: page.next_after,
        prev_before: page.prev_before,
    })
}
