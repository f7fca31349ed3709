//! Delivering one-time links: one [`Sender`] trait, three implementations — [`LogSender`]
//! (the default: nothing leaves the machine; the message goes to the demo [`Outbox`]),
//! SMTP email ([`super::smtp`]) and an HTTP SMS gateway ([`super::sms`]).
//!
//! A failed send is an error the caller shows; it is never swallowed.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use verity_core::id::InquiryId;
use verity_core::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

/// One message carrying a link to a person.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The inquiry the link continues: the demo outbox shows a message only with its inquiry.
    #[serde(skip)]
    pub inquiry: InquiryId,
    pub channel: Channel,
    /// An email address or an E.164 phone number, already validated.
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Message {
    /// The text of a hand-off message for `link` to `inquiry`, valid for `minutes`.
    pub fn handoff(
        inquiry: &InquiryId,
        channel: Channel,
        to: &str,
        link: &str,
        minutes: i64,
    ) -> Message {
        let text = match channel {
            Channel::Email => format!(
                "Continue verifying your identity on this device:\n\n{link}\n\n\
                 The link works once and expires in {minutes} minutes. If you did not ask \
                 for it, ignore this message.\n"
            ),
            Channel::Sms => {
                format!("Continue your identity verification: {link} (works once, expires in {minutes} min)")
            }
        };
        Message {
            inquiry: inquiry.clone(),
            channel,
            to: to.to_owned(),
            subject: "Continue your identity verification".into(),
            text,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The provider refused or could not be reached; the text is safe to show.
    #[error("{0}")]
    Failed(String),
}

#[async_trait::async_trait]
pub trait Sender: Send + Sync {
    /// `log`, `smtp` or `http`, for logs.
    fn name(&self) -> &'static str;
    /// Delivers `message`. `Ok` means the provider accepted it.
    async fn send(&self, message: &Message) -> Result<(), SendError>;
}

/// The last messages of the log sender, for the demo page (`/demo/api/outbox`), so a
/// person can try the hand-off on one machine. In memory, per process, bounded.
#[derive(Default)]
pub struct Outbox {
    messages: Mutex<VecDeque<(Millis, Message)>>,
}

impl Outbox {
    const KEEP: usize = 50;

    pub fn push(&self, at: Millis, message: Message) {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        if messages.len() == Self::KEEP {
            messages.pop_front();
        }
        messages.push_back((at, message));
    }

    /// The messages for `inquiry`, newest first.
    pub fn list_for(&self, inquiry: &InquiryId) -> Vec<(Millis, Message)> {
        let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        messages
            .iter()
            .rev()
            .filter(|(_, m)| &m.inquiry == inquiry)
            .cloned()
            .collect()
    }
}

/// The default sender: logs that a message was "sent" (without the link: its code is a
/// secret) and keeps it in the outbox.
pub struct LogSender {
    pub outbox: std::sync::Arc<Outbox>,
}

#[async_trait::async_trait]
impl Sender for LogSender {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        // Neither the link (a secret) nor the address (personal data) goes to the log.
        tracing::info!(channel = ?message.channel,
            "one-time link message kept in the outbox (log sender: nothing was delivered)");
        self.outbox
            .push(chrono::Utc::now().timestamp_millis(), message.clone());
        Ok(())
    }
}

/// A plausible email address (the SMTP server has the last word).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// An E.164 phone number: `+`, then 7 to 15 digits.
pub fn valid_phone(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_numbers_are_checked() {
        assert!(valid_email("jane@example.com"));
        assert!(!valid_email("jane@localhost"));
        assert!(!valid_email("jane example@example.com"));
        assert!(!valid_email("@example.com"));
        assert!(valid_phone("+15551234567"));
        assert!(!valid_phone("5551234567"));
        assert!(!valid_phone("+1555-1234"));
    }

    #[test]
    fn the_outbox_keeps_the_newest_first_is_bounded_and_lists_one_inquiry() {
        let outbox = Outbox::default();
        let [a, b] = [
            "inq_00000000aaaaaaaaaaaaaaaa",
            "inq_00000000bbbbbbbbbbbbbbbb",
        ]
        .map(|id| InquiryId::parse(id).expect("id"));
        for n in 0..60 {
            let inquiry = if n % 2 == 0 { &a } else { &b };
            let message = Message::handoff(inquiry, Channel::Sms, "+15550000000", "http://x", 15);
            outbox.push(n, message);
        }
        let list = outbox.list_for(&a);
        assert_eq!(
            list.len(),
            Outbox::KEEP / 2,
            "the newest 50 of both, half of them a's"
        );
        assert_eq!(list[0].0, 58, "newest first");
        assert!(list.iter().all(|(_, m)| m.inquiry == a));
    }
}
