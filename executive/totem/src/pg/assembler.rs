//! Receiver side: Totem deliveries in, whole application messages out.

use std::collections::BTreeMap;

use super::frame::{self, FragmentPos, Record};
use super::{Limits, LimitsError, OwnOutcome};
use crate::api::{ConfChg, ConfChgKind, NodeId};

/// A whole application message, as its sender pushed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub from: NodeId,
    pub bytes: Vec<u8>,
}

/// What the assembler dropped, and why. Every node fed the same stream
/// counts the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssemblerStats {
    /// Messages handed out whole.
    pub messages: u64,
    /// Payloads that were not valid frames; dropped as a unit.
    pub malformed_payloads: u64,
    /// Messages longer than `max_message`; dropped.
    pub oversize_messages: u64,
    /// Partly assembled messages dropped at a configuration change.
    pub discarded_by_confchg: u64,
    /// Later fragments of a message whose beginning this node did not
    /// assemble (it joined after it, or dropped it at a configuration
    /// change); dropped. Expected around configuration changes.
    pub orphan_fragments: u64,
    /// Records that break a sender's fragment sequence (a wrong id or
    /// offset, a message starting while another is incomplete); the
    /// incomplete message is dropped. A correct sender never causes these.
    pub sequence_errors: u64,
}

/// A message being assembled from one sender's fragments.
#[derive(Debug)]
enum Partial {
    Collecting {
        msg_id: u32,
        total: usize,
        bytes: Vec<u8>,
    },
    /// Too long to keep: its fragments are consumed and dropped.
    Skipping {
        msg_id: u32,
        total: usize,
        received: usize,
    },
}

impl Partial {
    fn msg_id(&self) -> u32 {
        match self {
            Partial::Collecting { msg_id, .. } | Partial::Skipping { msg_id, .. } => *msg_id,
        }
    }

    fn received(&self) -> usize {
        match self {
            Partial::Collecting { bytes, .. } => bytes.len(),
            Partial::Skipping { received, .. } => *received,
        }
    }
}

/// Turns the agreed-order stream of Totem deliveries and configuration
/// changes back into whole messages.
///
/// The assembler is a deterministic function of the stream it is fed: two
/// nodes fed the same deliveries and configuration changes in the same
/// order hand out the same messages and count the same drops. Extended
/// virtual synchrony gives exactly that to nodes that move together from
/// one configuration to the next; the rules below keep it true for
/// messages whose fragments straddle a configuration change:
///
/// * a transitional configuration drops nothing: the old ring's last
///   fragments, delivered after it, may still complete messages;
/// * at a regular configuration, every partial message is dropped: no
///   sender goes on with a message across a configuration change (it is
///   delivered in the configuration it was sent in, or not at all), and
///   the joiners never saw those messages' first fragments anyway. The
///   later fragments are orphans to every member alike. The sender sees
///   its own message dropped the same way ([`OwnOutcome::Lost`]);
///   [`ProcessGroup`](super::ProcessGroup) drops what it still had of it.
///
/// Memory is bounded by `max_message` per sender; longer messages are
/// skipped as their fragments arrive, never buffered.
#[derive(Debug)]
pub struct Assembler {
    local: NodeId,
    max_message: usize,
    partials: BTreeMap<NodeId, Partial>,
    stats: AssemblerStats,
    own: Vec<OwnOutcome>,
}

impl Assembler {
    /// `local` is this node's id: outcomes of its own fragmented messages
    /// are collected for its [`Packer`](super::Packer).
    pub fn new(local: NodeId, limits: Limits) -> Result<Assembler, LimitsError> {
        limits.check()?;
        Ok(Assembler {
            local,
            max_message: limits.max_message,
            partials: BTreeMap::new(),
            stats: AssemblerStats::default(),
            own: Vec::new(),
        })
    }

    pub fn stats(&self) -> AssemblerStats {
        self.stats
    }

    /// Senders with a message partly assembled.
    pub fn partial_senders(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.partials.keys().copied()
    }

    /// Bytes of memory held for partly assembled messages.
    pub fn buffered_bytes(&self) -> usize {
        self.partials
            .values()
            .map(|p| match p {
                Partial::Collecting { bytes, .. } => bytes.capacity(),
                Partial::Skipping { .. } => 0,
            })
            .sum()
    }

    /// Outcomes of this node's own fragmented messages since the last call,
    /// in stream order.
    pub fn take_own_outcomes(&mut self) -> Vec<OwnOutcome> {
        std::mem::take(&mut self.own)
    }

