//! Operators' comments on inquiries (docs/console.md §4): written by `commit`
//! (`Change::comments`), the body sealed with the inquiry's data key, deleted by redaction.

use verity_core::id::InquiryId;

use crate::errors::{self, corrupt};
use crate::exec::{args, Exec};
use crate::queries::bulk;
use crate::vault::Vault;
use crate::{Comment, StoreError};

pub(crate) async fn insert_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    comments: &[&Comment],
) -> Result<(), StoreError> {
    if comments.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(comments.len());
    for c in comments {
        let body = vault
            .seal_text(ex, Some(c.inquiry_id.as_str()), &c.body)
            .await?;
        rows.push(args![
            c.id.as_str(),
            c.inquiry_id.as_str(),
            c.author.as_str(),
            body,
            c.created_at
        ]);
    }
    bulk::insert(
        ex,
        "INSERT INTO inquiry_comments (id, inquiry_id, author, body, created_at)",
        5,
        rows,
        "",
    )
    .await
    .map_err(errors::insert("comment", "inquiry"))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: String,
    inquiry_id: String,
    author: String,
    body: String,
    created_at: i64,
}

/// Oldest first.
pub(crate) async fn of_inquiry<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    id: &InquiryId,
) -> Result<Vec<Comment>, StoreError> {
    let rows: Vec<CommentRow> = ex
        .fetch_all(
            "SELECT id, inquiry_id, author, body, created_at FROM inquiry_comments \
             WHERE inquiry_id = $1 ORDER BY seq",
            args![id.as_str()],
        )
        .await?;
    let mut comments = Vec::with_capacity(rows.len());
    for row in rows {
        let what = format!("comment {}", row.id);
        let body = vault
            .open_text(ex, Some(&row.inquiry_id), &what, &row.body)
            .await?;
        comments.push(Comment {
            id: row.id.parse().map_err(|e| corrupt(&what, e))?,
            inquiry_id: row.inquiry_id.parse().map_err(|e| corrupt(&what, e))?,
            author: row.author,
            body,
            created_at: row.created_at,
        });
    }
    Ok(comments)
}

pub(crate) async fn delete_of<E: Exec>(ex: &mut E, id: &InquiryId) -> Result<(), StoreError> {
    ex.execute(
        "DELETE FROM inquiry_comments WHERE inquiry_id = $1",
        args![id.as_str()],
    )
    .await?;
    Ok(())
}
