//! The exec messages of CPG, multicast between the executives.
//!
//! | kind | message        | effect on delivery (every node)              |
//! |-----:|----------------|----------------------------------------------|
//! | 1    | JOIN [`MemberOp`]     | the sender's process joins the group   |
//! | 2    | LEAVE [`MemberOp`]    | it leaves (reason LEAVE)               |
//! | 3    | PROCDOWN [`MemberOp`] | its connection closed without leaving  |
//! | 4    | MCAST [`Multicast`]   | delivered to the group's members       |
//! | 5    | JOINLIST [`JoinList`] | sync: the sender's processes and their groups |
//!
//! The node of a process is always the message's sender: a node speaks
//! only for its own processes.

use sa_ipc::codec::{DecodeError, Decoder, Encoder};
use sa_ipc::proto::cpg::GroupName;
use sa_ipc::proto::evs::decode_data;
use sa_ipc::proto::Payload;

use crate::ordering::RingId;

pub mod exec_kind {
    pub const JOIN: u16 = 1;
    pub const LEAVE: u16 = 2;
    pub const PROCDOWN: u16 = 3;
    pub const MCAST: u16 = 4;
    pub const JOINLIST: u16 = 5;
}

/// A process of the sending node and a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberOp {
    pub group: GroupName,
    /// The process's library connection on the sending node.
    pub conn: u64,
    pub pid: u32,
}

impl Payload for MemberOp {
    fn encode(&self, e: &mut Encoder) {
        self.group.encode(e);
        e.put_u64(self.conn).put_u32(self.pid);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<MemberOp, DecodeError> {
        Ok(MemberOp {
            group: GroupName::decode(d)?,
            conn: d.get_u64()?,
            pid: d.get_u32()?,
        })
    }
}

/// Fewest bytes one encoded [`MemberOp`] takes.
const MEMBER_OP_MIN_LEN: usize = 4 + 8 + 4;

/// A message of a process to its group, borrowing its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multicast<'a> {
    pub sender: MemberOp,
    pub data: &'a [u8],
}

impl<'a> Multicast<'a> {
    pub fn encode(sender: &MemberOp, data: &[u8]) -> Vec<u8> {
        let mut e = Encoder::with_capacity(24 + sender.group.as_bytes().len() + data.len());
        sender.encode(&mut e);
        e.put_bytes(data);
        e.finish()
    }

    pub fn parse(payload: &'a [u8]) -> Result<Multicast<'a>, DecodeError> {
        let mut d = Decoder::new(payload);
        let sender = MemberOp::decode(&mut d)?;
        let data = decode_data(&mut d)?;
        d.finish()?;
        Ok(Multicast { sender, data })
    }
}

/// One part of a node's share of a sync: group memberships of its own
/// processes, for the sync of ring `ring_id`. `last` marks the final part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinList {
    pub ring_id: RingId,
    pub last: bool,
    pub entries: Vec<MemberOp>,
}

impl Payload for JoinList {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.ring_id.rep)
            .put_u64(self.ring_id.seq)
            .put_bool(self.last)
            .put_vec(&self.entries, |e, op| op.encode(e));
    }

    fn decode(d: &mut Decoder<'_>) -> Result<JoinList, DecodeError> {
        Ok(JoinList {
            ring_id: RingId {
                rep: d.get_u32()?,
                seq: d.get_u64()?,
            },
            last: d.get_bool()?,
            entries: d.get_vec(MEMBER_OP_MIN_LEN, MemberOp::decode)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(g: &str, conn: u64) -> MemberOp {
        MemberOp {
            group: GroupName::new(g.as_bytes()).unwrap(),
            conn,
            pid: 77,
        }
    }

    #[test]
    fn round_trips() {
        let o = op("grp", 0xfeed_beef_0000_0001);
        assert_eq!(MemberOp::from_payload(&o.to_payload()).unwrap(), o);
        let bytes = Multicast::encode(&o, b"data");
        let m = Multicast::parse(&bytes).unwrap();
        assert_eq!((m.sender, m.data), (o.clone(), &b"data"[..]));
        for cut in 0..bytes.len() {
            assert!(Multicast::parse(&bytes[..cut]).is_err());
        }
        let list = JoinList {
            ring_id: RingId { rep: 3, seq: 12 },
            last: true,
            entries: vec![op("a", 1), op("b", 2)],
        };
        let bytes = list.to_payload();
        assert_eq!(JoinList::from_payload(&bytes).unwrap(), list);
        for cut in 0..bytes.len() {
            assert!(JoinList::from_payload(&bytes[..cut]).is_err());
        }
    }
}
