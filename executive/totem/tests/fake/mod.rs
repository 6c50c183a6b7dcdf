//! A deliberately simple protocol to exercise the simulator and its checker
//! without Totem: a central sequencer (the lowest node id heard during the
//! first 300 ms) admits nodes one by one into its configuration and
//! numbers every multicast; everyone delivers in number order. It has no
//! retransmission and no failure handling, so it is correct only on a
//! network without loss and without faults.
//!
//! `Fake<BUG>` with a non-zero `BUG` breaks one property on purpose on the
//! highest-numbered node, so the tests can show the checker catches it.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use totem::sim::payload::{self, PayloadId};
use totem::sim::Protocol;
use totem::{
    ConfChg, ConfChgKind, Config, Dest, Guarantee, Input, McastError, NodeId, Output, RingId, Time,
    TimerKind,
};

pub const CORRECT: u8 = 0;
/// Delivers one message twice.
pub const DUPLICATE: u8 = 1;
/// Delivers two consecutive messages in swapped order.
pub const SWAP: u8 = 2;
/// Delivers a configuration change one message late.
pub const LATE_CONF: u8 = 3;
/// Silently skips one message.
pub const SKIP: u8 = 4;
/// Never delivers its own messages.
pub const FORGET_OWN: u8 = 5;
/// Delivers a payload nobody sent.
pub const INVENT: u8 = 6;
/// Panics on its 50th input.
pub const PANIC: u8 = 7;
/// Re-arms a timer for the current instant forever.
pub const BUSY: u8 = 8;
/// Reuses ring sequence number 4 for every configuration.
pub const BAD_RING: u8 = 9;
/// Accepts payloads too large for one packet of `netmtu` bytes.
pub const OVERSIZE: u8 = 10;

const SETTLE: u64 = 300_000;
const JOIN_EVERY: u64 = 20_000;

#[derive(Clone)]
enum Item {
    Msg { from: NodeId, payload: Vec<u8> },
    Conf { seq: u64, members: Vec<NodeId> },
}

pub struct Fake<const BUG: u8> {
    me: NodeId,
    netmtu: usize,
    started: Time,
    known: BTreeSet<NodeId>,
    settled: bool,
    // Sequencer side.
    next_n: u64,
    admitted: Vec<NodeId>,
    ring_seq: u64,
    early: Vec<(NodeId, Vec<u8>)>,
    // Receiver side.
    in_conf: bool,
    expected: u64,
    buffer: BTreeMap<u64, Item>,
    members: Vec<NodeId>,
    /// Multicasts not yet ordered, with the configuration (ring
    /// sequence, 0: none yet) they were multicast in.
    pending: VecDeque<(u64, Vec<u8>)>,
    /// The last configuration delivered, and the first.
    view_seq: u64,
    first_seq: u64,
    ring_seq_high: u64,
    // Bug bookkeeping.
    delivered: u64,
    inputs: u64,
    held: Option<Output>,
    late_conf: Option<Vec<Output>>,
    bug_done: bool,
}

