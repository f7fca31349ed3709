//! The SSRF guard: a webhook URL must be http(s) and reach only global unicast addresses
//! (the allow-list of [`judge`]), unless the configuration allows private ones (the demo
//! and the tests, on 127.0.0.1).
//!
//! Checked twice: when an endpoint is created or changed (a 422 for the integrator) and
//! at delivery time, where hostnames are resolved by [`GuardedResolver`] so the address
//! checked is the address connected to (no DNS-rebinding gap between check and connect).
//! Through an explicitly configured proxy the proxy resolves and connects, so only the
//! check before each attempt applies; the proxy's own egress rules must do the rest.

mod ranges;

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

pub use ranges::{embedded_v4, judge, Form, NotGlobal};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SsrfError {
    #[error("the URL is not valid: {0}")]
    Invalid(String),
    #[error("the URL must use http or https")]
    Scheme,
    #[error("the URL's host could not be resolved: {0}")]
    Unresolvable(String),
    #[error(
        "the URL resolves to {ip}, not a public address ({why}); private addresses are not allowed"
    )]
    NotGlobal { ip: IpAddr, why: NotGlobal },
}

/// The first address of `addrs` a webhook must not reach, as an error.
fn refuse_any(addrs: impl IntoIterator<Item = IpAddr>) -> Result<(), SsrfError> {
    for ip in addrs {
        judge(ip).map_err(|why| SsrfError::NotGlobal { ip, why })?;
    }
    Ok(())
}

/// Parses `url` and checks its scheme and every address its host resolves to.
pub async fn check(url: &str, allow_private: bool) -> Result<Url, SsrfError> {
    let parsed = Url::parse(url).map_err(|e| SsrfError::Invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SsrfError::Scheme);
    }
    let host = parsed
        .host()
        .ok_or_else(|| SsrfError::Invalid("the URL has no host".into()))?;
    if allow_private {
        return Ok(parsed);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host {
        Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        Host::Domain(name) => resolve(name, port)
            .await?
            .into_iter()
            .map(|a| a.ip())
            .collect(),
    };
    refuse_any(addrs)?;
    Ok(parsed)
}

async fn resolve(name: &str, port: u16) -> Result<Vec<SocketAddr>, SsrfError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| SsrfError::Unresolvable(format!("{name}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(SsrfError::Unresolvable(name.to_owned()));
    }
    Ok(addrs)
}

/// A resolver for the delivery client that refuses names resolving to any address
/// [`judge`] refuses (all or nothing: no connection to the good half of a mixed answer).
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let addrs = resolve(name.as_str(), 0).await?;
            refuse_any(addrs.iter().map(SocketAddr::ip))?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_global(result: Result<Url, SsrfError>) -> bool {
        matches!(result, Err(SsrfError::NotGlobal { .. }))
    }

    #[tokio::test]
    async fn check_refuses_schemes_and_private_literals_unless_allowed() {
        assert_eq!(
            check("ftp://example.com/", false).await,
            Err(SsrfError::Scheme)
        );
        assert!(not_global(check("http://127.0.0.1:9/hook", false).await));
        assert!(not_global(check("http://[::1]/hook", false).await));
        assert!(not_global(check("http://localhost/hook", false).await));
        assert!(check("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check("https://1.1.1.1/hook", false).await.is_ok());
        assert!(matches!(
            check("not a url", true).await,
            Err(SsrfError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn check_judges_ipv6_literals_by_the_ipv4_address_they_embed() {
        for url in [
            "http://[::127.0.0.1]/hook",
            "http://[::ffff:169.254.169.254]/latest/meta-data",
            "http://[64:ff9b::a00:1]/hook",
            "http://[2002:7f00:1::1]/hook",
            "http://[2001::80ff:fffe]/hook",
            "http://[fec0::1]/hook",
            // The WHATWG parser reads these as 127.0.0.1.
            "http://2130706433/hook",
            "http://0x7f.1/hook",
        ] {
            assert!(not_global(check(url, false).await), "{url}");
        }
        let refused = check("http://[64:ff9b::a00:1]/hook", false).await;
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("10.0.0.1 inside a NAT64"), "{message}");
        assert!(check("https://[64:ff9b::808:808]/hook", false)
            .await
            .is_ok());
    }
}
