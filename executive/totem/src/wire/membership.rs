//! Membership packets: join messages, the commit token, merge detection and
//! leave announcements.

use super::cursor::{Reader, Writer};
use super::{read_ring, write_ring, DecodeError, PACKET_HEADER_LEN, RING_ID_LEN};
use crate::api::{NodeId, RingId};

/// A gathering processor's view: who it believes is there (`proc_set`) and
/// who it believes has failed (`fail_set`). Sent repeatedly while gathering;
/// consensus is reached when every processor of `proc_set - fail_set` sent
/// the same two sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub sender: NodeId,
    /// The highest ring sequence number the sender has seen.
    pub ring_seq: u64,
    pub proc_set: Vec<NodeId>,
    pub fail_set: Vec<NodeId>,
}

impl Join {
    const FIXED_LEN: usize = 4 + 8 + 4 + 4;

    /// Length of a join with these set sizes, header included.
    pub const fn len_for(procs: usize, fails: usize) -> usize {
        PACKET_HEADER_LEN + Self::FIXED_LEN + 4 * (procs + fails)
    }

    pub(super) fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + 4 * (self.proc_set.len() + self.fail_set.len())
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.u32(self.sender);
        w.u64(self.ring_seq);
        write_ids(w, &self.proc_set);
        write_ids(w, &self.fail_set);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<Join, DecodeError> {
        Ok(Join {
            sender: r.u32()?,
            ring_seq: r.u64()?,
            proc_set: read_ids(r)?,
            fail_set: read_ids(r)?,
        })
    }
}

fn write_ids(w: &mut Writer, ids: &[NodeId]) {
    w.count(ids.len());
    for id in ids {
        w.u32(*id);
    }
}

fn read_ids(r: &mut Reader<'_>) -> Result<Vec<NodeId>, DecodeError> {
    let n = r.count(4)?;
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(r.u32()?);
    }
    Ok(ids)
}

/// What a member reports about the ring it comes from when the commit token
/// visits it on its first rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberState {
    /// The member's current regular ring; `rep == 0` when it has none yet
    /// (a processor that just started).
    pub old_ring: RingId,
    /// Its all-received-up-to on the old ring.
    pub aru: u64,
    /// The highest sequence number it delivered on the old ring.
    pub high_delivered: u64,
    /// True when it had every old-ring message it knew of (aru equal to
    /// the highest sequence number it received).
    pub received_flg: bool,
}

/// One member of the ring being formed, in ring order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitEntry {
    pub node: NodeId,
    /// Filled in by the member itself on the first rotation.
    pub state: Option<MemberState>,
}

/// The commit token: created by the representative of an agreed membership,
/// it rotates once to collect every member's old-ring state and once more
/// to move every member into recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitToken {
    /// The ring being formed.
    pub ring: RingId,
    /// Incremented on every forward; a copy with an old value is a duplicate.
    pub token_seq: u64,
    pub entries: Vec<CommitEntry>,
}

const ENTRY_LEN: usize = 4 + 1 + RING_ID_LEN + 8 + 8 + 1;

impl CommitToken {
    const FIXED_LEN: usize = RING_ID_LEN + 8 + 4;

    /// Length of a commit token for this many members, header included.
    pub const fn len_for(members: usize) -> usize {
        PACKET_HEADER_LEN + Self::FIXED_LEN + ENTRY_LEN * members
    }

    pub(super) fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + ENTRY_LEN * self.entries.len()
    }

    pub(super) fn write(&self, w: &mut Writer) {
        write_ring(w, &self.ring);
        w.u64(self.token_seq);
        w.count(self.entries.len());
        for e in &self.entries {
            w.u32(e.node);
            let s = e.state.unwrap_or_default();
            w.bool(e.state.is_some());
            write_ring(w, &s.old_ring);
            w.u64(s.aru);
            w.u64(s.high_delivered);
            w.bool(s.received_flg);
        }
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<CommitToken, DecodeError> {
        let ring = read_ring(r)?;
        let token_seq = r.u64()?;
        let n = r.count(ENTRY_LEN)?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let node = r.u32()?;
            let filled = r.bool()?;
            let s = MemberState {
                old_ring: read_ring(r)?,
                aru: r.u64()?,
                high_delivered: r.u64()?,
                received_flg: r.bool()?,
            };
            if !filled && s != MemberState::default() {
                return Err(DecodeError::InvalidValue {
                    field: "commit entry",
                    value: node.into(),
                });
            }
            entries.push(CommitEntry {
                node,
                state: filled.then_some(s),
            });
        }
        Ok(CommitToken {
            ring,
            token_seq,
            entries,
        })
    }
}

/// Sent periodically by a ring's representative so that processors of other
/// rings that can hear it start a membership change and merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeDetect {
    pub sender: NodeId,
    pub ring: RingId,
}

impl MergeDetect {
    pub(super) const ENCODED_LEN: usize = 4 + RING_ID_LEN;

    pub(super) fn write(&self, w: &mut Writer) {
        w.u32(self.sender);
        write_ring(w, &self.ring);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<MergeDetect, DecodeError> {
        Ok(MergeDetect {
            sender: r.u32()?,
            ring: read_ring(r)?,
        })
    }
}

/// A processor announcing that it leaves, so the others reconfigure at once
/// instead of waiting for the token to be lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leave {
    pub sender: NodeId,
    /// The highest ring sequence number the sender has seen: a leave older
    /// than the receiver's current ring is stale and ignored.
    pub ring_seq: u64,
}

impl Leave {
    pub(super) const ENCODED_LEN: usize = 4 + 8;

    pub(super) fn write(&self, w: &mut Writer) {
        w.u32(self.sender);
        w.u64(self.ring_seq);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<Leave, DecodeError> {
        Ok(Leave {
            sender: r.u32()?,
            ring_seq: r.u64()?,
        })
    }
}
