//! The webhook delivery outbox: the insert that runs inside [`crate::Store::commit`], the
//! worker's claim and record, and the reads of the deliveries API. The endpoints
//! themselves are in [`super::endpoints`].
//!
//! Invariants:
//! - a delivery row exists for every (event, endpoint enabled and subscribed at commit
//!   time), written in the event's transaction ([`enqueue`]);
//! - a delivery is claimable only when due, unleased, its endpoint enabled, and no earlier
//!   delivery (by event `seq`) for the same endpoint and inquiry is still pending — so one
//!   inquiry's events reach one endpoint in order; delivered or failed ones do not block.

use verity_core::event::EventName;
use verity_core::id::{DeliveryId, Id, InquiryId, WebhookId};
use verity_core::Millis;

use crate::errors::{self, corrupt};
use crate::exec::{args, Arg, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::queries::bulk;
use crate::queries::endpoints::{WebhookRow, WEBHOOK_COLUMNS};
use crate::rows::{EventRow, Keyed, EVENT_COLUMNS};
use crate::vault::Vault;
use crate::{
    Attempt, AttemptOutcome, AttemptResult, ClaimedDelivery, Delivery, DeliveryStatus,
    EndpointHealth, NewEvent, Page, PageRequest, StoreError, Webhook,
};

/// The outbox: one pending delivery per (event, enabled endpoint subscribed to it). Runs
/// inside the commit's transaction after the events were appended; `seqs[i]` is the log
/// position of `events[i]`.
pub(crate) async fn enqueue<E: Exec>(
    ex: &mut E,
    events: &[&NewEvent],
    seqs: &[i64],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let endpoints: Vec<(String, String)> = ex
        .fetch_all(
            "SELECT id, events FROM webhooks WHERE status = 'enabled'",
            args![],
        )
        .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    {
        // Scoped: `ThreadRng` must not live across an await.
        let rng = &mut rand::thread_rng();
        for (event, seq) in events.iter().zip(seqs) {
            let needle = format!(",{},", event.name.as_str());
            for (webhook_id, subscribed) in &endpoints {
                if subscribed == "*" || subscribed.contains(&needle) {
                    let id: DeliveryId = Id::generate(rng);
                    rows.push(args![
                        id.as_str(),
                        webhook_id.as_str(),
                        event.id.as_str(),
                        *seq,
                        event.name.as_str(),
                        event
                            .inquiry_id
                            .as_ref()
                            .map_or_else(String::new, |i| i.to_string()),
                        "pending",
                        0,
                        event.created_at,
                        0,
                        event.created_at,
                        event.created_at
                    ]);
                }
            }
        }
    }
    bulk::insert(
        ex,
        "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_seq, event_name, \
         inquiry_id, status, attempts, next_attempt_at, lease_until, created_at, updated_at)",
        12,
        rows,
        "",
    )
    .await
    .map_err(errors::unique("webhook delivery"))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: String,
    webhook_id: String,
    event_id: String,
    attempts: i64,
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Leases up to `limit` claimable deliveries until `lease_until`. `lock` is `FOR UPDATE OF d
/// SKIP LOCKED` on PostgreSQL (concurrent claimers skip each other's rows) and empty on
/// SQLite (its single writer serialises claims).
///
/// The shape is chosen for the plans it gets (checked with `EXPLAIN`):
/// - the endpoint check is an `EXISTS`, not a join, so the pending deliveries are the only
///   table in `FROM` and the `(next_attempt_at, event_seq)` index (migration 0003) gives
///   rows in claim order: the scan stops after `limit` claimable rows instead of sorting
///   the whole backlog;
/// - on PostgreSQL the claimed keys are collected with `ARRAY(…)` and matched with
///   `= ANY`: after a few executions the prepared statement runs a generic plan, which
///   cannot see the `LIMIT` value and planned `IN (subquery)` as a hash semi-join over a
///   sequential scan of the whole table, history included. The array is an init-plan, so
///   the update is a primary-key lookup per claimed row. SQLite has no arrays and plans
///   `IN (subquery)` as rowid lookups already.
pub(crate) async fn claim<E: Exec>(
    ex: &mut E,
    now: Millis,
    lease_until: Millis,
    limit: u32,
    lock: &str,
) -> Result<Vec<(String, String, String, u32)>, StoreError> {
    // Only PostgreSQL takes row locks, so the lock clause also tells the backend apart.
    let (open, close) = if lock.is_empty() {
        ("IN (", ")")
    } else {
        ("= ANY(ARRAY(", "))")
    };
    let sql = format!(
        "UPDATE webhook_deliveries SET lease_until = $2 WHERE seq {open} \
           SELECT d.seq FROM webhook_deliveries d \
           WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND d.lease_until <= $1 \
             AND EXISTS (SELECT 1 FROM webhooks w \
                 WHERE w.id = d.webhook_id AND w.status = 'enabled') \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
                 WHERE p.status = 'pending' AND p.webhook_id = d.webhook_id \
                   AND p.inquiry_id = d.inquiry_id AND p.inquiry_id <> '' \
                   AND p.event_seq < d.event_seq) \
           ORDER BY d.next_attempt_at, d.event_seq LIMIT $3 {lock}{close} \
         RETURNING id, webhook_id, event_id, attempts"
    );
    let rows: Vec<ClaimRow> = ex
        .fetch_all(&sql, args![now, lease_until, i64::from(limit)])
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let attempts = u32::try_from(r.attempts).unwrap_or(u32::MAX);
            (r.id, r.webhook_id, r.event_id, attempts)
        })
        .collect())
}

