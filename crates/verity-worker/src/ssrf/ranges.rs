//! Which addresses a webhook may reach: global unicast only, judged against the IANA IPv4
//! and IPv6 special-purpose address registries (RFC 6890 and the RFCs that updated them).
//!
//! This is an allow-list. An IPv4 address passes when it is unicast and in no block the
//! registry marks as not globally reachable; an IPv6 address when it is inside global
//! unicast 2000::/3 and in no such block. Blocks the registry marks globally reachable
//! inside a refused one (PCP and TURN anycast, AMT, AS112, ORCHIDv2) pass again.
//!
//! IPv6 forms that carry an IPv4 address reach that address — a dual-stack socket
//! (IPv4-mapped), an old stack (IPv4-compatible), a NAT64 gateway (64:ff9b::/96) or a 6to4
//! relay (2002::/16) — so the embedded address is the one judged. Teredo (2001::/32) is
//! refused whatever it embeds: the registry does not list it as globally reachable; the
//! embedded client address only makes the message clearer.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused: the special-purpose block it is in, and the IPv4 address
/// judged when it came embedded in an IPv6 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotGlobal {
    pub block: &'static str,
    pub embedded: Option<(Form, Ipv4Addr)>,
}

impl fmt::Display for NotGlobal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.embedded {
            Some((form, v4)) => write!(f, "{v4} inside a {form} address: {}", self.block),
            None => f.write_str(self.block),
        }
    }
}

/// The IPv6 forms that embed an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2).
    Mapped,
    /// `::a.b.c.d`, deprecated (RFC 4291 §2.5.5.1).
    Compatible,
    /// `64:ff9b::a.b.c.d`, the NAT64 well-known prefix (RFC 6052).
    Nat64,
    /// `2002:aabb:ccdd::/48` (RFC 3056).
    SixToFour,
    /// `2001:0:server:flags:port:client`, the client address inverted (RFC 4380 §4).
    Teredo,
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Form::Mapped => "IPv4-mapped (::ffff:0:0/96)",
            Form::Compatible => "IPv4-compatible (::/96)",
            Form::Nat64 => "NAT64 (64:ff9b::/96)",
            Form::SixToFour => "6to4 (2002::/16)",
            Form::Teredo => "Teredo (2001::/32)",
        })
    }
}

/// A network and its prefix length (the same shape for both families, as integers).
struct Block<T> {
    net: T,
    len: u32,
    name: &'static str,
}

impl Block<u32> {
    fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::MAX.checked_shl(32 - self.len).unwrap_or(0);
        ip.to_bits() & mask == self.net & mask
    }
}

impl Block<u128> {
    fn contains(&self, ip: Ipv6Addr) -> bool {
        let mask = u128::MAX.checked_shl(128 - self.len).unwrap_or(0);
        ip.to_bits() & mask == self.net & mask
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u32, name: &'static str) -> Block<u32> {
    Block {
        net: Ipv4Addr::new(a, b, c, d).to_bits(),
        len,
        name,
    }
}

const fn v6(segments: [u16; 8], len: u32, name: &'static str) -> Block<u128> {
    let [a, b, c, d, e, f, g, h] = segments;
    Block {
        net: Ipv6Addr::new(a, b, c, d, e, f, g, h).to_bits(),
        len,
        name,
    }
}

/// IPv4 blocks not globally reachable, plus multicast and the reserved 240.0.0.0/4; the
/// first match names the refusal.
const V4_REFUSED: &[Block<u32>] = &[
    v4(0, 0, 0, 0, 8, "\"this network\" 0.0.0.0/8"),
    v4(10, 0, 0, 0, 8, "private-use 10.0.0.0/8"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "shared address space (CGNAT) 100.64.0.0/10",
    ),
    v4(127, 0, 0, 0, 8, "loopback 127.0.0.0/8"),
    v4(
        169,
        254,
        0,
        0,
        16,
        "link-local 169.254.0.0/16 (cloud metadata)",
    ),
    v4(172, 16, 0, 0, 12, "private-use 172.16.0.0/12"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignments 192.0.0.0/24"),
    v4(192, 0, 2, 0, 24, "documentation 192.0.2.0/24"),
    v4(
        192,
        88,
        99,
        0,
        24,
        "deprecated 6to4 relay anycast 192.88.99.0/24",
    ),
    v4(192, 168, 0, 0, 16, "private-use 192.168.0.0/16"),
    v4(198, 18, 0, 0, 15, "benchmarking 198.18.0.0/15"),
    v4(198, 51, 100, 0, 24, "documentation 198.51.100.0/24"),
    v4(203, 0, 113, 0, 24, "documentation 203.0.113.0/24"),
    v4(224, 0, 0, 0, 4, "multicast 224.0.0.0/4"),
    v4(255, 255, 255, 255, 32, "limited broadcast 255.255.255.255"),
    v4(240, 0, 0, 0, 4, "reserved 240.0.0.0/4"),
];

/// Globally reachable addresses inside [`V4_REFUSED`] blocks.
const V4_GLOBAL_INSIDE: &[Block<u32>] = &[
    v4(192, 0, 0, 9, 32, "PCP anycast"),
    v4(192, 0, 0, 10, 32, "TURN relay anycast"),
];

/// Global unicast: every IPv6 address outside it is refused.
const V6_GLOBAL_UNICAST: Block<u128> = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, "");

/// IPv6 blocks not globally reachable. Those outside 2000::/3 are listed for their names.
const V6_REFUSED: &[Block<u128>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified ::"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback ::1"),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use IPv4/IPv6 translation 64:ff9b:1::/48",
    ),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only 100::/64"),
    v6(
        [0x100, 0, 0, 1, 0, 0, 0, 0],
        64,
        "dummy prefix 100:0:0:1::/64",
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments 2001::/23",
    ),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "documentation 2001:db8::/32",
    ),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation 3fff::/20"),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "segment routing (SRv6) SIDs 5f00::/16",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local fc00::/7"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local fe80::/10"),
    v6(
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "site-local fec0::/10 (deprecated)",
    ),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast ff00::/8"),
];

