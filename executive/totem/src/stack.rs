//! [`Stack`]: one node's Totem state machine and process-group layer,
//! glued together as every driver runs them.
//!
//! The executive's network driver (`aisexec`'s `net/driver.rs`) and the
//! simulator both drive a `Stack`, so the code that decides which
//! messages reach the services, and in which configuration, is the code
//! the simulator checks. Like [`Srp`], it owns no socket, clock or random
//! source: the driver feeds inputs stamped with the time and carries out
//! the packets and timers returned; delivered messages and configuration
//! changes wait in an event queue until the layer above takes them with
//! [`Stack::pop_event`].
//!
//! # A message is delivered in the configuration it was sent in
//!
//! The layer above multicasts in the configuration it was last given (the
//! last regular [`ConfChg`] it took): a message is delivered in that
//! configuration (or its transitional one), or nowhere. Sent later, it
//! would reach members that meanwhile reported its sender gone, as if
//! nothing had happened; CPG would hand a departed process's message to
//! the group between its NODEDOWN and its NODEUP. So:
//!
//! * the state machine queues a message only while its ring is
//!   operational, and drops what is still queued when the next ring is
//!   installed ([`Srp`]'s own rule);
//! * the process-group layer drops what it still holds at each regular
//!   configuration after the first;
//! * a multicast is refused (`QueueFull`, retried by the caller) while
//!   the ring is being left or formed, and while a regular configuration
//!   is installed that the layer above has not taken yet: its message
//!   would belong to a configuration that is already over.

use std::collections::VecDeque;

use crate::api::{
    ConfChg, ConfChgKind, Config, Guarantee, Input, McastError, NodeId, Output, RingId, Time,
};
use crate::pg::{Limits, LimitsError, ProcessGroup};
use crate::srp::{Srp, SEND_QUEUE_LIMIT};

/// Bytes of messages the process-group layer may hold before multicasts
/// are refused (the layer above retries): one message of the largest size
/// the executive's IPC allows always fits when the queue is below it.
pub const PG_QUEUE_LIMIT: usize = 2 << 20;

/// What the layer above is told, in agreed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole message multicast by `from`.
    Deliver { from: NodeId, payload: Vec<u8> },
    /// A configuration change, at its place in the message stream.
    ConfChg(ConfChg),
}

/// Counters of the glue itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackStats {
    /// Multicasts refused because a queue was full.
    pub refused_full: u64,
    /// Multicasts refused while the configuration changes.
    pub refused_reconfiguring: u64,
}

/// One node's ordering stack: [`Srp`] below, [`ProcessGroup`] above it.
#[derive(Debug)]
pub struct Stack {
    srp: Srp,
    pg: ProcessGroup,
    /// Payloads handed to the state machine ahead of the token: enough for
    /// a full token visit; the rest waits in the process-group layer, where
    /// small messages are packed together.
    topup: usize,
    events: VecDeque<Event>,
    /// The last regular configuration installed, and the last one the
    /// layer above took: the layer above multicasts in the latter.
    installed: Option<RingId>,
    taken: Option<RingId>,
    left: bool,
    stats: StackStats,
}

impl Stack {
    /// Starts a node (see [`Srp::new`]); `cfg.netmtu` is what Totem's own
    /// packets may take.
    pub fn new(
        cfg: Config,
        me: NodeId,
        ring_seq: u64,
        now: Time,
    ) -> Result<(Stack, Vec<Output>), LimitsError> {
        let max_messages = cfg.max_messages as usize;
        let window = cfg.window_size as usize;
        let (srp, out) = Srp::new(cfg, me, ring_seq, now);
        let pg = ProcessGroup::new(me, Limits::new(srp.max_payload()))?;
        let mut stack = Stack {
            srp,
            pg,
            topup: window.max(max_messages).clamp(1, SEND_QUEUE_LIMIT / 2),
            events: VecDeque::new(),
            installed: None,
            taken: None,
            left: false,
            stats: StackStats::default(),
        };
        let mut sends = Vec::new();
        stack.carry(out, &mut sends);
        stack.feed(now, &mut sends);
        Ok((stack, sends))
    }

    pub fn srp(&self) -> &Srp {
        &self.srp
    }

    pub fn pg(&self) -> &ProcessGroup {
        &self.pg
    }

    pub fn stats(&self) -> &StackStats {
        &self.stats
    }

    /// Whether [`Stack::leave`] was called.
    pub fn has_left(&self) -> bool {
        self.left
    }

