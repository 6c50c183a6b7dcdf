//! Test doubles for services and the manager: an ordering layer and a
//! library link that record what they are given.

use sa_ipc::frame::Frame;

use super::api::LibraryLink;
use crate::ipc::ConnId;
use crate::ordering::{Guarantee, McastError, McastSink, NodeId};

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
