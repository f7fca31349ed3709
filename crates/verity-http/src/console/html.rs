//! The console's HTML: one layout and escaping. Every dynamic value goes through [`esc`]
//! (text and attribute values alike), so nothing an individual typed into the flow can
//! become markup. No inline script or style: the CSP forbids both (docs/console.md §6).

use verity_core::operator::OperatorRole;

pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
pub fn esc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `key=value&…` with each value percent-encoded, for links that keep filters.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect();
    encoded.join("&")
}

/// What the navigation shows for a signed-in operator.
pub struct Nav<'a> {
    pub email: &'a str,
    pub role: OperatorRole,
    /// Inquiries in the review queue, for the badge.
    pub queue: u64,
    /// The session's form token, for the sign-out forms.
    pub csrf: &'a str,
}

/// The hidden form-token field every state-changing form carries.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(csrf)
    )
}

fn nav(nav: &Nav) -> String {
    // docs/console.md §7: the admin pages' links only for admins (the server refuses the
    // pages to the others anyway).
    let audit = if nav.role.administers() {
        "<li><a href=\"/console/audit\">Audit trail</a></li>\
         <li><a href=\"/console/templates\">Templates</a></li>\
         <li><a href=\"/console/webhooks\">Webhooks</a></li>\
         <li><a href=\"/console/api-keys\">API keys</a></li>\
         <li><a href=\"/console/operators\">Operators</a></li>"
    } else {
        ""
    };
    format!(
        "<header class=\"top\"><nav aria-label=\"Console\"><ul>\
         <li><a href=\"/console/queue\">Review queue <span class=\"badge\" \
         aria-label=\"{queue} waiting\">{queue}</span></a></li>\
         <li><a href=\"/console/inquiries\">Inquiries</a></li>{audit}</ul></nav>\
         <div class=\"who\"><span>{email} ({role})</span>\
         <a href=\"/console/totp\">Second factor</a>\
         <form method=\"post\" action=\"/console/sign-out\">{csrf}<button>Sign out</button></form>\
         <form method=\"post\" action=\"/console/sign-out-everywhere\">{csrf}\
         <button>Sign out everywhere</button></form></div></header>",
        queue = nav.queue,
        email = esc(nav.email),
        role = nav.role,
        csrf = csrf_field(nav.csrf),
    )
}

/// A whole page: `body` is markup built from escaped values.
pub fn page(title: &str, signed_in: Option<&Nav>, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Verity console</title>\
         <link rel=\"stylesheet\" href=\"{css}\">\
         <script type=\"module\" src=\"{js}\"></script></head><body>\
         <a class=\"skip\" href=\"#main\">Skip to content</a>{nav}\
         <main id=\"main\">{body}</main></body></html>",
        title = esc(title),
        css = super::assets::CSS_PATH,
        js = super::assets::JS_PATH,
        nav = signed_in.map(nav).unwrap_or_default(),
    )
}

/// Epoch milliseconds as `2026-01-02 03:04:05 UTC`.
pub fn time(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<img src=x onerror='a'>&\""),
            "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;"
        );
        assert_eq!(
            query(&[("status", "needs_review"), ("ref", "a b&c"), ("x", "")]),
            "status=needs_review&ref=a+b%26c"
        );
    }
}
