//! Uploaded documents: written inside a commit, read one at a time with their bytes or
//! listed without them.

use verity_core::id::{DocumentId, InquiryId};

use crate::errors;
use crate::exec::{args, Exec};
use crate::queries::bulk;
use crate::rows::{DocumentRow, DOCUMENT_META_COLUMNS};
use crate::{Document, StoreError};

pub(crate) async fn insert_all<E: Exec>(ex: &mut E, docs: &[&Document]) -> Result<(), StoreError> {
    let rows = docs
        .iter()
        .map(|doc| {
            args![
                doc.id.as_str(),
                doc.inquiry_id.as_str(),
                doc.kind.as_str(),
                doc.side.as_str(),
                doc.id_class.clone(),
                doc.capture_method.as_str(),
                doc.content_type.as_str(),
                doc.byte_size,
                doc.sha256.as_str(),
                doc.bytes.clone(),
                doc.created_at,
                doc.country.clone()
            ]
        })
        .collect();
    bulk::insert(
        ex,
        "INSERT INTO documents (id, inquiry_id, kind, side, id_class, capture_method, \
         content_type, byte_size, sha256, bytes, created_at, country)",
        12,
        rows,
        "",
    )
    .await
    .map_err(errors::insert("document", "inquiry"))?;
    Ok(())
}

pub(crate) async fn delete_of<E: Exec>(ex: &mut E, id: &InquiryId) -> Result<(), StoreError> {
    ex.execute(
        "DELETE FROM documents WHERE inquiry_id = $1",
        args![id.as_str()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    id: &DocumentId,
) -> Result<Option<Document>, StoreError> {
    let sql = format!("SELECT {DOCUMENT_META_COLUMNS}, bytes FROM documents WHERE id = $1");
    let row: Option<DocumentRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    row.map(DocumentRow::decode).transpose()
}

pub(crate) async fn for_inquiry<E: Exec>(
    ex: &mut E,
    id: &InquiryId,
) -> Result<Vec<Document>, StoreError> {
    // No `bytes` column: the row type defaults it to empty.
    let sql =
        format!("SELECT {DOCUMENT_META_COLUMNS} FROM documents WHERE inquiry_id = $1 ORDER BY seq");
    let rows: Vec<DocumentRow> = ex.fetch_all(&sql, args![id.as_str()]).await?;
    rows.into_iter().map(DocumentRow::decode).collect()
}
