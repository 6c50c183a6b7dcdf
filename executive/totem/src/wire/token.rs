//! The regular token.

use super::cursor::{Reader, Writer};
use super::{read_ring, write_ring, DecodeError, PACKET_HEADER_LEN, RING_ID_LEN};
use crate::api::{NodeId, RingId};

/// The regular token, passed from member to member in ring order.
///
/// Only its holder may sequence messages. It carries the ring's highest
/// sequence number, the all-received-up-to value and who last lowered it,
/// the retransmission requests, and the flow-control totals of the last
/// rotation. `retrans_flg` and `install_seq` are used while a new ring
/// recovers the messages of the old ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Token {
    pub ring: RingId,
    /// Incremented on every forward; a copy with an old value is a duplicate.
    pub token_seq: u64,
    /// Highest sequence number assigned on this ring.
    pub seq: u64,
    /// All-received-up-to: no member is known to miss a message at or below it.
    pub aru: u64,
    /// The member that last set `aru` below `seq`; 0 when nobody holds it.
    pub aru_addr: NodeId,
    /// Messages (new and retransmitted) sent during the last rotation.
    pub fcc: u32,
    /// Messages waiting in the members' send queues.
    pub backlog: u32,
    /// Recovery: some member still had old-ring messages to retransmit.
    pub retrans_flg: bool,
    /// Recovery: every recovered message has a sequence number at or below
    /// this; a member that has received up to it may install the ring.
    pub install_seq: Option<u64>,
    /// Retransmission requests: sequence numbers some member misses.
    pub rtr: Vec<u64>,
}

const FIXED_LEN: usize = RING_ID_LEN + 8 + 8 + 8 + 4 + 4 + 4 + 1 + 1 + 8 + 4;

impl Token {
    /// Length of a token with an empty retransmission list, header included.
    pub const BASE_LEN: usize = PACKET_HEADER_LEN + FIXED_LEN;

    pub(super) fn encoded_len(&self) -> usize {
        FIXED_LEN + 8 * self.rtr.len()
    }

    pub(super) fn write(&self, w: &mut Writer) {
        write_ring(w, &self.ring);
        w.u64(self.token_seq);
        w.u64(self.seq);
        w.u64(self.aru);
        w.u32(self.aru_addr);
        w.u32(self.fcc);
        w.u32(self.backlog);
        w.bool(self.retrans_flg);
        w.bool(self.install_seq.is_some());
        w.u64(self.install_seq.unwrap_or(0));
        w.count(self.rtr.len());
        for seq in &self.rtr {
            w.u64(*seq);
        }
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<Token, DecodeError> {
        let ring = read_ring(r)?;
        let token_seq = r.u64()?;
        let seq = r.u64()?;
        let aru = r.u64()?;
        let aru_addr = r.u32()?;
        let fcc = r.u32()?;
        let backlog = r.u32()?;
        let retrans_flg = r.bool()?;
        let has_install = r.bool()?;
        let install = r.u64()?;
        let install_seq = if has_install { Some(install) } else { None };
        if !has_install && install != 0 {
            return Err(DecodeError::InvalidValue {
                field: "install_seq",
                value: install,
            });
        }
        let n = r.count(8)?;
        let mut rtr = Vec::with_capacity(n);
        for _ in 0..n {
            rtr.push(r.u64()?);
        }
        Ok(Token {
            ring,
            token_seq,
            seq,
            aru,
            aru_addr,
            fcc,
            backlog,
            retrans_flg,
            install_seq,
            rtr,
        })
    }
}

/// Multicast by a member that has a message to send while the ring looks
/// idle: the member holding the token of an idle ring (see `hold`) passes
/// it on at once instead of at the end of the hold, so the message does not
/// wait for the hold timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldCancel {
    pub sender: NodeId,
    /// The ring whose token should move; other rings ignore the packet.
    pub ring: RingId,
}

impl HoldCancel {
    pub(super) const ENCODED_LEN: usize = 4 + RING_ID_LEN;

    pub(super) fn write(&self, w: &mut Writer) {
        w.u32(self.sender);
        write_ring(w, &self.ring);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<HoldCancel, DecodeError> {
        Ok(HoldCancel {
            sender: r.u32()?,
            ring: read_ring(r)?,
        })
    }
}
