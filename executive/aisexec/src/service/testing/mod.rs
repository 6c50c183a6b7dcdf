//! What service tests run on: test doubles of the ordering layer and the
//! library link that record what they are given, a virtual clock, a
//! seeded random source, and [`TestCluster`], nodes of real services
//! wired through an in-memory ordering stage.

mod cluster;

use std::cell::Cell;
use std::rc::Rc;

use sa_ipc::frame::Frame;

use super::api::LibraryLink;
use super::runtime::{Clock, Entropy};
use crate::ipc::ConnId;
use crate::ordering::{Guarantee, McastError, McastSink, NodeId};

pub use cluster::{test_env, TestCluster, START_NS};

/// A clock that moves only when the test moves it; clones share the time.
#[derive(Debug, Clone)]
pub struct VirtualClock(Rc<Cell<i64>>);

impl VirtualClock {
    /// Starts at `now_ns`.
    pub fn at(now_ns: i64) -> VirtualClock {
        VirtualClock(Rc::new(Cell::new(now_ns)))
    }

    pub fn now(&self) -> i64 {
        self.0.get()
    }

    pub fn advance(&self, ns: i64) {
        self.0.set(self.0.get().saturating_add(ns));
    }
}

impl Clock for VirtualClock {
    fn now_ns(&self) -> i64 {
        self.0.get()
    }
}

/// A reproducible random source (splitmix64).
#[derive(Debug, Clone)]
pub struct SeededEntropy(u64);

impl SeededEntropy {
    pub fn new(seed: u64) -> SeededEntropy {
        SeededEntropy(seed)
    }
}

impl Entropy for SeededEntropy {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// An ordering layer driven by the test: mcasts are collected, and the
/// test decides what is delivered when.
#[derive(Default)]
pub struct Wire {
    pub node: NodeId,
    pub sent: Vec<Vec<u8>>,
    pub full: bool,
}

impl McastSink for Wire {
    fn local_node(&self) -> NodeId {
        self.node
    }
    fn mcast(&mut self, payload: Vec<u8>, _g: Guarantee) -> Result<(), McastError> {
        if self.full {
            return Err(McastError::QueueFull);
        }
        self.sent.push(payload);
        Ok(())
    }
    fn queue_full(&self) -> bool {
        self.full
    }
}

#[derive(Default)]
pub struct Link {
    pub responses: Vec<(ConnId, Frame)>,
    pub callbacks: Vec<(ConnId, Frame)>,
    pub dropped: Vec<ConnId>,
}

impl LibraryLink for Link {
    fn send_response(&mut self, conn: ConnId, frame: Frame) {
        self.responses.push((conn, frame));
    }
    fn send_callback(&mut self, conn: ConnId, frame: Frame) {
        self.callbacks.push((conn, frame));
    }
    fn disconnect(&mut self, conn: ConnId) {
        self.dropped.push(conn);
    }
}
