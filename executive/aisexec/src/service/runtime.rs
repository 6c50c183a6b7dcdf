//! What the service manager supplies every handler besides the ordering
//! layer and the library link: the clock, a random source, timers, the
//! outbox of exec messages waiting for room in the ordering layer, and the
//! record of this node's exec messages not yet delivered back to it.
//!
//! Services read time and randomness only through here ([`Context`]), so a
//! service is deterministic given its inputs: the executive runs it on the
//! wall clock and the operating system's random numbers, the test cluster
//! ([`super::testing`]) on a virtual clock and a seeded sequence.
//!
//! [`Context`]: super::Context

use std::collections::VecDeque;

use log::warn;

use super::exec_message;
use super::quorum::Quorum;
use super::timers::{self, Timers};
use crate::config::QuorumConfig;
use crate::ipc::ConnId;
use crate::ordering::{Guarantee, McastError, McastSink};

/// The time services see.
pub trait Clock {
    /// SaTimeT: nanoseconds since the epoch.
    fn now_ns(&self) -> i64;
}

/// The executive's clock: the system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct WallClock;

impl Clock for WallClock {
    fn now_ns(&self) -> i64 {
        timers::now_ns()
    }
}

/// Where services get random numbers (fresh ids).
pub trait Entropy {
    fn next_u64(&mut self) -> u64;
}

/// The executive's random source: the operating system's.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&mut self) -> u64 {
        sa_ipc::random_u64()
    }
}

/// How soon the outbox is offered to a full ordering layer again.
pub const OUTBOX_RETRY_NS: i64 = 20_000_000;

/// Exec messages the ordering layer refused for want of room, in the
/// order they were given; sent, still in that order, when it has room.
#[derive(Debug, Default)]
pub struct Outbox {
    queue: VecDeque<(Vec<u8>, Guarantee)>,
}

/// What a flush of the outbox left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything went out.
    Empty,
    /// The ordering layer is full again: retry later.
    Blocked,
}

impl Outbox {
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Queues an encoded exec message behind those waiting.
    pub fn push(&mut self, message: Vec<u8>, guarantee: Guarantee) {
        self.queue.push_back((message, guarantee));
    }

    /// Puts messages a configuration change dropped back at the front,
    /// in their order: they go before anything queued since.
    pub fn requeue_front(&mut self, messages: Vec<(Vec<u8>, Guarantee)>) {
        for m in messages.into_iter().rev() {
            self.queue.push_front(m);
        }
    }

    /// Multicasts what waits, in order, while the ordering layer takes
    /// it, recording each in `in_flight`. A message it refuses as too
    /// large could never go: it is dropped and logged.
    pub fn flush(&mut self, ordering: &mut dyn McastSink, in_flight: &mut InFlight) -> Flushed {
        while let Some((message, guarantee)) = self.queue.front() {
            // The sink takes the bytes even when it refuses them; the
            // copy is kept until the message is delivered.
            match ordering.mcast(message.clone(), *guarantee) {
                Ok(()) => {
                    // Encoded by this node: always an envelope.
                    let (service, kind, _) = exec_message::decode(message).unwrap_or((0, 0, &[]));
                    in_flight.push(Sent {
                        service,
                        kind,
                        resend: Some((message.clone(), *guarantee)),
                        caller: None,
                    });
                }
                Err(McastError::QueueFull) => return Flushed::Blocked,
                Err(McastError::TooLarge) => {
                    warn!(target: "SERV", "a queued exec message of {} bytes was refused as too large; dropped",
                        message.len());
                }
            }
            self.queue.pop_front();
        }
        Flushed::Empty
    }
}

/// The library request an exec message was multicast for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub conn: ConnId,
    pub kind: u16,
    pub seq: u32,
    /// The handler answered it already (an asynchronous call: its outcome
    /// comes as a callback).
    pub answered: bool,
}

/// One of this node's exec messages the ordering layer took.
#[derive(Debug)]
pub struct Sent {
    pub service: u16,
    pub kind: u16,
    /// Its bytes, when it came through the outbox: sent again if a
    /// configuration change drops it.
    pub resend: Option<(Vec<u8>, Guarantee)>,
    pub caller: Option<Caller>,
}

/// This node's exec messages that the ordering layer took and that have
/// not yet been delivered back to this node, oldest first. Totem delivers
/// a node's own messages to it in the order it sent them, and a message
/// still queued when its ring ends is never sent (it is delivered in the
/// configuration it was sent in, or nowhere); so what is left here at the
/// next regular configuration was dropped, and its caller can be told.
#[derive(Debug, Default)]
pub struct InFlight {
    queue: VecDeque<Sent>,
}

impl InFlight {
    pub fn push(&mut self, sent: Sent) {
        self.queue.push_back(sent);
    }

    /// One of this node's messages was delivered to it.
    pub fn delivered(&mut self) {
        self.queue.pop_front();
    }

    /// Marks the last `n` records as sent for an answered caller.
    pub fn mark_answered(&mut self, n: usize) {
        for sent in self.queue.iter_mut().rev().take(n) {
            if let Some(c) = sent.caller.as_mut() {
                c.answered = true;
            }
        }
    }

    /// Everything recorded: at a regular configuration, what was dropped.
    pub fn take(&mut self) -> Vec<Sent> {
        self.queue.drain(..).collect()
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// The manager's side of every [`Context`](super::Context).
pub struct Runtime {
    pub timers: Timers,
    pub clock: Box<dyn Clock>,
    pub entropy: Box<dyn Entropy>,
    pub outbox: Outbox,
    pub in_flight: InFlight,
    /// Whether the outbox waits (a sync runs: the state being merged must
    /// not move).
    pub outbox_paused: bool,
    /// Whether this partition is quorate (the manager keeps it; services
    /// read it through `Context::quorate`).
    pub quorum: Quorum,
    /// The last ring whose sync completed quorate under a quorum
    /// provider (0 without one): `Context::quorate_ring`.
    pub quorate_ring: u64,
    /// A service asked the executive to leave the cluster
    /// (`Context::leave_cluster`: AMF's node failfast).
    pub leave_requested: bool,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("timers", &self.timers.len())
            .field("outbox", &self.outbox.len())
            .field("in_flight", &self.in_flight.len())
            .field("outbox_paused", &self.outbox_paused)
            .finish()
    }
}

impl Runtime {
    /// The executive's: wall clock, the operating system's random numbers.
    pub fn system() -> Runtime {
        Runtime::new(Box::new(WallClock), Box::new(OsEntropy))
    }

    pub fn new(clock: Box<dyn Clock>, entropy: Box<dyn Entropy>) -> Runtime {
        Runtime {
            timers: Timers::default(),
            clock,
            entropy,
            outbox: Outbox::default(),
            in_flight: InFlight::default(),
            outbox_paused: false,
            quorum: Quorum::new(QuorumConfig::default()),
            quorate_ring: 0,
            leave_requested: false,
        }
    }
}
