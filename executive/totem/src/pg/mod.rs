//! The process-group layer: application messages over Totem payloads.
//!
//! Totem multicasts payloads of at most one packet. Above it, services
//! send messages of any size up to [`Limits::max_message`] (at least
//! 1 MiB): the [`Packer`] packs many small messages into one payload and
//! cuts large ones into consecutive fragments; the [`Assembler`] turns the
//! agreed-order delivery stream back into whole messages. Both are plain
//! data structures, driven by the same caller that drives
//! [`Srp`](crate::Srp); [`ProcessGroup`] couples the two halves of one
//! node.
//!
//! Order: a sender's payloads are delivered in the order it multicast
//! them, and the packer emits each sender's messages in order, so every
//! node hands out the messages of all senders in one agreed order. A
//! payload carries messages of one guarantee; a message pushed with
//! another guarantee starts a new payload.

mod assembler;
mod frame;
mod group;
mod packer;

#[cfg(test)]
mod tests;

use std::fmt;

pub use assembler::{Assembler, AssemblerStats, Message};
pub use frame::FrameError;
pub use group::ProcessGroup;
pub use packer::{Packer, Payload};

/// Smallest `max_payload` accepted: room for the headers and some data.
pub const MIN_PAYLOAD: usize = 64;
/// Default bound on one application message.
pub const DEFAULT_MAX_MESSAGE: usize = 4 << 20;

/// Sizes the layer works within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload Totem takes in one message: every payload the packer
    /// produces is at most this long.
    pub max_payload: usize,
    /// Largest application message. Senders refuse longer ones; receivers
    /// drop longer ones without buffering them.
    pub max_message: usize,
}

impl Limits {
    /// Limits for payloads of `max_payload` bytes and messages of up to
    /// [`DEFAULT_MAX_MESSAGE`].
    pub fn new(max_payload: usize) -> Limits {
        Limits {
            max_payload,
            max_message: DEFAULT_MAX_MESSAGE,
        }
    }

    fn check(&self) -> Result<(), LimitsError> {
        if self.max_payload < MIN_PAYLOAD {
            return Err(LimitsError::PayloadTooSmall {
                max_payload: self.max_payload,
            });
        }
        // Fragments carry lengths and offsets as u32.
        if u32::try_from(self.max_message).is_err() || u32::try_from(self.max_payload).is_err() {
            return Err(LimitsError::TooLarge);
        }
        Ok(())
    }
}

/// Limits the layer cannot work with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitsError {
    /// Below [`MIN_PAYLOAD`].
    PayloadTooSmall { max_payload: usize },
    /// Sizes are carried as 32-bit numbers.
    TooLarge,
}

impl fmt::Display for LimitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitsError::PayloadTooSmall { max_payload } => write!(
                f,
                "payloads of {max_payload} bytes are too small (at least {MIN_PAYLOAD})"
            ),
            LimitsError::TooLarge => f.write_str("message and payload sizes must fit 32 bits"),
        }
    }
}

impl std::error::Error for LimitsError {}

/// Why a message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackError {
    /// Longer than [`Limits::max_message`].
    TooLarge { len: usize, max: usize },
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackError::TooLarge { len, max } => {
                write!(f, "message of {len} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for PackError {}

/// What became of one of this node's own fragmented messages, as seen on
/// its own delivery stream (and therefore, by agreed order, on the stream
/// of every member of its configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnOutcome {
    /// Delivered whole, or refused for good: nothing more to do.
    Settled(u32),
    /// Dropped by every member at a configuration change before it was
    /// complete: send it again.
    Lost(u32),
}
