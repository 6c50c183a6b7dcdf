//! A cluster for service tests: every node has its own service manager
//! with real services; the nodes of one partition share a ring whose
//! "network" delivers every member's multicasts to every member in one
//! agreed order (the members' messages interleaved one by one), with
//! transitional and regular configurations as Totem reports them. Time is
//! virtual: it moves only by [`TestCluster::advance`], which fires the
//! timers that came due, so no service test sleeps.

use std::collections::VecDeque;

use sa_ipc::frame::Frame;
use sa_ipc::proto::{Message, Payload};

use super::{Link, SeededEntropy, VirtualClock, Wire};
use crate::config::Config;
use crate::ipc::{ConnId, PeerCred};
use crate::ordering::{ConfChg, ConfChgKind, NodeId, OrderingEvent, RingId};
use crate::service::runtime::Runtime;
use crate::service::{ConnInfo, Request, Service, ServiceManager};
use crate::services::ServiceEnv;

const CONF: &str = "totem {\n version: 2\n secauth: off\n transport: udpu\n \
    interface {\n ringnumber: 0\n bindnetaddr: 10.0.0.0\n }\n \
    member {\n memberaddr: 10.0.0.1\n }\n}\n";

/// When the virtual clock starts (2023-11-14, any plausible SaTimeT).
pub const START_NS: i64 = 1_700_000_000_000_000_000;

/// Builds the services of one node from its environment.
pub type MakeServices = fn(&ServiceEnv) -> Vec<Box<dyn Service>>;

/// One executive.
pub struct TestNode {
    pub id: NodeId,
    pub manager: ServiceManager,
    pub wire: Wire,
    pub link: Link,
    /// The members of the node's current regular configuration.
    members: Vec<NodeId>,
    /// Sequence numbers of the requests sent through the cluster.
    seq: u32,
}

impl TestNode {
    fn new(env: &ServiceEnv, make: MakeServices, clock: &VirtualClock) -> TestNode {
        let runtime = Runtime::new(
            Box::new(clock.clone()),
            Box::new(SeededEntropy::new(u64::from(env.node_id))),
        );
        let mut manager = ServiceManager::with_runtime(make(env), runtime).unwrap();
        manager.set_quorum(env.config.quorum);
        TestNode {
            id: env.node_id,
            manager,
            wire: Wire {
                node: env.node_id,
                ..Wire::default()
            },
            link: Link::default(),
            members: Vec::new(),
            seq: 0,
        }
    }

    /// An ordering event, then a retry of whatever the manager could not
    /// send, as the executive's loop does after every event.
    pub fn deliver(&mut self, event: &OrderingEvent) {
        self.manager.deliver(&mut self.wire, &mut self.link, event);
        self.manager.retry_pending(&mut self.wire, &mut self.link);
    }

    /// Whether this node is in a ring now.
    pub fn in_ring(&self) -> bool {
        !self.members.is_empty()
    }

    /// The members of its ring (none before its first).
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }
}

/// The environment of node `id` in the test cluster: address
/// 10.0.0.(id % 250 + 1), host name `node<id>`, a minimal udpu
/// configuration.
pub fn test_env(id: NodeId) -> ServiceEnv {
    ServiceEnv {
        node_id: id,
        address: format!("10.0.0.{}", id % 250 + 1).parse().unwrap(),
        hostname: format!("node{id}"),
        boot_timestamp: START_NS,
        config: test_config(),
        amf: None,
    }
}

/// The configuration every test node runs with.
fn test_config() -> Config {
    crate::config::parse(CONF, "test.conf").unwrap()
}

/// Nodes, the rings they form, and the time.
pub struct TestCluster {
    pub nodes: Vec<TestNode>,
    make: MakeServices,
    envs: Vec<ServiceEnv>,
    seq: u64,
    pub clock: VirtualClock,
    /// Every message delivered, while recording (the fuzz corpus's).
    pub recorded: Option<Vec<Vec<u8>>>,
}

impl TestCluster {
    /// Nodes `ids` running every service of the executive, not yet in any
    /// ring.
    pub fn new(ids: &[NodeId]) -> TestCluster {
        TestCluster::with_services(ids, crate::services::all)
    }

    /// Nodes `ids` running the services `make` builds.
    pub fn with_services(ids: &[NodeId], make: MakeServices) -> TestCluster {
        TestCluster::with_envs(ids.iter().map(|&id| test_env(id)).collect(), make)
    }

    /// Nodes with the environments given (their own addresses, host
    /// names or configuration).
    pub fn with_envs(envs: Vec<ServiceEnv>, make: MakeServices) -> TestCluster {
        let clock = VirtualClock::at(START_NS);
        TestCluster {
            nodes: envs
                .iter()
                .map(|env| TestNode::new(env, make, &clock))
                .collect(),
            make,
            envs,
            seq: 0,
            clock,
            recorded: None,
        }
    }

    pub fn node(&mut self, id: NodeId) -> &mut TestNode {
        self.nodes
            .iter_mut()
            .find(|n| n.id == id)
            .expect("a node of the cluster")
    }

