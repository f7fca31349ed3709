//! One delivery attempt: the body, its signatures and the HTTP POST.
//!
//! The body is `{"data":{"type":"event","id","attributes":{"name","payload","created-at"}}}`
//! (the event as `GET /api/v1/events/{id}` renders it), minus the endpoint's blocklisted
//! attributes. Redirects are never followed: a 3xx is a failed attempt.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use serde_json::{json, Value};
use verity_core::Millis;
use verity_store::ClaimedDelivery;
use verity_webhooks::{Secret, SignedHeaders, PERSONA_SIGNATURE, WEBHOOK_ID};
use verity_webhooks::{WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};

use crate::ssrf;
use crate::DeliveryConfig;

/// Which attempt this is (1 for the first), so receivers can tell retries apart.
pub const VERITY_ATTEMPT: &str = "Verity-Attempt";
/// The delivery's id (`dlv_…`), as listed by `GET /api/v1/webhooks/{id}/deliveries`.
pub const VERITY_DELIVERY_ID: &str = "Verity-Delivery-Id";

/// What one attempt got back.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// `Retry-After` in milliseconds, on 429 and 503 only.
    pub retry_after: Option<Millis>,
    /// Why the attempt failed (transport error, refused address, non-2xx), `None` on 2xx.
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// The HTTP client for deliveries: no redirects, the configured timeout, the configured
/// proxy or none at all, and — unless private addresses are allowed or a proxy connects
/// for us — a resolver that refuses internal addresses.
///
/// reqwest would otherwise take a proxy from `HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY`:
/// an environment meant for other programs would then see every payload and signature,
/// and a proxy on an internal address would carry deliveries past the guard.
pub fn client(config: &DeliveryConfig) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(5)))
        .pool_max_idle_per_host(config.concurrency.max(1));
    let builder = match &config.proxy {
        // Through a proxy the resolver would only see the proxy's own (often internal)
        // name; the URL is still checked before each attempt (`attempt_once`).
        Some(proxy) => builder.proxy(reqwest::Proxy::all(proxy.as_str())?),
        None if config.allow_private_addresses => builder.no_proxy(),
        None => builder
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(ssrf::GuardedResolver)),
    };
    builder.build()
}

/// The delivered body, with `blocklist` keys removed from `payload.data.attributes`.
pub fn body(delivery: &ClaimedDelivery) -> Vec<u8> {
    let event = &delivery.event;
    let mut payload = event.payload.clone();
    if let Some(Value::Object(attributes)) = payload.pointer_mut("/data/attributes") {
        for key in &delivery.webhook.blocklist {
            attributes.remove(key);
        }
    }
    let doc = json!({
        "data": {
            "type": "event",
            "id": event.id,
            "attributes": {
                "name": event.name.as_str(),
                "payload": payload,
                "created-at": verity_core::rfc3339(event.created_at),
            }
        }
    });
    // Serialising a `Value` cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Sends one attempt (`attempt` counts from 1) at `now` (epoch ms).
pub async fn send(
    client: &reqwest::Client,
    config: &DeliveryConfig,
    delivery: &ClaimedDelivery,
    attempt: u32,
    now: Millis,
) -> Response {
    let started = Instant::now();
    let result = attempt_once(client, config, delivery, attempt, now).await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match result {
        Ok(response) => {
            let status = response.status();
            let retry_after = if status.as_u16() == 429 || status.as_u16() == 503 {
                response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| parse_retry_after(v, now))
            } else {
                None
            };
            let error = if status.is_success() {
                None
            } else if status.is_redirection() {
                Some(format!("redirect ({status}) not followed"))
            } else {
                Some(format!("receiver answered {status}"))
            };
            Response {
                status: Some(status.as_u16()),
                retry_after,
                error,
                latency_ms,
            }
        }
        Err(error) => Response {
            status: None,
            retry_after: None,
            error: Some(error),
            latency_ms,
        },
    }
}

async fn attempt_once(
    client: &reqwest::Client,
    config: &DeliveryConfig,
    delivery: &ClaimedDelivery,
    attempt: u32,
    now: Millis,
) -> Result<reqwest::Response, String> {
    // Checked again at delivery: the configuration may have changed since the endpoint
    // was created, and IP literals never reach the guarded resolver.
    let url = ssrf::check(&delivery.webhook.url, config.allow_private_addresses)
        .await
        .map_err(|e| e.to_string())?;
    let secrets = delivery
        .webhook
        .signing_secrets(now)
        .into_iter()
        .map(Secret::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the endpoint's secret is unusable: {e}"))?;
    let secrets: Vec<&Secret> = secrets.iter().collect();
    let body = body(delivery);
    let signed = SignedHeaders::sign(&secrets, delivery.event.id.as_str(), now / 1000, &body);
    client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(
            USER_AGENT,
            concat!("Verity-Webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .header(PERSONA_SIGNATURE, signed.persona_signature)
        .header(WEBHOOK_ID, signed.webhook_id)
        .header(WEBHOOK_TIMESTAMP, signed.webhook_timestamp)
        .header(WEBHOOK_SIGNATURE, signed.webhook_signature)
        .header(VERITY_ATTEMPT, attempt.to_string())
        .header(VERITY_DELIVERY_ID, delivery.id.as_str())
        .body(body)
        .send()
        .await
        .map_err(describe)
}

/// A transport error with its causes (reqwest's own message alone says little).
fn describe(err: reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_owned()
    } else {
        err.to_string()
    };
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `Retry-After` as delay-seconds or an HTTP date, in milliseconds from `now`.
fn parse_retry_after(value: &HeaderValue, now: Millis) -> Option<Millis> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds.max(0).saturating_mul(1000));
    }
    let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    Some((at.timestamp_millis() - now).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn an_explicitly_configured_proxy_carries_the_delivery() {
        let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
        let config = DeliveryConfig {
            proxy: Some(url::Url::parse(&proxy_url).unwrap()),
            ..DeliveryConfig::default()
        };
        let sent = tokio::spawn(async move {
            client(&config)
                .unwrap()
                .post("http://receiver.invalid/hook")
                .body("{}")
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        let (mut conn, _) = proxy.accept().await.unwrap();
        let mut head = vec![0; 1024];
        let n = conn.read(&mut head).await.unwrap();
        conn.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        let head = String::from_utf8_lossy(&head[..n]).into_owned();
        assert!(
            head.starts_with("POST http://receiver.invalid/hook HTTP/1.1"),
            "{head}"
        );
        assert_eq!(sent.await.unwrap().unwrap(), 204);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = 1_700_000_000_000;
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("120"), now),
            Some(120_000)
        );
        assert_eq!(
            parse_retry_after(
                &HeaderValue::from_static("Tue, 14 Nov 2023 22:13:27 GMT"),
                now
            ),
            Some(7_000)
        );
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("soon"), now),
            None
        );
    }
}
