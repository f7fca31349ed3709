//! Row shapes the shared SQL selects, and their decoding into records.
//!
//! Column lists live next to the row types (`*_COLUMNS`) so a `SELECT` and the struct it
//! fills cannot drift apart.

use serde::de::DeserializeOwned;
use verity_core::capture::{Capture, CaptureMethod, DocumentKind, IdClass, Shot};
use verity_core::event::EventName;
use verity_core::session::{InquirySession, SessionStatus};

use crate::errors::corrupt;
use crate::{ApiKey, Document, IdempotencyEntry, IdempotencyRecord, StoreError, StoredEvent};

/// Something a page is made of: it knows its own cursor id.
pub(crate) trait Keyed {
    fn key(&self) -> &str;
}

/// A JSON document row (templates, inquiries, accounts).
#[derive(sqlx::FromRow)]
pub(crate) struct DocRow {
    pub id: String,
    pub doc: String,
}
pub(crate) const DOC_COLUMNS: &str = "id, doc";

impl Keyed for DocRow {
    fn key(&self) -> &str {
        &self.id
    }
}

impl DocRow {
    pub fn decode<T: DeserializeOwned>(&self, what: &str) -> Result<T, StoreError> {
        serde_json::from_str(&self.doc).map_err(|e| corrupt(&format!("{what} {}", self.id), e))
    }
}

/// Names as one filterable column: `|a|b|`, or empty for none. `LIKE '%|a|%'` then finds
/// exactly the rows naming `a` (see [`bar_pattern`]).
pub(crate) fn bar_list<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let mut out = String::from("|");
    for name in names {
        out.push_str(name.as_ref());
        out.push('|');
    }
    out
}

/// The `LIKE … ESCAPE '\'` pattern matching a [`bar_list`] that names `name`: wildcards in
/// the name match only themselves.
pub(crate) fn bar_pattern(name: &str) -> String {
    let mut out = String::from("%|");
    for c in name.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("|%");
    out
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

/// A session row: the `status` column is authoritative over the copy in `doc`, so a
/// status change is a one-column update.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id: String,
    pub status: String,
    pub doc: String,
}
pub(crate) const SESSION_COLUMNS: &str = "id, status, doc";

impl SessionRow {
    pub fn decode(&self) -> Result<InquirySession, StoreError> {
        let what = || format!("inquiry session {}", self.id);
        let mut session: InquirySession =
            serde_json::from_str(&self.doc).map_err(|e| corrupt(&what(), e))?;
        session.status = session_status_from(&self.status)
            .ok_or_else(|| corrupt(&what(), format!("unknown status `{}`", self.status)))?;
        Ok(session)
    }
}

pub(crate) fn session_status_str(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Active => "active",
        SessionStatus::Expired => "expired",
        SessionStatus::Canceled => "canceled",
    }
}

fn session_status_from(s: &str) -> Option<SessionStatus> {
    [
        SessionStatus::Active,
        SessionStatus::Expired,
        SessionStatus::Canceled,
    ]
    .into_iter()
    .find(|st| session_status_str(*st) == s)
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub subject_id: String,
    pub inquiry_id: Option<String>,
    pub created_at: i64,
    pub payload: String,
}
pub(crate) const EVENT_COLUMNS: &str = "seq, id, name, subject_id, inquiry_id, created_at, payload";

impl Keyed for EventRow {
    fn key(&self) -> &str {
        &self.id
    }
}

