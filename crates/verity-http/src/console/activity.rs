//! The parts of an inquiry's page beside its data (docs/console.md §4): tags and comments
//! with their forms, the redaction form, and what happened around it — its sessions,
//! one-time links and webhook deliveries. Forms are rendered only for roles that may use
//! them; comment bodies (personal data) only for roles that see personal data.

use verity_core::handoff::OneTimeLink;
use verity_core::inquiry::Inquiry;
use verity_core::session::{HandoffMethod, InquirySession, SessionStatus};
use verity_store::{Comment, Delivery};

use super::html::{self, csrf_field, esc};

/// What a role may do on the page, and its form token.
pub struct Tools<'a> {
    pub csrf: &'a str,
    /// Tag, comment, redact (reviewers and admins).
    pub acts: bool,
    /// Comment bodies shown (reviewers and admins).
    pub reads: bool,
}

fn action(inquiry: &Inquiry, what: &str) -> String {
    format!("/console/inquiries/{}/{what}", esc(inquiry.id.as_str()))
}

pub fn tags(inquiry: &Inquiry, tools: &Tools) -> String {
    let open = inquiry.redacted_at.is_none() && tools.acts;
    let items: String = inquiry
        .tags
        .iter()
        .map(|tag| {
            let remove = if open {
                format!(
                    " <form class=\"inline\" method=\"post\" action=\"{path}\">{csrf}\
                     <input type=\"hidden\" name=\"tag\" value=\"{t}\">\
                     <button aria-label=\"Remove tag {t}\">Remove</button></form>",
                    path = action(inquiry, "tags/remove"),
                    csrf = csrf_field(tools.csrf),
                    t = esc(tag),
                )
            } else {
                String::new()
            };
            format!("<li><span class=\"tag\">{}</span>{remove}</li>", esc(tag))
        })
        .collect();
    let list = if items.is_empty() {
        "<p>No tags.</p>".to_owned()
    } else {
        format!("<ul class=\"tags\">{items}</ul>")
    };
    let add = if open {
        format!(
            "<form class=\"filters\" method=\"post\" action=\"{path}\">{csrf}\
             <div><label for=\"new-tag\">New tag</label>\
             <input id=\"new-tag\" name=\"tag\" required maxlength=\"{max}\"></div>\
             <div><button>Add tag</button></div></form>",
            path = action(inquiry, "tags"),
            csrf = csrf_field(tools.csrf),
            max = verity_app::review::MAX_TAG_LEN,
        )
    } else {
        String::new()
    };
    format!("<h2 id=\"tags\">Tags</h2>{list}{add}")
}

pub fn comments(inquiry: &Inquiry, comments: &[Comment], tools: &Tools) -> String {
    let items: String = comments
        .iter()
        .map(|c| {
            let body = if tools.reads {
                format!("<p class=\"comment-body\">{}</p>", esc(&c.body))
            } else {
                "<p><span class=\"masked\">hidden from viewers</span></p>".to_owned()
            };
            format!(
                "<li><p class=\"meta\">{} · {}</p>{body}</li>",
                esc(&c.author),
                html::time(c.created_at)
            )
        })
        .collect();
    let list = if items.is_empty() {
        "<p>No comments.</p>".to_owned()
    } else {
        format!("<ol class=\"comments\">{items}</ol>")
    };
    let form = if tools.acts && inquiry.redacted_at.is_none() {
        format!(
            "<form method=\"post\" action=\"{path}\">{csrf}\
             <p><label for=\"comment\">Comment</label>\
             <textarea id=\"comment\" name=\"body\" required maxlength=\"{max}\"></textarea></p>\
             <p><button>Add comment</button></p></form>",
            path = action(inquiry, "comments"),
            csrf = csrf_field(tools.csrf),
            max = verity_app::review::MAX_COMMENT_LEN,
        )
    } else {
        String::new()
    };
    format!("<h2 id=\"comments\">Comments</h2>{list}{form}")
}

