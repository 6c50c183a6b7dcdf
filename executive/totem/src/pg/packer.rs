//! Sender side: application messages in, Totem payloads out.

use std::collections::VecDeque;

use super::frame::{self, FragmentPos, FRAGMENT_HEADER, FRAME_HEADER, WHOLE_HEADER};
use super::{Limits, LimitsError, OwnOutcome, PackError};
use crate::api::Guarantee;

/// One Totem payload: multicast `bytes` with `guarantee`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub guarantee: Guarantee,
    pub bytes: Vec<u8>,
}

/// A message too large for one payload, being cut into fragments.
#[derive(Debug)]
struct Fragmenting {
    msg_id: u32,
    guarantee: Guarantee,
    message: Vec<u8>,
    /// Bytes of `message` already put into payloads.
    sent: usize,
}

/// Packs application messages into Totem payloads of at most
/// `max_payload` bytes.
///
/// * Small messages are packed together, in order, into the payload at the
///   back of the queue while it has room and carries the same guarantee.
///   A message that fits in one payload is never split.
/// * A larger message is cut into consecutive fragments: the first fills
///   what room the back payload has left, the others are cut on demand as
///   [`pop_payload`](Packer::pop_payload) asks for them, so a large
///   message is held once, not twice.
/// * Messages pushed after a fragmented one wait until this node has seen
///   that message delivered whole ([`OwnOutcome::Settled`]). If instead a
///   configuration change made every member drop it ([`OwnOutcome::Lost`]),
///   it is sent again from its first byte under a new id, still ahead of
///   the messages behind it, so this sender's order is kept.
///
/// [`ProcessGroup`](super::ProcessGroup) feeds those outcomes back from the
/// [`Assembler`](super::Assembler); a `Packer` used on its own must be told
/// through [`own_outcome`](Packer::own_outcome).
#[derive(Debug)]
pub struct Packer {
    limits: Limits,
    /// Payloads ready to send; the back one may still take more records.
    ready: VecDeque<Payload>,
    fragmenting: Option<Fragmenting>,
    /// Messages pushed while a fragmented message awaits its outcome.
    held: VecDeque<(Guarantee, Vec<u8>)>,
    next_msg_id: u32,
}

