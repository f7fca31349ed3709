//! The client's address for per-address limits: the TCP peer, or — when the peer is one of
//! `trusted_proxies` — the address its `X-Forwarded-For` names. The header is read from
//! the right, skipping trusted proxies, so a client cannot choose its own address by
//! sending the header itself: only the entries our proxies appended count.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

/// The addresses and networks whose `X-Forwarded-For` is believed (empty: nobody's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    /// Parses `203.0.113.7`, `10.0.0.0/8`, `::1`, `fd00::/8`; an error names the bad entry.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{entry}` is not an IP address or CIDR network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is trusted, else the rightmost
    /// `X-Forwarded-For` entry that is not (the leftmost, if every entry is trusted).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|entry| entry.trim().parse::<IpAddr>().ok())
            .collect();
        let mut client = canonical(peer);
        for hop in forwarded.into_iter().rev() {
            client = canonical(hop);
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}
/// The client's address for a request: its peer, or behind `trusted` proxies the hop they
/// vouch for. `None` when the server was started without connection info.
pub fn client_ip(parts: &Parts, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    Some(trusted.client(peer, &parts.headers))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("198.51.100.9"), &headers(&["203.0.113.1"])),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let peer = ip("10.0.0.2");
        // A client that forged its own header only prepends to what the proxy appended.
        let h = headers(&["6.6.6.6, 203.0.113.5", "10.0.0.3"]);
        assert_eq!(trusted.client(peer, &h), ip("203.0.113.5"));
        assert_eq!(trusted.client(peer, &headers(&[])), peer);
        assert_eq!(
            trusted.client(peer, &headers(&["10.1.1.1"])),
            ip("10.1.1.1")
        );
        assert_eq!(
            trusted.client(ip("::ffff:198.51.100.1"), &h),
            ip("198.51.100.1")
        );
        assert_eq!(
            trusted.client(ip("::1"), &headers(&["::ffff:203.0.113.8"])),
            ip("203.0.113.8")
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/8".into(), "proxy.local".into()]).unwrap_err();
        assert!(err.contains("proxy.local"), "{err}");
    }
}
