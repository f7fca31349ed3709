//! The list pages: inquiries with filters (status, template, reference id, created dates,
//! tag, failed check) and cursor paging, the review queue, the audit
//! trail (admins). Every page is rendered for the signed-in operator's role
//! (docs/console.md §2, §4).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use verity_core::audit::AuditAction;
use verity_core::inquiry::{Inquiry, InquiryStatus};
use verity_store::{AuditFilter, AuditRecord, InquiryFilter, Page, PageRequest};

use super::auth::Signed;
use super::error::ConsoleError;
use super::html::{self, esc, Nav};
use crate::state::AppState;

const PAGE_SIZE: u32 = 25;
/// The queue page lists this many; the badge counts them all.
const QUEUE_SIZE: u32 = 100;

/// `page` in the layout for `signed`, with the queue badge.
pub async fn render(
    state: &AppState,
    signed: &Signed,
    title: &str,
    body: &str,
) -> Result<Response, ConsoleError> {
    let queue = state.store.count_review_queue().await?;
    let nav = Nav {
        email: &signed.operator.email,
        role: signed.operator.role,
        queue,
        csrf: &signed.csrf,
    };
    let page = html::page(title, Some(&nav), body);
    Ok(([(header::CONTENT_TYPE, html::CONTENT_TYPE)], page).into_response())
}

