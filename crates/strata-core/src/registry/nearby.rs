//! Whether a registry is *nearby*: reached directly, with no proxy, at an address on this
//! machine or a private network. A push to such a registry is limited by the CPU that
//! compresses, not by the link (loopback moves gigabytes a second, a LAN or a cloud VPC a
//! hundred megabytes and more), so it gzips at a fast level; a registry across the internet
//! gets the default level, which sends fewer bytes over the narrower uplink
//! (see [`LayerCompression`](crate::transfer::LayerCompression)).
//!
//! The address is the one the connection really went to (the registry's name resolved by
//! the system), not the name: `registry.corp` on a LAN is nearby, `localhost` through a
//! proxy is not.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is on this machine or a private network: loopback, RFC 1918, link-local,
/// the shared address space (100.64.0.0/10, which cloud providers use for addresses
/// inside a VPC; a registry there is no farther than one on the LAN), and IPv6
/// unique-local and link-local addresses. An IPv4 address mapped into IPv6 counts as
/// itself.
pub fn is_nearby_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_nearby(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_nearby(v4),
            None => v6_nearby(v6),
        },
    }
}

fn v4_nearby(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b);
    ip.is_loopback() || ip.is_private() || ip.is_link_local() || shared
}

fn v6_nearby(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    ip.is_loopback() || unique_local || link_local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_and_private_networks_are_nearby_and_the_internet_is_not() {
        for (ip, want) in [
            ("127.0.0.1", true),
            ("127.1.2.3", true),
            ("10.0.2.2", true),
            ("172.16.0.1", true),
            ("172.31.255.255", true),
            ("192.168.1.20", true),
            ("169.254.1.1", true),
            ("100.64.0.1", true),
            ("100.127.255.255", true),
            ("::1", true),
            ("fd00::1", true),
            ("fe80::1", true),
            ("::ffff:192.168.0.1", true),
            // Public addresses, and the neighbours of each private range.
            ("8.8.8.8", false),
            ("47.97.1.1", false),
            ("172.32.0.1", false),
            ("172.15.255.255", false),
            ("100.63.255.255", false),
            ("100.128.0.1", false),
            ("11.0.0.1", false),
            ("2001:db8::1", false),
            ("2606:4700::1", false),
            ("::ffff:8.8.8.8", false),
        ] {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(is_nearby_address(parsed), want, "{ip}");
        }
    }
}
