//! A tiny deterministic network for driving a few processors by hand.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{ConfChg, Config, Dest, Guarantee, Input, NodeId, Output, Time, TimerKind};
use crate::srp::{Srp, State};
use crate::wire::Packet;

/// What a processor handed to the layer above, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Deliver(NodeId, Vec<u8>),
    Conf(ConfChg),
}

pub struct Node {
    pub srp: Srp,
    timers: BTreeMap<TimerKind, Time>,
    pub events: Vec<Event>,
    pub states: Vec<State>,
}

impl Node {
    pub fn delivered(&self) -> Vec<Vec<u8>> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Deliver(_, p) => Some(p.clone()),
                Event::Conf(_) => None,
            })
            .collect()
    }

    pub fn confs(&self) -> Vec<ConfChg> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Conf(c) => Some(c.clone()),
                Event::Deliver(..) => None,
            })
            .collect()
    }

    pub fn last_regular(&self) -> Option<ConfChg> {
        self.confs()
            .into_iter()
            .rev()
            .find(|c| c.kind == crate::api::ConfChgKind::Regular)
    }
}

struct InFlight {
    at: Time,
    order: u64,
    from: NodeId,
    to: NodeId,
    bytes: Vec<u8>,
}

/// Decides the fate of a packet: `None` drops it, `Some(extra_ms)` delays it.
pub type Fate = Box<dyn FnMut(NodeId, NodeId, &Packet) -> Option<u64>>;

pub struct Net {
    pub cfg: Config,
    pub now: Time,
    pub nodes: BTreeMap<NodeId, Node>,
    flight: Vec<InFlight>,
    order: u64,
    /// One-way delay in ms.
    pub delay: u64,
    pub fate: Fate,
    /// Pairs (from, to) that cannot talk.
    pub cut: BTreeSet<(NodeId, NodeId)>,
    pub persisted: BTreeMap<NodeId, u64>,
}

impl Net {
    pub fn new(cfg: Config) -> Net {
        Net {
            cfg,
            now: Time(0),
            nodes: BTreeMap::new(),
            flight: Vec::new(),
            order: 0,
            delay: 1,
            fate: Box::new(|_, _, _| Some(0)),
            cut: BTreeSet::new(),
            persisted: BTreeMap::new(),
        }
    }

    pub fn with_nodes(ids: &[NodeId]) -> Net {
        let mut net = Net::new(Config::default());
        for &id in ids {
            net.start(id);
        }
        net
    }

    pub fn start(&mut self, id: NodeId) {
        let seq = self.persisted.get(&id).copied().unwrap_or(0);
        let (srp, out) = Srp::new(self.cfg.clone(), id, seq, self.now);
        let state = srp.state();
        self.nodes.insert(
            id,
            Node {
                srp,
                timers: BTreeMap::new(),
                events: Vec::new(),
                states: vec![state],
            },
        );
        self.apply(id, out);
    }

    /// Stops a processor abruptly; its packets in flight still arrive.
    pub fn crash(&mut self, id: NodeId) {
        if let Some(n) = self.nodes.remove(&id) {
            self.persisted.insert(id, n.srp.ring_seq_high());
        }
    }