fn order(n: u64, item: &Item) -> Vec<u8> {
    let mut b = vec![2];
    b.extend_from_slice(&n.to_le_bytes());
    match item {
        Item::Msg { from, payload } => {
            b.push(0);
            b.extend_from_slice(&from.to_le_bytes());
            b.extend_from_slice(payload);
        }
        Item::Conf { seq, members } => {
            b.push(1);
            b.extend_from_slice(&seq.to_le_bytes());
            for m in members {
                b.extend_from_slice(&m.to_le_bytes());
            }
        }
    }
    b
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

impl<const BUG: u8> Fake<BUG> {
    fn sequencer(&self) -> NodeId {
        *self.known.iter().next().unwrap_or(&self.me)
    }

    /// The node that misbehaves: the highest id heard of.
    fn is_buggy(&self) -> bool {
        BUG != CORRECT
            && self.in_conf
            && self.members.len() >= 2
            && self.known.iter().next_back() == Some(&self.me)
    }

    fn order_item(&mut self, item: Item, out: &mut Vec<Output>) {
        let n = self.next_n;
        self.next_n += 1;
        out.push(Output::Send {
            to: Dest::Multicast,
            bytes: order(n, &item),
        });
    }

    fn admit(&mut self, node: NodeId, out: &mut Vec<Output>) {
        if self.admitted.contains(&node) {
            return;
        }
        self.admitted.push(node);
        self.admitted.sort_unstable();
        self.ring_seq += 4;
        self.ring_seq_high = self.ring_seq_high.max(self.ring_seq);
        let seq = if BUG == BAD_RING { 4 } else { self.ring_seq };
        let members = self.admitted.clone();
        self.order_item(Item::Conf { seq, members }, out);
    }

    fn settle(&mut self, out: &mut Vec<Output>) {
        self.settled = true;
        if self.sequencer() == self.me {
            self.ring_seq = self.ring_seq_high;
            self.admit(self.me, out);
            for (from, payload) in std::mem::take(&mut self.early) {
                self.order_item(Item::Msg { from, payload }, out);
            }
        }
        self.flush(out);
    }

    fn flush(&mut self, out: &mut Vec<Output>) {
        // A node's messages are ordered only once it is a member, so it
        // delivers them itself.
        let seq = self.sequencer();
        if !self.settled || (!self.in_conf && seq != self.me) {
            return;
        }
        // A message is ordered in the configuration it was multicast in, or
        // not at all (extended virtual synchrony's sending view).
        if seq == self.me && self.view_seq != self.ring_seq {
            // An admission of ours is on its way: wait for it.
            return;
        }
        while let Some((view, p)) = self.pending.pop_front() {
            let in_view = if view == 0 {
                self.view_seq == self.first_seq
            } else {
                view == self.view_seq
            };
            if !in_view {
                continue;
            }
            if seq == self.me {
                self.order_item(
                    Item::Msg {
                        from: self.me,
                        payload: p,
                    },
                    out,
                );
            } else {
                let mut b = vec![1];
                b.extend_from_slice(&self.view_seq.to_le_bytes());
                b.extend_from_slice(&p);
                out.push(Output::Send {
                    to: Dest::Node(seq),
                    bytes: b,
                });
            }
        }
    }

    fn deliver(&mut self, item: Item, out: &mut Vec<Output>) {
        let buggy = self.is_buggy();
        match item {
            Item::Msg { from, payload } => {
                self.delivered += 1;
                let d = Output::Deliver { from, payload };
                if buggy && !self.bug_done {
                    match BUG {
                        DUPLICATE if self.delivered == 5 => {
                            out.push(d.clone());
                            self.bug_done = true;
                        }
                        SWAP if self.delivered == 10 => {
                            self.held = Some(d);
                            return;
                        }
                        SKIP if self.delivered == 7 => {
                            self.bug_done = true;
                            return;
                        }
                        FORGET_OWN if from == self.me => return,
                        INVENT if self.delivered == 3 => {
                            let forged = PayloadId {
                                node: from,
                                inc: 0,
                                counter: 999_999,
                            };
                            out.push(Output::Deliver {
                                from,
                                payload: payload::encode(forged, 40),
                            });
                            self.bug_done = true;
                        }
                        _ => {}
                    }
                }
                out.push(d);
                if let Some(h) = self.held.take() {
                    out.push(h);
                    self.bug_done = true;
                }
                if let Some(conf) = self.late_conf.take() {
                    out.extend(conf);
                    self.bug_done = true;
                }
            }
            Item::Conf { seq, members } => {
                let ring_id = RingId {
                    rep: members[0],
                    seq,
                };
                self.ring_seq_high = self.ring_seq_high.max(seq);
                if self.first_seq == 0 {
                    self.first_seq = seq;
                }
                self.view_seq = seq;
                let mut changes = Vec::new();
                if !self.members.is_empty() {
                    let trans: Vec<NodeId> = self
                        .members
                        .iter()
                        .copied()
                        .filter(|m| members.contains(m))
                        .collect();
                    let left = self
                        .members
                        .iter()
                        .copied()
                        .filter(|m| !members.contains(m))
                        .collect();
                    changes.push(Output::ConfChg(ConfChg {
                        kind: ConfChgKind::Transitional,
                        ring_id,
                        members: trans.clone(),
                        left,
                        joined: vec![],
                    }));
                    let joined = members
                        .iter()
                        .copied()
                        .filter(|m| !trans.contains(m))
                        .collect();
                    changes.push(Output::ConfChg(ConfChg {
                        kind: ConfChgKind::Regular,
                        ring_id,
                        members: members.clone(),
                        left: vec![],
                        joined,
                    }));
                } else {
                    let joined = members.iter().copied().filter(|&m| m != self.me).collect();
                    changes.push(Output::ConfChg(ConfChg {
                        kind: ConfChgKind::Regular,
                        ring_id,
                        members: members.clone(),
                        left: vec![],
                        joined,
                    }));
                }
                self.members = members;
                if buggy && BUG == LATE_CONF && !self.bug_done && self.late_conf.is_none() {
                    self.late_conf = Some(changes);
                } else {
                    out.extend(changes);
                }
            }
        }
    }

    fn on_order(&mut self, b: &[u8], out: &mut Vec<Output>) {
        let n = u64_at(b, 1);
        let item = if b[9] == 0 {
            Item::Msg {
                from: u32_at(b, 10),
                payload: b[14..].to_vec(),
            }
        } else {
            let seq = u64_at(b, 10);
            let members = b[18..].chunks(4).map(|c| u32_at(c, 0)).collect();
            Item::Conf { seq, members }
        };
        // Items overtaken by later ones wait in the buffer, also before
        // this node's admission arrives (only then is it known where its
        // stream starts).
        let admits_me = matches!(&item, Item::Conf { members, .. } if members.contains(&self.me));
        if !self.in_conf && admits_me {
            self.in_conf = true;
            self.expected = n;
            self.buffer = self.buffer.split_off(&n);
            out.push(Output::CancelTimer(TimerKind::Join));
            self.flush(out);
        }
        if self.in_conf && n < self.expected {
            return;
        }
        self.buffer.insert(n, item);
        if !self.in_conf {
            return;
        }
        while let Some(item) = self.buffer.remove(&self.expected) {
            self.expected += 1;
            self.deliver(item, out);
        }
        self.flush(out);
    }
}

impl<const BUG: u8> Protocol for Fake<BUG> {
    fn start(cfg: &Config, me: NodeId, ring_seq: u64, now: Time) -> (Self, Vec<Output>) {
        let f = Fake {
            me,
            netmtu: cfg.netmtu,
            started: now,
            known: [me].into_iter().collect(),
            settled: false,
            next_n: 0,
            admitted: Vec::new(),
            ring_seq: 0,
            early: Vec::new(),
            in_conf: false,
            expected: 0,
            buffer: BTreeMap::new(),
            members: Vec::new(),
            pending: VecDeque::new(),
            view_seq: 0,
            first_seq: 0,
            ring_seq_high: ring_seq,
            delivered: 0,
            inputs: 0,
            held: None,
            late_conf: None,
            bug_done: false,
        };
        let mut join = vec![0];
        join.extend_from_slice(&me.to_le_bytes());
        let out = vec![
            Output::Send {
                to: Dest::Multicast,
                bytes: join,
            },
            Output::SetTimer(TimerKind::Join, Time(now.0 + JOIN_EVERY)),
            Output::SetTimer(TimerKind::Consensus, Time(now.0 + SETTLE)),
        ];
        (f, out)
    }

    fn handle(&mut self, now: Time, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        self.inputs += 1;
        if BUG == PANIC && self.inputs == 50 && self.known.iter().next_back() == Some(&self.me) {
            panic!("fake protocol panics on purpose");
        }
        match input {
            Input::TimerFired(TimerKind::Consensus) => self.settle(&mut out),
            Input::TimerFired(TimerKind::Join) => {
                if !self.in_conf {
                    let mut join = vec![0];
                    join.extend_from_slice(&self.me.to_le_bytes());
                    out.push(Output::Send {
                        to: Dest::Multicast,
                        bytes: join,
                    });
                    out.push(Output::SetTimer(TimerKind::Join, Time(now.0 + JOIN_EVERY)));
                }
            }
            Input::TimerFired(TimerKind::TokenHold) => {
                out.push(Output::SetTimer(TimerKind::TokenHold, now));
            }
            Input::TimerFired(_) => {}
            Input::Mcast { payload, .. } => {
                self.pending.push_back((self.view_seq, payload));
                self.flush(&mut out);
            }
            Input::Packet { from, bytes } => match bytes.first() {
                Some(0) => {
                    self.known.insert(u32_at(&bytes, 1));
                    if self.settled && self.sequencer() == self.me {
                        self.admit(u32_at(&bytes, 1), &mut out);
                    }
                }
                // Forwarded in the configuration the sequencer admitted
                // last, or dropped.
                Some(1) if bytes.len() >= 9 && u64_at(&bytes, 1) == self.ring_seq => {
                    let item = Item::Msg {
                        from,
                        payload: bytes[9..].to_vec(),
                    };
                    if self.settled {
                        self.order_item(item, &mut out);
                    } else if let Item::Msg { from, payload } = item {
                        self.early.push((from, payload));
                    }
                }
                Some(2) => self.on_order(&bytes, &mut out),
                _ => {}
            },
        }
        if BUG == BUSY && self.inputs == 100 && self.known.iter().next_back() == Some(&self.me) {
            out.push(Output::SetTimer(TimerKind::TokenHold, now));
        }
        out
    }

    fn mcast(
        &mut self,
        now: Time,
        payload: Vec<u8>,
        guarantee: Guarantee,
    ) -> Result<Vec<Output>, McastError> {
        if self.queue_full() {
            return Err(McastError::QueueFull);
        }
        Ok(self.handle(now, Input::Mcast { payload, guarantee }))
    }

    fn queue_full(&self) -> bool {
        self.pending.len() >= 200
    }

    fn queued(&self) -> usize {
        self.pending.len()
    }

    fn leave(&mut self, _now: Time) -> Vec<Output> {
        Vec::new()
    }

    fn ring_seq_high(&self) -> u64 {
        self.ring_seq_high
    }

    fn max_payload(&self) -> usize {
        // An order packet adds 14 bytes to the payload.
        if BUG == OVERSIZE {
            self.netmtu + 500
        } else {
            self.netmtu - 14
        }
    }

    fn summary(&self) -> String {
        format!("fake members {:?} settled {}", self.members, self.settled)
    }
}