    /// Node `id`, to look at.
    pub fn peek(&self, id: NodeId) -> &TestNode {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .expect("a node of the cluster")
    }

    /// The time now.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Replaces node `id` by a fresh executive (a crash and restart); it is
    /// in no ring until the next [`TestCluster::partition`].
    pub fn restart(&mut self, id: NodeId) {
        let env = self
            .envs
            .iter()
            .find(|e| e.node_id == id)
            .expect("a node of the cluster");
        let fresh = TestNode::new(env, self.make, &self.clock);
        *self.node(id) = fresh;
    }

    /// Node `id` stops: what it had not yet multicast is lost and it is in
    /// no ring (the others notice at the next [`TestCluster::partition`]).
    pub fn crash(&mut self, id: NodeId) {
        let node = self.node(id);
        node.members.clear();
        node.wire.sent.clear();
    }

    /// Forms one ring per part: each node gets the transitional
    /// configuration (the members it keeps) and the regular one, then the
    /// rings run until quiet. Nodes in no part are left alone (crashed).
    pub fn partition(&mut self, parts: &[&[NodeId]]) {
        self.reconfigure(parts);
        self.run();
    }

    /// [`TestCluster::partition`] without running the rings afterwards:
    /// what the nodes multicast for the new configuration waits in their
    /// queues.
    pub fn reconfigure(&mut self, parts: &[&[NodeId]]) {
        for part in parts {
            self.seq += 4;
            let mut members: Vec<NodeId> = part.to_vec();
            members.sort_unstable();
            let ring_id = RingId {
                rep: members[0],
                seq: self.seq,
            };
            for &id in &members {
                let node = self.node(id);
                // Messages multicast in the old ring and not yet delivered
                // are never sent: a message is delivered in the
                // configuration it was multicast in, or nowhere (those
                // multicast before a node's first ring go out in it).
                if node.in_ring() {
                    node.wire.sent.clear();
                }
                let old = std::mem::take(&mut node.members);
                let kept: Vec<NodeId> = old
                    .iter()
                    .copied()
                    .filter(|n| members.contains(n))
                    .collect();
                let left: Vec<NodeId> = old
                    .iter()
                    .copied()
                    .filter(|n| !members.contains(n))
                    .collect();
                let joined: Vec<NodeId> = members
                    .iter()
                    .copied()
                    .filter(|n| !old.contains(n))
                    .collect();
                node.deliver(&OrderingEvent::ConfChg(ConfChg {
                    kind: ConfChgKind::Transitional,
                    ring_id,
                    members: kept,
                    left: left.clone(),
                    joined: Vec::new(),
                }));
                node.deliver(&OrderingEvent::ConfChg(ConfChg {
                    kind: ConfChgKind::Regular,
                    ring_id,
                    members: members.clone(),
                    left,
                    joined,
                }));
                node.members = members.clone();
            }
        }
    }

    /// Delivers `payload` from `from` to every member of `ring`, at the
    /// same place of the order on each.
    fn deliver_on_ring(&mut self, ring: &[NodeId], from: NodeId, payload: Vec<u8>) {
        if let Some(recorded) = &mut self.recorded {
            recorded.push(payload.clone());
        }
        let event = OrderingEvent::Deliver { from, payload };
        for &id in ring {
            self.node(id).deliver(&event);
        }
    }

    /// Delivers the oldest message `node` multicast, if it is in a ring;
    /// returns whether there was one.
    pub fn pump_one(&mut self, node: NodeId) -> bool {
        let n = self.node(node);
        if !n.in_ring() || n.wire.sent.is_empty() {
            return false;
        }
        let payload = n.wire.sent.remove(0);
        let ring = n.members.clone();
        self.deliver_on_ring(&ring, node, payload);
        true
    }

    /// Delivers `payload` as sent by member `from % members` of `node`'s
    /// ring (Totem delivers only members' messages) to that ring.
    pub fn inject(&mut self, node: NodeId, from: u32, payload: &[u8]) {
        let ring = self.node(node).members.clone();
        if ring.is_empty() {
            return;
        }
        let sender = ring[from as usize % ring.len()];
        self.deliver_on_ring(&ring, sender, payload.to_vec());
    }

