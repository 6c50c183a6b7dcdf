//! A simulated cluster for service tests: every node has its own service
//! manager and services; a partition of nodes shares one ring whose
//! "network" delivers every member's multicasts to every member in one
//! agreed order (the members' messages interleaved one by one), with
//! transitional and regular configurations as Totem reports them.

use sa_ipc::frame::Frame;

use crate::config::Config;
use crate::ipc::{ConnId, PeerCred};
use crate::ordering::{ConfChg, ConfChgKind, NodeId, OrderingEvent, RingId};
use crate::service::testing::{Link, Wire};
use crate::service::{ConnInfo, Request, Service, ServiceManager};
use crate::services::ServiceEnv;

const CONF: &str = "totem {\n version: 2\n secauth: off\n transport: udpu\n \
    interface {\n ringnumber: 0\n bindnetaddr: 10.0.0.0\n }\n \
    member {\n memberaddr: 10.0.0.1\n }\n}\n";

/// Builds the services of one node.
pub type MakeServices = fn(&ServiceEnv) -> Vec<Box<dyn Service>>;

/// One executive.
pub struct SimNode {
    pub id: NodeId,
    pub manager: ServiceManager,
    pub wire: Wire,
    pub link: Link,
    /// The members of the node's current regular configuration.
    members: Vec<NodeId>,
}

impl SimNode {
    fn new(id: NodeId, make: MakeServices) -> SimNode {
        let env = ServiceEnv {
            node_id: id,
            address: format!("10.0.0.{}", id % 250 + 1).parse().unwrap(),
            hostname: format!("node{id}"),
            boot_timestamp: 1_700_000_000_000_000_000,
            config: config(),
        };
        SimNode {
            id,
            manager: ServiceManager::new(make(&env)).unwrap(),
            wire: Wire {
                node: id,
                ..Wire::default()
            },
            link: Link::default(),
            members: Vec::new(),
        }
    }

    fn deliver(&mut self, event: &OrderingEvent) {
        self.manager.deliver(&mut self.wire, &mut self.link, event);
        self.manager.retry_pending(&mut self.wire, &mut self.link);
    }
}

fn config() -> Config {
    crate::config::parse(CONF, "test.conf").unwrap()
}

/// Nodes and the rings they form.
pub struct SimCluster {
    pub nodes: Vec<SimNode>,
    make: MakeServices,
    seq: u64,
}

impl SimCluster {
    /// Nodes `ids`, not yet in any ring.
    pub fn new(ids: &[NodeId], make: MakeServices) -> SimCluster {
        SimCluster {
            nodes: ids.iter().map(|&id| SimNode::new(id, make)).collect(),
            make,
            seq: 0,
        }
    }

    pub fn node(&mut self, id: NodeId) -> &mut SimNode {
        self.nodes
            .iter_mut()
            .find(|n| n.id == id)
            .expect("a node of the cluster")
    }

    /// Replaces node `id` by a fresh executive (a crash and restart); it is
    /// in no ring until the next [`SimCluster::partition`].
    pub fn restart(&mut self, id: NodeId) {
        let make = self.make;
        *self.node(id) = SimNode::new(id, make);
    }

    /// Node `id` stops: what it had not yet multicast is lost and it is in
    /// no ring (the others notice at the next [`SimCluster::partition`]).
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

    /// [`SimCluster::partition`] without running the rings afterwards:
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
                // are carried into the new one, as Totem does for a
                // sender's own queue.
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

    /// Delivers every multicast of every ring, in agreed order per ring
    /// (one message of each member in turn), until nothing is left.
    pub fn run(&mut self) {
        for _ in 0..10_000 {
            let mut rings: Vec<Vec<NodeId>> = self
                .nodes
                .iter()
                .filter(|n| !n.members.is_empty())
                .map(|n| n.members.clone())
                .collect();
            rings.sort();
            rings.dedup();
            let mut moved = false;
            for ring in rings {
                let mut queues: Vec<(NodeId, std::collections::VecDeque<Vec<u8>>)> = ring
                    .iter()
                    .map(|&id| (id, std::mem::take(&mut self.node(id).wire.sent).into()))
                    .collect();
                loop {
                    let mut any = false;
                    for (from, queue) in queues.iter_mut() {
                        if let Some(payload) = queue.pop_front() {
                            any = true;
                            moved = true;
                            let event = OrderingEvent::Deliver {
                                from: *from,
                                payload,
                            };
                            for &id in &ring {
                                self.node(id).deliver(&event);
                            }
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
        panic!("the simulated cluster never went quiet");
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

    /// Sends a request and returns its response (answered at once).
    pub fn request(
        &mut self,
        node: NodeId,
        service: u16,
        conn: u64,
        kind: u16,
        payload: &[u8],
    ) -> Frame {
        let n = self.node(node);
        let req = Request {
            conn: ConnId(conn),
            kind,
            seq: 7,
            payload,
        };
        n.manager
            .lib_request(&mut n.wire, &mut n.link, service, &req)
            .unwrap();
        let (to, frame) = n.link.responses.pop().expect("a response");
        assert_eq!(to, ConnId(conn));
        frame
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

    /// Runs the service timers of `node` as if `ns` nanoseconds passed.
    pub fn fire_timers(&mut self, node: NodeId, ns: i64) {
        let n = self.node(node);
        let now = crate::service::timers::now_ns().saturating_add(ns);
        n.manager.fire_timers(&mut n.wire, &mut n.link, now);
    }
}