/// Globally reachable blocks inside 2001::/23.
const V6_GLOBAL_INSIDE: &[Block<u128>] = &[
    v6([0x2001, 1, 0, 0, 0, 0, 0, 1], 128, "PCP anycast"),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 2], 128, "TURN relay anycast"),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 3], 128, "DNS-SD SRP anycast"),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, "AMT"),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48, "AS112-v6"),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, "ORCHIDv2"),
    v6(
        [0x2001, 0x30, 0, 0, 0, 0, 0, 0],
        28,
        "drone remote ID entity tags",
    ),
];

/// `Ok` if a webhook may reach `ip`, else the block that refuses it.
pub fn judge(ip: IpAddr) -> Result<(), NotGlobal> {
    match ip {
        IpAddr::V4(v4) => judge_v4(v4).map_err(|block| NotGlobal {
            block,
            embedded: None,
        }),
        IpAddr::V6(v6) => judge_v6(v6),
    }
}

fn judge_v4(ip: Ipv4Addr) -> Result<(), &'static str> {
    match V4_REFUSED.iter().find(|b| b.contains(ip)) {
        Some(b) if !V4_GLOBAL_INSIDE.iter().any(|g| g.contains(ip)) => Err(b.name),
        _ => Ok(()),
    }
}

fn judge_v6(ip: Ipv6Addr) -> Result<(), NotGlobal> {
    if let Some((form, v4)) = embedded_v4(ip) {
        let embedded = Some((form, v4));
        judge_v4(v4).map_err(|block| NotGlobal { block, embedded })?;
        if form == Form::Teredo {
            let block = "Teredo 2001::/32 is not globally reachable";
            return Err(NotGlobal { block, embedded });
        }
        return Ok(());
    }
    let refused = V6_REFUSED.iter().find(|b| b.contains(ip));
    let block = match refused {
        Some(b) if !V6_GLOBAL_INSIDE.iter().any(|g| g.contains(ip)) => b.name,
        _ if !V6_GLOBAL_UNICAST.contains(ip) => "outside global unicast 2000::/3",
        _ => return Ok(()),
    };
    Err(NotGlobal {
        block,
        embedded: None,
    })
}

/// The IPv4 address `ip` carries, in the forms whose traffic reaches it. `::` and `::1` are
/// not IPv4-compatible addresses (RFC 4291 §2.5.5.1 excludes them).
pub fn embedded_v4(ip: Ipv6Addr) -> Option<(Form, Ipv4Addr)> {
    let o = ip.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some((Form::Mapped, last)),
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, _, _] => Some((Form::Compatible, last)),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some((Form::Nat64, last)),
        [0x2002, ..] => Some((Form::SixToFour, Ipv4Addr::new(o[2], o[3], o[4], o[5]))),
        [0x2001, 0, ..] => Some((Form::Teredo, Ipv4Addr::from_bits(!last.to_bits()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
