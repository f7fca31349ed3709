//! SMS through an HTTP gateway: `POST {sms_gateway_url}` with the JSON body
//! `{"to": "+15551234567", "text": "…"}` and the header
//! `Verity-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with sms_gateway_secret>`
//! (the webhook signature scheme), so the gateway can check the request is ours and fresh.
//! Any 2xx answer means accepted.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::send::{Message, SendError, Sender};

pub const SIGNATURE_HEADER: &str = "Verity-Signature";

pub struct HttpSmsSender {
    client: reqwest::Client,
    url: String,
    secret: String,
}

impl HttpSmsSender {
    pub fn new(url: &str, secret: &str) -> Result<HttpSmsSender, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("sms_gateway_url: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("sms_gateway_url must be http or https".into());
        }
        if secret.is_empty() {
            return Err("sms_gateway_secret must be set to sign gateway requests".into());
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(HttpSmsSender {
            client,
            url: url.to_owned(),
            secret: secret.to_owned(),
        })
    }
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[async_trait::async_trait]
impl Sender for HttpSmsSender {
    fn name(&self) -> &'static str {
        "http"
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let body = serde_json::to_vec(&serde_json::json!({"to": message.to, "text": message.text}))
            .map_err(|e| SendError::Failed(format!("cannot encode the message: {e}")))?;
        let now = chrono::Utc::now().timestamp();
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&self.secret, now, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "SMS gateway unreachable");
                SendError::Failed("the text message could not be sent".into())
            })?;
        if !response.status().is_success() {
            tracing::warn!(status = %response.status(), "SMS gateway refused the message");
            return Err(SendError::Failed(
                "the text message could not be sent".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Cross-checked with: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        let sig = signature("secret", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(sig, signature("other", 1_700_000_000, b"{}"));
    }
}