impl Packer {
    pub fn new(limits: Limits) -> Result<Packer, LimitsError> {
        limits.check()?;
        Ok(Packer {
            limits,
            ready: VecDeque::new(),
            fragmenting: None,
            held: VecDeque::new(),
            next_msg_id: 0,
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Queues `message` for multicast with `guarantee`.
    pub fn push(&mut self, guarantee: Guarantee, message: &[u8]) -> Result<(), PackError> {
        if message.len() > self.limits.max_message {
            return Err(PackError::TooLarge {
                len: message.len(),
                max: self.limits.max_message,
            });
        }
        if self.fragmenting.is_some() {
            self.held.push_back((guarantee, message.to_vec()));
        } else {
            self.pack(guarantee, message);
        }
        Ok(())
    }

    /// Takes the next payload to hand to Totem, if any.
    pub fn pop_payload(&mut self) -> Option<Payload> {
        if let Some(payload) = self.ready.pop_front() {
            return Some(payload);
        }
        let max_chunk = self.limits.max_payload - FRAME_HEADER - FRAGMENT_HEADER;
        let fragmenting = self.fragmenting.as_mut()?;
        let remaining = fragmenting.message.len() - fragmenting.sent;
        if remaining == 0 {
            return None;
        }
        let chunk = remaining.min(max_chunk);
        let mut bytes = Vec::with_capacity(FRAME_HEADER + FRAGMENT_HEADER + chunk);
        frame::start(&mut bytes);
        put_next_fragment(&mut bytes, fragmenting, chunk);
        Some(Payload {
            guarantee: fragmenting.guarantee,
            bytes,
        })
    }

    /// Puts back, at the front, a payload [`pop_payload`](Self::pop_payload)
    /// returned that Totem could not take (its send queue was full).
    pub fn unpop_payload(&mut self, payload: Payload) {
        self.ready.push_front(payload);
    }

    /// Whether [`pop_payload`](Self::pop_payload) has something to give.
    pub fn has_payload(&self) -> bool {
        !self.ready.is_empty()
            || self
                .fragmenting
                .as_ref()
                .is_some_and(|f| f.sent < f.message.len())
    }

    /// Whether every pushed message has been handed out and, if it was
    /// fragmented, settled.
    pub fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.fragmenting.is_none() && self.held.is_empty()
    }

    /// Bytes waiting here: payloads not yet taken, the untaken part of a
    /// fragmented message and the messages held behind it. The layer above
    /// refuses new messages (SA_AIS_ERR_TRY_AGAIN) past its own bound.
    pub fn queued_bytes(&self) -> usize {
        let ready: usize = self.ready.iter().map(|p| p.bytes.len()).sum();
        let fragment = self
            .fragmenting
            .as_ref()
            .map_or(0, |f| f.message.len() - f.sent);
        let held: usize = self.held.iter().map(|(_, m)| m.len()).sum();
        ready + fragment + held
    }

    /// Drops every message not yet handed out whole: at a configuration
    /// change, what was multicast in the old configuration and not sent
    /// there is never sent (a message is delivered in the configuration
    /// it was sent in, or not at all). Returns the bytes dropped.
    pub fn discard(&mut self) -> usize {
        let bytes = self.queued_bytes();
        self.ready.clear();
        self.fragmenting = None;
        self.held.clear();
        bytes
    }

    /// What became, on this node's own delivery stream, of one of its
    /// fragmented messages.
    pub fn own_outcome(&mut self, outcome: OwnOutcome) {
        let Some(fragmenting) = self.fragmenting.as_mut() else {
            return;
        };
        match outcome {
            OwnOutcome::Settled(id) if id == fragmenting.msg_id => {
                self.fragmenting = None;
                while self.fragmenting.is_none() {
                    let Some((guarantee, message)) = self.held.pop_front() else {
                        break;
                    };
                    self.pack(guarantee, &message);
                }
            }
            OwnOutcome::Lost(id) if id == fragmenting.msg_id => {
                // Its first fragment was delivered, so every payload queued
                // before that one has been taken; what is left in `ready`
                // are fragments of this message that were put back. Members
                // would drop them as orphans: do not send them at all.
                self.ready.clear();
                fragmenting.msg_id = self.next_msg_id;
                fragmenting.sent = 0;
                self.next_msg_id = self.next_msg_id.wrapping_add(1);
            }
            // An outcome for an older message id: already handled.
            OwnOutcome::Settled(_) | OwnOutcome::Lost(_) => {}
        }
    }

    fn pack(&mut self, guarantee: Guarantee, message: &[u8]) {
        let max_payload = self.limits.max_payload;
        let back_room = match self.ready.back() {
            Some(back) if back.guarantee == guarantee => max_payload - back.bytes.len(),
            _ => 0,
        };
        if FRAME_HEADER + WHOLE_HEADER + message.len() <= max_payload {
            if WHOLE_HEADER + message.len() <= back_room {
                if let Some(back) = self.ready.back_mut() {
                    frame::put_whole(&mut back.bytes, message);
                    return;
                }
            }
            let mut bytes = Vec::with_capacity(max_payload);
            frame::start(&mut bytes);
            frame::put_whole(&mut bytes, message);
            self.ready.push_back(Payload { guarantee, bytes });
            return;
        }
        let mut fragmenting = Fragmenting {
            msg_id: self.next_msg_id,
            guarantee,
            message: message.to_vec(),
            sent: 0,
        };
        self.next_msg_id = self.next_msg_id.wrapping_add(1);
        if back_room > FRAGMENT_HEADER {
            if let Some(back) = self.ready.back_mut() {
                put_next_fragment(
                    &mut back.bytes,
                    &mut fragmenting,
                    back_room - FRAGMENT_HEADER,
                );
            }
        }
        self.fragmenting = Some(fragmenting);
    }
}

/// Appends the next `chunk` bytes (at most) of `fragmenting` to `frame`.
fn put_next_fragment(frame: &mut Vec<u8>, fragmenting: &mut Fragmenting, chunk: usize) {
    let start = fragmenting.sent;
    let end = (start + chunk).min(fragmenting.message.len());
    // Both fit in u32: messages are bounded by `Limits::max_message`.
    let pos = FragmentPos {
        msg_id: fragmenting.msg_id,
        total: fragmenting.message.len() as u32,
        offset: start as u32,
    };
    frame::put_fragment(frame, pos, &fragmenting.message[start..end]);
    fragmenting.sent = end;
}
