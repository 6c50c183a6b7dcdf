//! The simulated world: N processors, their timers and clients, and the
//! network between them, advanced one event at a time in (time, sequence)
//! order. Everything random comes from seeded generators, every collection
//! iterates in a fixed order, and there is no wall clock: a seed replays
//! byte for byte.

use super::client::Load;
use super::group::GroupView;
use super::network::{Network, Wire};
use super::payload::{self, PayloadId};
use super::protocol::Protocol;
use super::queue::EventQueue;
use super::record::{Delivered, Delivery, EndReason, Incarnation, Recording, Sent};
use super::rng::Rng;
use super::scenario::Schedule;
use super::trace::{Trace, TraceEntry, TraceWhat};
use crate::api::{ConfChgKind, Config, Dest, Input, NodeId, Output, RingId, Time, TimerKind};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

pub(crate) enum Event {
    Start(NodeId),
    Arrive {
        to: NodeId,
        from: NodeId,
        bytes: Rc<[u8]>,
    },
    Timer {
        node: NodeId,
        kind: TimerKind,
        generation: u64,
    },
    ClientTick(NodeId),
    /// A stalled node's client request, held while it was stopped.
    Request(NodeId),
    /// A stalled node resumes (the stall's start time tells stalls apart).
    Resume(NodeId, Time),
    /// The next step of the fault schedule.
    Step,
    /// The fault phase is over.
    FaultEnd,
    /// Has the ring re-formed since the faults stopped?
    ConvergeCheck,
}

/// One processor slot: the protocol instance while it is up, and what
/// survives a crash (its id, its persisted ring sequence number).
pub(crate) struct Slot<P> {
    pub id: NodeId,
    pub proto: Option<P>,
    /// Index into the recording's incarnations of the current one.
    pub record: usize,
    /// The next incarnation number.
    pub next_inc: u32,
    /// What the driver persisted: the highest ring sequence number seen.
    pub persisted_ring_seq: u64,
    pub timers: BTreeMap<TimerKind, (Time, u64)>,
    /// Multicasts made by the current incarnation.
    pub counter: u64,
    pub summary: String,
    /// The client's group, as the node's CPG model told it.
    pub(crate) group: GroupView,
    /// The last regular configuration the layer above was given.
    pub view_ring: Option<RingId>,
    /// Set while the node is stopped (SIGSTOP): no input is handled.
    pub(crate) stall: Option<Stall>,
}

/// A stopped node: what waits for it when it resumes.
#[derive(Debug, Clone)]
pub(crate) struct Stall {
    pub since: Time,
    /// Datagrams its socket buffer holds, oldest first.
    pub backlog: VecDeque<(NodeId, Rc<[u8]>)>,
    /// How many datagrams the socket buffer holds; later ones are lost.
    pub capacity: usize,
    /// Timers that came due meanwhile.
    pub due: BTreeSet<TimerKind>,
    /// Client requests waiting on its IPC sockets.
    pub requests: u32,
}

/// Client requests a stalled node's IPC sockets hold (each client blocks
/// on its request until it times out).
const STALL_REQUESTS: u32 = 4;

/// Counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    pub events: u64,
    pub mcasts: u64,
    pub refused: u64,
    pub deliveries: u64,
    pub confchgs: u64,
    pub unicast_sends: u64,
    pub multicast_sends: u64,
    pub crashes: u64,
    pub leaves: u64,
    pub restarts: u64,
    pub partitions: u64,
}

/// A packet the network could not carry in one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Oversize {
    pub at: Time,
    pub node: NodeId,
    pub len: usize,
    pub event: u64,
}

/// Why a run stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// More events than the budget allows.
    Budget { events: u64, at: Time },
}

pub struct World<P: Protocol> {
    pub(crate) cfg: Config,
    pub(crate) now: Time,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) slots: Vec<Slot<P>>,
    pub(crate) net: Network,
    /// Packet fates.
    pub(crate) net_rng: Rng,
    /// Client timing, sizes and guarantees.
    pub(crate) client_rng: Rng,
    /// Fault schedule decisions.
    pub(crate) fault_rng: Rng,
    pub(crate) load: Load,
    pub(crate) schedule: Option<Schedule>,
    pub recording: Recording,
    pub trace: Trace,
    pub stats: RunStats,
    /// The node whose input is being handled (for a panic report).
    pub(crate) current: Option<NodeId>,
    /// The first packet longer than `netmtu`, if any.
    pub(crate) oversize: Option<Oversize>,
    /// Drain periods added at the end of the run (see `extend_drain`).
    pub(crate) drain_extensions: u32,
    timers_set: u64,
}

