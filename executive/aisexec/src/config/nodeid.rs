//! Node ids from addresses, and which local address a `bindnetaddr`
//! designates.

use std::net::{IpAddr, Ipv4Addr};

/// The node id openais gives an IPv4 address: its four bytes in network
/// order read as a little-endian `u32` (10.213.1.1 gives 0x0101d50a =
/// 16897290). C programs print these ids, so the byte order is part of the
/// interface. With `clear_high_bit` bit 31 is cleared, for clients that
/// keep node ids in a signed 32-bit integer.
pub fn nodeid_from_ipv4(addr: Ipv4Addr, clear_high_bit: bool) -> u32 {
    let id = u32::from_le_bytes(addr.octets());
    if clear_high_bit {
        id & 0x7fff_ffff
    } else {
        id
    }
}

/// An address configured on a local interface, with its prefix length
/// (24 for 192.168.1.10/24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalAddr {
    pub addr: IpAddr,
    pub prefix_len: u8,
}

/// The local address to bind for `bindnetaddr`, given the addresses of
/// the local interfaces (enumerating them is the network layer's job).
///
/// In order:
/// 1. a local address equal to `bindnetaddr` is bound as it is;
/// 2. an IPv4 loopback `bindnetaddr` other than 127.0.0.0 is bound as it
///    is: every 127/8 address is local without being configured, which is
///    how several executives run on one machine (127.0.0.1, 127.0.0.2 ...);
/// 3. otherwise the first local address of the same family whose network
///    (under its own prefix) contains `bindnetaddr`: `bindnetaddr:
///    192.168.1.0` picks 192.168.1.10/24.
///
/// `None` when no local address matches.
pub fn resolve_bindnetaddr(bindnetaddr: IpAddr, locals: &[LocalAddr]) -> Option<IpAddr> {
    if locals.iter().any(|l| l.addr == bindnetaddr) {
        return Some(bindnetaddr);
    }
    if let IpAddr::V4(v4) = bindnetaddr {
        if v4.is_loopback() && v4.octets()[1..] != [0, 0, 0] {
            return Some(bindnetaddr);
        }
    }
    locals
        .iter()
        .find(|l| same_network(l.addr, bindnetaddr, l.prefix_len))
        .map(|l| l.addr)
}

fn same_network(a: IpAddr, b: IpAddr, prefix_len: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = mask_u32(prefix_len);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = mask_u128(prefix_len);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

fn mask_u32(prefix_len: u8) -> u32 {
    match prefix_len {
        0 => 0,
        n if n >= 32 => u32::MAX,
        n => u32::MAX << (32 - u32::from(n)),
    }
}

fn mask_u128(prefix_len: u8) -> u128 {
    match prefix_len {
        0 => 0,
        n if n >= 128 => u128::MAX,
        n => u128::MAX << (128 - u32::from(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn nodeid_is_the_address_read_little_endian() {
        let cases = [
            ("10.213.1.1", false, 0x0101_d50a_u32),
            ("10.213.1.1", true, 0x0101_d50a),
            ("127.0.0.1", false, 0x0100_007f),
            ("192.168.1.200", false, 0xc801_a8c0),
            ("192.168.1.200", true, 0x4801_a8c0),
        ];
        for (addr, clear, want) in cases {
            let got = nodeid_from_ipv4(addr.parse().unwrap(), clear);
            assert_eq!(got, want, "{addr} clear_high_bit={clear}");
        }
        assert_eq!(
            nodeid_from_ipv4(Ipv4Addr::new(10, 213, 1, 1), false),
            16897290
        );
    }

    fn local(addr: &str, prefix_len: u8) -> LocalAddr {
        LocalAddr {
            addr: addr.parse().unwrap(),
            prefix_len,
        }
    }

    #[test]
    fn bindnetaddr_resolution() {
        let locals = [
            local("127.0.0.1", 8),
            local("192.168.1.10", 24),
            local("10.0.0.5", 8),
            local("fec0::1:a800:4ff:fe00:20", 64),
        ];
        let cases: [(&str, Option<&str>); 10] = [
            ("192.168.1.0", Some("192.168.1.10")),
            ("192.168.1.77", Some("192.168.1.10")),
            ("10.0.0.0", Some("10.0.0.5")),
            ("172.16.0.0", None),
            ("127.0.0.1", Some("127.0.0.1")),
            ("127.0.0.2", Some("127.0.0.2")),
            ("127.0.0.0", Some("127.0.0.1")),
            ("fec0::1:a800:4ff:fe00:20", Some("fec0::1:a800:4ff:fe00:20")),
            ("fec0:0:0:1::", Some("fec0::1:a800:4ff:fe00:20")),
            ("fec0::", None),
        ];
        for (bind, want) in cases {
            let got = resolve_bindnetaddr(bind.parse().unwrap(), &locals);
            assert_eq!(got, want.map(|w| w.parse().unwrap()), "bindnetaddr {bind}");
        }
        assert_eq!(
            resolve_bindnetaddr(IpAddr::V6(Ipv6Addr::LOCALHOST), &locals[..3]),
            None
        );
    }
}
