//! Rebuilding the group table after a configuration change.
//!
//! Every member of the new configuration multicasts the group memberships
//! of its own processes ([`JoinList`]s, in parts when there are many). All
//! members deliver the same lists in the same order, so when the sync
//! completes each of them holds the same new table: the union of the
//! lists, every group's members in delivery order. Activation replaces the
//! old table with it and reports the difference: processes of nodes that
//! merged in join with reason NODEUP, those of nodes that are gone leave
//! with NODEDOWN.
//!
//! Two rules keep the tables identical when ordinary exec messages are
//! delivered during the sync: a JOIN, LEAVE or PROCDOWN from a node whose
//! list has started to arrive is applied to the new table as well (the list
//! predates it); one from a node whose list has not arrived yet is already
//! reflected in that list. A node never multicasts such a message while its
//! own list is being sent, so no message falls between two of its parts.

use std::collections::BTreeSet;

use super::groups::{Groups, Member};
use super::message::{JoinList, MemberOp};
use crate::ordering::{NodeId, RingId};
use crate::service::Membership;

/// Entries per [`JoinList`] part: about 40 KiB with the longest names.
pub const PART_ENTRIES: usize = 256;

/// The sync of one regular configuration.
#[derive(Debug)]
pub struct SyncRound {
    pub ring_id: RingId,
    pub members: Vec<NodeId>,
    /// This node's share, taken when it starts to send it.
    share: Option<Vec<MemberOp>>,
    /// Entries of the share multicast so far.
    sent: usize,
    /// Whether the final part has been multicast.
    finished: bool,
    /// Members whose list has started to arrive.
    contributed: BTreeSet<NodeId>,
    /// The table being built.
    pub incoming: Groups,
}

impl SyncRound {
    pub fn new(membership: &Membership) -> SyncRound {
        SyncRound {
            ring_id: membership.ring_id,
            members: membership.members.clone(),
            share: None,
            sent: 0,
            finished: false,
            contributed: BTreeSet::new(),
            incoming: Groups::default(),
        }
    }

    /// Whether this node's share has been taken (it is being sent or has
    /// been sent).
    pub fn share_taken(&self) -> bool {
        self.share.is_some()
    }

    /// Fixes this node's share (once).
    pub fn take_share(&mut self, share: Vec<MemberOp>) {
        if self.share.is_none() {
            self.share = Some(share);
        }
    }

    /// The next part of this node's share to multicast; `None` once the
    /// final part was sent.
    pub fn next_part(&self) -> Option<JoinList> {
        if self.finished {
            return None;
        }
        let share = self.share.as_deref().unwrap_or(&[]);
        let end = (self.sent + PART_ENTRIES).min(share.len());
        Some(JoinList {
            ring_id: self.ring_id,
            last: end == share.len(),
            entries: share[self.sent..end].to_vec(),
        })
    }

    /// The part returned by [`SyncRound::next_part`] was multicast.
    pub fn part_sent(&mut self, part: &JoinList) {
        self.sent += part.entries.len();
        if part.last {
            self.finished = true;
        }
    }

    /// A list part from `from` was delivered; parts of another sync or of
    /// a node outside the configuration are ignored (returns false).
    pub fn receive(&mut self, from: NodeId, part: &JoinList) -> bool {
        if part.ring_id != self.ring_id || !self.members.contains(&from) {
            return false;
        }
        self.contributed.insert(from);
        for op in &part.entries {
            let member = Member {
                node: from,
                conn: op.conn,
                pid: op.pid,
            };
            // The reason is irrelevant: the new table's changes are
            // computed at activation.
            let _ = self
                .incoming
                .add(&op.group, member, sa_ipc::proto::cpg::Reason::Join);
        }
        true
    }

    /// Whether `node`'s list has started to arrive.
    pub fn contributed(&self, node: NodeId) -> bool {
        self.contributed.contains(&node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::cpg::GroupName;

    fn round() -> SyncRound {
        SyncRound::new(&Membership {
            ring_id: RingId { rep: 1, seq: 8 },
            members: vec![1, 2],
        })
    }

    fn op(conn: u64) -> MemberOp {
        MemberOp {
            group: GroupName::new(b"g").unwrap(),
            conn,
            pid: 5,
        }
    }

    #[test]
    fn share_is_sent_in_parts_and_an_empty_share_in_one() {
        let mut r = round();
        r.take_share(Vec::new());
        let p = r.next_part().unwrap();
        assert!(p.last && p.entries.is_empty());
        r.part_sent(&p);
        assert!(r.next_part().is_none());

        let mut r = round();
        let n = PART_ENTRIES * 2 + 3;
        r.take_share((0..n as u64).map(op).collect());
        let mut parts = Vec::new();
        while let Some(p) = r.next_part() {
            r.part_sent(&p);
            parts.push(p);
        }
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts.iter().map(|p| p.last).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(parts.iter().map(|p| p.entries.len()).sum::<usize>(), n);
        // a second share does not replace the first
        r.take_share(vec![op(1)]);
        assert!(r.next_part().is_none());
    }

    #[test]
    fn parts_of_other_rings_or_strangers_are_ignored() {
        let mut r = round();
        let good = JoinList {
            ring_id: r.ring_id,
            last: true,
            entries: vec![op(1), op(2)],
        };
        let stale = JoinList {
            ring_id: RingId { rep: 1, seq: 4 },
            ..good.clone()
        };
        assert!(!r.receive(2, &stale));
        assert!(!r.receive(3, &good));
        assert!(!r.contributed(2));
        assert!(r.receive(2, &good));
        assert!(r.contributed(2));
        assert_eq!(r.incoming.member_count(), 2);
        assert_eq!(
            r.incoming.members(&GroupName::new(b"g").unwrap())[0].node,
            2
        );
    }
}
