//! A two-node cluster in memory, driven the way the executive's main loop
//! drives its service manager: library connections open, send request
//! frames and close; the ordering layer delivers every multicast in one
//! agreed order to the members of the sender's ring, and reports
//! configuration changes as Totem does (a transitional configuration of
//! the members that come along, then the regular one); service timers
//! fire. Only the ordering layer and the library sockets are simulated.

use std::collections::{BTreeMap, VecDeque};

use sa_ipc::frame::Frame;
use sa_ipc::proto::service;

use super::input::Input;
use crate::ipc::{ConnId, PeerCred};
use crate::net::{NetStatus, RingStatus};
use crate::ordering::{
    ConfChg, ConfChgKind, Guarantee, McastError, McastSink, NodeId, OrderingEvent, RingId,
};
use crate::service::timers::now_ns;
use crate::service::{ConnInfo, LibraryLink, Request, ServiceManager};
use crate::services::{self, cfg::Cfg, ServiceEnv};

/// The configuration every node runs with (only `totem` is required; the
/// services' sections take their defaults).
const CONF: &str = "totem {\n version: 2\n secauth: off\n transport: udpu\n \
    interface {\n ringnumber: 0\n bindnetaddr: 10.0.0.0\n }\n \
    member {\n memberaddr: 10.0.0.1\n }\n member {\n memberaddr: 10.0.0.2\n }\n}\n";

/// The services a script's connection may be for, by `service % 6`.
pub const SERVICES: [u16; 6] = [
    service::EVS,
    service::CLM,
    service::CKPT,
    service::EVT,
    service::CFG,
    service::CPG,
];

/// Connections per node a script can name.
pub const CONNS: u8 = 8;

/// Most messages one [`Harness::pump_all`] delivers. Every exchange of
/// the services ends (answers are not answered); a cluster that is still
/// busy after this many deliveries is livelocked, which is a finding.
const MAX_DELIVERIES: usize = 200_000;

/// Script operations, `opcode % 10`; see [`Harness::run_script`].
pub mod op {
    pub const OPEN: u8 = 0;
    pub const CLOSE: u8 = 1;
    pub const REQUEST: u8 = 2;
    pub const EXEC: u8 = 3;
    pub const PUMP_ONE: u8 = 4;
    pub const PUMP_ALL: u8 = 5;
    pub const RING: u8 = 6;
    pub const TIMERS: u8 = 7;
    pub const FULL: u8 = 8;
    pub const RESTART: u8 = 9;
    pub const COUNT: u8 = 10;
}

/// The ordering layer as the services see it: multicasts wait here, in
/// order, until the harness delivers them.
#[derive(Debug, Default)]
struct Wire {
    node: NodeId,
    sent: VecDeque<Vec<u8>>,
    full: bool,
}

impl McastSink for Wire {
    fn local_node(&self) -> NodeId {
        self.node
    }
    fn mcast(&mut self, payload: Vec<u8>, _g: Guarantee) -> Result<(), McastError> {
        if self.full {
            return Err(McastError::QueueFull);
        }
        self.sent.push_back(payload);
        Ok(())
    }
}

/// The library side: answers are kept until the next step of the script
/// (the cluster's own set-up reads them); connections the services drop
/// are closed as the IPC server closes them.
#[derive(Debug, Default)]
struct Link {
    responses: Vec<(ConnId, Frame)>,
    dropped: Vec<ConnId>,
}

impl LibraryLink for Link {
    fn send_response(&mut self, conn: ConnId, frame: Frame) {
        self.responses.push((conn, frame));
    }
    fn send_callback(&mut self, _conn: ConnId, _frame: Frame) {}
    fn disconnect(&mut self, conn: ConnId) {
        self.dropped.push(conn);
    }
}

struct Node {
    id: NodeId,
    manager: ServiceManager,
    wire: Wire,
    link: Link,
    /// The ring this node is in; empty before its first one.
    members: Vec<NodeId>,
    /// Open library connections and their service.
    conns: BTreeMap<ConnId, u16>,
    seq: u32,
}

