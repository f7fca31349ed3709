//! The desktop asks for a hand-off: a link for the phone from the
//! current step, shown as a QR code or sent by email or SMS, within the send limits.

use std::net::IpAddr;

use verity_core::id::InquiryId;
use verity_core::session::{HandoffMethod, InquirySession};

use super::links::{self, CreatedLink};
use super::send::{valid_email, valid_phone, Channel, Message};
use crate::error::FieldProblem;
use crate::inquiries::{definition_of, load};
use crate::{App, AppError};

/// How the person wants the link, as asked.
#[derive(Debug, Clone)]
pub struct Request {
    /// `qr`, `email` or `sms`.
    pub method: String,
    /// The email address or phone number (E.164), for `email` and `sms`.
    pub to: Option<String>,
    /// The asking client's address, for the per-address send limit.
    pub client: Option<IpAddr>,
}

/// Checks the request: the method, and the address or number it is sent to.
fn parse(request: &Request) -> Result<(HandoffMethod, Option<(Channel, String)>), AppError> {
    let (method, channel) = match request.method.as_str() {
        "qr" => (HandoffMethod::Qr, None),
        "email" => (HandoffMethod::Email, Some(Channel::Email)),
        "sms" => (HandoffMethod::Sms, Some(Channel::Sms)),
        other => {
            return Err(AppError::invalid(
                "method",
                format!("`method` must be qr, email or sms, not `{other}`"),
            ))
        }
    };
    let Some(channel) = channel else {
        return Ok((method, None));
    };
    let to = request.to.as_deref().map(str::trim).unwrap_or_default();
    let (ok, hint) = match channel {
        Channel::Email => (valid_email(to), "enter a valid email address"),
        Channel::Sms => (
            valid_phone(to),
            "enter a phone number with its country code, e.g. +15551234567",
        ),
    };
    if !ok {
        return Err(AppError::InvalidFields(vec![FieldProblem::new("to", hint)]));
    }
    Ok((method, Some((channel, to.to_owned()))))
}

/// Makes the link `session` asked for on inquiry `id` and, for email and SMS, sends it
/// (a link whose message failed is withdrawn). The link's `url` is for a QR code only.
pub async fn hand_off(
    app: &App,
    id: &InquiryId,
    session: &InquirySession,
    request: Request,
) -> Result<CreatedLink, AppError> {
    if session.device_handoff_method.is_some() {
        return Err(AppError::Conflict(
            "this device already continues a hand-off".into(),
        ));
    }
    let inquiry = load(app, id).await?;
    let definition = definition_of(app, &inquiry).await?;
    let here = inquiry
        .current_step
        .as_deref()
        .and_then(|name| definition.step(name));
    if !here.is_some_and(|s| s.can_hand_off()) {
        return Err(AppError::Conflict(
            "this step cannot be continued on another device".into(),
        ));
    }
    let (method, to) = parse(&request)?;
    check_limits(app, id, to.is_some(), request.client).await?;
    let created = links::create(app, id, method, app.handoff.link_ttl_ms).await?;
    if let Some((channel, to)) = to {
        let minutes = ((created.link.expires_at - app.now()) / 60_000).max(1);
        let message = Message::handoff(id, channel, &to, &created.url, minutes);
        let sender = match channel {
            Channel::Email => &app.handoff.email,
            Channel::Sms => &app.handoff.sms,
        };
        if let Err(e) = sender.send(&message).await {
            // Nobody can use a link that never arrived: withdraw it, then say so.
            links::cancel(app, &created.link).await?;
            return Err(AppError::SendFailed(e.to_string()));
        }
    }
    Ok(created)
}

/// Messages per client address, links per inquiry (counted in the database, so across
/// processes).
async fn check_limits(
    app: &App,
    id: &InquiryId,
    sends: bool,
    client: Option<IpAddr>,
) -> Result<(), AppError> {
    let now = app.now();
    let handoff = &app.handoff;
    if sends {
        let key = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        handoff
            .sends_per_ip
            .check(&key, now)
            .map_err(AppError::RateLimited)?;
    }
    if handoff.links_per_inquiry_per_hour > 0 {
        let recent = app
            .store
            .count_one_time_links(id, now - 3600 * 1000)
            .await?;
        if recent >= u64::from(handoff.links_per_inquiry_per_hour) {
            return Err(AppError::RateLimited(600));
        }
    }
    Ok(())
}
