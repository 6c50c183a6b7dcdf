//! The replicated table of event channels.
//!
//! A channel is known by a cluster-wide id ([`ChannelId`]) and, until it
//! is unlinked, by its name. Every opening of it anywhere in the cluster
//! is an [`OpenRef`] in its `opens`. Channels outlive their openings:
//! one goes away when it has been unlinked and its last opening closes
//! (like a checkpoint). Unlinking takes the name away at once, so a later
//! open of the name fails or, with SA_EVT_CHANNEL_CREATE, creates a new,
//! unrelated channel, while existing openings of the old one keep
//! working.
//!
//! The table changes only in exec handlers, so every node's copy is the
//! same; channel ids are assigned on delivery (see [`super::ids`]).

use std::collections::{BTreeMap, BTreeSet};

use sa_ipc::Name;

use crate::ipc::ConnId;
use crate::ordering::NodeId;

/// A channel's cluster-wide id.
pub type ChannelId = u64;

/// One opening of a channel: which node, library connection and opening
/// of that connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenRef {
    pub node: NodeId,
    pub conn: ConnId,
    pub open_id: u32,
}

/// One event channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: ChannelId,
    pub name: Name,
    pub unlinked: bool,
    pub opens: BTreeSet<OpenRef>,
}

impl Channel {
    /// Unlinked and no longer open anywhere: it goes away.
    pub fn is_dead(&self) -> bool {
        self.unlinked && self.opens.is_empty()
    }
}

/// An open of a name that is not a channel, without SA_EVT_CHANNEL_CREATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no event channel of that name")]
pub struct NoSuchChannel;

/// Every channel of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channels {
    by_id: BTreeMap<ChannelId, Channel>,
    /// Names of the channels not unlinked.
    by_name: BTreeMap<Name, ChannelId>,
}