impl Node {
    fn new(id: NodeId) -> Node {
        static CONFIG: std::sync::OnceLock<crate::config::Config> = std::sync::OnceLock::new();
        let config = CONFIG
            .get_or_init(|| {
                crate::config::parse(CONF, "fuzz.conf").expect("the harness's configuration")
            })
            .clone();
        let address = std::net::IpAddr::from([10, 0, 0, id as u8]);
        let env = ServiceEnv {
            node_id: id,
            address,
            hostname: format!("node{id}"),
            boot_timestamp: 1,
            config,
            amf: None,
        };
        let mut all = services::all(&env);
        all.push(Box::new(Cfg::new(NetStatus::new(RingStatus::new(
            id, address,
        )))));
        Node {
            id,
            manager: ServiceManager::new(all).expect("distinct service ids"),
            wire: Wire {
                node: id,
                ..Wire::default()
            },
            link: Link::default(),
            members: Vec::new(),
            conns: BTreeMap::new(),
            seq: 0,
        }
    }

    fn conn_id(&self, conn: u8) -> ConnId {
        ConnId((u64::from(self.id) << 32) | u64::from(conn % CONNS))
    }

    fn open(&mut self, conn: ConnId, service: u16) {
        if self.conns.contains_key(&conn) {
            return;
        }
        self.conns.insert(conn, service);
        let info = ConnInfo {
            conn,
            cred: PeerCred {
                pid: 1000 + (conn.0 & 0xff) as i32,
                uid: 0,
                gid: 0,
            },
        };
        self.manager
            .conn_opened(&mut self.wire, &mut self.link, service, &info);
    }

    fn close(&mut self, conn: ConnId) {
        if let Some(service) = self.conns.remove(&conn) {
            self.manager
                .conn_closed(&mut self.wire, &mut self.link, service, conn);
        }
    }

    /// A request frame on `conn`, routed as the executive routes it: a
    /// request the service refuses as malformed closes the connection.
    /// Returns the request's seq.
    fn request(&mut self, conn: ConnId, kind: u16, payload: &[u8]) -> Option<u32> {
        let service = *self.conns.get(&conn)?;
        self.seq = self.seq.wrapping_add(1);
        let req = Request {
            conn,
            kind,
            seq: self.seq,
            payload,
        };
        if self
            .manager
            .lib_request(&mut self.wire, &mut self.link, service, &req)
            .is_err()
        {
            self.close(conn);
        }
        Some(self.seq)
    }

    /// Closes the connections the services asked to drop.
    fn settle(&mut self) {
        while !self.link.dropped.is_empty() {
            for conn in std::mem::take(&mut self.link.dropped) {
                self.close(conn);
            }
        }
    }

    fn deliver(&mut self, event: &OrderingEvent) {
        self.manager.deliver(&mut self.wire, &mut self.link, event);
        self.settle();
    }
}

/// Two nodes, ids 1 and 2.
pub struct Harness {
    nodes: [Node; 2],
    ring_seq: u64,
    /// Every message delivered, while recording (the corpus builder's).
    recorded: Option<Vec<Vec<u8>>>,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// Two fresh nodes that have not formed a ring yet.
    pub fn new() -> Harness {
        Harness {
            nodes: [Node::new(1), Node::new(2)],
            ring_seq: 0,
            recorded: None,
        }
    }

    #[cfg(test)]
    pub fn record(&mut self, on: bool) {
        self.recorded = on.then(Vec::new);
    }

    #[cfg(test)]
    pub fn take_recorded(&mut self) -> Vec<Vec<u8>> {
        self.recorded.take().unwrap_or_default()
    }

    /// Whether every node serves requests (its sync is over).
    pub fn is_operational(&self) -> bool {
        self.nodes.iter().all(|n| n.manager.is_operational())
    }

