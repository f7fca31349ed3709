//! Stored faces (`face_embeddings`): upserted inside a commit, deleted by a redaction, read
//! whole for the duplicate search (brute force: every row is compared by the caller).
//!
//! Embeddings are sealed with the server's data key, not the inquiry's: a search opens every
//! stored face, and one key keeps that one unwrap instead of one per inquiry. A redaction
//! deletes the row itself.

use verity_core::id::InquiryId;

use crate::errors;
use crate::errors::corrupt;
use crate::exec::{args, Exec};
use crate::vault::Vault;
use crate::{FaceRecord, StoreError};

/// Little-endian f32s: the same bytes on both backends and every platform.
fn encode(embedding: &[f32]) -> Vec<u8> {
    embedding.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let floats = bytes.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]);
    Some(floats.map(f32::from_le_bytes).collect())
}

pub(crate) async fn upsert<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    face: &FaceRecord,
) -> Result<(), StoreError> {
    let sealed = vault.seal_bytes(ex, None, &encode(&face.embedding)).await?;
    ex.execute(
        "INSERT INTO face_embeddings (inquiry_id, reference_id, name_key, embedding, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (inquiry_id) DO UPDATE SET \
         reference_id = excluded.reference_id, name_key = excluded.name_key, \
         embedding = excluded.embedding, created_at = excluded.created_at",
        args![
            face.inquiry_id.as_str(),
            face.reference_id.clone(),
            face.name_key.clone(),
            sealed,
            face.created_at
        ],
    )
    .await
    .map_err(errors::insert("face", "inquiry"))?;
    Ok(())
}

pub(crate) async fn delete_of<E: Exec>(ex: &mut E, id: &InquiryId) -> Result<(), StoreError> {
    ex.execute(
        "DELETE FROM face_embeddings WHERE inquiry_id = $1",
        args![id.as_str()],
    )
    .await?;
    Ok(())
}

/// Every stored face but `except`'s, oldest first.
pub(crate) async fn all_except<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    except: &InquiryId,
) -> Result<Vec<FaceRecord>, StoreError> {
    let rows: Vec<FaceRow> = ex
        .fetch_all(
            "SELECT inquiry_id, reference_id, name_key, embedding, created_at \
             FROM face_embeddings WHERE inquiry_id <> $1 ORDER BY created_at, inquiry_id",
            args![except.as_str()],
        )
        .await?;
    let mut faces = Vec::with_capacity(rows.len());
    for mut row in rows {
        let what = format!("face of {}", row.inquiry_id);
        row.embedding = vault.open_bytes(ex, None, &what, &row.embedding).await?;
        faces.push(row.decode()?);
    }
    Ok(faces)
}

#[derive(sqlx::FromRow)]
struct FaceRow {
    pub inquiry_id: String,
    pub reference_id: Option<String>,
    pub name_key: Option<String>,
    pub embedding: Vec<u8>,
    pub created_at: i64,
}

impl FaceRow {
    fn decode(self) -> Result<crate::FaceRecord, StoreError> {
        let what = format!("face of {}", self.inquiry_id);
        Ok(crate::FaceRecord {
            inquiry_id: self.inquiry_id.parse().map_err(|e| corrupt(&what, e))?,
            reference_id: self.reference_id,
            name_key: self.name_key,
            embedding: decode(&self.embedding)
                .ok_or_else(|| corrupt(&what, "not a whole number of f32s"))?,
            created_at: self.created_at,
        })
    }
}