/// Loads what the claimed rows need to be sent: their endpoints and events.
pub(crate) async fn load_claimed<E: Exec>(
    ex: &mut E,
    vault: &Vault,
    claimed: Vec<(String, String, String, u32)>,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let mut webhook_ids: Vec<&str> = claimed.iter().map(|c| c.1.as_str()).collect();
    webhook_ids.sort_unstable();
    webhook_ids.dedup();
    let sql = format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id IN ({})",
        placeholders(1, webhook_ids.len())
    );
    let args: Vec<Arg> = webhook_ids.iter().map(|s| Arg::from(*s)).collect();
    let webhooks: Vec<WebhookRow> = ex.fetch_all(&sql, args).await?;
    let webhooks: Vec<Webhook> = webhooks
        .into_iter()
        .map(WebhookRow::decode)
        .collect::<Result<_, _>>()?;
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({})",
        placeholders(1, claimed.len())
    );
    let args: Vec<Arg> = claimed.iter().map(|c| Arg::from(c.2.as_str())).collect();
    let events: Vec<EventRow> = ex.fetch_all(&sql, args).await?;
    let events = crate::queries::events::open_all(ex, vault, events).await?;
    claimed
        .into_iter()
        .map(|(id, webhook_id, event_id, attempts)| {
            let what = format!("webhook delivery {id}");
            let webhook = webhooks
                .iter()
                .find(|w| w.id.as_str() == webhook_id)
                .cloned()
                .ok_or_else(|| corrupt(&what, "its webhook is missing"))?;
            let event = events
                .iter()
                .find(|e| e.id.as_str() == event_id)
                .cloned()
                .ok_or_else(|| corrupt(&what, "its event is missing"))?;
            Ok(ClaimedDelivery {
                id: id.parse().map_err(|e| corrupt(&what, e))?,
                attempts,
                webhook,
                event,
            })
        })
        .collect()
}

/// Outcomes per multi-row statement: 7 parameters each keeps a statement far below both
/// backends' parameter limits.
const RECORD_CHUNK: usize = 128;

