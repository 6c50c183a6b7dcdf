//! Which connections track membership changes, and what they are told.

use std::collections::HashMap;

use sa_ipc::proto::clm::{ClusterChange, NodeInfo, TrackCallback, TrackChanges, TrackItem};

use super::node_table::{NodeTable, ViewChange};
use crate::ipc::ConnId;

/// The tracking mode of every connection that asked for changes.
#[derive(Debug, Default)]
pub struct Trackers {
    modes: HashMap<ConnId, TrackChanges>,
}

impl Trackers {
    /// Starts tracking, or changes the mode of a connection that already
    /// tracks.
    pub fn start(&mut self, conn: ConnId, mode: TrackChanges) {
        if mode != TrackChanges::None {
            self.modes.insert(conn, mode);
        }
    }

    /// Stops tracking; `false` when the connection did not track.
    pub fn stop(&mut self, conn: ConnId) -> bool {
        self.modes.remove(&conn).is_some()
    }

    /// Every tracking connection and the notification it gets for
    /// `change`, which `table` has just installed.
    pub fn notifications(
        &self,
        table: &NodeTable,
        change: &ViewChange,
    ) -> Vec<(ConnId, TrackCallback)> {
        let changes = changes_notification(table, change, false);
        let changes_only = changes_notification(table, change, true);
        let mut out: Vec<(ConnId, TrackCallback)> = self
            .modes
            .iter()
            .filter_map(|(conn, mode)| match mode {
                TrackChanges::Changes => Some((*conn, changes.clone())),
                TrackChanges::ChangesOnly => Some((*conn, changes_only.clone())),
                TrackChanges::None => None,
            })
            .collect();
        out.sort_by_key(|(conn, _)| *conn);
        out
    }
}

/// The whole view, every member unchanged: SA_TRACK_CURRENT.
pub fn current_notification(table: &NodeTable) -> TrackCallback {
    let items: Vec<TrackItem> = table
        .members()
        .into_iter()
        .map(|node| TrackItem {
            node,
            change: ClusterChange::NoChange,
        })
        .collect();
    TrackCallback {
        view_number: table.view().number,
        number_of_members: count(items.len()),
        items,
    }
}

/// SA_TRACK_CHANGES: every member (NO_CHANGE or JOINED) then the nodes
/// that left (LEFT); SA_TRACK_CHANGES_ONLY: only the joined and the left.
fn changes_notification(table: &NodeTable, change: &ViewChange, only: bool) -> TrackCallback {
    let members = table.members();
    let number_of_members = count(members.len());
    let mut items: Vec<TrackItem> = members
        .into_iter()
        .filter_map(|node| {
            let joined = change.joined.contains(&node.node_id);
            match (joined, only) {
                (true, _) => Some(TrackItem {
                    node,
                    change: ClusterChange::Joined,
                }),
                (false, false) => Some(TrackItem {
                    node,
                    change: ClusterChange::NoChange,
                }),
                (false, true) => None,
            }
        })
        .collect();
    items.extend(
        change
            .left_info
            .iter()
            .cloned()
            .map(|node: NodeInfo| TrackItem {
                node,
                change: ClusterChange::Left,
            }),
    );
    TrackCallback {
        view_number: table.view().number,
        items,
        number_of_members,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::clm::AddressFamily;
    use sa_ipc::Name;

    fn info(id: u32) -> NodeInfo {
        NodeInfo {
            node_id: id,
            family: AddressFamily::Inet,
            address: b"127.0.0.1".to_vec(),
            name: Name::new(b"host").unwrap(),
            member: true,
            boot_timestamp: 1,
            initial_view_number: 4,
        }
    }

    fn kinds(cb: &TrackCallback) -> Vec<(u32, ClusterChange, bool)> {
        cb.items
            .iter()
            .map(|i| (i.node.node_id, i.change, i.node.member))
            .collect()
    }

    #[test]
    fn changes_and_changes_only() {
        let mut table = NodeTable::default();
        table.announce(info(1));
        table.announce(info(2));
        table.install(4, vec![1, 2]);
        table.announce(info(3));
        let change = table.install(8, vec![1, 3]);

        let mut t = Trackers::default();
        t.start(ConnId(10), TrackChanges::Changes);
        t.start(ConnId(11), TrackChanges::ChangesOnly);
        t.start(ConnId(12), TrackChanges::None);
        let n = t.notifications(&table, &change);
        assert_eq!(n.len(), 2);
        let (c, full) = &n[0];
        assert_eq!(*c, ConnId(10));
        assert_eq!(full.view_number, 8);
        assert_eq!(full.number_of_members, 2);
        assert_eq!(
            kinds(full),
            vec![
                (1, ClusterChange::NoChange, true),
                (3, ClusterChange::Joined, true),
                (2, ClusterChange::Left, false)
            ]
        );
        let (c, only) = &n[1];
        assert_eq!(*c, ConnId(11));
        assert_eq!(only.number_of_members, 2);
        assert_eq!(
            kinds(only),
            vec![
                (3, ClusterChange::Joined, true),
                (2, ClusterChange::Left, false)
            ]
        );

        assert!(t.stop(ConnId(11)));
        assert!(!t.stop(ConnId(11)));
        assert!(!t.stop(ConnId(12)));
    }

    #[test]
    fn current_lists_every_member_unchanged() {
        let mut table = NodeTable::default();
        table.announce(info(5));
        table.install(12, vec![5]);
        let cb = current_notification(&table);
        assert_eq!(cb.view_number, 12);
        assert_eq!(cb.number_of_members, 1);
        assert_eq!(kinds(&cb), vec![(5, ClusterChange::NoChange, true)]);
    }
}
