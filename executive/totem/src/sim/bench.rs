//! Protocol efficiency without faults: every node keeps its send queue
//! full, and we count what the ring delivers per token rotation and per
//! simulated second. The ring's throughput is bounded by how many messages
//! a rotation may carry (`window_size`, `max_messages` per visit); running
//! the same cluster with a doubled window shows which bound is in force.

use super::client::Load;
use super::network::Wire;
use super::protocol::Protocol;
use super::record::Delivery;
use super::world::{Halt, World};
use crate::api::{ConfChgKind, Config, Guarantee, NodeId, Time};

/// One measured configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub nodes: usize,
    pub window_size: u32,
    pub max_messages: u32,
    pub payload_len: usize,
    /// Whether one ring of all nodes formed before the measurement.
    pub ring_formed: bool,
    /// Messages the lowest node delivered during the measurement.
    pub delivered: u64,
    /// Token passes / nodes during the measurement.
    pub rotations: f64,
    pub seconds: f64,
    pub refused: u64,
}

impl BenchRow {
    /// The most messages one rotation may carry: the window, or every node
    /// sending its per-visit maximum, whichever is smaller.
    pub fn limit(&self) -> u64 {
        u64::from(self.window_size).min(self.nodes as u64 * u64::from(self.max_messages))
    }

    pub fn per_rotation(&self) -> f64 {
        if self.rotations > 0.0 {
            self.delivered as f64 / self.rotations
        } else {
            0.0
        }
    }

    pub fn per_second(&self) -> f64 {
        self.delivered as f64 / self.seconds
    }
}

fn messages_delivered<P: Protocol>(world: &World<P>, node: NodeId) -> (u64, bool) {
    let inc = world
        .recording
        .incarnations
        .iter()
        .rev()
        .find(|i| i.node == node);
    let Some(inc) = inc else { return (0, false) };
    let all = world.recording.nodes.len();
    let mut msgs = 0;
    let mut formed = false;
    for d in &inc.stream {
        match &d.what {
            Delivery::Msg { .. } => msgs += 1,
            Delivery::View { .. } => {}
            Delivery::Conf(c) => formed = c.kind == ConfChgKind::Regular && c.members.len() == all,
        }
    }
    (msgs, formed)
}

/// Forms a ring of `nodes` nodes, then saturates it for `measure_us` of
/// simulated time.
pub fn bench<P: Protocol>(
    nodes: usize,
    cfg: &Config,
    wire: &Wire,
    payload_len: usize,
    measure_us: u64,
) -> Result<BenchRow, Halt> {
    let ids: Vec<NodeId> = (1..=nodes as NodeId).collect();
    let mut world: World<P> = World::new(1, cfg.clone(), wire.clone(), &ids, Load::Off);
    for &id in &ids {
        world.schedule_start(id, Time(0));
    }
    // Long enough for a first ring to form without hurry.
    let warmup = Time(3 * (cfg.token + cfg.consensus + cfg.join) * 1000);
    world.run_until(warmup, u64::MAX)?;
    let (before, ring_formed) = messages_delivered(&world, ids[0]);
    let tokens_before = world.stats.unicast_sends;
    let refused_before = world.stats.refused;
    world.load = Load::Saturate {
        len: payload_len,
        guarantee: Guarantee::Agreed,
    };
    // Queues are filled at the next input each node handles; start them now.
    for i in 0..ids.len() {
        world.after_input(i);
    }
    let end = Time(warmup.0 + measure_us);
    world.run_until(end, u64::MAX)?;
    let (after, _) = messages_delivered(&world, ids[0]);
    Ok(BenchRow {
        nodes,
        window_size: cfg.window_size,
        max_messages: cfg.max_messages,
        payload_len,
        ring_formed,
        delivered: after - before,
        rotations: (world.stats.unicast_sends - tokens_before) as f64 / nodes as f64,
        seconds: measure_us as f64 / 1e6,
        refused: world.stats.refused - refused_before,
    })
}
