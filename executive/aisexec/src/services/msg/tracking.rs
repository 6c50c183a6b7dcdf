//! Group tracking: which library connections of this node track which
//! group, and the callbacks they get when a delivered change (insert,
//! remove, a member queue's deletion) alters the group's members.
//! Trackers are local: every node sees the same changes in the same
//! order and tells its own trackers.

use std::collections::BTreeMap;

use sa_abi::ais::{SA_AIS_OK, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY};
use sa_abi::msg::SA_MSG_QUEUE_GROUP_NO_CHANGE;
use sa_ipc::proto::msg::{kind, TrackCallback, TrackItem};
use sa_ipc::proto::Payload;
use sa_ipc::Name;

use super::store::{Group, GroupChange};
use crate::ipc::ConnId;
use crate::service::Context;

/// The trackers of this node: group -> connection -> track flags.
#[derive(Debug, Default)]
pub struct Trackers {
    groups: BTreeMap<Name, BTreeMap<ConnId, u8>>,
}

impl Trackers {
    pub fn add(&mut self, conn: ConnId, group: &Name, flags: u8) {
        self.groups
            .entry(group.clone())
            .or_default()
            .insert(conn, flags);
    }

    /// Stops `conn` tracking `group`; false when it did not.
    pub fn remove(&mut self, conn: ConnId, group: &Name) -> bool {
        let Some(t) = self.groups.get_mut(group) else {
            return false;
        };
        let had = t.remove(&conn).is_some();
        if t.is_empty() {
            self.groups.remove(group);
        }
        had
    }

    pub fn drop_conn(&mut self, conn: ConnId) {
        self.groups.retain(|_, t| {
            t.remove(&conn);
            !t.is_empty()
        });
    }

    /// A deleted group is tracked no more.
    pub fn drop_group(&mut self, group: &Name) {
        self.groups.remove(group);
    }

    /// Tells the trackers of `change.group` (whose members are now
    /// `group`'s): CHANGES gets every member and the change,
    /// CHANGES_ONLY the change alone.
    pub fn notify(&self, ctx: &mut Context<'_>, change: &GroupChange, group: &Group) {
        let Some(trackers) = self.groups.get(&change.group) else {
            return;
        };
        let members = u32::try_from(group.members.len()).unwrap_or(u32::MAX);
        let changed = TrackItem {
            queue: change.queue.clone(),
            change: change.change,
        };
        for (conn, flags) in trackers {
            let items = if flags & SA_TRACK_CHANGES != 0 {
                let mut all: Vec<TrackItem> = group
                    .members
                    .iter()
                    .filter(|m| **m != change.queue)
                    .map(|m| TrackItem {
                        queue: m.clone(),
                        change: SA_MSG_QUEUE_GROUP_NO_CHANGE,
                    })
                    .collect();
                all.push(changed.clone());
                all
            } else if flags & SA_TRACK_CHANGES_ONLY != 0 {
                vec![changed.clone()]
            } else {
                continue;
            };
            let cb = TrackCallback {
                group: change.group.clone(),
                policy: group.policy,
                members,
                items,
            };
            ctx.callback(*conn, kind::TRACK_CALLBACK, SA_AIS_OK, cb.to_payload());
        }
    }
}

/// The SA_TRACK_CURRENT callback: every member, unchanged.
pub fn send_current(ctx: &mut Context<'_>, conn: ConnId, name: &Name, group: &Group) {
    let cb = TrackCallback {
        group: name.clone(),
        policy: group.policy,
        members: u32::try_from(group.members.len()).unwrap_or(u32::MAX),
        items: group
            .members
            .iter()
            .map(|m| TrackItem {
                queue: m.clone(),
                change: SA_MSG_QUEUE_GROUP_NO_CHANGE,
            })
            .collect(),
    };
    ctx.callback(conn, kind::TRACK_CALLBACK, SA_AIS_OK, cb.to_payload());
}