    fn index_of(&self, id: NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// Delivers `message` from `from` to every member of the ring of node
    /// `at`, in the same place of the order on each.
    fn deliver_on_ring(&mut self, at: usize, from: NodeId, message: Vec<u8>) {
        if let Some(recorded) = &mut self.recorded {
            recorded.push(message.clone());
        }
        let event = OrderingEvent::Deliver {
            from,
            payload: message,
        };
        for id in self.nodes[at].members.clone() {
            if let Some(i) = self.index_of(id) {
                self.nodes[i].deliver(&event);
            }
        }
    }

    /// An exec message sent by a member of node `at`'s ring (member
    /// `from % members`: Totem delivers only members' messages).
    pub fn inject(&mut self, at: usize, from: u32, message: &[u8]) {
        let members = &self.nodes[at].members;
        if members.is_empty() {
            return;
        }
        let from = members[from as usize % members.len()];
        self.deliver_on_ring(at, from, message.to_vec());
    }

    /// Delivers the oldest message node `at` multicast, if it is in a ring.
    /// Returns whether one was delivered.
    pub fn pump_one(&mut self, at: usize) -> bool {
        if self.nodes[at].members.is_empty() {
            return false;
        }
        let Some(message) = self.nodes[at].wire.sent.pop_front() else {
            return false;
        };
        let from = self.nodes[at].id;
        self.deliver_on_ring(at, from, message);
        true
    }

    /// Delivers multicasts, one of each node in turn, until none is left.
    pub fn pump_all(&mut self) {
        let mut delivered = 0;
        loop {
            let mut any = false;
            for at in 0..self.nodes.len() {
                if self.pump_one(at) {
                    any = true;
                    delivered += 1;
                }
            }
            if !any {
                return;
            }
            assert!(
                delivered < MAX_DELIVERIES,
                "the services kept multicasting: {delivered} messages without quiescence"
            );
        }
    }

    /// Lets node `at`'s ordering queue refuse multicasts (SA_AIS_ERR_TRY_AGAIN
    /// to the libraries) or take them again; taking them resumes a sync
    /// that stopped on a full queue, as the executive does.
    pub fn set_full(&mut self, at: usize, full: bool) {
        let n = &mut self.nodes[at];
        n.wire.full = full;
        if !full {
            n.manager.retry_pending(&mut n.wire, &mut n.link);
            n.settle();
        }
    }

    pub fn toggle_full(&mut self, at: usize) {
        let full = !self.nodes[at].wire.full;
        self.set_full(at, full);
    }

    /// New rings: the nodes together (`split` false) or each alone, with
    /// the configuration changes Totem delivers for them.
    pub fn ring(&mut self, split: bool) {
        let partitions: Vec<Vec<NodeId>> = if split {
            self.nodes.iter().map(|n| vec![n.id]).collect()
        } else {
            vec![self.nodes.iter().map(|n| n.id).collect()]
        };
        self.ring_seq += 4;
        for members in partitions {
            self.install(&members);
        }
    }

    /// Installs a ring of `members` (sorted) on each of them.
    fn install(&mut self, members: &[NodeId]) {
        let ring_id = RingId {
            rep: members[0],
            seq: self.ring_seq,
        };
        for &id in members {
            let Some(i) = self.index_of(id) else { continue };
            let old = self.nodes[i].members.clone();
            // A first ring's transitional configuration is the node alone.
            let trans: Vec<NodeId> = if old.is_empty() {
                vec![id]
            } else {
                old.iter()
                    .copied()
                    .filter(|m| members.contains(m))
                    .collect()
            };
            let left: Vec<NodeId> = old
                .iter()
                .copied()
                .filter(|m| !members.contains(m))
                .collect();
            let joined: Vec<NodeId> = members
                .iter()
                .copied()
                .filter(|m| !trans.contains(m))
                .collect();
            self.nodes[i].deliver(&OrderingEvent::ConfChg(ConfChg {
                kind: ConfChgKind::Transitional,
                ring_id,
                members: trans,
                left,
                joined: Vec::new(),
            }));
            self.nodes[i].members = members.to_vec();
            self.nodes[i].deliver(&OrderingEvent::ConfChg(ConfChg {
                kind: ConfChgKind::Regular,
                ring_id,
                members: members.to_vec(),
                left: Vec::new(),
                joined,
            }));
        }
    }

    /// Node `at` stops and starts again with no state and no ring; the
    /// rest of its ring moves to a ring without it.
    pub fn restart(&mut self, at: usize) {
        let id = self.nodes[at].id;
        let old = std::mem::take(&mut self.nodes[at].members);
        self.nodes[at] = Node::new(id);
        let rest: Vec<NodeId> = old.into_iter().filter(|m| *m != id).collect();
        if !rest.is_empty() {
            self.ring_seq += 4;
            self.install(&rest);
        }
    }

    /// Runs the services' timers due `seconds` from now on node `at`.
    pub fn timers(&mut self, at: usize, seconds: u16) {
        let n = &mut self.nodes[at];
        let now = now_ns().saturating_add(i64::from(seconds) * 1_000_000_000);
        n.manager.fire_timers(&mut n.wire, &mut n.link, now);
        n.settle();
    }

    /// Opens connection `conn` (mod [`CONNS`]) of node `at` to a service.
    pub fn open(&mut self, at: usize, conn: u8, service: u16) {
        let n = &mut self.nodes[at];
        let conn = n.conn_id(conn);
        n.open(conn, service);
        n.settle();
    }

    pub fn close(&mut self, at: usize, conn: u8) {
        let n = &mut self.nodes[at];
        let conn = n.conn_id(conn);
        n.close(conn);
        n.settle();
    }

    /// A request frame on an open connection; its seq, if it was sent.
    pub fn request(&mut self, at: usize, conn: u8, kind: u16, payload: &[u8]) -> Option<u32> {
        let n = &mut self.nodes[at];
        let conn = n.conn_id(conn);
        let seq = n.request(conn, kind, payload);
        n.settle();
        seq
    }

    /// The answer to request `seq` of node `at`, once it came.
    pub fn response(&mut self, at: usize, seq: u32) -> Option<Frame> {
        let responses = &mut self.nodes[at].link.responses;
        let i = responses.iter().position(|(_, f)| f.seq == seq)?;
        Some(responses.remove(i).1)
    }

    /// Sends a request, runs the cluster and returns the answer.
    pub fn call<M: sa_ipc::proto::Message>(
        &mut self,
        at: usize,
        conn: u8,
        msg: &M,
    ) -> Option<Frame> {
        let seq = self.request(at, conn, M::KIND, &msg.to_payload())?;
        self.pump_all();
        self.response(at, seq)
    }

    fn forget_answers(&mut self) {
        for n in &mut self.nodes {
            n.link.responses.clear();
        }
    }

    /// Runs a script: records of `opcode: u8` (mod [`op::COUNT`]) and the
    /// operation's fields:
    ///
    /// | op | fields | what |
    /// |---|---|---|
    /// | `OPEN` | node, conn, service | a library connection to `SERVICES[service % 6]` |
    /// | `CLOSE` | node, conn | the library closes it |
    /// | `REQUEST` | node, conn, kind: u16, len: u16, payload | a request frame on an open connection |
    /// | `EXEC` | target, len: u16, message | an exec message, see [`Harness::inject`] (`target & 1` the ring, `target >> 1` the sender) |
    /// | `PUMP_ONE` | node | the node's oldest multicast is delivered |
    /// | `PUMP_ALL` | | every multicast is delivered |
    /// | `RING` | split | new rings: together (`split & 1 == 0`) or apart |
    /// | `TIMERS` | node, seconds: u16 | the node's service timers due then fire |
    /// | `FULL` | node | the node's ordering queue refuses multicasts, or takes them again |
    /// | `RESTART` | node | the node restarts empty, without a ring |
    ///
    /// Nodes are `node & 1`, connections `conn % CONNS`.
    pub fn run_script(&mut self, data: &[u8]) {
        let mut input = Input::new(data);
        while !input.is_empty() {
            self.forget_answers();
            match input.u8() % op::COUNT {
                op::OPEN => {
                    let at = usize::from(input.u8() & 1);
                    let conn = input.u8();
                    let service = SERVICES[usize::from(input.u8()) % SERVICES.len()];
                    self.open(at, conn, service);
                }
                op::CLOSE => {
                    let at = usize::from(input.u8() & 1);
                    let conn = input.u8();
                    self.close(at, conn);
                }
                op::REQUEST => {
                    let at = usize::from(input.u8() & 1);
                    let conn = input.u8();
                    let kind = input.u16();
                    let len = usize::from(input.u16());
                    let payload = input.bytes(len);
                    self.request(at, conn, kind, payload);
                }
                op::EXEC => {
                    let target = input.u8();
                    let len = usize::from(input.u16());
                    let message = input.bytes(len);
                    self.inject(usize::from(target & 1), u32::from(target >> 1), message);
                }
                op::PUMP_ONE => {
                    let at = usize::from(input.u8() & 1);
                    self.pump_one(at);
                }
                op::PUMP_ALL => self.pump_all(),
                op::RING => {
                    let split = input.u8() & 1 == 1;
                    self.ring(split);
                }
                op::TIMERS => {
                    let at = usize::from(input.u8() & 1);
                    let seconds = input.u16();
                    self.timers(at, seconds);
                }
                op::FULL => {
                    let at = usize::from(input.u8() & 1);
                    self.toggle_full(at);
                }
                _ => {
                    let at = usize::from(input.u8() & 1);
                    self.restart(at);
                }
            }
        }
    }

    /// Ends a run: queues accept again, every multicast is delivered, the
    /// libraries close their connections, timers a day ahead fire, and
    /// the executives shut down.
    pub fn finish(&mut self) {
        self.set_full(0, false);
        self.set_full(1, false);
        self.pump_all();
        for at in 0..self.nodes.len() {
            let conns: Vec<ConnId> = self.nodes[at].conns.keys().copied().collect();
            for conn in conns {
                self.nodes[at].close(conn);
            }
        }
        self.pump_all();
        self.timers(0, u16::MAX);
        self.timers(1, u16::MAX);
        self.pump_all();
        for n in &mut self.nodes {
            n.manager.shutdown(&mut n.wire, &mut n.link);
        }
        self.pump_all();
    }

    /// The two nodes in one ring, each service holding state: a CLM
    /// tracker, a checkpoint with a section and two openers, an event
    /// channel with a subscriber and a retained event, a CPG group of
    /// three members with a message sent, an EVS group.
    pub fn with_state() -> Harness {
        let mut h = Harness::new();
        h.ring(false);
        h.pump_all();
        for step in state_steps() {
            h.step(&step);
        }
        h.forget_answers();
        h
    }

    /// [`Harness::with_state`], split in two rings that each changed
    /// every service's state, then merged: the sync of the merge has
    /// started and its messages wait to be delivered.
    pub fn merging() -> Harness {
        let mut h = Harness::with_state();
        h.ring(true);
        h.pump_all();
        for step in divergence_steps() {
            h.step(&step);
        }
        h.forget_answers();
        h.ring(false);
        h
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Open { at, conn, service } => self.open(*at, *conn, *service),
            Step::Call {
                at,
                conn,
                kind,
                payload,
            } => {
                self.request(*at, *conn, *kind, payload);
                self.pump_all();
            }
            Step::EvtPublish { at, conn, name } => self.evt_publish(*at, *conn, name),
        }
    }

