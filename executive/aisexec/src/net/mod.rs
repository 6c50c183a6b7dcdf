//! Totem on real networks: the transports (UDP multicast over IPv4 or
//! IPv6, UDP unicast to configured members) and the event loop that
//! drives the [`totem::Srp`] state machine with datagrams, timers and the
//! services' multicasts, as the executive's [`Ordering`](crate::ordering::Ordering).
//!
//! - [`transport`]: sockets, multicast membership, where each processor is;
//! - [`security`]: the authkey, sealing and opening datagrams;
//! - [`replay`]: which datagrams are fresh, and may move a route;
//! - [`timers`]: Totem's timers on the tokio clock;
//! - [`driver`]: [`TotemOrdering`], the glue;
//! - [`status`]: what `openais-cfgtool` is shown.

pub mod driver;
pub mod replay;
pub mod security;
pub mod status;
pub mod timers;
pub mod transport;

pub use driver::{NetConfig, NetError, TotemOrdering, PG_QUEUE_LIMIT};
pub use security::{load_security, KeyLoadError};
pub use status::{NetStatus, RingStatus};
pub use transport::{TransportError, TransportSpec};

use crate::config::TotemConfig;
use crate::ordering::LocalNode;

impl NetConfig {
    /// The driver's configuration for this node under `totem { }`.
    pub fn new(totem: &TotemConfig, node: &LocalNode, ring_seq: u64) -> NetConfig {
        let ring0 = totem
            .interfaces
            .iter()
            .find(|i| i.ringnumber == 0)
            .or(totem.interfaces.first());
        NetConfig {
            totem: totem.to_totem(),
            transport: TransportSpec {
                kind: totem.transport,
                bind: node.address,
                port: ring0.map_or(crate::config::DEFAULT_MCASTPORT, |i| i.mcastport),
                mcastaddr: ring0.and_then(|i| i.mcastaddr),
                members: totem.members.clone(),
            },
            node_id: node.id,
            ring_seq,
        }
    }
}
