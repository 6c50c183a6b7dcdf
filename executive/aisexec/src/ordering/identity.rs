//! Who this processor is on the network: the local address that ring 0's
//! `bindnetaddr` designates, and the node id that follows from it.

use std::net::IpAddr;

use super::NodeId;
use crate::config::{resolve_bindnetaddr, LocalAddr, TotemConfig};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot list the network interfaces: {0}")]
    Interfaces(#[source] nix::Error),
    #[error("the configuration has no interface for ring 0")]
    NoRing0,
    #[error("no local interface address lies in bindnetaddr {0}")]
    NoInterface(IpAddr),
    #[error("bound to {0}: an IPv6 address requires totem {{ nodeid }}")]
    NoNodeId(IpAddr),
    #[error("node id 0 is not allowed")]
    ZeroNodeId,
}

/// This processor's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalNode {
    pub id: NodeId,
    /// The bound interface address; CLM reports it as text.
    pub address: IpAddr,
}

impl LocalNode {
    /// The identity that `totem` gives this host, given its interface
    /// addresses.
    pub fn resolve(totem: &TotemConfig, locals: &[LocalAddr]) -> Result<LocalNode, IdentityError> {
        let ring0 = totem
            .interfaces
            .iter()
            .find(|i| i.ringnumber == 0)
            .ok_or(IdentityError::NoRing0)?;
        let address = resolve_bindnetaddr(ring0.bindnetaddr, locals)
            .ok_or(IdentityError::NoInterface(ring0.bindnetaddr))?;
        let id = totem
            .nodeid_for(address)
            .ok_or(IdentityError::NoNodeId(address))?;
        if id == 0 {
            return Err(IdentityError::ZeroNodeId);
        }
        Ok(LocalNode { id, address })
    }

    /// [`LocalNode::resolve`] with the addresses of this host.
    pub fn of_this_host(totem: &TotemConfig) -> Result<LocalNode, IdentityError> {
        LocalNode::resolve(totem, &local_addresses()?)
    }
}

/// Every address configured on a local interface, with its prefix length.
pub fn local_addresses() -> Result<Vec<LocalAddr>, IdentityError> {
    let mut out = Vec::new();
    for ifa in nix::ifaddrs::getifaddrs().map_err(IdentityError::Interfaces)? {
        let (Some(addr), Some(mask)) = (ifa.address, ifa.netmask) else {
            continue;
        };
        if let (Some(a), Some(m)) = (addr.as_sockaddr_in(), mask.as_sockaddr_in()) {
            out.push(LocalAddr {
                addr: IpAddr::V4(a.ip()),
                prefix_len: prefix_len(u32::from(m.ip()).leading_ones()),
            });
        } else if let (Some(a), Some(m)) = (addr.as_sockaddr_in6(), mask.as_sockaddr_in6()) {
            out.push(LocalAddr {
                addr: IpAddr::V6(a.ip()),
                prefix_len: prefix_len(u128::from(m.ip()).leading_ones()),
            });
        }
    }
    Ok(out)
}

fn prefix_len(ones: u32) -> u8 {
    u8::try_from(ones).unwrap_or(u8::MAX)
}

/// An address as CLM reports it: its textual form ("10.213.1.1",
/// "fe80::1").
pub fn address_text(address: IpAddr) -> String {
    address.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totem(text: &str) -> TotemConfig {
        crate::config::parse(text, "test.conf").unwrap().totem
    }

    const LOOPBACK: &str = "totem {\n version: 2\n secauth: off\n transport: udpu\n \
        interface {\n ringnumber: 0\n bindnetaddr: 127.0.0.1\n }\n \
        member {\n memberaddr: 127.0.0.1\n }\n}\n";

    #[test]
    fn loopback_configuration_on_this_host() {
        let node = LocalNode::of_this_host(&totem(LOOPBACK)).unwrap();
        assert_eq!(node.address, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(node.id, 16777343);
        assert_eq!(address_text(node.address), "127.0.0.1");
    }

    #[test]
    fn host_addresses_include_loopback() {
        let locals = local_addresses().unwrap();
        assert!(locals
            .iter()
            .any(|l| l.addr == "127.0.0.1".parse::<IpAddr>().unwrap() && l.prefix_len == 8));
    }

    #[test]
    fn configured_node_id_wins_and_unmatched_network_fails() {
        let with_id = LOOPBACK.replace("secauth: off", "secauth: off\n nodeid: 3");
        let node = LocalNode::of_this_host(&totem(&with_id)).unwrap();
        assert_eq!(node.id, 3);
        let elsewhere = LOOPBACK.replace("127.0.0.1", "203.0.113.0");
        assert!(matches!(
            LocalNode::resolve(&totem(&elsewhere), &[]),
            Err(IdentityError::NoInterface(_))
        ));
    }
}
