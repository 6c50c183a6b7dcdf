//! Cluster-wide ids of channels and events.
//!
//! An id is the node id of the node whose request created the object in
//! the high 32 bits and that node's counter in the low 32 bits. The
//! counter is replicated state: it advances on delivery of the node's
//! messages, identically on every node, and a sync merges the counters
//! by taking the larger, so a node that restarts and rejoins continues
//! where the cluster saw it stop instead of reusing ids. Only the node
//! itself advances its counter, and a node is in one partition at a time,
//! so partitions never hand out the same id.

use std::collections::BTreeMap;

use crate::ordering::NodeId;

/// Ids below this are reserved (SA_EVT_EVENTID_NONE 0,
/// SA_EVT_EVENTID_LOST 1; 0 is no channel either).
const FIRST_ID: u64 = 2;

/// One kind of id (channel or event): each node's next counter value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSource {
    next: BTreeMap<NodeId, u32>,
}

impl IdSource {
    /// The next id for an object created by `node`, skipping any that
    /// `in_use` reports (only possible after the counter wrapped).
    pub fn next(&mut self, node: NodeId, in_use: impl Fn(u64) -> bool) -> u64 {
        let counter = self.next.entry(node).or_insert(1);
        loop {
            let id = (u64::from(node) << 32) | u64::from(*counter);
            *counter = counter.wrapping_add(1);
            if id >= FIRST_ID && !in_use(id) {
                return id;
            }
        }
    }

    /// Every node's counter, for the sync.
    pub fn counters(&self) -> impl Iterator<Item = (NodeId, u32)> + '_ {
        self.next.iter().map(|(n, c)| (*n, *c))
    }

    /// Merges one counter received in a sync: the larger wins.
    pub fn merge(&mut self, node: NodeId, counter: u32) {
        let c = self.next.entry(node).or_insert(counter);
        *c = (*c).max(counter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_the_node_and_count_up() {
        let mut s = IdSource::default();
        assert_eq!(s.next(0x0101_d50a, |_| false), 0x0101_d50a_0000_0001);
        assert_eq!(s.next(0x0101_d50a, |_| false), 0x0101_d50a_0000_0002);
        assert_eq!(s.next(7, |_| false), 0x0000_0007_0000_0001);
    }

    #[test]
    fn reserved_and_used_ids_are_skipped() {
        let mut s = IdSource::default();
        // node 0 would produce 1 (SA_EVT_EVENTID_LOST) first
        assert_eq!(s.next(0, |_| false), 2);
        assert_eq!(s.next(0, |id| id == 3), 4);
    }

    #[test]
    fn merge_keeps_the_larger_counter() {
        let mut a = IdSource::default();
        for _ in 0..5 {
            a.next(1, |_| false);
        }
        let mut b = IdSource::default();
        b.next(1, |_| false);
        for (n, c) in a.counters() {
            b.merge(n, c);
        }
        assert_eq!(b.next(1, |_| false), (1 << 32) | 6);
        b.merge(1, 2);
        assert_eq!(b.next(1, |_| false), (1 << 32) | 7);
    }
}