impl EventRow {
    pub fn decode(self) -> Result<StoredEvent, StoreError> {
        let what = format!("event {}", self.id);
        Ok(StoredEvent {
            id: self.id.parse().map_err(|e| corrupt(&what, e))?,
            seq: self.seq,
            name: EventName::parse(&self.name)
                .ok_or_else(|| corrupt(&what, format!("unknown name `{}`", self.name)))?,
            subject_id: self.subject_id,
            inquiry_id: self
                .inquiry_id
                .map(|id| id.parse())
                .transpose()
                .map_err(|e| corrupt(&what, e))?,
            created_at: self.created_at,
            payload: serde_json::from_str(&self.payload).map_err(|e| corrupt(&what, e))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    pub id: String,
    pub inquiry_id: String,
    pub kind: String,
    pub side: String,
    pub id_class: Option<String>,
    pub country: Option<String>,
    pub capture_method: String,
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
    /// Absent from metadata-only selects.
    #[sqlx(default)]
    pub bytes: Vec<u8>,
    pub created_at: i64,
}
/// Everything but `bytes`.
pub(crate) const DOCUMENT_META_COLUMNS: &str = "id, inquiry_id, kind, side, id_class, country, \
     capture_method, content_type, byte_size, sha256, created_at";

impl DocumentRow {
    pub fn decode(self) -> Result<Document, StoreError> {
        let what = format!("document {}", self.id);
        let capture = capture(&self).map_err(|e| corrupt(&what, e))?;
        let capture_method = CaptureMethod::parse(&self.capture_method).ok_or_else(|| {
            corrupt(
                &what,
                format!("unknown capture method `{}`", self.capture_method),
            )
        })?;
        Ok(Document {
            id: self.id.parse().map_err(|e| corrupt(&what, e))?,
            inquiry_id: self.inquiry_id.parse().map_err(|e| corrupt(&what, e))?,
            capture,
            capture_method,
            content_type: self.content_type,
            byte_size: self.byte_size,
            sha256: self.sha256,
            bytes: self.bytes,
            created_at: self.created_at,
        })
    }
}

/// What a document row's `kind`, `side`, `id_class` and `country` say the image is of.
fn capture(row: &DocumentRow) -> Result<Capture, String> {
    let kind =
        DocumentKind::parse(&row.kind).ok_or_else(|| format!("unknown kind `{}`", row.kind))?;
    let shot = Shot::parse(kind, &row.side)
        .ok_or_else(|| format!("`{}` is no side or pose of a {}", row.side, row.kind))?;
    Ok(match shot {
        Shot::Selfie(pose) => Capture::Selfie(pose),
        Shot::Id(side) => {
            let class = row.id_class.as_deref().unwrap_or_default();
            Capture::GovernmentId {
                id_class: IdClass::parse(class)
                    .ok_or_else(|| format!("unknown ID class `{class}`"))?,
                side,
                country: row.country.clone(),
            }
        }
    })
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub hash: String,
    pub hint: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}
pub(crate) const API_KEY_COLUMNS: &str = "id, name, hash, hint, created_at, revoked_at";

impl ApiKeyRow {
    pub fn decode(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            id: self
                .id
                .parse()
                .map_err(|e| corrupt(&format!("API key {}", self.id), e))?,
            name: self.name,
            hash: self.hash,
            hint: self.hint,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IdempotencyRow {
    pub api_key_id: String,
    pub key: String,
    pub request_hash: String,
    pub status: i64,
    pub body: Vec<u8>,
    pub created_at: i64,
    /// Whose data key sealed `body` (none: the server's).
    pub inquiry_id: Option<String>,
}
pub(crate) const IDEMPOTENCY_COLUMNS: &str =
    "api_key_id, key, request_hash, status, body, created_at, inquiry_id";

impl IdempotencyRow {
    pub fn decode(self) -> Result<IdempotencyRecord, StoreError> {
        let what = format!("idempotency record {}", self.key);
        Ok(IdempotencyRecord {
            api_key_id: self.api_key_id.parse().map_err(|e| corrupt(&what, e))?,
            key: self.key,
            request_hash: self.request_hash,
            status: u16::try_from(self.status).map_err(|e| corrupt(&what, e))?,
            body: self.body,
            created_at: self.created_at,
            claim_token: None,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IdempotencyEntryRow {
    #[sqlx(flatten)]
    pub record: IdempotencyRow,
    pub state: String,
}

impl IdempotencyEntryRow {
    pub fn decode(self) -> Result<IdempotencyEntry, StoreError> {
        match self.state.as_str() {
            "claimed" => Ok(IdempotencyEntry::InProgress {
                request_hash: self.record.request_hash,
                claimed_at: self.record.created_at,
            }),
            "done" => self.record.decode().map(IdempotencyEntry::Done),
            other => Err(corrupt(
                &format!("idempotency record {}", self.record.key),
                format!("unknown state `{other}`"),
            )),
        }
    }
}