fn inquiry_rows(inquiries: &[Inquiry]) -> String {
    if inquiries.is_empty() {
        return "<p>No inquiries.</p>".to_owned();
    }
    let rows: String = inquiries
        .iter()
        .map(|i| {
            format!(
                "<tr><td><a href=\"/console/inquiries/{id}\">{id}</a></td>\
                 <td class=\"status\">{status}</td><td>{reference}</td><td>{template}</td>\
                 <td>{tags}</td><td>{created}</td></tr>",
                id = esc(i.id.as_str()),
                status = esc(i.status.as_str()),
                reference = esc(i.reference_id.as_deref().unwrap_or("")),
                template = esc(&i.template_id.to_string()),
                tags = esc(&i.tags.join(", ")),
                created = html::time(i.created_at),
            )
        })
        .collect();
    format!(
        "<table><caption class=\"skip\">Inquiries</caption><thead><tr><th scope=\"col\">Inquiry</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Reference id</th><th scope=\"col\">Template</th>\
         <th scope=\"col\">Tags</th><th scope=\"col\">Created</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    template: String,
    #[serde(default, rename = "reference-id")]
    reference_id: String,
    /// `YYYY-MM-DD` (UTC): created on or after that day.
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD` (UTC): created on or before that day.
    #[serde(default)]
    to: String,
    #[serde(default)]
    tag: String,
    #[serde(default, rename = "failed-check")]
    failed_check: String,
    after: Option<String>,
    before: Option<String>,
}

impl ListQuery {
    /// The filters as query pairs, for links that keep them.
    fn pairs(&self) -> [(&'static str, &str); 7] {
        [
            ("status", self.status.as_str()),
            ("template", self.template.as_str()),
            ("reference-id", self.reference_id.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("tag", self.tag.as_str()),
            ("failed-check", self.failed_check.as_str()),
        ]
    }

    fn filter(&self) -> Result<InquiryFilter, ConsoleError> {
        let status = match self.status.as_str() {
            "" => None,
            s => Some(
                InquiryStatus::parse(s)
                    .ok_or_else(|| ConsoleError::Invalid(format!("unknown status {s}")))?,
            ),
        };
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(InquiryFilter {
            reference_id: text(&self.reference_id),
            status,
            template_id: text(&self.template),
            account_id: None,
            created_from: day_start(&self.from, 0)?,
            // Through the whole day named: before the next one starts.
            created_until: day_start(&self.to, 1)?,
            tag: text(&self.tag),
            failed_check: text(&self.failed_check),
        })
    }
}

/// The start (UTC, epoch milliseconds) of the day `days` after `YYYY-MM-DD`; `None` when
/// empty.
fn day_start(date: &str, days: i64) -> Result<Option<i64>, ConsoleError> {
    let date = date.trim();
    if date.is_empty() {
        return Ok(None);
    }
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| ConsoleError::Invalid(format!("`{date}` is not a date (YYYY-MM-DD)")))?;
    let start = day
        .checked_add_signed(chrono::Duration::days(days))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| ConsoleError::Invalid(format!("`{date}` is out of range")))?;
    Ok(Some(start.and_utc().timestamp_millis()))
}

fn text_filter(id: &str, label: &str, value: &str, kind: &str) -> String {
    format!(
        "<div><label for=\"{id}\">{label}</label>\
         <input id=\"{id}\" name=\"{id}\" type=\"{kind}\" value=\"{}\"></div>",
        esc(value)
    )
}

fn filters_form(q: &ListQuery) -> String {
    let options: String = std::iter::once("")
        .chain(InquiryStatus::ALL.iter().map(|s| s.as_str()))
        .map(|s| {
            let selected = if s == q.status { " selected" } else { "" };
            let label = if s.is_empty() { "any" } else { s };
            format!("<option value=\"{s}\"{selected}>{label}</option>")
        })
        .collect();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"/console/inquiries\">\
         <div><label for=\"status\">Status</label><select id=\"status\" name=\"status\">{options}</select></div>\
         {template}{reference}{from}{to}{tag}{check}<div><button>Filter</button></div></form>",
        template = text_filter("template", "Template id", &q.template, "text"),
        reference = text_filter("reference-id", "Reference id", &q.reference_id, "text"),
        from = text_filter("from", "Created from", &q.from, "date"),
        to = text_filter("to", "Created to", &q.to, "date"),
        tag = text_filter("tag", "Tag", &q.tag, "text"),
        check = text_filter("failed-check", "Failed check", &q.failed_check, "text"),
    )
}

fn pager<T>(page: &Page<T>, q: &ListQuery) -> String {
    let base = q.pairs();
    let link = |key: &str, cursor: &str, label: &str| {
        let mut pairs = base.to_vec();
        pairs.push((key, cursor));
        format!(
            "<a href=\"/console/inquiries?{}\">{label}</a>",
            esc(&html::query(&pairs))
        )
    };
    let newer = page
        .prev_before
        .as_deref()
        .map(|c| link("before", c, "Newer"));
    let older = page
        .next_after
        .as_deref()
        .map(|c| link("after", c, "Older"));
    format!(
        "<nav class=\"pager\" aria-label=\"Pages\">{}{}</nav>",
        newer.unwrap_or_default(),
        older.unwrap_or_default()
    )
}

pub async fn inquiries(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, ConsoleError> {
    let filter = q.filter()?;
    let request = PageRequest {
        after: q.after.clone(),
        before: q.before.clone(),
        size: PAGE_SIZE,
    };
    let page = state
        .store
        .list_inquiries(&filter, &request)
        .await
        .map_err(|e| match e {
            verity_store::StoreError::NotFound { .. } => {
                ConsoleError::Invalid("unknown page cursor".into())
            }
            e => e.into(),
        })?;
    let body = format!(
        "<h1>Inquiries</h1>{}{}{}",
        filters_form(&q),
        inquiry_rows(&page.items),
        pager(&page, &q)
    );
    render(&state, &signed, "Inquiries", &body).await
}

pub async fn queue(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, ConsoleError> {
    let waiting = state.store.review_queue(QUEUE_SIZE).await?;
    let body = format!(
        "<h1>Review queue</h1><p>Inquiries that need a person (needs_review and failed), \
         the longest waiting first.</p>{}",
        inquiry_rows(&waiting)
    );
    render(&state, &signed, "Review queue", &body).await
}

/// The audit records as a table (the inquiry page shows its own).
pub fn audit_table(records: &[AuditRecord]) -> String {
    if records.is_empty() {
        return "<p>No audit records.</p>".to_owned();
    }
    let rows: String = records
        .iter()
        .map(|r| {
            let inquiry = r.inquiry_id.as_ref().map_or_else(String::new, |id| {
                format!(
                    "<a href=\"/console/inquiries/{id}\">{id}</a>",
                    id = esc(id.as_str())
                )
            });
            format!(
                "<tr><td>{at}</td><td>{kind}: {who}</td><td>{action}</td><td>{inquiry}</td>\
                 <td>{detail}</td><td>{address}</td></tr>",
                at = html::time(r.created_at),
                kind = r.actor.kind(),
                who = esc(r.actor.id()),
                action = r.action.as_str(),
                detail = esc(r.detail.as_deref().unwrap_or("")),
                address = esc(r.address.as_deref().unwrap_or("")),
            )
        })
        .collect();
    format!(
        "<table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>\
         <th scope=\"col\">What</th><th scope=\"col\">Inquiry</th><th scope=\"col\">Detail</th>\
         <th scope=\"col\">From</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    after: Option<String>,
}

pub async fn audit(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ConsoleError> {
    signed.require(
        signed.operator.role.administers(),
        "the audit trail is for admins",
    )?;
    let filter = AuditFilter {
        inquiry_id: None,
        action: AuditAction::parse(&q.action),
        actor: Some(q.actor.trim().to_owned()).filter(|a| !a.is_empty()),
    };
    let request = PageRequest {
        after: q.after.clone(),
        before: None,
        size: 50,
    };
    let page = verity_app::audit::list(&state.app, &filter, &request).await?;
    let older = page.next_after.as_deref().map_or_else(String::new, |c| {
        let query = html::query(&[("action", q.action.as_str()), ("actor", q.actor.as_str()), ("after", c)]);
        format!("<nav class=\"pager\" aria-label=\"Pages\"><a href=\"/console/audit?{}\">Older</a></nav>", esc(&query))
    });
    let options: String = std::iter::once("")
        .chain(AuditAction::ALL.iter().map(|a| a.as_str()))
        .map(|a| {
            let selected = if a == q.action { " selected" } else { "" };
            format!(
                "<option value=\"{a}\"{selected}>{}</option>",
                if a.is_empty() { "any" } else { a }
            )
        })
        .collect();
    let body = format!(
        "<h1>Audit trail</h1><form class=\"filters\" method=\"get\" action=\"/console/audit\">\
         <div><label for=\"action\">What</label><select id=\"action\" name=\"action\">{options}</select></div>\
         <div><label for=\"actor\">Who (email or API key id)</label><input id=\"actor\" name=\"actor\" value=\"{actor}\"></div>\
         <div><button>Filter</button></div></form>{table}{older}",
        actor = esc(&q.actor),
        table = audit_table(&page.items),
    );
    render(&state, &signed, "Audit trail", &body).await
}