impl<P: Protocol> World<P> {
    pub fn new(seed: u64, cfg: Config, wire: Wire, ids: &[NodeId], load: Load) -> World<P> {
        let mut rng = Rng::new(seed);
        let slots = ids
            .iter()
            .map(|&id| Slot {
                id,
                proto: None,
                record: 0,
                next_inc: 0,
                persisted_ring_seq: 0,
                timers: BTreeMap::new(),
                counter: 0,
                summary: String::new(),
                group: GroupView::default(),
                view_ring: None,
                stall: None,
            })
            .collect();
        World {
            now: Time(0),
            queue: EventQueue::default(),
            slots,
            net: Network::new(wire, ids).with_frame_len(cfg.netmtu),
            net_rng: rng.fork(1),
            client_rng: rng.fork(2),
            fault_rng: rng.fork(3),
            load,
            schedule: None,
            recording: Recording::new(seed, cfg.clone(), ids.to_vec()),
            trace: Trace::off(),
            stats: RunStats::default(),
            current: None,
            oversize: None,
            drain_extensions: 0,
            timers_set: 0,
            cfg,
        }
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn ids(&self) -> Vec<NodeId> {
        self.slots.iter().map(|s| s.id).collect()
    }

    pub(crate) fn slot(&self, id: NodeId) -> Option<usize> {
        self.slots.binary_search_by_key(&id, |s| s.id).ok()
    }

    pub fn is_up(&self, id: NodeId) -> bool {
        self.slot(id).is_some_and(|i| self.slots[i].proto.is_some())
    }

    pub fn up_nodes(&self) -> Vec<NodeId> {
        self.slots
            .iter()
            .filter(|s| s.proto.is_some())
            .map(|s| s.id)
            .collect()
    }

    pub fn down_nodes(&self) -> Vec<NodeId> {
        self.slots
            .iter()
            .filter(|s| s.proto.is_none())
            .map(|s| s.id)
            .collect()
    }

    pub fn protocol(&self, id: NodeId) -> Option<&P> {
        self.slot(id).and_then(|i| self.slots[i].proto.as_ref())
    }

    pub(crate) fn note(&mut self, node: Option<NodeId>, what: TraceWhat) {
        if self.trace.enabled() {
            self.trace.push(TraceEntry {
                event: self.stats.events,
                at: self.now,
                node,
                what,
            });
        }
    }

    pub(crate) fn schedule_start(&mut self, id: NodeId, at: Time) {
        self.queue.push(at, Event::Start(id));
    }

    /// Runs events up to and including time `until`. Stops early when the
    /// event budget is exhausted.
    pub fn run_until(&mut self, until: Time, budget: u64) -> Result<(), Halt> {
        self.run_while(budget, |_| until)?;
        self.now = self.now.max(until);
        Ok(())
    }

    /// Runs events while they are due no later than `limit(self)`, which is
    /// asked again before each event (a checking run ends earlier once the
    /// ring has re-formed).
    pub(crate) fn run_while(
        &mut self,
        budget: u64,
        limit: impl Fn(&Self) -> Time,
    ) -> Result<(), Halt> {
        while self.queue.peek_time().is_some_and(|t| t <= limit(self)) {
            if self.stats.events >= budget {
                return Err(Halt::Budget {
                    events: self.stats.events,
                    at: self.now,
                });
            }
            let Some((at, event)) = self.queue.pop() else {
                break;
            };
            self.now = at;
            self.stats.events += 1;
            self.dispatch(event);
        }
        Ok(())
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Start(id) => self.start(id),
            Event::Arrive { to, from, bytes } => {
                let Some(i) = self.slot(to) else { return };
                // A packet reaching a node that is down is lost.
                if self.slots[i].proto.is_none() {
                    return;
                }
                if let Some(stall) = self.slots[i].stall.as_mut() {
                    // The socket buffer keeps it, while there is room.
                    if stall.backlog.len() < stall.capacity {
                        stall.backlog.push_back((from, bytes));
                    }
                    return;
                }
                if self.trace.enabled() {
                    let what = P::describe_packet(&bytes);
                    let len = bytes.len();
                    self.note(Some(to), TraceWhat::Arrive { from, len, what });
                }
                let input = Input::Packet {
                    from,
                    bytes: bytes.to_vec(),
                };
                self.input(i, input);
            }
            Event::Timer {
                node,
                kind,
                generation,
            } => {
                let Some(i) = self.slot(node) else { return };
                if self.slots[i].timers.get(&kind).map(|t| t.1) != Some(generation) {
                    return;
                }
                if let Some(stall) = self.slots[i].stall.as_mut() {
                    stall.due.insert(kind);
                    return;
                }
                self.slots[i].timers.remove(&kind);
                self.note(Some(node), TraceWhat::Timer(kind));
                self.input(i, Input::TimerFired(kind));
            }
            Event::ClientTick(id) => self.client_tick(id),
            Event::Request(id) => self.client_request(id),
            Event::Resume(id, since) => self.resume(id, since),
            Event::Step => self.step(),
            Event::FaultEnd => self.fault_end(),
            Event::ConvergeCheck => self.converge_check(),
        }
    }