    /// Opens an event channel on `conn` as publisher and subscriber,
    /// subscribes to everything and publishes a retained event.
    fn evt_publish(&mut self, at: usize, conn: u8, name: &str) {
        use sa_ipc::proto::evt::{
            open_flags, Attributes, ChannelOpen, Filter, FilterKind, OpenReply, Publish, Subscribe,
        };
        use sa_ipc::proto::Payload;
        let open = ChannelOpen {
            name: sa_ipc::Name::try_from(name).expect("a short name"),
            flags: open_flags::ALL,
            invocation: None,
        };
        let Some(reply) = self.call(at, conn, &open) else {
            return;
        };
        let Ok(OpenReply { open_id }) = OpenReply::from_payload(&reply.payload) else {
            return;
        };
        self.call(
            at,
            conn,
            &Subscribe {
                open_id,
                subscription_id: 7,
                filters: vec![Filter {
                    kind: FilterKind::PassAll,
                    pattern: Vec::new(),
                }],
            },
        );
        self.call(
            at,
            conn,
            &Publish {
                open_id,
                attributes: Attributes {
                    patterns: vec![b"pattern".to_vec()],
                    priority: 1,
                    retention: 3_600_000_000_000,
                    publisher: sa_ipc::Name::try_from("publisher").expect("a short name"),
                },
                data: b"event data".to_vec(),
            },
        );
    }
}

