//! Which groups each local EVS connection has joined. This is a node's own
//! business: a multicast carries the keys of its groups, and every node
//! hands it to those of its connections that joined one of them.

use std::collections::{BTreeSet, HashMap};

use sa_ipc::proto::evs::{GroupKey, MAX_JOINED_GROUPS};

use crate::ipc::ConnId;

/// Why a join or leave was refused; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error("the connection would be in more than {MAX_JOINED_GROUPS} groups")]
    TooManyGroups,
    #[error("the connection has not joined one of the groups")]
    NotJoined,
    #[error("no such connection")]
    UnknownConnection,
}

/// The joined groups of every open connection.
#[derive(Debug, Default)]
pub struct Subscriptions {
    conns: HashMap<ConnId, BTreeSet<GroupKey>>,
}

impl Subscriptions {
    /// A connection opened; it is in no group yet.
    pub fn open(&mut self, conn: ConnId) {
        self.conns.entry(conn).or_default();
    }

    /// A connection closed; its groups are forgotten.
    pub fn close(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
    }

    /// Every open connection.
    pub fn connections(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.conns.keys().copied()
    }

    /// Adds `groups` to the connection's groups (a group already joined
    /// stays joined once), all or nothing.
    pub fn join(&mut self, conn: ConnId, groups: &[GroupKey]) -> Result<(), SubscriptionError> {
        let joined = self
            .conns
            .get_mut(&conn)
            .ok_or(SubscriptionError::UnknownConnection)?;
        let new: BTreeSet<GroupKey> = groups
            .iter()
            .filter(|g| !joined.contains(g))
            .copied()
            .collect();
        if joined.len() + new.len() > MAX_JOINED_GROUPS {
            return Err(SubscriptionError::TooManyGroups);
        }
        joined.extend(new);
        Ok(())
    }

    /// Removes `groups`, all of which must be joined; otherwise nothing
    /// changes.
    pub fn leave(&mut self, conn: ConnId, groups: &[GroupKey]) -> Result<(), SubscriptionError> {
        let joined = self
            .conns
            .get_mut(&conn)
            .ok_or(SubscriptionError::UnknownConnection)?;
        if !groups.iter().all(|g| joined.contains(g)) {
            return Err(SubscriptionError::NotJoined);
        }
        for g in groups {
            joined.remove(g);
        }
        Ok(())
    }

    /// The connection's groups, in key order.
    pub fn groups_of(&self, conn: ConnId) -> Vec<GroupKey> {
        self.conns
            .get(&conn)
            .map(|g| g.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The connections that joined at least one of `groups`; each appears
    /// once however many of the groups it joined.
    pub fn recipients<'a>(&'a self, groups: &'a [GroupKey]) -> impl Iterator<Item = ConnId> + 'a {
        self.conns
            .iter()
            .filter(|(_, joined)| groups.iter().any(|g| joined.contains(g)))
            .map(|(conn, _)| *conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> GroupKey {
        let mut k = [0u8; 32];
        k[31] = b;
        GroupKey(k)
    }

    #[test]
    fn join_leave_and_recipients() {
        let mut s = Subscriptions::default();
        let (a, b) = (ConnId(1), ConnId(2));
        s.open(a);
        s.open(b);
        s.join(a, &[key(1), key(2)]).unwrap();
        s.join(b, &[key(2), key(2)]).unwrap();
        let mut r: Vec<_> = s.recipients(&[key(1), key(2)]).collect();
        r.sort();
        assert_eq!(r, vec![a, b]);
        assert_eq!(s.recipients(&[key(3)]).count(), 0);
        // keys differing in their last byte are different groups
        assert_eq!(s.recipients(&[key(1)]).collect::<Vec<_>>(), vec![a]);

        assert_eq!(
            s.leave(a, &[key(1), key(3)]),
            Err(SubscriptionError::NotJoined)
        );
        assert_eq!(s.groups_of(a), vec![key(1), key(2)]);
        s.leave(a, &[key(1)]).unwrap();
        assert_eq!(s.leave(a, &[key(1)]), Err(SubscriptionError::NotJoined));
        assert_eq!(s.groups_of(a), vec![key(2)]);
        s.close(a);
        assert_eq!(s.recipients(&[key(2)]).collect::<Vec<_>>(), vec![b]);
        assert_eq!(
            s.join(a, &[key(1)]),
            Err(SubscriptionError::UnknownConnection)
        );
    }

    #[test]
    fn group_limit_is_all_or_nothing() {
        let mut s = Subscriptions::default();
        let a = ConnId(1);
        s.open(a);
        let many: Vec<GroupKey> = (0..MAX_JOINED_GROUPS)
            .map(|i| {
                let mut k = [0u8; 32];
                k[..8].copy_from_slice(&(i as u64).to_le_bytes());
                GroupKey(k)
            })
            .collect();
        s.join(a, &many[..MAX_JOINED_GROUPS - 1]).unwrap();
        // joining one already joined and one new fits exactly
        s.join(a, &many[MAX_JOINED_GROUPS - 2..]).unwrap();
        assert_eq!(
            s.join(a, &[key(200)]),
            Err(SubscriptionError::TooManyGroups)
        );
        assert_eq!(s.groups_of(a).len(), MAX_JOINED_GROUPS);
    }
}