    /// Starts (or restarts) a processor as a new incarnation.
    pub(crate) fn start(&mut self, id: NodeId) {
        let Some(i) = self.slot(id) else { return };
        if self.slots[i].proto.is_some() {
            return;
        }
        let now = self.now;
        let slot = &mut self.slots[i];
        let inc = slot.next_inc;
        slot.next_inc += 1;
        slot.counter = 0;
        slot.timers.clear();
        slot.group = GroupView::default();
        slot.view_ring = None;
        slot.stall = None;
        slot.record = self.recording.incarnations.len();
        self.recording.incarnations.push(Incarnation {
            node: id,
            inc,
            started: now,
            ended: None,
            stream: Vec::new(),
        });
        if inc > 0 {
            self.stats.restarts += 1;
        }
        let ring_seq = slot.persisted_ring_seq;
        self.note(Some(id), TraceWhat::Start { inc, ring_seq });
        self.current = Some(id);
        let (proto, outputs) = P::start(&self.cfg, id, ring_seq, now);
        self.slots[i].proto = Some(proto);
        self.apply(i, outputs);
        self.current = None;
        if inc == 0 {
            self.schedule_client(id);
        }
        self.after_input(i);
    }

    /// Stops a processor: a crash loses everything but the persisted ring
    /// sequence number; a leave first announces the departure.
    pub(crate) fn stop(&mut self, id: NodeId, reason: EndReason) {
        let Some(i) = self.slot(id) else { return };
        if self.slots[i].proto.is_none() {
            return;
        }
        if reason == EndReason::Leave {
            self.note(Some(id), TraceWhat::Leave);
            self.stats.leaves += 1;
            let now = self.now;
            self.current = Some(id);
            let outputs = self.slots[i]
                .proto
                .as_mut()
                .map(|p| p.leave(now))
                .unwrap_or_default();
            self.apply(i, outputs);
            self.current = None;
        } else {
            self.note(Some(id), TraceWhat::Crash);
            self.stats.crashes += 1;
        }
        let slot = &mut self.slots[i];
        slot.proto = None;
        slot.stall = None;
        slot.timers.clear();
        slot.summary.clear();
        self.recording.incarnations[slot.record].ended = Some((self.now, reason));
    }

    /// Feeds one input to an up processor and carries out its outputs.
    pub(crate) fn input(&mut self, i: usize, input: Input) {
        let now = self.now;
        self.current = Some(self.slots[i].id);
        let Some(proto) = self.slots[i].proto.as_mut() else {
            return;
        };
        let outputs = proto.handle(now, input);
        self.apply(i, outputs);
        self.current = None;
        self.after_input(i);
    }