/// A step of the harness's own set-up.
#[derive(Debug, Clone)]
pub enum Step {
    Open {
        at: usize,
        conn: u8,
        service: u16,
    },
    Call {
        at: usize,
        conn: u8,
        kind: u16,
        payload: Vec<u8>,
    },
    EvtPublish {
        at: usize,
        conn: u8,
        name: &'static str,
    },
}

fn call<M: sa_ipc::proto::Message>(at: usize, conn: u8, msg: &M) -> Step {
    Step::Call {
        at,
        conn,
        kind: M::KIND,
        payload: msg.to_payload(),
    }
}

fn ckpt_attributes() -> sa_ipc::proto::ckpt::CreationAttributes {
    sa_ipc::proto::ckpt::CreationAttributes {
        creation_flags: sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: 4096,
        retention_duration: 3_600_000_000_000,
        max_sections: 8,
        max_section_size: 1024,
        max_section_id_size: 32,
    }
}

fn ckpt_write(
    open_id: u64,
    section: &[u8],
    offset: u64,
    data: &[u8],
) -> sa_ipc::proto::ckpt::Write {
    sa_ipc::proto::ckpt::Write {
        open_id,
        elements: vec![sa_ipc::proto::ckpt::WriteElement {
            section_id: section.to_vec(),
            offset,
            data: data.to_vec(),
        }],
    }
}

