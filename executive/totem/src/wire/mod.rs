//! The Totem wire format.
//!
//! Every datagram starts with a version byte ([`VERSION`]) and a type tag,
//! followed by the fields of that packet type in little-endian order. Lists
//! carry a 32-bit element count that is checked against the bytes left
//! before anything is allocated, and a packet must be consumed exactly:
//! trailing bytes are an error. [`Packet::decode`] therefore returns a typed
//! [`DecodeError`] for any input that is not a packet this module would
//! have written, and never panics.
//!
//! | tag | packet | carried by |
//! |---|---|---|
//! | 1 | [`McastMsg`]: a sequenced message (or an old-ring message recovered on a new ring) | multicast |
//! | 2 | [`Token`]: the regular token | unicast to the next member |
//! | 3 | [`Join`]: proc set and fail set of a gathering processor | multicast |
//! | 4 | [`CommitToken`]: the membership commit token | unicast to the next member |
//! | 5 | [`MergeDetect`]: a representative announcing its ring | multicast |
//! | 6 | [`Leave`]: a processor leaving on purpose | multicast |
//! | 7 | [`HoldCancel`]: a member with a message asks the holder of an idle ring's token to pass it on | multicast |

mod cursor;
mod membership;
mod message;
mod token;

#[cfg(test)]
mod tests;

use thiserror::Error;

pub use membership::{CommitEntry, CommitToken, Join, Leave, MemberState, MergeDetect};
pub use message::{McastMsg, Origin};
pub use token::{HoldCancel, Token};

use crate::api::RingId;
use cursor::{Reader, Writer};

/// Version of the wire format; a datagram with another version is refused.
pub const VERSION: u8 = 1;

const TAG_MCAST: u8 = 1;
const TAG_TOKEN: u8 = 2;
const TAG_JOIN: u8 = 3;
const TAG_COMMIT: u8 = 4;
const TAG_MERGE_DETECT: u8 = 5;
const TAG_LEAVE: u8 = 6;
const TAG_HOLD_CANCEL: u8 = 7;

/// Bytes taken by the version and type tag.
pub const PACKET_HEADER_LEN: usize = 2;
/// Bytes taken by a ring id on the wire.
pub const RING_ID_LEN: usize = 12;

/// Largest membership packet (join, commit token, merge detect, leave,
/// hold cancel). These are rare and grow with the cluster (a commit token
/// carries 34 bytes per member), so unlike regular messages and the token
/// they are not held to `netmtu`: a large cluster's travel as one
/// IP-fragmented datagram, as openais's did. The limit leaves room for the
/// IP and UDP headers and the security framing under UDP's 65,507 bytes.
pub const MAX_MEMBERSHIP_PACKET: usize = 65_000;

/// Why a datagram could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("packet ends before its fields do")]
    Truncated,
    #[error("unsupported wire version {0}")]
    Version(u8),
    #[error("unknown packet type {0}")]
    UnknownType(u8),
    #[error("{0} bytes left over after the packet")]
    TrailingBytes(usize),
    #[error("invalid value {value} for {field}")]
    InvalidValue { field: &'static str, value: u64 },
}

/// Any Totem packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Mcast(McastMsg),
    Token(Token),
    Join(Join),
    Commit(CommitToken),
    MergeDetect(MergeDetect),
    Leave(Leave),
    HoldCancel(HoldCancel),
}

impl Packet {
    /// The longest this packet may be on a network carrying `netmtu`-byte
    /// frames: regular messages and the token must fit one frame.
    pub fn max_len(&self, netmtu: usize) -> usize {
        match self {
            Packet::Mcast(_) | Packet::Token(_) => netmtu,
            _ => MAX_MEMBERSHIP_PACKET,
        }
    }

    /// [`Packet::max_len`] of an encoded packet, read from its type tag.
    pub fn max_encoded_len(bytes: &[u8], netmtu: usize) -> usize {
        match bytes.get(1) {
            Some(&TAG_MCAST) | Some(&TAG_TOKEN) | None => netmtu,
            Some(_) => MAX_MEMBERSHIP_PACKET,
        }
    }

    /// Whether an encoded packet is a regular token, read from its header
    /// only (the rest is not checked).
    pub fn is_token(bytes: &[u8]) -> bool {
        bytes.first() == Some(&VERSION) && bytes.get(1) == Some(&TAG_TOKEN)
    }

    /// The bytes of this packet, header included.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.encoded_len());
        w.u8(VERSION);
        match self {
            Packet::Mcast(m) => {
                w.u8(TAG_MCAST);
                m.write(&mut w);
            }
            Packet::Token(t) => {
                w.u8(TAG_TOKEN);
                t.write(&mut w);
            }
            Packet::Join(j) => {
                w.u8(TAG_JOIN);
                j.write(&mut w);
            }
            Packet::Commit(c) => {
                w.u8(TAG_COMMIT);
                c.write(&mut w);
            }
            Packet::MergeDetect(m) => {
                w.u8(TAG_MERGE_DETECT);
                m.write(&mut w);
            }
            Packet::Leave(l) => {
                w.u8(TAG_LEAVE);
                l.write(&mut w);
            }
            Packet::HoldCancel(h) => {
                w.u8(TAG_HOLD_CANCEL);
                h.write(&mut w);
            }
        }
        w.into_vec()
    }

    /// The length [`Packet::encode`] produces, computed without encoding.
    pub fn encoded_len(&self) -> usize {
        PACKET_HEADER_LEN
            + match self {
                Packet::Mcast(m) => m.encoded_len(),
                Packet::Token(t) => t.encoded_len(),
                Packet::Join(j) => j.encoded_len(),
                Packet::Commit(c) => c.encoded_len(),
                Packet::MergeDetect(_) => MergeDetect::ENCODED_LEN,
                Packet::Leave(_) => Leave::ENCODED_LEN,
                Packet::HoldCancel(_) => HoldCancel::ENCODED_LEN,
            }
    }

    /// Decodes one datagram.
    pub fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != VERSION {
            return Err(DecodeError::Version(version));
        }
        let packet = match r.u8()? {
            TAG_MCAST => Packet::Mcast(McastMsg::read(&mut r)?),
            TAG_TOKEN => Packet::Token(Token::read(&mut r)?),
            TAG_JOIN => Packet::Join(Join::read(&mut r)?),
            TAG_COMMIT => Packet::Commit(CommitToken::read(&mut r)?),
            TAG_MERGE_DETECT => Packet::MergeDetect(MergeDetect::read(&mut r)?),
            TAG_LEAVE => Packet::Leave(Leave::read(&mut r)?),
            TAG_HOLD_CANCEL => Packet::HoldCancel(HoldCancel::read(&mut r)?),
            tag => return Err(DecodeError::UnknownType(tag)),
        };
        r.finish()?;
        Ok(packet)
    }
}

fn write_ring(w: &mut Writer, ring: &RingId) {
    w.u32(ring.rep);
    w.u64(ring.seq);
}

fn read_ring(r: &mut Reader<'_>) -> Result<RingId, DecodeError> {
    Ok(RingId {
        rep: r.u32()?,
        seq: r.u64()?,
    })
}
