//! Sequenced messages.

use super::cursor::{Reader, Writer};
use super::{read_ring, write_ring, DecodeError, PACKET_HEADER_LEN, RING_ID_LEN};
use crate::api::{Guarantee, NodeId, RingId};

/// Where a message recovered on a new ring was first sequenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    pub ring: RingId,
    pub seq: u64,
}

/// A message with its place in a ring's total order.
///
/// During recovery a member retransmits messages of its old ring on the new
/// ring: the packet is then sequenced on the new ring (`ring`, `seq`) and
/// `origin` names the old ring and the sequence number the message had
/// there. `sender` is always the processor that first sent the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McastMsg {
    pub ring: RingId,
    pub seq: u64,
    pub sender: NodeId,
    pub guarantee: Guarantee,
    pub origin: Option<Origin>,
    pub payload: Vec<u8>,
}

/// Fixed part of a message: ring, seq, sender, guarantee, origin flag,
/// payload length.
const FIXED_LEN: usize = RING_ID_LEN + 8 + 4 + 1 + 1 + 4;
/// Extra bytes of a recovered message's origin.
const ORIGIN_LEN: usize = RING_ID_LEN + 8;

impl McastMsg {
    /// Bytes a message packet adds to its payload, in the worst case (a
    /// recovered message). A payload that fits under this overhead can
    /// always be retransmitted during recovery.
    pub const MAX_OVERHEAD: usize = PACKET_HEADER_LEN + FIXED_LEN + ORIGIN_LEN;

    pub(super) fn encoded_len(&self) -> usize {
        FIXED_LEN + if self.origin.is_some() { ORIGIN_LEN } else { 0 } + self.payload.len()
    }

    pub(super) fn write(&self, w: &mut Writer) {
        write_ring(w, &self.ring);
        w.u64(self.seq);
        w.u32(self.sender);
        w.u8(match self.guarantee {
            Guarantee::Agreed => 0,
            Guarantee::Safe => 1,
        });
        match &self.origin {
            None => w.bool(false),
            Some(o) => {
                w.bool(true);
                write_ring(w, &o.ring);
                w.u64(o.seq);
            }
        }
        w.count(self.payload.len());
        w.bytes(&self.payload);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<McastMsg, DecodeError> {
        let ring = read_ring(r)?;
        let seq = r.u64()?;
        let sender = r.u32()?;
        let guarantee = match r.u8()? {
            0 => Guarantee::Agreed,
            1 => Guarantee::Safe,
            v => {
                return Err(DecodeError::InvalidValue {
                    field: "guarantee",
                    value: v.into(),
                })
            }
        };
        let origin = if r.bool()? {
            Some(Origin {
                ring: read_ring(r)?,
                seq: r.u64()?,
            })
        } else {
            None
        };
        let len = r.count(1)?;
        let payload = r.bytes(len)?.to_vec();
        Ok(McastMsg {
            ring,
            seq,
            sender,
            guarantee,
            origin,
            payload,
        })
    }
}