    fn apply(&mut self, i: usize, outputs: Vec<Output>) {
        let id = self.slots[i].id;
        for out in outputs {
            match out {
                Output::Send { to, bytes } => self.send(id, to, bytes),
                Output::SetTimer(kind, at) => {
                    // A number no earlier timer used, so a stale timer
                    // event is recognised once its timer was replaced.
                    self.timers_set += 1;
                    let generation = self.timers_set;
                    self.slots[i].timers.insert(kind, (at, generation));
                    self.note(Some(id), TraceWhat::SetTimer(kind, at));
                    self.queue.push(
                        at.max(self.now),
                        Event::Timer {
                            node: id,
                            kind,
                            generation,
                        },
                    );
                }
                Output::CancelTimer(kind) => {
                    self.slots[i].timers.remove(&kind);
                    self.note(Some(id), TraceWhat::CancelTimer(kind));
                }
                Output::Deliver { from, payload } => {
                    let decoded = payload::decode(&payload);
                    self.stats.deliveries += 1;
                    let index = self.record(
                        i,
                        Delivery::Msg {
                            from,
                            payload: decoded,
                        },
                    );
                    self.note(
                        Some(id),
                        TraceWhat::Deliver {
                            from,
                            payload: decoded,
                            index,
                        },
                    );
                }
                Output::ConfChg(conf) => {
                    self.stats.confchgs += 1;
                    let index = self.record(i, Delivery::Conf(conf.clone()));
                    if conf.kind == ConfChgKind::Regular {
                        self.slots[i].view_ring = Some(conf.ring_id);
                    }
                    if let Some(view) = self.slots[i].group.conf_chg(&conf) {
                        self.record(i, view);
                    }
                    self.note(Some(id), TraceWhat::Conf { conf, index });
                }
            }
        }
        let slot = &mut self.slots[i];
        if let Some(p) = slot.proto.as_ref() {
            slot.persisted_ring_seq = slot.persisted_ring_seq.max(p.ring_seq_high());
            if self.trace.enabled() {
                let summary = p.summary();
                if summary != slot.summary {
                    slot.summary = summary.clone();
                    self.note(Some(id), TraceWhat::State(summary));
                }
            }
        }
    }

    fn record(&mut self, i: usize, what: Delivery) -> usize {
        let inc = &mut self.recording.incarnations[self.slots[i].record];
        inc.stream.push(Delivered {
            at: self.now,
            event: self.stats.events,
            what,
        });
        inc.stream.len() - 1
    }

    fn send(&mut self, from: NodeId, to: Dest, bytes: Vec<u8>) {
        if bytes.len() > self.cfg.netmtu
            && bytes.len() > P::max_packet_len(&bytes, self.cfg.netmtu)
            && self.oversize.is_none()
        {
            self.oversize = Some(Oversize {
                at: self.now,
                node: from,
                len: bytes.len(),
                event: self.stats.events,
            });
        }
        if self.trace.enabled() {
            let what = P::describe_packet(&bytes);
            let len = bytes.len();
            self.note(Some(from), TraceWhat::Send { to, len, what });
        }
        let receivers: Vec<NodeId> = match to {
            Dest::Multicast => {
                self.stats.multicast_sends += 1;
                self.slots.iter().map(|s| s.id).collect()
            }
            Dest::Node(n) => {
                self.stats.unicast_sends += 1;
                vec![n]
            }
        };
        let arrivals =
            self.net
                .transmit(&mut self.net_rng, from, &receivers, bytes.len(), self.now);
        if arrivals.is_empty() {
            return;
        }
        let bytes: Rc<[u8]> = bytes.into();
        for (to, at) in arrivals {
            self.queue.push(
                at,
                Event::Arrive {
                    to,
                    from,
                    bytes: Rc::clone(&bytes),
                },
            );
        }
    }

