//! The SSRF guard: a webhook URL must be http(s) and reach only public addresses, unless
//! the configuration allows private ones (the demo and the tests, on 127.0.0.1).
//!
//! Checked twice: when an endpoint is created or changed (a 422 for the integrator) and
//! at delivery time, where hostnames are resolved by [`GuardedResolver`] so the address
//! checked is the address connected to (no DNS-rebinding gap between check and connect).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SsrfError {
    #[error("the URL is not valid: {0}")]
    Invalid(String),
    #[error("the URL must use http or https")]
    Scheme,
    #[error("the URL's host could not be resolved: {0}")]
    Unresolvable(String),
    #[error("the URL resolves to a non-public address ({0}); private addresses are not allowed")]
    Private(IpAddr),
}

/// Whether `ip` is an address a webhook must not reach: loopback, private (RFC 1918, ULA),
/// link-local, CGNAT, unspecified, multicast, broadcast, documentation, or cloud metadata.
pub fn is_blocked(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_blocked_v4(v4);
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // ULA fc00::/7 (includes fd00:ec2::254)
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x0064 && seg[1] == 0xff9b) // NAT64 can reach IPv4 privates
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
        }
    }
}

fn is_blocked_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local() // includes the metadata address 169.254.169.254
        || v4.is_unspecified()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
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
    if let Some(ip) = addrs.into_iter().find(|ip| is_blocked(*ip)) {
        return Err(SsrfError::Private(ip));
    }
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

/// A resolver for the delivery client that refuses names resolving to blocked addresses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let addrs = resolve(name.as_str(), 0).await?;
            if let Some(bad) = addrs.iter().find(|a| is_blocked(a.ip())) {
                return Err(Box::new(SsrfError::Private(bad.ip())) as _);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_internal_ranges_and_allows_public_ones() {
        for blocked in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = blocked.parse().expect("ip");
            assert!(is_blocked(ip), "{blocked} should be blocked");
        }
        for public in ["1.1.1.1", "93.184.216.34", "100.128.0.1", "2606:4700::1111"] {
            let ip: IpAddr = public.parse().expect("ip");
            assert!(!is_blocked(ip), "{public} should be allowed");
        }
    }

    #[tokio::test]
    async fn check_refuses_schemes_and_private_literals_unless_allowed() {
        assert_eq!(
            check("ftp://example.com/", false).await,
            Err(SsrfError::Scheme)
        );
        assert!(matches!(
            check("http://127.0.0.1:9/hook", false).await,
            Err(SsrfError::Private(_))
        ));
        assert!(matches!(
            check("http://[::1]/hook", false).await,
            Err(SsrfError::Private(_))
        ));
        assert!(matches!(
            check("http://localhost/hook", false).await,
            Err(SsrfError::Private(_))
        ));
        assert!(check("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check("https://1.1.1.1/hook", false).await.is_ok());
        assert!(matches!(
            check("not a url", true).await,
            Err(SsrfError::Invalid(_))
        ));
    }
}
