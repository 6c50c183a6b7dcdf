//! A two-node cluster in memory, driven the way the executive's main loop
//! drives its service manager: library connections open, send request
//! frames and close; the ordering layer delivers every multicast in one
//! agreed order to the members of the sender's ring, and reports
//! configuration changes as Totem does; service timers fire. It is the
//! services' test cluster (`service::testing`) with the script operations
//! a fuzzer drives.

use std::collections::BTreeMap;

use sa_ipc::frame::Frame;
use sa_ipc::proto::service;

use super::input::Input;
use crate::ipc::ConnId;
use crate::net::{NetStatus, RingStatus};
use crate::ordering::NodeId;
use crate::service::testing::TestCluster;
use crate::service::Service;
use crate::services::{self, cfg::Cfg, ServiceEnv};

/// The services a script's connection may be for, by `service % 9`.
pub const SERVICES: [u16; 9] = [
    service::EVS,
    service::CLM,
    service::CKPT,
    service::EVT,
    service::CFG,
    service::CPG,
    service::LCK,
    service::MSG,
    service::AMF,
];

/// Connections per node a script can name.
pub const CONNS: u8 = 8;

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

/// The services of a node: every one of the executive, CFG included.
fn all_services(env: &ServiceEnv) -> Vec<Box<dyn Service>> {
    let mut all = services::all(env);
    let names: Vec<&str> = all.iter().map(|s| s.name()).collect();
    let info = crate::services::cfg::cluster_info(&names, &env.config.totem);
    all.push(Box::new(Cfg::new(
        NetStatus::new(RingStatus::new(env.node_id, env.address)),
        info,
    )));
    all
}

/// Two nodes, ids 1 and 2, of the services' test cluster (virtual time,
/// seeded randomness: a run depends only on its input), with the library
/// side the executive's IPC server plays: which connection is open to
/// which service, and connections the services drop are closed.
pub struct Harness {
    cluster: TestCluster,
    /// Open library connections and their service, per node.
    conns: [BTreeMap<ConnId, u16>; 2],
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// Node `at` (0 or 1): id `at + 1`.
fn id(at: usize) -> NodeId {
    at as NodeId + 1
}

impl Harness {
    /// Two fresh nodes that have not formed a ring yet.
    pub fn new() -> Harness {
        Harness {
            cluster: TestCluster::with_services(&[1, 2], all_services),
            conns: [BTreeMap::new(), BTreeMap::new()],
        }
    }

    #[cfg(test)]
    pub fn record(&mut self, on: bool) {
        self.cluster.recorded = on.then(Vec::new);
    }

    #[cfg(test)]
    pub fn take_recorded(&mut self) -> Vec<Vec<u8>> {
        self.cluster.recorded.take().unwrap_or_default()
    }

    /// Whether every node serves requests (its sync is over).
    pub fn is_operational(&self) -> bool {
        self.cluster
            .nodes
            .iter()
            .all(|n| n.manager.is_operational())
    }

    fn conn_id(at: usize, conn: u8) -> ConnId {
        ConnId((u64::from(id(at)) << 32) | u64::from(conn % CONNS))
    }

    /// Closes the connections the services asked to drop, as the IPC
    /// server does.
    fn settle(&mut self) {
        for at in 0..2 {
            loop {
                let dropped = std::mem::take(&mut self.cluster.node(id(at)).link.dropped);
                if dropped.is_empty() {
                    break;
                }
                for conn in dropped {
                    self.close_conn(at, conn);
                }
            }
        }
    }

    fn close_conn(&mut self, at: usize, conn: ConnId) {
        if let Some(service) = self.conns[at].remove(&conn) {
            self.cluster.close(id(at), service, conn.0);
        }
    }

    /// An exec message sent by a member of node `at`'s ring (member
    /// `from % members`: Totem delivers only members' messages).
    pub fn inject(&mut self, at: usize, from: u32, message: &[u8]) {
        self.cluster.inject(id(at), from, message);
        self.settle();
    }

    /// Delivers the oldest message node `at` multicast, if it is in a ring.
    /// Returns whether one was delivered.
    pub fn pump_one(&mut self, at: usize) -> bool {
        let delivered = self.cluster.pump_one(id(at));
        self.settle();
        delivered
    }

