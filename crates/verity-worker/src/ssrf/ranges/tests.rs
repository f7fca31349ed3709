//! The allow-list against one address of every special-purpose block and every embedding form.

use super::*;

fn refusal(ip: &str) -> Option<NotGlobal> {
    judge(ip.parse().expect("ip")).err()
}

fn assert_refused(ips: &[&str]) {
    for ip in ips {
        assert!(refusal(ip).is_some(), "{ip} should be refused");
    }
}

fn assert_allowed(ips: &[&str]) {
    for ip in ips {
        assert_eq!(refusal(ip), None, "{ip} should be allowed");
    }
}

#[test]
fn every_ipv4_special_purpose_block_is_refused_by_name() {
    for (ip, block) in [
        ("0.1.2.3", "\"this network\" 0.0.0.0/8"),
        ("10.1.2.3", "private-use 10.0.0.0/8"),
        ("100.64.0.1", "shared address space (CGNAT) 100.64.0.0/10"),
        ("127.0.0.1", "loopback 127.0.0.0/8"),
        (
            "169.254.169.254",
            "link-local 169.254.0.0/16 (cloud metadata)",
        ),
        ("172.31.255.255", "private-use 172.16.0.0/12"),
        ("192.0.0.8", "IETF protocol assignments 192.0.0.0/24"),
        ("192.0.0.170", "IETF protocol assignments 192.0.0.0/24"),
        ("192.0.2.1", "documentation 192.0.2.0/24"),
        (
            "192.88.99.1",
            "deprecated 6to4 relay anycast 192.88.99.0/24",
        ),
        ("192.168.1.1", "private-use 192.168.0.0/16"),
        ("198.19.0.1", "benchmarking 198.18.0.0/15"),
        ("198.51.100.7", "documentation 198.51.100.0/24"),
        ("203.0.113.9", "documentation 203.0.113.0/24"),
        ("224.0.0.1", "multicast 224.0.0.0/4"),
        ("239.255.255.250", "multicast 224.0.0.0/4"),
        ("240.0.0.1", "reserved 240.0.0.0/4"),
        ("255.255.255.255", "limited broadcast 255.255.255.255"),
    ] {
        assert_eq!(refusal(ip).map(|r| r.block), Some(block), "{ip}");
    }
}

#[test]
fn global_ipv4_passes_including_the_registry_exceptions() {
    assert_allowed(&[
        "1.1.1.1",
        "8.8.8.8",
        "93.184.216.34",
        "100.63.255.255",
        "100.128.0.1",
        "172.32.0.1",
        "192.0.0.9",
        "192.0.0.10",
        "192.31.196.1",
        "192.52.193.1",
        "198.20.0.1",
        "223.255.255.254",
    ]);
}

#[test]
fn ipv6_outside_global_unicast_is_refused() {
    assert_refused(&[
        "::",
        "::1",
        "fec0::1",
        "feff::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "100::1",
        "100:0:0:1::1",
        "64:ff9b:1::a00:1",
        "4000::1",
        "8000::1",
        "1fff:ffff::1",
    ]);
    assert_eq!(
        refusal("fec0::1").map(|r| r.block),
        Some("site-local fec0::/10 (deprecated)")
    );
    assert_eq!(
        refusal("4000::1").map(|r| r.block),
        Some("outside global unicast 2000::/3")
    );
}

#[test]
fn ipv6_special_blocks_inside_global_unicast_are_refused() {
    assert_refused(&[
        "2001:db8::1",
        "2001:2::1",
        "2001:10::1",
        "2001:1::4",
        "2001:1ff::1",
        "3fff::1",
        "3fff:fff::1",
        "5f00::1",
    ]);
}

#[test]
fn globally_reachable_blocks_inside_2001_23_pass_and_so_does_the_rest_of_2000_3() {
    assert_allowed(&[
        "2001:1::1",
        "2001:1::2",
        "2001:1::3",
        "2001:3::1",
        "2001:4:112::1",
        "2001:20::1",
        "2001:2f::1",
        "2001:30::1",
        "2001:200::1",
        "2001:4860:4860::8888",
        "2606:4700::1111",
        "2a00:1450::1",
        "3ffe::1",
    ]);
}

#[test]
fn embedded_ipv4_is_decoded_from_every_form() {
    for (ip, form, v4) in [
        ("::ffff:127.0.0.1", Form::Mapped, "127.0.0.1"),
        ("::10.0.0.1", Form::Compatible, "10.0.0.1"),
        ("64:ff9b::169.254.169.254", Form::Nat64, "169.254.169.254"),
        ("2002:c0a8:0101::1", Form::SixToFour, "192.168.1.1"),
        // RFC 4380 §4's example: server 65.54.227.120, client 192.0.2.45 inverted.
        (
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            Form::Teredo,
            "192.0.2.45",
        ),
    ] {
        let ip: Ipv6Addr = ip.parse().expect("ip");
        let v4: Ipv4Addr = v4.parse().expect("v4");
        assert_eq!(embedded_v4(ip), Some((form, v4)), "{ip}");
    }
    assert_eq!(embedded_v4("::1".parse().expect("ip")), None);
    assert_eq!(embedded_v4("2606:4700::1111".parse().expect("ip")), None);
}

#[test]
fn embedded_forms_are_judged_by_the_ipv4_address_they_reach() {
    assert_refused(&[
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "::192.168.0.1",
        "::0.0.0.2",
        "64:ff9b::127.0.0.1",
        "64:ff9b::10.0.0.1",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::1",
        "2002:ac10::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ]);
    assert_allowed(&[
        "::ffff:8.8.8.8",
        "::8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:808:808::1",
    ]);
    let why = refusal("64:ff9b::10.0.0.1").expect("refused");
    assert_eq!(
        why.embedded,
        Some((Form::Nat64, Ipv4Addr::new(10, 0, 0, 1)))
    );
    assert_eq!(
        why.to_string(),
        "10.0.0.1 inside a NAT64 (64:ff9b::/96) address: private-use 10.0.0.0/8"
    );
}

#[test]
fn teredo_is_refused_even_when_it_embeds_a_global_address() {
    // 8.8.8.8 inverted is f7f7:f7f7.
    let why = refusal("2001:0:4136:e378::f7f7:f7f7").expect("refused");
    assert_eq!(
        why.embedded,
        Some((Form::Teredo, Ipv4Addr::new(8, 8, 8, 8)))
    );
    assert_eq!(why.block, "Teredo 2001::/32 is not globally reachable");
    let private = refusal("2001::80ff:fffe").expect("refused");
    assert_eq!(private.block, "loopback 127.0.0.0/8");
}