/// Writes attempt outcomes: the attempt rows, the deliveries' new states (leases released)
/// and the endpoints' health. The caller wraps it in one transaction.
///
/// Set-based, because the recorder is one sequential writer: one multi-row `INSERT` of
/// attempts and one `UPDATE … FROM (VALUES …)` of deliveries per chunk, instead of two
/// round trips per outcome, which capped delivery on PostgreSQL below the commit rate.
/// Health writes are per endpoint, skipping repeats that cannot change anything (a second
/// "healthy" or "failing" in a row for the same endpoint finds the column already set).
pub(crate) async fn record<E: Exec>(
    ex: &mut E,
    outcomes: &[AttemptOutcome],
) -> Result<(), StoreError> {
    for chunk in outcomes.chunks(RECORD_CHUNK) {
        let mut attempts = String::from(
            "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, latency_ms, \
             status_code, error, next_attempt_at) VALUES ",
        );
        // `VALUES` columns are `column1…column5` on both backends (SQLite has no column
        // aliases on a derived table).
        let mut deliveries = String::from(
            "UPDATE webhook_deliveries SET status = v.column2, attempts = v.column3, \
             next_attempt_at = v.column4, lease_until = 0, updated_at = v.column5 \
             FROM (VALUES ",
        );
        let mut attempt_args = Vec::with_capacity(chunk.len() * 7);
        let mut delivery_args = Vec::with_capacity(chunk.len() * 5);
        for (i, o) in chunk.iter().enumerate() {
            let a = &o.attempt;
            let now = a.started_at + a.latency_ms;
            let (status, next) = match o.result {
                AttemptResult::Delivered => (DeliveryStatus::Delivered, now),
                AttemptResult::RetryAt(at) => (DeliveryStatus::Pending, at),
                AttemptResult::GiveUp => (DeliveryStatus::Failed, now),
            };
            if i > 0 {
                attempts.push_str(", ");
                deliveries.push_str(", ");
            }
            attempts.push('(');
            attempts.push_str(&placeholders(i * 7 + 1, 7));
            attempts.push(')');
            deliveries.push('(');
            deliveries.push_str(&placeholders(i * 5 + 1, 5));
            deliveries.push(')');
            attempt_args.extend(args![
                o.delivery_id.as_str(),
                i64::from(a.attempt),
                a.started_at,
                a.latency_ms,
                a.status_code.map(i64::from),
                a.error.clone(),
                a.next_attempt_at
            ]);
            delivery_args.extend(args![
                o.delivery_id.as_str(),
                status.as_str(),
                i64::from(a.attempt),
                next,
                now
            ]);
        }
        deliveries.push_str(") AS v WHERE webhook_deliveries.id = v.column1");
        ex.execute(&attempts, attempt_args)
            .await
            .map_err(errors::insert("webhook attempt", "webhook delivery"))?;
        ex.execute(&deliveries, delivery_args).await?;
    }
    record_health(ex, outcomes).await
}