/// The typed confirmation: the inquiry's id, checked again on the server.
pub fn redaction(inquiry: &Inquiry, tools: &Tools) -> String {
    if let Some(at) = inquiry.redacted_at {
        return format!(
            "<h2 id=\"redact\">Redaction</h2><p>Redacted {}.</p>",
            html::time(at)
        );
    }
    if !tools.acts {
        return String::new();
    }
    format!(
        "<h2 id=\"redact\">Redaction</h2><form class=\"redact\" method=\"post\" action=\"{path}\">{csrf}\
         <p>Erases the field values, images and comments for good. Type the inquiry id \
         <code>{id}</code> to confirm.</p>\
         <p><label for=\"confirm\">Inquiry id</label>\
         <input id=\"confirm\" name=\"confirm\" required autocomplete=\"off\" spellcheck=\"false\" \
         data-expect=\"{id}\"></p><p><button class=\"decline\">Redact</button></p></form>",
        path = action(inquiry, "redact"),
        csrf = csrf_field(tools.csrf),
        id = esc(inquiry.id.as_str()),
    )
}

fn session_status(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Active => "active",
        SessionStatus::Expired => "expired",
        SessionStatus::Canceled => "canceled",
    }
}

fn method(method: Option<HandoffMethod>) -> &'static str {
    match method {
        None => "first device",
        Some(HandoffMethod::Qr) => "QR code",
        Some(HandoffMethod::Email) => "email",
        Some(HandoffMethod::Sms) => "SMS",
        Some(HandoffMethod::Api) => "API",
    }
}

fn opt_time(at: Option<i64>) -> String {
    at.map(html::time).unwrap_or_else(|| "—".into())
}

pub fn sessions(sessions: &[InquirySession], links: &[OneTimeLink]) -> String {
    let rows: String = sessions
        .iter()
        .map(|s| {
            format!(
                "<tr><td>{}</td><td class=\"status\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(s.id.as_str()),
                session_status(s.status),
                method(s.device_handoff_method),
                html::time(s.created_at),
                html::time(s.expires_at),
            )
        })
        .collect();
    let link_rows: String = links
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td class=\"status\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(l.session_id.as_str()),
                l.status.as_str(),
                method(Some(l.method)),
                html::time(l.created_at),
                html::time(l.expires_at),
                opt_time(l.opened_at),
            )
        })
        .collect();
    let sessions = if rows.is_empty() {
        "<p>No sessions.</p>".to_owned()
    } else {
        format!(
            "<table><caption>Sessions</caption><thead><tr><th scope=\"col\">Session</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">Device</th><th scope=\"col\">Created</th>\
             <th scope=\"col\">Expires</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    let links = if link_rows.is_empty() {
        "<p>No one-time links.</p>".to_owned()
    } else {
        format!(
            "<table><caption>One-time links</caption><thead><tr><th scope=\"col\">Session</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">Sent by</th><th scope=\"col\">Created</th>\
             <th scope=\"col\">Expires</th><th scope=\"col\">Opened</th></tr></thead><tbody>{link_rows}</tbody></table>"
        )
    };
    format!("<h2 id=\"sessions\">Sessions and one-time links</h2>{sessions}{links}")
}

/// The last attempt's answer: the receiver's status and the time it took, or the error.
fn last_attempt(d: &Delivery) -> (String, String) {
    match d.history.last() {
        None => ("not tried yet".into(), String::new()),
        Some(a) => {
            let answer = match (a.status_code, &a.error) {
                (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
                (Some(code), None) => format!("HTTP {code}"),
                (None, Some(e)) => e.clone(),
                (None, None) => String::new(),
            };
            (answer, format!("{} ms", a.latency_ms))
        }
    }
}

pub fn deliveries(deliveries: &[Delivery]) -> String {
    if deliveries.is_empty() {
        return "<h2 id=\"deliveries\">Webhook deliveries</h2><p>No deliveries.</p>".to_owned();
    }
    let rows: String = deliveries
        .iter()
        .map(|d| {
            let (answer, latency) = last_attempt(d);
            format!(
                "<tr><td>{event}</td><td>{endpoint}</td><td class=\"status\">{status}</td>\
                 <td>{attempts}</td><td>{answer}</td><td>{latency}</td><td>{at}</td></tr>",
                event = d.event_name.as_str(),
                endpoint = esc(d.webhook_id.as_str()),
                status = d.status.as_str(),
                attempts = d.attempts,
                answer = esc(&answer),
                at = html::time(d.updated_at),
            )
        })
        .collect();
    format!(
        "<h2 id=\"deliveries\">Webhook deliveries</h2><table><thead><tr><th scope=\"col\">Event</th>\
         <th scope=\"col\">Endpoint</th><th scope=\"col\">Status</th><th scope=\"col\">Attempts</th>\
         <th scope=\"col\">Last answer</th><th scope=\"col\">Latency</th><th scope=\"col\">Updated</th>\
         </tr></thead><tbody>{rows}</tbody></table>"
    )
}
