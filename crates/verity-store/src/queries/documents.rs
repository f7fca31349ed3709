//! Uploaded documents: written inside a commit, read one at a time with their bytes or
//! listed without them.

use sha2::{Digest, Sha256};
use verity_core::capture::Capture;
use verity_core::id::{DocumentId, InquiryId};

use crate::errors;
use crate::exec::{args, Exec};
use crate::queries::bulk;
use crate::rows::{DocumentRow, DOCUMENT_META_COLUMNS};
use crate::vault::{is_sealed_bytes, Vault};
use crate::{Document, StoreError};

/// Inserts `docs`, their bytes sealed with their inquiry's data key.
pub(crate) async fn insert_all<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    docs: &[&Document],
) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(docs.len());
    for doc in docs {
        let inquiry = Some(doc.inquiry_id.as_str());
        let bytes = vault.seal_bytes(ex, inquiry, &doc.bytes).await?;
        let (kind, side, id_class, country) = capture_columns(&doc.capture);
        rows.push(args![
            doc.id.as_str(),
            doc.inquiry_id.as_str(),
            kind,
            side,
            id_class,
            doc.capture_method.as_str(),
            doc.content_type.as_str(),
            doc.byte_size,
            doc.sha256.as_str(),
            bytes,
            doc.created_at,
            country
        ]);
    }
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

/// The columns `kind`, `side`, `id_class` and `country` of `capture`.
fn capture_columns(
    capture: &Capture,
) -> (&'static str, &'static str, Option<String>, Option<String>) {
    (
        capture.kind().as_str(),
        capture.shot().as_str(),
        capture.id_class().map(|c| c.as_str().to_owned()),
        capture.country().map(str::to_owned),
    )
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
    vault: &Vault,
    id: &DocumentId,
) -> Result<Option<Document>, StoreError> {
    let sql = format!("SELECT {DOCUMENT_META_COLUMNS}, bytes FROM documents WHERE id = $1");
    let row: Option<DocumentRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    let what = format!("document {}", row.id);
    // Bytes uploaded before encryption are plain; they are taken only if they are still
    // exactly what was uploaded, so an altered sealed header never passes as an image.
    let legacy =
        !is_sealed_bytes(&row.bytes) && format!("{:x}", Sha256::digest(&row.bytes)) == row.sha256;
    if !legacy {
        row.bytes = vault
            .open_bytes(ex, Some(&row.inquiry_id), &what, &row.bytes)
            .await?;
    }
    row.decode().map(Some)
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
