//! Totem on real networks: the transports (UDP multicast over IPv4 or
//! IPv6, UDP unicast to configured members) and the event loop that
//! drives the [`totem::Srp`] state machine with datagrams, timers and the
//! services' multicasts, as the executive's [`Ordering`](crate::ordering::Ordering).
//!
//! - [`transport`]: sockets, multicast membership, where each processor is;
//! - [`security`]: the authkey, sealing and opening datagrams;
//! - [`replay`]: which datagrams are fresh, and may move a route;
//! - [`rrp`]: redundant networks: which carry each datagram, which are faulty;
//! - [`timers`]: Totem's timers on the tokio clock;
//! - [`driver`]: [`TotemOrdering`], the glue;
//! - [`status`]: what `openais-cfgtool` is shown.

pub mod driver;
pub mod replay;
pub mod rrp;
pub mod security;
pub mod status;
pub mod timers;
pub mod transport;

pub use driver::{NetConfig, NetError, TotemOrdering, PG_QUEUE_LIMIT};
pub use security::{load_security, KeyLoadError};
pub use status::{NetStatus, RingHealth, RingStatus};
pub use transport::{TransportError, TransportSpec};

use std::net::IpAddr;

use crate::config::{resolve_bindnetaddr, TotemConfig};
use crate::ordering::{local_addresses, IdentityError, LocalNode};

impl NetConfig {
    /// The driver's configuration for this node under `totem { }`: ring 0
    /// on the node's address, every further ring on the local address its
    /// `bindnetaddr` designates.
    pub fn new(
        totem: &TotemConfig,
        node: &LocalNode,
        ring_seq: u64,
    ) -> Result<NetConfig, IdentityError> {
        let locals = if totem.interfaces.len() > 1 {
            local_addresses()?
        } else {
            Vec::new()
        };
        let mut rings = Vec::with_capacity(totem.interfaces.len());
        for (n, iface) in totem.interfaces.iter().enumerate() {
            let bind: IpAddr = if n == 0 {
                node.address
            } else {
                resolve_bindnetaddr(iface.bindnetaddr, &locals)
                    .ok_or(IdentityError::NoInterface(iface.bindnetaddr))?
            };
            rings.push(TransportSpec {
                kind: totem.transport,
                bind,
                port: iface.mcastport,
                mcastaddr: iface.mcastaddr,
                members: iface.members.clone(),
            });
        }
        if rings.is_empty() {
            rings.push(TransportSpec {
                kind: totem.transport,
                bind: node.address,
                port: crate::config::DEFAULT_MCASTPORT,
                mcastaddr: None,
                members: totem.members.clone(),
            });
        }
        Ok(NetConfig {
            totem: totem.to_totem(),
            rings,
            rrp_mode: totem.rrp_mode,
            rrp: totem.rrp,
            node_id: node.id,
            ring_seq,
        })
    }
}
