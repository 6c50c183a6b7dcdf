//! What CLM knows about nodes: every member's announced node info
//! (replicated: changed only on delivery of announcements) and the view,
//! i.e. the members as of the last completed sync.

use std::collections::BTreeMap;

use sa_ipc::proto::clm::{AddressFamily, NodeInfo};
use sa_ipc::Name;

use crate::ordering::NodeId;

/// The current view: its number (the ring sequence number) and members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub number: u64,
    /// Sorted ascending.
    pub members: Vec<NodeId>,
}

impl View {
    pub fn contains(&self, node: NodeId) -> bool {
        self.members.binary_search(&node).is_ok()
    }
}

/// The announced info of every node, and the view.
#[derive(Debug, Default)]
pub struct NodeTable {
    nodes: BTreeMap<NodeId, NodeInfo>,
    view: View,
}

/// How the view changed at an activation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewChange {
    pub joined: Vec<NodeId>,
    pub left: Vec<NodeId>,
    /// The info of the nodes that left, as last announced.
    pub left_info: Vec<NodeInfo>,
}

impl ViewChange {
    pub fn is_empty(&self) -> bool {
        self.joined.is_empty() && self.left.is_empty()
    }
}

impl NodeTable {
    pub fn view(&self) -> &View {
        &self.view
    }

    /// Records a node's announcement of itself.
    pub fn announce(&mut self, mut info: NodeInfo) {
        info.member = true;
        self.nodes.insert(info.node_id, info);
    }

    /// Installs a new view and forgets the nodes that left it.
    pub fn install(&mut self, number: u64, mut members: Vec<NodeId>) -> ViewChange {
        members.sort_unstable();
        members.dedup();
        let old = std::mem::replace(&mut self.view, View { number, members });
        let joined = self
            .view
            .members
            .iter()
            .copied()
            .filter(|n| !old.contains(*n))
            .collect();
        let left: Vec<NodeId> = old
            .members
            .iter()
            .copied()
            .filter(|n| !self.view.contains(*n))
            .collect();
        let left_info = left
            .iter()
            .map(|n| {
                let mut info = self.nodes.remove(n).unwrap_or_else(|| unknown_node(*n));
                info.member = false;
                info
            })
            .collect();
        ViewChange {
            joined,
            left,
            left_info,
        }
    }

    /// A member's info; `None` for a node outside the view.
    pub fn member(&self, node: NodeId) -> Option<NodeInfo> {
        if !self.view.contains(node) {
            return None;
        }
        Some(self.nodes.get(&node).cloned().unwrap_or_else(|| {
            log::warn!(target: "CLM", "member {node} never announced itself");
            let mut info = unknown_node(node);
            info.member = true;
            info
        }))
    }

    /// Every member's info, in node id order.
    pub fn members(&self) -> Vec<NodeInfo> {
        self.view
            .members
            .iter()
            .filter_map(|n| self.member(*n))
            .collect()
    }
}

/// A node known only by its id.
fn unknown_node(node: NodeId) -> NodeInfo {
    NodeInfo {
        node_id: node,
        family: AddressFamily::Inet,
        address: Vec::new(),
        name: Name::default(),
        member: false,
        boot_timestamp: 0,
        initial_view_number: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: NodeId) -> NodeInfo {
        NodeInfo {
            node_id: id,
            family: AddressFamily::Inet,
            address: format!("10.0.0.{id}").into_bytes(),
            name: Name::new(format!("n{id}").as_bytes()).unwrap(),
            member: false,
            boot_timestamp: 1,
            initial_view_number: 4,
        }
    }

    #[test]
    fn views_report_joins_and_leaves() {
        let mut t = NodeTable::default();
        t.announce(info(1));
        t.announce(info(2));
        let c = t.install(4, vec![2, 1]);
        assert_eq!(c.joined, vec![1, 2]);
        assert!(c.left.is_empty());
        assert_eq!(t.view().members, vec![1, 2]);
        assert!(t.member(1).unwrap().member);
        assert_eq!(t.members().len(), 2);

        t.announce(info(3));
        let c = t.install(8, vec![1, 3]);
        assert_eq!(c.joined, vec![3]);
        assert_eq!(c.left, vec![2]);
        assert_eq!(c.left_info[0].node_id, 2);
        assert!(!c.left_info[0].member);
        assert_eq!(c.left_info[0].address, b"10.0.0.2");
        assert!(t.member(2).is_none());
        assert_eq!(t.view().number, 8);

        assert!(t.install(12, vec![1, 3]).is_empty());
    }
}