/// The requests behind [`Harness::with_state`].
pub fn state_steps() -> Vec<Step> {
    use sa_abi::ckpt::{
        SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
    };
    use sa_ipc::proto::{ckpt, clm, cpg, evs};
    let crw = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
    let rw = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
    let group = cpg::GroupName::new(b"fuzz-group").expect("a short group name");
    vec![
        Step::Open {
            at: 0,
            conn: 0,
            service: service::CLM,
        },
        call(
            0,
            0,
            &clm::Track {
                changes: clm::TrackChanges::Changes,
                current: clm::CurrentView::AsCallback,
                max_items: 0,
            },
        ),
        Step::Open {
            at: 0,
            conn: 1,
            service: service::CKPT,
        },
        call(
            0,
            1,
            &ckpt::Open {
                open_id: 1,
                name: sa_ipc::Name::try_from("fuzz-checkpoint").expect("a short name"),
                flags: crw,
                attributes: Some(ckpt_attributes()),
            },
        ),
        call(
            0,
            1,
            &ckpt::SectionCreate {
                open_id: 1,
                section_id: b"section".to_vec(),
                expiration: sa_abi::ais::SA_TIME_END,
                data: b"section data".to_vec(),
            },
        ),
        call(0, 1, &ckpt_write(1, b"section", 4, b"written")),
        Step::Open {
            at: 1,
            conn: 1,
            service: service::CKPT,
        },
        call(
            1,
            1,
            &ckpt::Open {
                open_id: 5,
                name: sa_ipc::Name::try_from("fuzz-checkpoint").expect("a short name"),
                flags: rw,
                attributes: None,
            },
        ),
        Step::Open {
            at: 0,
            conn: 2,
            service: service::EVT,
        },
        Step::EvtPublish {
            at: 0,
            conn: 2,
            name: "fuzz-channel",
        },
        Step::Open {
            at: 0,
            conn: 3,
            service: service::CPG,
        },
        call(
            0,
            3,
            &cpg::Join {
                group: group.clone(),
            },
        ),
        Step::Open {
            at: 1,
            conn: 3,
            service: service::CPG,
        },
        call(
            1,
            3,
            &cpg::Join {
                group: group.clone(),
            },
        ),
        Step::Open {
            at: 1,
            conn: 2,
            service: service::CPG,
        },
        call(1, 2, &cpg::Join { group }),
        call(
            0,
            3,
            &cpg::Mcast {
                guarantee: evs::Guarantee::Agreed,
                data: b"cpg message".to_vec(),
            },
        ),
        Step::Open {
            at: 1,
            conn: 0,
            service: service::EVS,
        },
        call(
            1,
            0,
            &evs::Join {
                groups: vec![evs::GroupKey([7; 32])],
            },
        ),
    ]
}

/// What each partition of [`Harness::merging`] does apart.
pub fn divergence_steps() -> Vec<Step> {
    use sa_ipc::proto::{ckpt, cpg, evs};
    vec![
        call(0, 1, &ckpt_write(1, b"section", 0, b"partition one")),
        call(
            0,
            1,
            &ckpt::SectionCreate {
                open_id: 1,
                section_id: b"one".to_vec(),
                expiration: sa_abi::ais::SA_TIME_END,
                data: b"created apart".to_vec(),
            },
        ),
        call(1, 1, &ckpt_write(5, b"section", 0, b"partition two")),
        Step::Open {
            at: 1,
            conn: 4,
            service: service::EVT,
        },
        Step::EvtPublish {
            at: 1,
            conn: 4,
            name: "fuzz-channel-2",
        },
        call(
            1,
            2,
            &cpg::Mcast {
                guarantee: evs::Guarantee::Agreed,
                data: b"apart".to_vec(),
            },
        ),
        call(
            1,
            2,
            &cpg::Leave {
                group: cpg::GroupName::new(b"fuzz-group").expect("a short group name"),
            },
        ),
    ]
}