    /// Delivers every multicast of every ring, in agreed order per ring
    /// (one message of each member in turn), until nothing is left.
    pub fn run(&mut self) {
        for _ in 0..10_000 {
            let mut rings: Vec<Vec<NodeId>> = self
                .nodes
                .iter()
                .filter(|n| n.in_ring())
                .map(|n| n.members.clone())
                .collect();
            rings.sort();
            rings.dedup();
            let mut moved = false;
            for ring in rings {
                let mut queues: Vec<(NodeId, VecDeque<Vec<u8>>)> = ring
                    .iter()
                    .map(|&id| (id, std::mem::take(&mut self.node(id).wire.sent).into()))
                    .collect();
                loop {
                    let mut any = false;
                    for (from, queue) in queues.iter_mut() {
                        if let Some(payload) = queue.pop_front() {
                            any = true;
                            moved = true;
                            self.deliver_on_ring(&ring, *from, payload);
                        }
                    }
                    if !any {
                        break;
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the test cluster never went quiet");
    }

    /// Lets `ns` nanoseconds of virtual time pass: every node's timers
    /// that come due fire, and the rings run until quiet.
    pub fn advance(&mut self, ns: i64) {
        self.clock.advance(ns);
        let now = self.clock.now();
        for n in &mut self.nodes {
            n.manager.fire_timers(&mut n.wire, &mut n.link, now);
            // The executive's housekeeping: a sync stopped by a full
            // ordering layer goes on.
            n.manager.retry_pending(&mut n.wire, &mut n.link);
        }
        self.run();
    }

    /// Opens library connection `conn` of process `pid` to `service`.
    pub fn open(&mut self, node: NodeId, service: u16, conn: u64, pid: i32) {
        let n = self.node(node);
        let info = ConnInfo {
            conn: ConnId(conn),
            cred: PeerCred {
                pid,
                uid: 0,
                gid: 0,
            },
        };
        n.manager
            .conn_opened(&mut n.wire, &mut n.link, service, &info);
    }

    /// Closes library connection `conn`.
    pub fn close(&mut self, node: NodeId, service: u16, conn: u64) {
        let n = self.node(node);
        n.manager
            .conn_closed(&mut n.wire, &mut n.link, service, ConnId(conn));
    }

    /// Sends a request frame; returns its seq, to find the answer with
    /// [`TestCluster::response`].
    pub fn send_raw(
        &mut self,
        node: NodeId,
        service: u16,
        conn: u64,
        kind: u16,
        payload: &[u8],
    ) -> u32 {
        self.try_send_raw(node, service, conn, kind, payload)
            .expect("a request the service decodes")
    }

    /// [`TestCluster::send_raw`] of a frame that may not decode: `None`
    /// when the manager refuses it (the executive drops that connection).
    pub fn try_send_raw(
        &mut self,
        node: NodeId,
        service: u16,
        conn: u64,
        kind: u16,
        payload: &[u8],
    ) -> Option<u32> {
        let n = self.node(node);
        n.seq = n.seq.wrapping_add(1);
        let req = Request {
            conn: ConnId(conn),
            kind,
            seq: n.seq,
            payload,
        };
        n.manager
            .lib_request(&mut n.wire, &mut n.link, service, &req)
            .ok()?;
        Some(n.seq)
    }

    /// Sends request `msg` on connection `conn` of `node`; returns its seq.
    pub fn send<M: Message>(&mut self, node: NodeId, conn: u64, msg: &M) -> u32 {
        self.send_raw(node, M::SERVICE, conn, M::KIND, &msg.to_payload())
    }

    /// The response to request `seq` of `node`, if it came.
    pub fn response(&mut self, node: NodeId, seq: u32) -> Option<Frame> {
        let n = self.node(node);
        let i = n.link.responses.iter().position(|(_, f)| f.seq == seq)?;
        Some(n.link.responses.remove(i).1)
    }

    /// Sends a request, runs the rings, and returns the answer's error and
    /// payload.
    pub fn call<M: Message>(&mut self, node: NodeId, conn: u64, msg: &M) -> (u32, Vec<u8>) {
        let seq = self.send(node, conn, msg);
        self.run();
        let f = self.response(node, seq).expect("an answer");
        (f.error, f.payload)
    }

    /// Sends a request frame and returns the response it got at once.
    pub fn request(
        &mut self,
        node: NodeId,
        service: u16,
        conn: u64,
        kind: u16,
        payload: &[u8],
    ) -> Frame {
        let seq = self.send_raw(node, service, conn, kind, payload);
        self.response(node, seq).expect("a response")
    }

    /// The callbacks connection `conn` received since the last look.
    pub fn callbacks(&mut self, node: NodeId, conn: u64) -> Vec<Frame> {
        let n = self.node(node);
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut n.link.callbacks)
            .into_iter()
            .partition(|(c, _)| *c == ConnId(conn));
        n.link.callbacks = others;
        mine.into_iter().map(|(_, f)| f).collect()
    }

    /// The callbacks of `kind` connection `conn` received since the last
    /// look, decoded (the others it received are dropped).
    pub fn callbacks_of<P: Payload>(&mut self, node: NodeId, conn: u64, kind: u16) -> Vec<P> {
        self.callbacks(node, conn)
            .into_iter()
            .filter(|f| f.kind == kind)
            .map(|f| P::from_payload(&f.payload).expect("a callback that decodes"))
            .collect()
    }

    /// Lets `ns` nanoseconds pass and runs the timers that came due on
    /// `node` alone; the others' wait for the next
    /// [`TestCluster::advance`], and nothing is delivered.
    pub fn fire_timers(&mut self, node: NodeId, ns: i64) {
        self.clock.advance(ns);
        let now = self.clock.now();
        let n = self.node(node);
        n.manager.fire_timers(&mut n.wire, &mut n.link, now);
    }
}