    /// Feeds one Totem delivery; returns the messages it completes, in
    /// order.
    pub fn deliver(&mut self, from: NodeId, payload: &[u8]) -> Vec<Message> {
        let records = match frame::parse(payload) {
            Ok(records) => records,
            Err(_) => {
                self.stats.malformed_payloads += 1;
                return Vec::new();
            }
        };
        let mut messages = Vec::new();
        for record in records {
            let complete = match record {
                Record::Whole(bytes) => self.whole(from, bytes),
                Record::Fragment { pos, chunk } => self.fragment(from, pos, chunk),
            };
            if let Some(bytes) = complete {
                self.stats.messages += 1;
                messages.push(Message { from, bytes });
            }
        }
        messages
    }

    /// Feeds a configuration change, at its place in the stream.
    pub fn conf_chg(&mut self, chg: &ConfChg) {
        // A transitional configuration drops nothing: the old ring's
        // fragments delivered after it (those of senders that left too)
        // may still complete a message, as on every member that received
        // them (a safe message delivered whole elsewhere must be here too).
        if chg.kind != ConfChgKind::Regular {
            return;
        }
        let dropped: Vec<NodeId> = self.partials.keys().copied().collect();
        for node in dropped {
            if let Some(partial) = self.partials.remove(&node) {
                self.stats.discarded_by_confchg += 1;
                if node == self.local {
                    self.own.push(match partial {
                        Partial::Collecting { msg_id, .. } => OwnOutcome::Lost(msg_id),
                        // Would be skipped again: sending it anew is useless.
                        Partial::Skipping { msg_id, .. } => OwnOutcome::Settled(msg_id),
                    });
                }
            }
        }
    }

    fn whole(&mut self, from: NodeId, bytes: &[u8]) -> Option<Vec<u8>> {
        if let Some(partial) = self.partials.remove(&from) {
            self.sequence_error(from, &partial);
        }
        if bytes.len() > self.max_message {
            self.stats.oversize_messages += 1;
            return None;
        }
        Some(bytes.to_vec())
    }

    fn fragment(&mut self, from: NodeId, pos: FragmentPos, chunk: &[u8]) -> Option<Vec<u8>> {
        // `frame::parse` guarantees offset + chunk <= total and a non-empty
        // chunk; u32 always fits usize on the platforms this runs on.
        let total = pos.total as usize;
        let offset = pos.offset as usize;
        if offset == 0 {
            if let Some(partial) = self.partials.remove(&from) {
                self.sequence_error(from, &partial);
            }
            let partial = if total > self.max_message {
                self.stats.oversize_messages += 1;
                Partial::Skipping {
                    msg_id: pos.msg_id,
                    total,
                    received: 0,
                }
            } else {
                // `total` is the sender's claim, and a forged sender id
                // costs nothing: memory grows with the bytes that arrive.
                Partial::Collecting {
                    msg_id: pos.msg_id,
                    total,
                    bytes: Vec::with_capacity(chunk.len()),
                }
            };
            self.partials.insert(from, partial);
        }
        let Some(partial) = self.partials.get_mut(&from) else {
            self.stats.orphan_fragments += 1;
            return None;
        };
        let expected_total = match partial {
            Partial::Collecting { total, .. } | Partial::Skipping { total, .. } => *total,
        };
        if partial.msg_id() != pos.msg_id || partial.received() != offset || expected_total != total
        {
            if let Some(partial) = self.partials.remove(&from) {
                self.sequence_error(from, &partial);
            }
            return None;
        }
        let done = match partial {
            Partial::Collecting { bytes, .. } => {
                bytes.extend_from_slice(chunk);
                bytes.len() == total
            }
            Partial::Skipping { received, .. } => {
                *received += chunk.len();
                *received == total
            }
        };
        if !done {
            return None;
        }
        let partial = self.partials.remove(&from)?;
        if from == self.local {
            self.own.push(OwnOutcome::Settled(pos.msg_id));
        }
        match partial {
            Partial::Collecting { bytes, .. } => Some(bytes),
            Partial::Skipping { .. } => None,
        }
    }

    /// Records a broken fragment sequence from `from`, whose incomplete
    /// message has been removed.
    fn sequence_error(&mut self, from: NodeId, partial: &Partial) {
        self.stats.sequence_errors += 1;
        if from == self.local {
            // Only a faulty packer gets here; sending the message again
            // would most likely fail the same way.
            self.own.push(OwnOutcome::Settled(partial.msg_id()));
        }
    }
}