    /// Feeds a datagram or a timer expiry; returns the packets to send and
    /// the timers to arm or cancel, in order. Deliveries and configuration
    /// changes go to the event queue.
    pub fn handle(&mut self, now: Time, input: Input) -> Vec<Output> {
        let mut sends = Vec::new();
        if self.left {
            return sends;
        }
        let out = match input {
            Input::Mcast { payload, guarantee } => {
                return self.mcast(now, &payload, guarantee).unwrap_or_default();
            }
            other => self.srp.handle(now, other),
        };
        self.carry(out, &mut sends);
        self.feed(now, &mut sends);
        sends
    }

    /// Queues a message of the layer above for multicast.
    /// `Err(QueueFull)`: nothing was queued; the caller retries later.
    pub fn mcast(
        &mut self,
        now: Time,
        message: &[u8],
        guarantee: Guarantee,
    ) -> Result<Vec<Output>, McastError> {
        if self.left || self.queue_full() {
            self.stats.refused_full += 1;
            return Err(McastError::QueueFull);
        }
        if !self.in_step() {
            self.stats.refused_reconfiguring += 1;
            return Err(McastError::QueueFull);
        }
        self.pg
            .mcast(guarantee, message)
            .map_err(|_| McastError::TooLarge)?;
        let mut sends = Vec::new();
        self.feed(now, &mut sends);
        Ok(sends)
    }

    /// True when a multicast now would be refused with `QueueFull`.
    pub fn queue_full(&self) -> bool {
        self.srp.queue_full() || self.pg.queued_bytes() >= PG_QUEUE_LIMIT || !self.in_step()
    }

    /// Whether a message multicast now can still be sent in the
    /// configuration the layer above is in: the ring is operational (or
    /// none was installed yet) and the layer above took the last regular
    /// configuration installed.
    fn in_step(&self) -> bool {
        self.taken == self.installed && !self.srp.reconfiguring()
    }

    /// Messages accepted and not yet sequenced (in payloads, roughly).
    pub fn queued(&self) -> usize {
        self.srp.queued() + usize::from(self.pg.has_payload())
    }

    /// The next delivered message or configuration change.
    pub fn pop_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front()?;
        if let Event::ConfChg(c) = &event {
            if c.kind == ConfChgKind::Regular {
                self.taken = Some(c.ring_id);
            }
        }
        Some(event)
    }

    /// Graceful leave (see [`Srp::leave`]); events not yet taken are
    /// dropped.
    pub fn leave(&mut self, now: Time) -> Vec<Output> {
        if self.left {
            return Vec::new();
        }
        let out = self.srp.leave(now);
        let mut sends = Vec::new();
        self.carry(out, &mut sends);
        self.left = true;
        self.events.clear();
        sends
    }

    /// Sorts the state machine's outputs: packets and timers for the
    /// driver, deliveries through the process-group layer into events.
    fn carry(&mut self, out: Vec<Output>, sends: &mut Vec<Output>) {
        for o in out {
            match o {
                Output::Send { .. } | Output::SetTimer(..) | Output::CancelTimer(_) => {
                    sends.push(o)
                }
                Output::Deliver { from, payload } => {
                    for m in self.pg.deliver(from, &payload) {
                        self.events.push_back(Event::Deliver {
                            from: m.from,
                            payload: m.bytes,
                        });
                    }
                }
                Output::ConfChg(chg) => {
                    if chg.kind == ConfChgKind::Regular {
                        self.installed = Some(chg.ring_id);
                    }
                    self.pg.conf_chg(&chg);
                    self.events.push_back(Event::ConfChg(chg));
                }
            }
        }
    }

    /// Moves payloads from the process-group layer into the state
    /// machine's send queue, up to `topup`.
    fn feed(&mut self, now: Time, sends: &mut Vec<Output>) {
        // While the ring is left or formed, what the process-group layer
        // holds stays there until the next regular configuration drops it
        // (see the module documentation).
        while !self.left && self.srp.queued() < self.topup && self.srp.accepts_mcast() {
            let Some(payload) = self.pg.pop_payload() else {
                return;
            };
            match self.srp.mcast(now, payload.bytes, payload.guarantee) {
                Ok(out) => self.carry(out, sends),
                Err(e) => {
                    // The packer never makes a payload larger than
                    // `max_payload`, and the queue had room.
                    log::error!(target: "TOTEM", "Totem refused a process-group payload: {e:?}");
                    return;
                }
            }
        }
    }
}