impl Channels {
    pub fn get(&self, id: ChannelId) -> Option<&Channel> {
        self.by_id.get(&id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every channel, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Channel> {
        self.by_id.values()
    }

    /// The channel currently named `name`.
    pub fn by_name(&self, name: &Name) -> Option<ChannelId> {
        self.by_name.get(name).copied()
    }

    /// Adds an opening of `name`. When no channel has the name, one is
    /// created with id `create` if given (SA_EVT_CHANNEL_CREATE; the
    /// caller draws the id only when [`Channels::by_name`] finds none).
    /// Returns the channel's id and whether it was created.
    pub fn open(
        &mut self,
        name: &Name,
        open: OpenRef,
        create: Option<ChannelId>,
    ) -> Result<(ChannelId, bool), NoSuchChannel> {
        if let Some(ch) = self.by_name.get(name).and_then(|id| self.by_id.get_mut(id)) {
            ch.opens.insert(open);
            return Ok((ch.id, false));
        }
        let id = create.ok_or(NoSuchChannel)?;
        self.insert(Channel {
            id,
            name: name.clone(),
            unlinked: false,
            opens: BTreeSet::from([open]),
        });
        Ok((id, true))
    }

    /// Adds a whole channel (creation, sync). A channel of the same id is
    /// replaced.
    pub fn insert(&mut self, channel: Channel) {
        if !channel.unlinked {
            self.by_name.insert(channel.name.clone(), channel.id);
        }
        self.by_id.insert(channel.id, channel);
    }

    /// Removes an opening. Returns `Some(id)` when the channel went away
    /// with it (unlinked, last opening closed).
    pub fn close(&mut self, id: ChannelId, open: &OpenRef) -> Option<ChannelId> {
        let ch = self.by_id.get_mut(&id)?;
        ch.opens.remove(open);
        self.reap(id)
    }

    /// Unlinks the channel named `name`. Returns its id and whether it
    /// went away at once (no opening left).
    pub fn unlink(&mut self, name: &Name) -> Result<(ChannelId, bool), NoSuchChannel> {
        let id = self.by_name.remove(name).ok_or(NoSuchChannel)?;
        if let Some(ch) = self.by_id.get_mut(&id) {
            ch.unlinked = true;
        }
        Ok((id, self.reap(id).is_some()))
    }

    /// Removes every opening `gone` selects (a connection that closed, a
    /// node that left). Returns the channels that went away with them.
    pub fn remove_opens(&mut self, mut gone: impl FnMut(&OpenRef) -> bool) -> Vec<ChannelId> {
        let mut touched = Vec::new();
        for ch in self.by_id.values_mut() {
            let before = ch.opens.len();
            ch.opens.retain(|o| !gone(o));
            if ch.opens.len() != before {
                touched.push(ch.id);
            }
        }
        touched.into_iter().filter_map(|id| self.reap(id)).collect()
    }

    /// Removes the channel when it is dead.
    fn reap(&mut self, id: ChannelId) -> Option<ChannelId> {
        if !self.by_id.get(&id)?.is_dead() {
            return None;
        }
        self.by_id.remove(&id);
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::try_from(s).unwrap()
    }

    fn open(node: NodeId, conn: u64, open_id: u32) -> OpenRef {
        OpenRef {
            node,
            conn: ConnId(conn),
            open_id,
        }
    }

    #[test]
    fn create_open_close_keeps_the_channel() {
        let mut t = Channels::default();
        assert_eq!(t.open(&name("a"), open(1, 1, 1), None), Err(NoSuchChannel));
        assert_eq!(t.open(&name("a"), open(1, 1, 1), Some(7)), Ok((7, true)));
        assert_eq!(t.open(&name("a"), open(2, 5, 1), None), Ok((7, false)));
        assert_eq!(t.get(7).unwrap().opens.len(), 2);
        assert_eq!(t.close(7, &open(1, 1, 1)), None);
        assert_eq!(t.close(7, &open(2, 5, 1)), None);
        // not unlinked: it stays, without openings
        assert_eq!(t.by_name(&name("a")), Some(7));
        assert!(t.get(7).unwrap().opens.is_empty());
    }

    #[test]
    fn unlink_takes_the_name_and_the_last_close_the_channel() {
        let mut t = Channels::default();
        t.open(&name("a"), open(1, 1, 1), Some(7)).unwrap();
        assert_eq!(t.unlink(&name("a")), Ok((7, false)));
        assert_eq!(t.unlink(&name("a")), Err(NoSuchChannel));
        assert_eq!(t.by_name(&name("a")), None);
        assert!(t.get(7).unwrap().unlinked);
        // a new open of the name is a new channel
        assert_eq!(t.open(&name("a"), open(1, 1, 2), None), Err(NoSuchChannel));
        assert_eq!(t.open(&name("a"), open(1, 1, 2), Some(8)), Ok((8, true)));
        assert_eq!(t.close(7, &open(1, 1, 1)), Some(7));
        assert!(t.get(7).is_none());
        assert_eq!(t.by_name(&name("a")), Some(8));
    }

    #[test]
    fn unlink_without_openings_removes_at_once() {
        let mut t = Channels::default();
        t.open(&name("a"), open(1, 1, 1), Some(7)).unwrap();
        t.close(7, &open(1, 1, 1));
        assert_eq!(t.unlink(&name("a")), Ok((7, true)));
        assert!(t.is_empty());
    }

    #[test]
    fn removing_a_connection_reaps_unlinked_channels() {
        let mut t = Channels::default();
        t.open(&name("a"), open(1, 1, 1), Some(7)).unwrap();
        t.open(&name("a"), open(1, 1, 2), None).unwrap();
        t.open(&name("b"), open(1, 1, 3), Some(8)).unwrap();
        t.open(&name("b"), open(2, 1, 1), None).unwrap();
        t.unlink(&name("a")).unwrap();
        t.unlink(&name("b")).unwrap();
        let gone = t.remove_opens(|o| o.node == 1 && o.conn == ConnId(1));
        assert_eq!(gone, vec![7]);
        assert_eq!(t.get(8).unwrap().opens.len(), 1);
        assert_eq!(t.remove_opens(|o| o.node == 2), vec![8]);
        assert!(t.is_empty());
    }
}
