//! The layer above the ordering stack, as a client sees it: a model of
//! the executive's CPG service with one process per node, all in one
//! group.
//!
//! CPG tells its processes who is in their group. After a regular
//! configuration, every node rebuilds the group from the members'
//! own lists and reports the difference from the group it had (NODEDOWN
//! for processes of nodes gone, NODEUP for those of nodes merged in). The
//! model reports the same difference at the regular configuration: the
//! lists of a configuration's sync are the members' processes.
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
}

impl GroupView {
    /// A configuration change from the stack; returns what the client is
    /// told, if anything.
    pub(crate) fn conf_chg(&mut self, c: &ConfChg) -> Option<Delivery> {
        let (left, joined): (Vec<NodeId>, Vec<NodeId>) = match c.kind {
            ConfChgKind::Transitional => return None,
            ConfChgKind::Regular => {
                let new: BTreeSet<NodeId> = c.members.iter().copied().collect();
                let left = self.members.difference(&new).copied().collect();
                let joined = new.difference(&self.members).copied().collect();
                self.members = new;
                (left, joined)
            }
        };
        if left.is_empty() && joined.is_empty() {
            return None;
        }
        Some(Delivery::View {
            members: self.members.iter().copied().collect(),
            left,
            joined,
        })
    }
}