    /// Hands a client's multicast to the protocol; records it if accepted.
    pub(crate) fn mcast(&mut self, i: usize, len: usize, guarantee: crate::api::Guarantee) {
        let slot = &mut self.slots[i];
        let id = PayloadId {
            node: slot.id,
            inc: slot.next_inc - 1,
            counter: slot.counter,
        };
        let bytes = payload::encode(id, len);
        let len = bytes.len();
        let now = self.now;
        self.current = Some(id.node);
        let Some(proto) = self.slots[i].proto.as_mut() else {
            return;
        };
        let result = proto.mcast(now, bytes, guarantee);
        self.current = None;
        let outputs = match result {
            Ok(outputs) => outputs,
            Err(_) => {
                self.stats.refused += 1;
                self.note(Some(id.node), TraceWhat::Refused);
                return;
            }
        };
        self.slots[i].counter += 1;
        let stream_len = self.recording.incarnations[self.slots[i].record]
            .stream
            .len();
        self.recording.sent.insert(
            id,
            Sent {
                at: now,
                guarantee,
                len,
                view: self.slots[i].view_ring,
                stream_len,
            },
        );
        self.stats.mcasts += 1;
        self.note(Some(id.node), TraceWhat::Mcast { id, guarantee, len });
        self.current = Some(id.node);
        self.apply(i, outputs);
        self.current = None;
    }
}

impl<P: Protocol> World<P> {
    /// Stops a node for `duration` µs (SIGSTOP): it handles nothing, its
    /// timers wait, its socket buffer keeps up to `capacity` datagrams and
    /// its clients' requests wait on their sockets.
    pub(crate) fn stall(&mut self, id: NodeId, duration: u64, capacity: usize) {
        let Some(i) = self.slot(id) else { return };
        if self.slots[i].proto.is_none() || self.slots[i].stall.is_some() {
            return;
        }
        let since = self.now;
        self.slots[i].stall = Some(Stall {
            since,
            backlog: VecDeque::new(),
            capacity,
            due: BTreeSet::new(),
            requests: 0,
        });
        self.note(
            Some(id),
            TraceWhat::Note(format!(
                "stalled for {} ms, socket buffer {capacity} datagrams",
                duration / 1000
            )),
        );
        self.queue
            .push(Time(self.now.0 + duration), Event::Resume(id, since));
    }

    /// A stalled node's client asks to multicast; the request waits.
    /// Returns false when the node is not stalled.
    pub(crate) fn hold_request(&mut self, i: usize) -> bool {
        match self.slots[i].stall.as_mut() {
            Some(stall) => {
                stall.requests = (stall.requests + 1).min(STALL_REQUESTS);
                true
            }
            None => false,
        }
    }

    /// Resumes every stalled node now (the faults stop).
    pub(crate) fn resume_all(&mut self) {
        let stalled: Vec<(NodeId, Time)> = self
            .slots
            .iter()
            .filter_map(|s| s.stall.as_ref().map(|st| (s.id, st.since)))
            .collect();
        for (id, since) in stalled {
            self.resume(id, since);
        }
    }

    /// SIGCONT: the node handles what piled up, all at once: its expired
    /// timers, its socket's backlog and its clients' requests, in an order
    /// the fault generator picks (the executive's event loop takes
    /// whichever source is ready first).
    fn resume(&mut self, id: NodeId, since: Time) {
        let Some(i) = self.slot(id) else { return };
        if self.slots[i].stall.as_ref().map(|s| s.since) != Some(since) {
            return;
        }
        let Some(stall) = self.slots[i].stall.take() else {
            return;
        };
        self.note(
            Some(id),
            TraceWhat::Note(format!(
                "resumes: {} datagrams, {} timers, {} requests waiting",
                stall.backlog.len(),
                stall.due.len(),
                stall.requests
            )),
        );
        let mut order = [0u8, 1, 2];
        for k in (1..order.len()).rev() {
            let j = self.fault_rng.below(k as u64 + 1) as usize;
            order.swap(k, j);
        }
        let now = self.now;
        for part in order {
            match part {
                0 => {
                    for &kind in &stall.due {
                        if let Some(&(_, generation)) = self.slots[i].timers.get(&kind) {
                            self.queue.push(
                                now,
                                Event::Timer {
                                    node: id,
                                    kind,
                                    generation,
                                },
                            );
                        }
                    }
                }
                1 => {
                    for (from, bytes) in &stall.backlog {
                        self.queue.push(
                            now,
                            Event::Arrive {
                                to: id,
                                from: *from,
                                bytes: Rc::clone(bytes),
                            },
                        );
                    }
                }
                _ => {
                    for _ in 0..stall.requests {
                        self.queue.push(now, Event::Request(id));
                    }
                }
            }
        }
    }
}
