//! The replicated table of closed process groups: each group's members in
//! the group's order. Every node changes its copy only on delivered exec
//! messages and at sync activation, so all copies stay identical.

use std::collections::BTreeMap;

use sa_ipc::proto::cpg::{Address, GroupName, Reason};

use crate::ordering::NodeId;

/// A process in a group: the node it runs on, its library connection on
/// that node (which tells two handles of one process apart) and its pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Member {
    pub node: NodeId,
    pub conn: u64,
    pub pid: u32,
}

impl Member {
    fn is(&self, node: NodeId, conn: u64) -> bool {
        self.node == node && self.conn == conn
    }

    /// The entry of a C member list.
    pub fn address(&self, reason: Reason) -> Address {
        Address {
            node: self.node,
            pid: self.pid,
            reason,
        }
    }
}

/// What one change did to a group: its members afterwards, who left and
/// who joined, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub group: GroupName,
    pub members: Vec<Member>,
    pub left: Vec<(Member, Reason)>,
    pub joined: Vec<(Member, Reason)>,
}

/// Every non-empty group and its members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Groups {
    map: BTreeMap<GroupName, Vec<Member>>,
}

impl Groups {
    /// The members of `group`, in the group's order (none when it does
    /// not exist).
    pub fn members(&self, group: &GroupName) -> &[Member] {
        self.map.get(group).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every group with its members.
    pub fn iter(&self) -> impl Iterator<Item = (&GroupName, &[Member])> {
        self.map.iter().map(|(g, m)| (g, m.as_slice()))
    }

    pub fn group_count(&self) -> usize {
        self.map.len()
    }

    pub fn member_count(&self) -> usize {
        self.map.values().map(Vec::len).sum()
    }

    /// Appends `member` to `group`; `None` when it is a member already.
    pub fn add(&mut self, group: &GroupName, member: Member, reason: Reason) -> Option<Change> {
        let members = self.map.entry(group.clone()).or_default();
        if members.iter().any(|m| m.is(member.node, member.conn)) {
            return None;
        }
        members.push(member);
        Some(Change {
            group: group.clone(),
            members: members.clone(),
            left: Vec::new(),
            joined: vec![(member, reason)],
        })
    }

    /// Removes the member `(node, conn)` from `group`; `None` when it is
    /// not a member. A group without members ceases to exist.
    pub fn remove(
        &mut self,
        group: &GroupName,
        node: NodeId,
        conn: u64,
        reason: Reason,
    ) -> Option<Change> {
        let members = self.map.get_mut(group)?;
        let at = members.iter().position(|m| m.is(node, conn))?;
        let gone = members.remove(at);
        let after = members.clone();
        if after.is_empty() {
            self.map.remove(group);
        }
        Some(Change {
            group: group.clone(),
            members: after,
            left: vec![(gone, reason)],
            joined: Vec::new(),
        })
    }

    /// Removes every member on one of `nodes`; returns the change of each
    /// group that had some.
    pub fn remove_nodes(&mut self, nodes: &[NodeId], reason: Reason) -> Vec<Change> {
        let mut changes = Vec::new();
        for (group, members) in self.map.iter_mut() {
            let (gone, kept): (Vec<Member>, Vec<Member>) =
                members.iter().partition(|m| nodes.contains(&m.node));
            if gone.is_empty() {
                continue;
            }
            *members = kept;
            changes.push(Change {
                group: group.clone(),
                members: members.clone(),
                left: gone.into_iter().map(|m| (m, reason)).collect(),
                joined: Vec::new(),
            });
        }
        self.map.retain(|_, members| !members.is_empty());
        changes
    }

    /// Replaces the whole table with `new` and returns the change of every
    /// group that differs; `left_reason` and `joined_reason` say why each
    /// member went or came.
    pub fn replace_with(
        &mut self,
        new: Groups,
        left_reason: impl Fn(&Member) -> Reason,
        joined_reason: impl Fn(&Member) -> Reason,
    ) -> Vec<Change> {
        let mut names: Vec<&GroupName> = self.map.keys().chain(new.map.keys()).collect();
        names.sort();
        names.dedup();
        let mut changes = Vec::new();
        for name in names {
            let old = self.members(name);
            let now = new.members(name);
            let left: Vec<(Member, Reason)> = old
                .iter()
                .filter(|o| !now.iter().any(|n| n.is(o.node, o.conn)))
                .map(|m| (*m, left_reason(m)))
                .collect();
            let joined: Vec<(Member, Reason)> = now
                .iter()
                .filter(|n| !old.iter().any(|o| o.is(n.node, n.conn)))
                .map(|m| (*m, joined_reason(m)))
                .collect();
            if !left.is_empty() || !joined.is_empty() {
                changes.push(Change {
                    group: name.clone(),
                    members: now.to_vec(),
                    left,
                    joined,
                });
            }
        }
        *self = new;
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> GroupName {
        GroupName::new(s.as_bytes()).unwrap()
    }

    fn m(node: NodeId, conn: u64) -> Member {
        Member {
            node,
            conn,
            pid: 1000 + conn as u32,
        }
    }

    #[test]
    fn add_and_remove_report_changes() {
        let mut t = Groups::default();
        let c = t.add(&g("a"), m(1, 1), Reason::Join).unwrap();
        assert_eq!(c.members, vec![m(1, 1)]);
        assert_eq!(c.joined, vec![(m(1, 1), Reason::Join)]);
        assert!(t.add(&g("a"), m(1, 1), Reason::Join).is_none());
        // the same pid on another connection is another member
        let c = t
            .add(&g("a"), Member { conn: 2, ..m(1, 1) }, Reason::Join)
            .unwrap();
        assert_eq!(c.members.len(), 2);
        t.add(&g("b"), m(2, 1), Reason::Join).unwrap();
        assert_eq!(t.group_count(), 2);
        assert_eq!(t.member_count(), 3);

        let c = t.remove(&g("a"), 1, 1, Reason::Leave).unwrap();
        assert_eq!(c.left, vec![(m(1, 1), Reason::Leave)]);
        assert_eq!(c.members, vec![Member { conn: 2, ..m(1, 1) }]);
        assert!(t.remove(&g("a"), 1, 1, Reason::Leave).is_none());
        assert!(t.remove(&g("zz"), 1, 1, Reason::Leave).is_none());
        t.remove(&g("b"), 2, 1, Reason::ProcDown).unwrap();
        assert_eq!(t.group_count(), 1);
        assert!(t.members(&g("b")).is_empty());
    }

    #[test]
    fn replacing_reports_the_difference_per_group() {
        let mut t = Groups::default();
        t.add(&g("a"), m(1, 1), Reason::Join);
        t.add(&g("a"), m(2, 1), Reason::Join);
        t.add(&g("b"), m(2, 2), Reason::Join);
        let mut new = Groups::default();
        new.add(&g("a"), m(1, 1), Reason::Join);
        new.add(&g("a"), m(3, 1), Reason::Join);
        new.add(&g("c"), m(3, 2), Reason::Join);
        let changes = t.replace_with(new.clone(), |_| Reason::NodeDown, |_| Reason::NodeUp);
        assert_eq!(
            changes,
            vec![
                Change {
                    group: g("a"),
                    members: vec![m(1, 1), m(3, 1)],
                    left: vec![(m(2, 1), Reason::NodeDown)],
                    joined: vec![(m(3, 1), Reason::NodeUp)],
                },
                Change {
                    group: g("b"),
                    members: vec![],
                    left: vec![(m(2, 2), Reason::NodeDown)],
                    joined: vec![],
                },
                Change {
                    group: g("c"),
                    members: vec![m(3, 2)],
                    left: vec![],
                    joined: vec![(m(3, 2), Reason::NodeUp)],
                },
            ]
        );
        assert_eq!(t, new);
        assert!(t
            .replace_with(new, |_| Reason::NodeDown, |_| Reason::NodeUp)
            .is_empty());
    }
}
