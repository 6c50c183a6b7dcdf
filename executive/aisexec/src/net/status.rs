//! What the Totem driver publishes about itself for `openais-cfgtool`
//! (through the CFG service), and the one request it takes back: re-enable
//! the faulty rings.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::ordering::{NodeId, RingId};

/// One network's state (one per `interface { ringnumber }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingHealth {
    pub ringnumber: u32,
    /// The local address the network is bound to.
    pub address: IpAddr,
    /// Why the network is faulty; `None` when it is not.
    pub fault: Option<String>,
    /// Whether the fault clears by itself once the network works again
    /// (redundant rings); without, it stays until `openais-cfgtool -r`.
    pub recovers_by_itself: bool,
}

/// A snapshot of the Totem ring's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingStatus {
    pub node_id: NodeId,
    /// The bound interface address of ring 0.
    pub address: IpAddr,
    /// The installed ring (`RingId::default()` before the first).
    pub ring_id: RingId,
    /// Totem's membership state (OPERATIONAL, GATHER, COMMIT, RECOVERY).
    pub state: &'static str,
    /// Members of the installed ring with the address each was heard
    /// from (this node: its bound address).
    pub members: Vec<(NodeId, Option<SocketAddr>)>,
    /// Every network, by ring number.
    pub rings: Vec<RingHealth>,
    /// Rings installed since start.
    pub rings_installed: u64,
    /// Datagrams dropped for a bad digest (another authkey, forgery).
    pub invalid_digests: u64,
    /// Datagrams or packets that did not decode.
    pub malformed: u64,
}

impl RingStatus {
    pub fn new(node_id: NodeId, address: IpAddr) -> RingStatus {
        RingStatus {
            node_id,
            address,
            ring_id: RingId::default(),
            state: "GATHER",
            members: Vec::new(),
            rings: vec![RingHealth {
                ringnumber: 0,
                address,
                fault: None,
                recovers_by_itself: false,
            }],
            rings_installed: 0,
            invalid_digests: 0,
            malformed: 0,
        }
    }
}

#[derive(Debug)]
struct Shared {
    status: Mutex<RingStatus>,
    reenable: Mutex<bool>,
    wake: Notify,
}

/// The handle shared by the driver (which writes) and the CFG service
/// (which reads and asks for re-enabling).
#[derive(Debug, Clone)]
pub struct NetStatus {
    shared: Arc<Shared>,
}

impl NetStatus {
    pub fn new(initial: RingStatus) -> NetStatus {
        NetStatus {
            shared: Arc::new(Shared {
                status: Mutex::new(initial),
                reenable: Mutex::new(false),
                wake: Notify::new(),
            }),
        }
    }

    /// The current status.
    pub fn snapshot(&self) -> RingStatus {
        self.lock().clone()
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut RingStatus)) {
        f(&mut self.lock());
    }

    /// Asks the driver to clear every ring's fault and rejoin the
    /// networks.
    pub fn request_reenable(&self) {
        *self
            .shared
            .reenable
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_one();
    }

    /// Whether re-enabling was asked for since the last call.
    pub(crate) fn take_reenable(&self) -> bool {
        std::mem::take(
            &mut *self
                .shared
                .reenable
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// Completes when [`NetStatus::request_reenable`] was called.
    pub(crate) async fn requested(&self) {
        self.shared.wake.notified().await;
    }

    fn lock(&self) -> MutexGuard<'_, RingStatus> {
        // A panic while holding the lock leaves plain data behind.
        self.shared.status.lock().unwrap_or_else(|e| e.into_inner())
    }
}
