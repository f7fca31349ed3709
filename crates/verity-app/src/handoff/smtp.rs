//! Email through an SMTP server (`lettre`). `smtp_url` takes lettre's URL form:
//! `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS),
//! `smtps://host:465` (TLS).

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::send::{Message, SendError, Sender};

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// Checked at start, so a bad URL or sender address stops the server with a message.
    pub fn new(url: &str, from: &str) -> Result<SmtpSender, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("smtp_url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(15)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("smtp_from `{from}`: {e}"))?;
        Ok(SmtpSender { transport, from })
    }
}

#[async_trait::async_trait]
impl Sender for SmtpSender {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| SendError::Failed("the email address is not valid".into()))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(message.text.clone())
            .map_err(|e| SendError::Failed(format!("cannot build the email: {e}")))?;
        self.transport.send(email).await.map_err(|e| {
            tracing::warn!(error = %e, "SMTP send failed");
            SendError::Failed("the email could not be sent".into())
        })?;
        Ok(())
    }
}
