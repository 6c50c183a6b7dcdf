//! One node's process-group layer: its packer and its assembler, wired so
//! that the node's own fragmented messages are resent when a configuration
//! change drops them.

use super::{Assembler, AssemblerStats, Limits, LimitsError, Message, PackError, Packer, Payload};
use crate::api::{ConfChg, ConfChgKind, Guarantee, NodeId};

/// The process-group layer of the node `local`.
///
/// The driver loop around it:
///
/// ```text
/// service wants to send  -> group.mcast(guarantee, &message)
/// Totem can take more    -> while let Some(p) = group.pop_payload() {
///                              if Totem refuses p { group.unpop_payload(p); break }
///                           }
/// Totem delivers         -> for m in group.deliver(from, &payload) { service(m) }
/// Totem changes config   -> group.conf_chg(&chg); then tell the services
/// ```
#[derive(Debug)]
pub struct ProcessGroup {
    packer: Packer,
    assembler: Assembler,
    /// A regular configuration was seen: messages queued from here on
    /// belong to a configuration.
    configured: bool,
}

impl ProcessGroup {
    pub fn new(local: NodeId, limits: Limits) -> Result<ProcessGroup, LimitsError> {
        Ok(ProcessGroup {
            packer: Packer::new(limits)?,
            assembler: Assembler::new(local, limits)?,
            configured: false,
        })
    }

    /// Queues `message` for multicast.
    pub fn mcast(&mut self, guarantee: Guarantee, message: &[u8]) -> Result<(), PackError> {
        self.packer.push(guarantee, message)
    }

    /// See [`Packer::pop_payload`].
    pub fn pop_payload(&mut self) -> Option<Payload> {
        self.packer.pop_payload()
    }

    /// See [`Packer::unpop_payload`].
    pub fn unpop_payload(&mut self, payload: Payload) {
        self.packer.unpop_payload(payload)
    }

    /// See [`Packer::has_payload`].
    pub fn has_payload(&self) -> bool {
        self.packer.has_payload()
    }

    /// See [`Packer::queued_bytes`].
    pub fn queued_bytes(&self) -> usize {
        self.packer.queued_bytes()
    }

    /// Feeds one Totem delivery; returns the whole messages it completes.
    pub fn deliver(&mut self, from: NodeId, payload: &[u8]) -> Vec<Message> {
        let messages = self.assembler.deliver(from, payload);
        self.settle_own();
        messages
    }

    /// Feeds a Totem configuration change, at its place in the stream.
    /// At a regular configuration after the first, the messages still
    /// queued were multicast in the configuration that ended and are
    /// dropped (those queued before the first go out in it).
    pub fn conf_chg(&mut self, chg: &ConfChg) {
        self.assembler.conf_chg(chg);
        self.settle_own();
        if chg.kind == ConfChgKind::Regular {
            if self.configured {
                let bytes = self.packer.discard();
                if bytes > 0 {
                    log::info!(target: "TOTEM",
                        "dropping {bytes} bytes of messages multicast before ring {} and not sent", chg.ring_id);
                }
            }
            self.configured = true;
        }
    }

    pub fn stats(&self) -> AssemblerStats {
        self.assembler.stats()
    }

    pub fn packer(&self) -> &Packer {
        &self.packer
    }

    pub fn assembler(&self) -> &Assembler {
        &self.assembler
    }

    fn settle_own(&mut self) {
        for outcome in self.assembler.take_own_outcomes() {
            self.packer.own_outcome(outcome);
        }
    }
}
