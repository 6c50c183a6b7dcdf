//! Which copy of a service's replicated state wins a merge.
//!
//! Members that went through the configurations since their last
//! completed sync together hold identical replicas: they form a *group*.
//! After a partition, the groups' copies may differ; a service's merge
//! prefers the copy of the **largest group**, then the group holding the
//! **lowest node id**, so a node cut off alone does not undo, when it
//! comes back, what the rest of the cluster did meanwhile. Every member
//! says in its sync messages how large its group is and which is its
//! lowest node, and every member ranks the copies the same way.
//!
//! With a quorum provider, one thing comes before size: the copy's
//! **quorate epoch**, the ring of the last completed sync after which its
//! holders were quorate. Only a quorate partition changes replicated
//! state, and only one partition is quorate at a time, so the copy of the
//! latest quorate ring holds every acknowledged change. Size alone would
//! let a stale minority copy win whenever the majority's ring broke up
//! into smaller pieces just before the merge (a loaded node losing the
//! token at the heal turns every member of the majority into a group of
//! one). Without a provider every epoch is 0 and size decides, as in
//! openais.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use crate::ordering::{ConfChg, ConfChgKind, NodeId};

/// The group a sync message's sender belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub size: u32,
    pub low: NodeId,
    /// The ring (its sequence number) of the last completed sync after
    /// which this group's members were quorate; 0 without a provider.
    pub epoch: u64,
}

impl Group {
    /// How a copy sent by `sender` of this group ranks: lower is better.
    pub fn rank(self, sender: NodeId) -> Rank {
        (Reverse(self.epoch), Reverse(self.size), self.low, sender)
    }
}

/// The latest quorate epoch first, then larger groups, then the group of
/// the lowest node id, then the sender (copies within a group are
/// identical).
pub type Rank = (Reverse<u64>, Reverse<u32>, NodeId, NodeId);

/// The nodes known to hold the same replicas as this one: the members of
/// the last completed sync that stayed in every configuration since
/// (this node included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peers {
    local: NodeId,
    nodes: BTreeSet<NodeId>,
    /// See [`Group::epoch`].
    epoch: u64,
}

impl Peers {
    /// A fresh node's: itself.
    pub fn new(local: NodeId) -> Peers {
        Peers {
            local,
            nodes: BTreeSet::from([local]),
            epoch: 0,
        }
    }

    /// A configuration change: those who came along keep the same
    /// replicas; newcomers do not.
    pub fn confchg(&mut self, chg: &ConfChg) {
        let local = self.local;
        self.nodes.retain(|n| {
            *n == local
                || (chg.members.contains(n)
                    && (chg.kind == ConfChgKind::Transitional || !chg.joined.contains(n)))
        });
    }

    /// This node's group, as its sync messages announce it, at the start
    /// of a sync. `quorate_ring`: the last ring whose sync this node
    /// completed quorate ([`super::api::Context::quorate_ring`]); the
    /// state it holds is at least that ring's.
    pub fn sync_group(&mut self, quorate_ring: u64) -> Group {
        self.epoch = self.epoch.max(quorate_ring);
        Group {
            size: u32::try_from(self.nodes.len()).unwrap_or(u32::MAX),
            low: self.nodes.first().copied().unwrap_or(self.local),
            epoch: self.epoch,
        }
    }

    /// A sync of `members` completed: they all hold the same replicas,
    /// the merged copy of the latest quorate epoch any copy announced
    /// (`epoch`; 0 when none was sent).
    pub fn synchronised(&mut self, members: &[NodeId], epoch: u64) {
        self.nodes = members.iter().copied().collect();
        self.nodes.insert(self.local);
        self.epoch = self.epoch.max(epoch);
    }

    pub fn contains(&self, node: NodeId) -> bool {
        self.nodes.contains(&node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ordering::RingId;

    fn chg(kind: ConfChgKind, members: &[NodeId], joined: &[NodeId]) -> ConfChg {
        ConfChg {
            kind,
            ring_id: RingId { rep: 1, seq: 8 },
            members: members.to_vec(),
            left: vec![],
            joined: joined.to_vec(),
        }
    }

    #[test]
    fn peers_follow_configurations_and_syncs() {
        let mut p = Peers::new(2);
        assert_eq!(
            p.sync_group(0),
            Group {
                size: 1,
                low: 2,
                epoch: 0
            }
        );
        p.synchronised(&[1, 2, 3], 0);
        assert_eq!(
            p.sync_group(0),
            Group {
                size: 3,
                low: 1,
                epoch: 0
            }
        );
        // node 3 is cut off; node 4 joins: not a peer until a sync
        p.confchg(&chg(ConfChgKind::Transitional, &[1, 2], &[]));
        p.confchg(&chg(ConfChgKind::Regular, &[1, 2, 4], &[4]));
        assert_eq!(
            p.sync_group(0),
            Group {
                size: 2,
                low: 1,
                epoch: 0
            }
        );
        assert!(!p.contains(4) && !p.contains(3));
    }

    #[test]
    fn the_larger_group_then_the_lower_node_ranks_first() {
        let big = Group {
            size: 3,
            low: 5,
            epoch: 0,
        };
        let small = Group {
            size: 1,
            low: 1,
            epoch: 0,
        };
        assert!(big.rank(7) < small.rank(1));
        let pair = |low| Group {
            size: 2,
            low,
            epoch: 0,
        };
        assert!(pair(1).rank(3) < pair(2).rank(2));
    }

    /// The majority's ring breaks into nodes alone just before the heal;
    /// the stale minority pair must not outrank them.
    #[test]
    fn the_latest_quorate_epoch_ranks_before_size() {
        let mut alone = Peers::new(1);
        let mut pair = Peers::new(4);
        // all five completed ring 16 quorate; cut 3 | 2, the three
        // completed ring 20 quorate, the pair ring 24 without quorum
        alone.sync_group(16);
        alone.synchronised(&[1, 2, 3], 0);
        pair.sync_group(16);
        pair.synchronised(&[4, 5], 0);
        // node 1 alone for a moment (ring 44, not quorate), then the heal
        alone.sync_group(20);
        alone.synchronised(&[1], 0);
        let a = alone.sync_group(20);
        let p = pair.sync_group(16);
        assert_eq!((a.size, a.epoch, p.size, p.epoch), (1, 20, 2, 16));
        assert!(a.rank(1) < p.rank(4));
        // after the merge every member holds the winner's epoch
        pair.synchronised(&[1, 2, 3, 4, 5], 20);
        assert_eq!(pair.sync_group(16).epoch, 20);
    }
}
