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

use std::cmp::Reverse;
use std::collections::BTreeSet;

use crate::ordering::{ConfChg, ConfChgKind, NodeId};

/// The group a sync message's sender belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub size: u32,
    pub low: NodeId,
}

impl Group {
    /// How a copy sent by `sender` of this group ranks: lower is better.
    pub fn rank(self, sender: NodeId) -> Rank {
        (Reverse(self.size), self.low, sender)
    }
}

/// Larger groups first, then the group of the lowest node id, then the
/// sender (copies within a group are identical).
pub type Rank = (Reverse<u32>, NodeId, NodeId);

/// The nodes known to hold the same replicas as this one: the members of
/// the last completed sync that stayed in every configuration since
/// (this node included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peers {
    local: NodeId,
    nodes: BTreeSet<NodeId>,
}

impl Peers {
    /// A fresh node's: itself.
    pub fn new(local: NodeId) -> Peers {
        Peers {
            local,
            nodes: BTreeSet::from([local]),
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

    /// This node's group, as its sync messages announce it.
    pub fn group(&self) -> Group {
        Group {
            size: u32::try_from(self.nodes.len()).unwrap_or(u32::MAX),
            low: self.nodes.first().copied().unwrap_or(self.local),
        }
    }

    /// A sync of `members` completed: they all hold the same replicas.
    pub fn synchronised(&mut self, members: &[NodeId]) {
        self.nodes = members.iter().copied().collect();
        self.nodes.insert(self.local);
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
        assert_eq!(p.group(), Group { size: 1, low: 2 });
        p.synchronised(&[1, 2, 3]);
        assert_eq!(p.group(), Group { size: 3, low: 1 });
        // node 3 is cut off; node 4 joins: not a peer until a sync
        p.confchg(&chg(ConfChgKind::Transitional, &[1, 2], &[]));
        p.confchg(&chg(ConfChgKind::Regular, &[1, 2, 4], &[4]));
        assert_eq!(p.group(), Group { size: 2, low: 1 });
        assert!(!p.contains(4) && !p.contains(3));
    }

    #[test]
    fn the_larger_group_then_the_lower_node_ranks_first() {
        let big = Group { size: 3, low: 5 };
        let small = Group { size: 1, low: 1 };
        assert!(big.rank(7) < small.rank(1));
        assert!(Group { size: 2, low: 1 }.rank(3) < Group { size: 2, low: 2 }.rank(2));
    }
}