    /// Delivers multicasts, one of each node in turn, until none is left.
    pub fn pump_all(&mut self) {
        self.cluster.run();
        self.settle();
    }

    /// Lets node `at`'s ordering queue refuse multicasts (SA_AIS_ERR_TRY_AGAIN
    /// to the libraries) or take them again; taking them resumes a sync
    /// that stopped on a full queue, as the executive does.
    pub fn set_full(&mut self, at: usize, full: bool) {
        let n = self.cluster.node(id(at));
        n.wire.full = full;
        if !full {
            n.manager.retry_pending(&mut n.wire, &mut n.link);
            self.settle();
        }
    }

    pub fn toggle_full(&mut self, at: usize) {
        let full = !self.cluster.node(id(at)).wire.full;
        self.set_full(at, full);
    }

    /// New rings: the nodes together (`split` false) or each alone, with
    /// the configuration changes Totem delivers for them; what they then
    /// multicast waits to be delivered.
    pub fn ring(&mut self, split: bool) {
        if split {
            self.cluster.reconfigure(&[&[1], &[2]]);
        } else {
            self.cluster.reconfigure(&[&[1, 2]]);
        }
        self.settle();
    }

    /// Node `at` stops and starts again with no state and no ring; the
    /// rest of its ring moves to a ring without it.
    pub fn restart(&mut self, at: usize) {
        let rest: Vec<NodeId> = self
            .cluster
            .node(id(at))
            .members()
            .iter()
            .copied()
            .filter(|m| *m != id(at))
            .collect();
        self.cluster.restart(id(at));
        self.conns[at].clear();
        if !rest.is_empty() {
            self.cluster.reconfigure(&[&rest]);
        }
        self.settle();
    }

    /// Lets `seconds` pass and runs node `at`'s service timers due then.
    pub fn timers(&mut self, at: usize, seconds: u16) {
        self.cluster
            .fire_timers(id(at), i64::from(seconds) * 1_000_000_000);
        self.settle();
    }

    /// Opens connection `conn` (mod [`CONNS`]) of node `at` to a service.
    pub fn open(&mut self, at: usize, conn: u8, service: u16) {
        let conn = Harness::conn_id(at, conn);
        if self.conns[at].contains_key(&conn) {
            return;
        }
        self.conns[at].insert(conn, service);
        let pid = 1000 + (conn.0 & 0xff) as i32;
        self.cluster.open(id(at), service, conn.0, pid);
        self.settle();
    }

    pub fn close(&mut self, at: usize, conn: u8) {
        self.close_conn(at, Harness::conn_id(at, conn));
        self.settle();
    }

    /// A request frame on an open connection, routed as the executive
    /// routes it: one the service refuses as malformed closes the
    /// connection. Its seq, if it was sent.
    pub fn request(&mut self, at: usize, conn: u8, kind: u16, payload: &[u8]) -> Option<u32> {
        let conn = Harness::conn_id(at, conn);
        let service = *self.conns[at].get(&conn)?;
        let seq = self
            .cluster
            .try_send_raw(id(at), service, conn.0, kind, payload);
        if seq.is_none() {
            self.close_conn(at, conn);
        }
        self.settle();
        seq
    }

    /// The answer to request `seq` of node `at`, once it came.
    pub fn response(&mut self, at: usize, seq: u32) -> Option<Frame> {
        self.cluster.response(id(at), seq)
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
        for n in &mut self.cluster.nodes {
            n.link.responses.clear();
            n.link.callbacks.clear();
        }
    }

    /// Runs a script: records of `opcode: u8` (mod [`op::COUNT`]) and the
    /// operation's fields:
    ///
    /// | op | fields | what |
    /// |---|---|---|
    /// | `OPEN` | node, conn, service | a library connection to `SERVICES[service % 9]` |
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
        for at in 0..2 {
            let conns: Vec<ConnId> = self.conns[at].keys().copied().collect();
            for conn in conns {
                self.close_conn(at, conn);
            }
        }
        self.pump_all();
        self.timers(0, u16::MAX);
        self.timers(1, u16::MAX);
        self.pump_all();
        for n in &mut self.cluster.nodes {
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
