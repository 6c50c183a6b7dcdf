//! The layer above the ordering stack, as a client sees it: a model of
//! the executive's CPG service with one process per node, all in one
//! group.
//!
//! CPG tells its processes who is in their group. At a regular
//! configuration, after the old configuration's last messages, the
//! processes of the nodes that did not come along in the transitional
//! configuration leave (NODEDOWN); then every node rebuilds the group from
//! the members' own lists and reports the difference (NODEUP for processes
//! of nodes merged in). The model reports both at the regular
//! configuration: the lists of a configuration's sync are the members'
//! processes.
//!
//! The checker (`check/view.rs`) then asks what a client can see: a
//! sender that stayed in its group without a reported change must not
//! have messages missing.

use super::record::Delivery;
use crate::api::{ConfChg, ConfChgKind, NodeId};
use std::collections::BTreeSet;

/// One node's group, as its client was told.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupView {
    members: BTreeSet<NodeId>,
    /// Nodes the last transitional configuration says left.
    departed: Vec<NodeId>,
}

impl GroupView {
    /// A configuration change from the stack; returns what the client is
    /// told, if anything.
    pub(crate) fn conf_chg(&mut self, c: &ConfChg) -> Option<Delivery> {
        if c.kind == ConfChgKind::Transitional {
            self.departed = c.left.clone();
            return None;
        }
        // A node that was cut off and merges back must not look as if it
        // never left: its client would miss, with no change reported, what
        // the others delivered while it was away. So the nodes that left
        // leave first, even when they are back in the new configuration.
        let mut left: BTreeSet<NodeId> = BTreeSet::new();
        for n in std::mem::take(&mut self.departed) {
            if self.members.remove(&n) {
                left.insert(n);
            }
        }
        let new: BTreeSet<NodeId> = c.members.iter().copied().collect();
        left.extend(self.members.difference(&new).copied());
        let joined: Vec<NodeId> = new.difference(&self.members).copied().collect();
        self.members = new;
        if left.is_empty() && joined.is_empty() {
            return None;
        }
        Some(Delivery::View {
            members: self.members.iter().copied().collect(),
            left: left.into_iter().collect(),
            joined,
        })
    }
}