/// The endpoints' health after `outcomes`, in their order.
async fn record_health<E: Exec>(ex: &mut E, outcomes: &[AttemptOutcome]) -> Result<(), StoreError> {
    // The last idempotent write per endpoint in this batch: true = healthy, false = failing.
    let mut last: Vec<(&str, bool)> = Vec::new();
    for o in outcomes {
        let a = &o.attempt;
        let webhook = o.webhook_id.as_str();
        let previous = last.iter().position(|(w, _)| *w == webhook);
        let healthy = match &o.endpoint {
            EndpointHealth::Healthy => true,
            EndpointHealth::Failing => false,
            EndpointHealth::Disable(reason) => {
                if let Some(i) = previous {
                    last.swap_remove(i);
                }
                ex.execute(
                    "UPDATE webhooks SET status = 'disabled', disabled_reason = $2, \
                     failing_since = COALESCE(failing_since, $3), updated_at = $4 WHERE id = $1",
                    args![
                        webhook,
                        reason.as_str(),
                        a.started_at,
                        a.started_at + a.latency_ms
                    ],
                )
                .await?;
                continue;
            }
        };
        match previous {
            Some(i) if last[i].1 == healthy => continue,
            Some(i) => last[i].1 = healthy,
            None => last.push((webhook, healthy)),
        }
        if healthy {
            ex.execute(
                "UPDATE webhooks SET failing_since = NULL \
                 WHERE id = $1 AND failing_since IS NOT NULL",
                args![webhook],
            )
            .await?;
        } else {
            ex.execute(
                "UPDATE webhooks SET failing_since = $2 \
                 WHERE id = $1 AND failing_since IS NULL",
                args![webhook, a.started_at],
            )
            .await?;
        }
    }
    Ok(())
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, event_name, inquiry_id, status, \
     attempts, next_attempt_at, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    webhook_id: String,
    event_id: String,
    event_name: String,
    inquiry_id: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl Keyed for DeliveryRow {
    fn key(&self) -> &str {
        &self.id
    }
}

impl DeliveryRow {
    fn decode(self) -> Result<Delivery, StoreError> {
        let what = format!("webhook delivery {}", self.id);
        Ok(Delivery {
            id: self.id.parse().map_err(|e| corrupt(&what, e))?,
            webhook_id: self.webhook_id.parse().map_err(|e| corrupt(&what, e))?,
            event_id: self.event_id.parse().map_err(|e| corrupt(&what, e))?,
            event_name: EventName::parse(&self.event_name)
                .ok_or_else(|| corrupt(&what, format!("event name `{}`", self.event_name)))?,
            inquiry_id: if self.inquiry_id.is_empty() {
                None
            } else {
                Some(self.inquiry_id.parse().map_err(|e| corrupt(&what, e))?)
            },
            status: DeliveryStatus::parse(&self.status)
                .ok_or_else(|| corrupt(&what, format!("status `{}`", self.status)))?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt(&what, e))?,
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            history: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: String,
    attempt: i64,
    started_at: i64,
    latency_ms: i64,
    status_code: Option<i64>,
    error: Option<String>,
    next_attempt_at: Option<i64>,
}

/// Fills `history` of each delivery, oldest attempt first.
async fn with_history<E: Exec>(
    ex: &mut E,
    mut deliveries: Vec<Delivery>,
) -> Result<Vec<Delivery>, StoreError> {
    if deliveries.is_empty() {
        return Ok(deliveries);
    }
    let sql = format!(
        "SELECT delivery_id, attempt, started_at, latency_ms, status_code, error, \
         next_attempt_at FROM webhook_attempts WHERE delivery_id IN ({}) ORDER BY seq",
        placeholders(1, deliveries.len())
    );
    let args: Vec<Arg> = deliveries
        .iter()
        .map(|d| Arg::from(d.id.as_str()))
        .collect();
    let rows: Vec<AttemptRow> = ex.fetch_all(&sql, args).await?;
    for row in rows {
        if let Some(d) = deliveries
            .iter_mut()
            .find(|d| d.id.as_str() == row.delivery_id)
        {
            d.history.push(Attempt {
                attempt: u32::try_from(row.attempt).unwrap_or(u32::MAX),
                started_at: row.started_at,
                latency_ms: row.latency_ms,
                status_code: row.status_code.and_then(|c| u16::try_from(c).ok()),
                error: row.error,
                next_attempt_at: row.next_attempt_at,
            });
        }
    }
    Ok(deliveries)
}

pub(crate) async fn list_deliveries<E: Exec>(
    ex: &mut E,
    webhook_id: &WebhookId,
    page: &PageRequest,
) -> Result<Page<Delivery>, StoreError> {
    let mut filter = Where::default();
    filter.push("webhook_id", "=", webhook_id.as_str());
    let rows =
        fetch_page::<_, DeliveryRow>(ex, "webhook_deliveries", DELIVERY_COLUMNS, filter, page)
            .await?;
    let page = map_page(rows, DeliveryRow::decode)?;
    Ok(Page {
        items: with_history(ex, page.items).await?,
        next_after: page.next_after,
        prev_before: page.prev_before,
    })
}

/// Up to `limit` deliveries of inquiry `id`'s events, to every endpoint, newest first.
pub(crate) async fn deliveries_of_inquiry<E: Exec>(
    ex: &mut E,
    id: &InquiryId,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE inquiry_id = $1 \
         ORDER BY seq DESC LIMIT $2"
    );
    let rows: Vec<DeliveryRow> = ex
        .fetch_all(&sql, args![id.as_str(), i64::from(limit)])
        .await?;
    let deliveries = rows
        .into_iter()
        .map(DeliveryRow::decode)
        .collect::<Result<Vec<_>, _>>()?;
    with_history(ex, deliveries).await
}

pub(crate) async fn delivery<E: Exec>(
    ex: &mut E,
    id: &DeliveryId,
) -> Result<Option<Delivery>, StoreError> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1");
    let row: Option<DeliveryRow> = ex.fetch_optional(&sql, args![id.as_str()]).await?;
    let Some(delivery) = row.map(DeliveryRow::decode).transpose()? else {
        return Ok(None);
    };
    Ok(with_history(ex, vec![delivery]).await?.pop())
}

/// Makes a delivery pending again, due at `now`, with a fresh retry schedule (its
/// attempt numbers start again at 1; the earlier attempts stay in its history).
pub(crate) async fn redeliver<E: Exec>(
    ex: &mut E,
    id: &DeliveryId,
    now: Millis,
) -> Result<(), StoreError> {
    let changed = ex
        .execute(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, \
             next_attempt_at = $2, lease_until = 0, updated_at = $2 WHERE id = $1",
            args![id.as_str(), now],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: "webhook delivery",
        });
    }
    Ok(())
}