    pub fn leave(&mut self, id: NodeId) {
        let out = match self.nodes.get_mut(&id) {
            Some(n) => n.srp.leave(self.now),
            None => return,
        };
        self.apply(id, out);
        self.crash(id);
    }

    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        self.cut.clear();
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i != j {
                    for &x in a.iter() {
                        for &y in b.iter() {
                            self.cut.insert((x, y));
                        }
                    }
                }
            }
        }
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    pub fn mcast(&mut self, id: NodeId, payload: &[u8], guarantee: Guarantee) {
        self.input(
            id,
            Input::Mcast {
                payload: payload.to_vec(),
                guarantee,
            },
        );
    }

    pub fn input(&mut self, id: NodeId, input: Input) {
        let now = self.now;
        let Some(n) = self.nodes.get_mut(&id) else {
            return;
        };
        let out = n.srp.handle(now, input);
        self.apply(id, out);
    }

    fn apply(&mut self, id: NodeId, out: Vec<Output>) {
        let now = self.now;
        let mut sends = Vec::new();
        {
            let Some(n) = self.nodes.get_mut(&id) else {
                return;
            };
            for o in out {
                match o {
                    Output::Send { to, bytes } => {
                        assert!(bytes.len() <= self.cfg.netmtu, "packet over netmtu");
                        sends.push((to, bytes));
                    }
                    Output::SetTimer(k, at) => {
                        assert!(at >= now, "timer in the past");
                        n.timers.insert(k, at);
                    }
                    Output::CancelTimer(k) => {
                        n.timers.remove(&k);
                    }
                    Output::Deliver { from, payload } => {
                        n.events.push(Event::Deliver(from, payload))
                    }
                    Output::ConfChg(c) => n.events.push(Event::Conf(c)),
                }
            }
            let s = n.srp.state();
            if n.states.last() != Some(&s) {
                n.states.push(s);
            }
        }
        let all: Vec<NodeId> = self.nodes.keys().copied().collect();
        for (to, bytes) in sends {
            let targets: Vec<NodeId> = match to {
                Dest::Multicast => all.iter().copied().filter(|&x| x != id).collect(),
                Dest::Node(x) => vec![x],
            };
            for to in targets {
                if self.cut.contains(&(id, to)) {
                    continue;
                }
                let packet = Packet::decode(&bytes).expect("own packets decode");
                if let Some(extra) = (self.fate)(id, to, &packet) {
                    self.order += 1;
                    self.flight.push(InFlight {
                        at: now.add_millis(self.delay + extra),
                        order: self.order,
                        from: id,
                        to,
                        bytes: bytes.clone(),
                    });
                }
            }
        }
    }

    /// Runs every event up to `until`.
    pub fn run_until(&mut self, until: Time) {
        loop {
            let next_packet = self
                .flight
                .iter()
                .enumerate()
                .min_by_key(|(_, f)| (f.at, f.order))
                .map(|(i, f)| (f.at, i));
            let next_timer = self
                .nodes
                .iter()
                .flat_map(|(id, n)| n.timers.iter().map(move |(k, at)| (*at, *id, *k)))
                .min();
            let packet_first = match (next_packet, next_timer) {
                (None, None) => break,
                (Some((pa, _)), Some((ta, _, _))) => pa <= ta,
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            if packet_first {
                let (at, i) = next_packet.expect("checked");
                if at > until {
                    break;
                }
                let f = self.flight.swap_remove(i);
                self.now = at;
                self.input(
                    f.to,
                    Input::Packet {
                        from: f.from,
                        bytes: f.bytes,
                    },
                );
            } else {
                let (at, id, kind) = next_timer.expect("checked");
                if at > until {
                    break;
                }
                self.now = at;
                if let Some(n) = self.nodes.get_mut(&id) {
                    n.timers.remove(&kind);
                }
                self.input(id, Input::TimerFired(kind));
            }
        }
        self.now = self.now.max(until);
    }

    pub fn run_for(&mut self, ms: u64) {
        let until = self.now.add_millis(ms);
        self.run_until(until);
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[&id]
    }

    /// Every live processor is operational on one ring with exactly `ids`.
    pub fn assert_ring(&self, ids: &[NodeId]) {
        let first = self.node(ids[0]).srp.ring_id();
        for &id in ids {
            let s = &self.node(id).srp;
            assert_eq!(s.state(), State::Operational, "node {id} not operational");
            assert_eq!(s.members(), ids, "node {id} members");
            assert_eq!(s.ring_id(), first, "node {id} ring");
        }
    }

    /// Agreed order, no duplicates, and configuration changes at the same
    /// place among nodes that install the same ring.
    pub fn check_order(&self) {
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for &a in &ids {
            let da = self.node(a).delivered();
            let set: BTreeSet<_> = da.iter().collect();
            assert_eq!(set.len(), da.len(), "node {a} delivered a message twice");
            for &b in &ids {
                let db = self.node(b).delivered();
                let common_b: BTreeSet<_> = db.iter().collect();
                let ca: Vec<_> = da.iter().filter(|p| common_b.contains(p)).collect();
                let cb: Vec<_> = db.iter().filter(|p| set.contains(p)).collect();
                assert_eq!(ca, cb, "nodes {a} and {b} disagree on order");
            }
        }
    }
}

/// A payload that names its sender and index.
pub fn payload(node: NodeId, i: usize) -> Vec<u8> {
    format!("{node}:{i}").into_bytes()
}
