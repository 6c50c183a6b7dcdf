//! What the service manager supplies every handler besides the ordering
//! layer and the library link: the clock, a random source, timers and the
//! outbox of exec messages waiting for room in the ordering layer.
//!
//! Services read time and randomness only through here ([`Context`]), so a
//! service is deterministic given its inputs: the executive runs it on the
//! wall clock and the operating system's random numbers, the test cluster
//! ([`super::testing`]) on a virtual clock and a seeded sequence.
//!
//! [`Context`]: super::Context

use std::collections::VecDeque;

use log::warn;

use super::timers::{self, Timers};
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

    /// Multicasts what waits, in order, while the ordering layer takes
    /// it. A message it refuses as too large could never go: it is
    /// dropped and logged.
    pub fn flush(&mut self, ordering: &mut dyn McastSink) -> Flushed {
        while let Some((message, guarantee)) = self.queue.front() {
            // The sink takes the bytes even when it refuses them; the
            // copy is made only for messages that already waited once.
            match ordering.mcast(message.clone(), *guarantee) {
                Ok(()) => {}
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

/// The manager's side of every [`Context`](super::Context).
pub struct Runtime {
    pub timers: Timers,
    pub clock: Box<dyn Clock>,
    pub entropy: Box<dyn Entropy>,
    pub outbox: Outbox,
    /// Whether the outbox waits (a sync runs: the state being merged must
    /// not move).
    pub outbox_paused: bool,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("timers", &self.timers.len())
            .field("outbox", &self.outbox.len())
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
            outbox_paused: false,
        }
    }
}
