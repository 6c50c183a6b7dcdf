//! What a run leaves behind for the checker: every incarnation's delivery
//! stream (messages and configuration changes interleaved, in delivery
//! order), every accepted multicast, and the phase boundaries.

use super::payload::{Decoded, PayloadId};
use crate::api::{ConfChg, Config, Guarantee, NodeId, RingId, Time};
use std::collections::BTreeMap;

/// How an incarnation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Crash,
    Leave,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Msg {
        from: NodeId,
        payload: Decoded,
    },
    Conf(ConfChg),
    /// What the node's group-membership consumer (a model of CPG, see
    /// `sim/group.rs`) told its client: the nodes in the group after the
    /// change, those reported gone and those reported (back) in.
    View {
        members: Vec<NodeId>,
        left: Vec<NodeId>,
        joined: Vec<NodeId>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub at: Time,
    /// The simulator event during which it was delivered (see the trace).
    pub event: u64,
    pub what: Delivery,
}

/// One run of one processor, from start to crash or leave (or the end of
/// the simulation).
#[derive(Debug, Clone)]
pub struct Incarnation {
    pub node: NodeId,
    /// 0 for the first start, +1 per restart.
    pub inc: u32,
    pub started: Time,
    pub ended: Option<(Time, EndReason)>,
    pub stream: Vec<Delivered>,
}

impl Incarnation {
    pub fn is_live(&self) -> bool {
        self.ended.is_none()
    }
}

/// A multicast the protocol accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub at: Time,
    pub guarantee: Guarantee,
    pub len: usize,
    /// The regular configuration the sender's layer above had last been
    /// given when it multicast (`None`: none yet). Extended virtual
    /// synchrony delivers the message in that configuration (or its
    /// transitional one) or not at all.
    pub view: Option<RingId>,
    /// Length of the sender's delivery stream at that moment.
    pub stream_len: usize,
}

/// The boundaries of a run's phases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    /// Faults stop: the network is whole and calm from here on.
    pub fault_end: Time,
    /// Every live node must have installed the final configuration by then.
    pub converge_by: Time,
    /// When every live node was seen in one regular configuration of all
    /// live nodes; the run then ends one drain period later.
    pub converged: Option<Time>,
    /// Clients stop multicasting.
    pub clients_stop: Time,
    /// The run ends; everything accepted must be delivered by then.
    pub end: Time,
}

#[derive(Debug, Clone)]
pub struct Recording {
    pub seed: u64,
    pub config: Config,
    pub nodes: Vec<NodeId>,
    pub incarnations: Vec<Incarnation>,
    pub sent: BTreeMap<PayloadId, Sent>,
    pub phases: Phases,
}

impl Recording {
    pub fn new(seed: u64, config: Config, nodes: Vec<NodeId>) -> Recording {
        Recording {
            seed,
            config,
            nodes,
            incarnations: Vec::new(),
            sent: BTreeMap::new(),
            phases: Phases::default(),
        }
    }

    pub fn live(&self) -> impl Iterator<Item = &Incarnation> {
        self.incarnations.iter().filter(|i| i.is_live())
    }
}
