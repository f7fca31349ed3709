//! Webhook endpoints: their rows, create, update (optionally at an expected revision), and
//! reads. The delivery outbox is in [`super::webhooks`].

use verity_core::event::EventName;
use verity_core::id::WebhookId;

use crate::errors::{self, corrupt};
use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::rows::{encode, Keyed};
use crate::{Page, PageRequest, Revisioned, StoreError, Subscription, Webhook, WebhookStatus};

pub(super) const WEBHOOK_COLUMNS: &str =
    "id, url, status, events, blocklist, secret, previous_secret, \
     previous_secret_expires_at, failing_since, disabled_reason, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct WebhookRow {
    id: String,
    url: String,
    status: String,
    events: String,
    blocklist: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_expires_at: Option<i64>,
    failing_since: Option<i64>,
    disabled_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Keyed for WebhookRow {
    fn key(&self) -> &str {
        &self.id
    }
}

/// `*`, or the names wrapped in commas: `,a,b,`.
fn encode_events(events: &Subscription) -> String {
    match events {
        Subscription::All => "*".into(),
        Subscription::Only(names) => {
            let mut s = String::from(",");
            for name in names {
                s.push_str(name.as_str());
                s.push(',');
            }
            s
        }
    }
}

fn decode_events(what: &str, s: &str) -> Result<Subscription, StoreError> {
    if s == "*" {
        return Ok(Subscription::All);
    }
    s.split(',')
        .filter(|n| !n.is_empty())
        .map(|n| EventName::parse(n).ok_or_else(|| corrupt(what, format!("event name `{n}`"))))
        .collect::<Result<_, _>>()
        .map(Subscription::Only)
}

impl WebhookRow {
    pub(super) fn decode(self) -> Result<Webhook, StoreError> {
        let what = format!("webhook {}", self.id);
        Ok(Webhook {
            id: self.id.parse().map_err(|e| corrupt(&what, e))?,
            status: WebhookStatus::parse(&self.status)
                .ok_or_else(|| corrupt(&what, format!("status `{}`", self.status)))?,
            events: decode_events(&what, &self.events)?,
            blocklist: serde_json::from_str(&self.blocklist).map_err(|e| corrupt(&what, e))?,
            url: self.url,
            secret: self.secret,
            previous_secret: self.previous_secret,
            previous_secret_expires_at: self.previous_secret_expires_at,
            failing_since: self.failing_since,
            disabled_reason: self.disabled_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) async fn insert<E: Exec>(ex: &mut E, w: &Webhook) -> Result<(), StoreError> {
    ex.execute(
        &format!(
            "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ),
        args![
            w.id.as_str(),
            w.url.as_str(),
            w.status.as_str(),
            encode_events(&w.events),
            encode(&w.blocklist)?,
            w.secret.as_str(),
            w.previous_secret.clone(),
            w.previous_secret_expires_at,
            w.failing_since,
            w.disabled_reason.clone(),
            w.created_at,
            w.updated_at
        ],
    )
    .await
    .map_err(errors::unique("webhook"))?;
    Ok(())
}

/// Replaces the configuration columns, whatever the revision.
pub(crate) async fn update<E: Exec>(ex: &mut E, w: &Webhook) -> Result<(), StoreError> {
    update_if(ex, w, None).await.map(drop)
}

/// Replaces the configuration columns — when `expected` is given, only if the stored
/// revision still is that (`Conflict` otherwise) — and returns the new revision.
/// `failing_since` is the worker's, except that enabling a disabled endpoint clears it
/// (a fresh start for the 5-day rule).
pub(crate) async fn update_if<E: Exec>(
    ex: &mut E,
    w: &Webhook,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let updated: Option<(i64,)> = ex
        .fetch_optional(
            "UPDATE webhooks SET url = $2, events = $3, blocklist = $4, secret = $5, \
             previous_secret = $6, previous_secret_expires_at = $7, disabled_reason = $8, \
             updated_at = $9, \
             failing_since = CASE WHEN $10 = 'enabled' AND status = 'disabled' \
                 THEN NULL ELSE failing_since END, \
             status = $10, revision = revision + 1 \
             WHERE id = $1 AND ($11 IS NULL OR revision = $11) RETURNING revision",
            args![
                w.id.as_str(),
                w.url.as_str(),
                encode_events(&w.events),
                encode(&w.blocklist)?,
                w.secret.as_str(),
                w.previous_secret.clone(),
                w.previous_secret_expires_at,
                w.disabled_reason.clone(),
                w.updated_at,
                w.status.as_str(),
                expected
            ],
        )
        .await?;
    match updated {
        Some((revision,)) => Ok(revision),
        None if expected.is_some() && get(ex, &w.id).await?.is_some() => Err(StoreError::Conflict),
        None => Err(StoreError::NotFound { what: "webhook" }),
    }
}

#[derive(sqlx::FromRow)]
struct RevisionedRow {
    #[sqlx(flatten)]
    webhook: WebhookRow,
    revision: i64,
}

/// An endpoint with its revision.
pub(crate) async fn get_revisioned<E: Exec>(
    ex: &mut E,
    id: &WebhookId,
) -> Result<Option<Revisioned<Webhook>>, StoreError> {
    let sql = format!("SELECT {WEBHOOK_COLUMNS}, revision FROM webhooks WHERE id = $1");
    let row: Option<RevisionedRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    row.map(|row| {
        Ok(Revisioned {
            value: row.webhook.decode()?,
            revision: row.revision,
        })
    })
    .transpose()
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    id: &WebhookId,
) -> Result<Option<Webhook>, StoreError> {
    let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1");
    let row: Option<WebhookRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    row.map(WebhookRow::decode).transpose()
}

pub(crate) async fn list<E: Exec>(
    ex: &mut E,
    page: &PageRequest,
) -> Result<Page<Webhook>, StoreError> {
    let rows = fetch_page::<_, WebhookRow>(ex, "webhooks", WEBHOOK_COLUMNS, Where::default(), page)
        .await?;
    map_page(rows, WebhookRow::decode)
}
