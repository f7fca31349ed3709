//! Captures refused at upload: one row each, counted per inquiry and side or pose, deleted
//! by a redaction (inside its commit, with the documents).

use verity_core::capture::Shot;
use verity_core::id::InquiryId;

use crate::errors;
use crate::exec::{args, Exec};
use crate::{CaptureRefusal, StoreError};

pub(crate) async fn insert<E: Exec>(ex: &mut E, r: &CaptureRefusal) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO capture_refusals (inquiry_id, kind, side, check_name, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        args![
            r.inquiry_id.as_str(),
            r.shot.kind().as_str(),
            r.shot.as_str(),
            r.check.as_str(),
            r.created_at
        ],
    )
    .await
    .map_err(errors::insert("capture refusal", "inquiry"))?;
    Ok(())
}

pub(crate) async fn count<E: Exec>(
    ex: &mut E,
    inquiry_id: &InquiryId,
    shot: Shot,
) -> Result<u64, StoreError> {
    let (n,): (i64,) = ex
        .fetch_optional(
            "SELECT COUNT(*) FROM capture_refusals \
             WHERE inquiry_id = $1 AND kind = $2 AND side = $3",
            args![inquiry_id.as_str(), shot.kind().as_str(), shot.as_str()],
        )
        .await?
        .unwrap_or((0,));
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) async fn delete_of<E: Exec>(ex: &mut E, id: &InquiryId) -> Result<(), StoreError> {
    ex.execute(
        "DELETE FROM capture_refusals WHERE inquiry_id = $1",
        args![id.as_str()],
    )
    .await?;
    Ok(())
}
