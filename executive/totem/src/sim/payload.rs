//! The payloads simulated clients multicast.
//!
//! Each payload names its origin (node, incarnation, per-incarnation
//! counter) and its total length in a fixed header, followed by filler bytes
//! derived from that identity. A delivered payload can therefore be checked
//! byte for byte without keeping a copy of everything sent: a truncated,
//! corrupted, merged or invented payload fails to decode or to match.

use crate::api::NodeId;
use std::fmt;

/// Identifies one multicast of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PayloadId {
    pub node: NodeId,
    /// The incarnation (0 for the first start, +1 per restart).
    pub inc: u32,
    pub counter: u64,
}

impl fmt::Display for PayloadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}#{}.{}", self.node, self.inc, self.counter)
    }
}

/// node (4) + incarnation (4) + counter (8) + total length (4).
pub const HEADER_LEN: usize = 20;

fn filler_byte(id: &PayloadId, i: usize) -> u8 {
    let mut z = (u64::from(id.node) << 32 | u64::from(id.inc))
        ^ id.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (i as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 29)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z >> 56) as u8
}

/// Builds the payload for `id` of `len` bytes (at least [`HEADER_LEN`]).
pub fn encode(id: PayloadId, len: usize) -> Vec<u8> {
    let len = len.max(HEADER_LEN);
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&id.node.to_le_bytes());
    out.extend_from_slice(&id.inc.to_le_bytes());
    out.extend_from_slice(&id.counter.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend((HEADER_LEN..len).map(|i| filler_byte(&id, i)));
    out
}

/// What a delivered payload turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    /// Exactly a payload [`encode`] produces.
    Intact(PayloadId),
    /// The header names a payload but the length or the bytes differ.
    Damaged(PayloadId),
    /// Not even a header.
    Garbage,
}

pub fn decode(bytes: &[u8]) -> Decoded {
    if bytes.len() < HEADER_LEN {
        return Decoded::Garbage;
    }
    let word =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let mut counter = [0u8; 8];
    counter.copy_from_slice(&bytes[8..16]);
    let id = PayloadId {
        node: word(0),
        inc: word(4),
        counter: u64::from_le_bytes(counter),
    };
    let intact = word(16) as usize == bytes.len()
        && bytes[HEADER_LEN..]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == filler_byte(&id, i + HEADER_LEN));
    if intact {
        Decoded::Intact(id)
    } else {
        Decoded::Damaged(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage_detection() {
        let id = PayloadId {
            node: 7,
            inc: 2,
            counter: 99,
        };
        for len in [0, HEADER_LEN, 21, 300, 1400] {
            let p = encode(id, len);
            assert_eq!(p.len(), len.max(HEADER_LEN));
            assert_eq!(decode(&p), Decoded::Intact(id));
        }
        let mut p = encode(id, 100);
        p[60] ^= 1;
        assert_eq!(decode(&p), Decoded::Damaged(id));
        let p = encode(id, 100);
        assert_eq!(decode(&p[..99]), Decoded::Damaged(id));
        assert_eq!(decode(&p[..10]), Decoded::Garbage);
        let other = PayloadId { counter: 100, ..id };
        assert_ne!(
            encode(id, 64)[HEADER_LEN..],
            encode(other, 64)[HEADER_LEN..]
        );
    }
}
