//! One-time links: written inside a commit, opened by one conditional update.

use verity_core::handoff::{LinkStatus, OneTimeLink};
use verity_core::id::{InquiryId, SessionId};
use verity_core::session::InquirySession;
use verity_core::Millis;

use crate::errors::{self, corrupt};
use crate::exec::{args, Exec};
use crate::rows::{encode, SessionRow, SESSION_COLUMNS};
use crate::{HandoffWrite, StoreError};

/// `status` and `opened_at` are authoritative over the copy in `doc`.
#[derive(sqlx::FromRow)]
struct LinkRow {
    session_id: String,
    status: String,
    opened_at: Option<i64>,
    doc: String,
}
const LINK_COLUMNS: &str = "session_id, status, opened_at, doc";

impl LinkRow {
    fn decode(self) -> Result<OneTimeLink, StoreError> {
        let what = || format!("one-time link {}", self.session_id);
        let mut link: OneTimeLink =
            serde_json::from_str(&self.doc).map_err(|e| corrupt(&what(), e))?;
        link.status = LinkStatus::parse(&self.status)
            .ok_or_else(|| corrupt(&what(), format!("unknown status `{}`", self.status)))?;
        link.opened_at = self.opened_at;
        Ok(link)
    }
}

pub(crate) async fn write<E: Exec>(ex: &mut E, write: &HandoffWrite) -> Result<(), StoreError> {
    match write {
        HandoffWrite::Insert(link) => {
            ex.execute(
                "INSERT INTO one_time_links (session_id, inquiry_id, code_hash, status, \
                 created_at, expires_at, opened_at, doc) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![
                    link.session_id.as_str(),
                    link.inquiry_id.as_str(),
                    link.code_hash.as_str(),
                    link.status.as_str(),
                    link.created_at,
                    link.expires_at,
                    link.opened_at,
                    encode(link)?
                ],
            )
            .await
            .map_err(errors::insert("one-time link", "inquiry session"))?;
        }
        HandoffWrite::Cancel(session_id) => {
            let matched = ex
                .execute(
                    "UPDATE one_time_links SET status = $2 WHERE session_id = $1",
                    args![session_id.as_str(), LinkStatus::Canceled.as_str()],
                )
                .await?;
            if matched == 0 {
                return Err(StoreError::NotFound {
                    what: "one-time link",
                });
            }
        }
    }
    Ok(())
}

/// Erasure: every unopened link of inquiry `id` is withdrawn (`canceled`), so a link
/// sent before the redaction can never open a session afterwards.
pub(crate) async fn withdraw_of<E: Exec>(ex: &mut E, id: &InquiryId) -> Result<(), StoreError> {
    ex.execute(
        "UPDATE one_time_links SET status = $2 WHERE inquiry_id = $1 AND status = $3",
        args![
            id.as_str(),
            LinkStatus::Canceled.as_str(),
            LinkStatus::Sent.as_str()
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    session_id: &SessionId,
) -> Result<Option<OneTimeLink>, StoreError> {
    let sql = format!("SELECT {LINK_COLUMNS} FROM one_time_links WHERE session_id = $1");
    let row: Option<LinkRow> = ex.fetch_optional(&sql, args![session_id.as_str()]).await?;
    row.map(LinkRow::decode).transpose()
}

pub(crate) async fn by_code_hash<E: Exec>(
    ex: &mut E,
    code_hash: &str,
) -> Result<Option<OneTimeLink>, StoreError> {
    let sql = format!("SELECT {LINK_COLUMNS} FROM one_time_links WHERE code_hash = $1");
    let row: Option<LinkRow> = ex.fetch_optional(&sql, args![code_hash]).await?;
    row.map(LinkRow::decode).transpose()
}

pub(crate) async fn count_since<E: Exec>(
    ex: &mut E,
    inquiry_id: &InquiryId,
    since: Millis,
) -> Result<u64, StoreError> {
    let (n,): (i64,) = ex
        .fetch_optional(
            "SELECT COUNT(*) FROM one_time_links WHERE inquiry_id = $1 AND created_at >= $2",
            args![inquiry_id.as_str(), since],
        )
        .await?
        .unwrap_or((0,));
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Opens the link whose code hashes to `code_hash`, run inside a transaction: one
/// conditional update spends the code (only while the link is unopened and unexpired,
/// its session active and its inquiry open), so of concurrent openers exactly one
/// matches a row. The winner's session gets `token_hash`. `None`: nothing was changed.
pub(crate) async fn open<E: Exec>(
    ex: &mut E,
    code_hash: &str,
    token_hash: &str,
    now: Millis,
) -> Result<Option<OneTimeLink>, StoreError> {
    let opened = ex
        .execute(
            "UPDATE one_time_links SET status = $3, opened_at = $2 \
             WHERE code_hash = $1 AND status = $4 AND expires_at > $2 \
             AND EXISTS (SELECT 1 FROM inquiry_sessions s WHERE s.id = one_time_links.session_id \
                         AND s.status = 'active' AND s.expires_at > $2) \
             AND EXISTS (SELECT 1 FROM inquiries i WHERE i.id = one_time_links.inquiry_id \
                         AND i.status IN ('created', 'pending'))",
            args![
                code_hash,
                now,
                LinkStatus::Started.as_str(),
                LinkStatus::Sent.as_str()
            ],
        )
        .await?;
    if opened == 0 {
        return Ok(None);
    }
    let link = by_code_hash(ex, code_hash)
        .await?
        .ok_or_else(|| StoreError::Corrupt("an opened link vanished".into()))?;
    let sql = format!("SELECT {SESSION_COLUMNS} FROM inquiry_sessions WHERE id = $1");
    let row: Option<SessionRow> = ex
        .fetch_optional(&sql, args![link.session_id.as_str()])
        .await?;
    let mut session: InquirySession = row
        .ok_or_else(|| StoreError::Corrupt("a one-time link without its session".into()))?
        .decode()?;
    session.token_hash = token_hash.to_owned();
    ex.execute(
        "UPDATE inquiry_sessions SET token_hash = $2, doc = $3 WHERE id = $1",
        args![session.id.as_str(), token_hash, encode(&session)?],
    )
    .await
    .map_err(errors::unique("inquiry session token"))?;
    Ok(Some(link))
}
