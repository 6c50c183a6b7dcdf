//! The replicated MSG state: queues with their messages, queue groups,
//! and the SendReceives waiting for a reply. Every node holds the same
//! store; it changes only through the operations here, called by the exec
//! handlers in delivery order, so every node makes the same choices
//! (which queue of a group, which message a get takes, what is full).
//!
//! Memory: a queue's priority areas hold at most the sizes it was created
//! with (SA_AIS_ERR_QUEUE_FULL past them), and all queues together at
//! most `limits.total_bytes` (SA_AIS_ERR_NO_RESOURCES), each message
//! weighed by its data plus [`MESSAGE_OVERHEAD`]. The numbers of queues,
//! groups and waiting SendReceives are bounded too.

use std::collections::{BTreeMap, VecDeque};

use sa_abi::ais::{
    SaAisErrorT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_BUSY, SA_AIS_ERR_EXIST, SA_AIS_ERR_NOT_EXIST,
    SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_NO_SPACE, SA_AIS_ERR_QUEUE_FULL,
    SA_AIS_ERR_QUEUE_NOT_AVAILABLE,
};
use sa_abi::msg::{
    SA_MSG_QUEUE_CREATE, SA_MSG_QUEUE_EMPTY, SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE,
    SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN, SA_MSG_QUEUE_PERSISTENT, SA_MSG_QUEUE_RECEIVE_CALLBACK,
};
use sa_ipc::proto::msg::{
    MessageBody, QueueAttributes, QueueOpen, QueueStatus, Usage, MAX_GROUP_MEMBERS, PRIORITIES,
};
use sa_ipc::Name;

use crate::ordering::NodeId;

/// What a stored message weighs beyond its data (its header, names and
/// bookkeeping), for the executive-wide bound.
pub const MESSAGE_OVERHEAD: u64 = 320;

/// Most queues (linked or not) the executive holds.
pub const MAX_QUEUES: usize = 65_536;
/// Most queue groups.
pub const MAX_GROUPS: usize = 65_536;
/// Most SendReceives waiting for a reply, cluster-wide.
pub const MAX_PENDING_REPLIES: usize = 65_536;

/// The executive's bounds on what queues hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// All messages of all queues, data plus overhead.
    pub total_bytes: u64,
}

/// An opening: (node, library connection, open id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenKey {
    pub node: NodeId,
    pub conn: u64,
    pub open_id: u64,
}

/// The opener of a queue (one at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opener {
    pub key: OpenKey,
    pub receive_callback: bool,
}

/// A message in a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The queue's count of messages when this one arrived.
    pub seq: u64,
    pub send_time: i64,
    /// Non-zero for a SendReceive's message.
    pub sender_id: u64,
    pub message: MessageBody,
}

impl Stored {
    fn weight(&self) -> u64 {
        self.message.data.len() as u64 + MESSAGE_OVERHEAD
    }
}

/// A queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub id: u64,
    /// `None` once unlinked (it lives until its opener closes it).
    pub name: Option<Name>,
    pub attributes: QueueAttributes,
    pub opener: Option<Opener>,
    /// When it was last closed (0: never).
    pub close_time: i64,
    /// Counts closes: an expiry names the close it follows.
    pub epoch: u64,
    pub next_seq: u64,
    /// One FIFO per priority area.
    pub areas: [VecDeque<Stored>; PRIORITIES],
    /// Data bytes per area.
    pub used: [u64; PRIORITIES],
}

impl Queue {
    pub fn new(id: u64, name: Name, attributes: QueueAttributes) -> Queue {
        Queue {
            id,
            name: Some(name),
            attributes,
            opener: None,
            close_time: 0,
            epoch: 0,
            next_seq: 0,
            areas: Default::default(),
            used: [0; PRIORITIES],
        }
    }

    pub fn persistent(&self) -> bool {
        self.attributes.creation_flags & SA_MSG_QUEUE_PERSISTENT != 0
    }

    /// Messages held.
    pub fn count(&self) -> usize {
        self.areas.iter().map(VecDeque::len).sum()
    }

    /// The message a get takes next: the oldest of the highest priority.
    pub fn head(&self) -> Option<&Stored> {
        self.areas.iter().find_map(|a| a.front())
    }

    /// Free bytes of priority area `p`.
    pub fn room(&self, p: usize) -> u64 {
        self.attributes.sizes[p].saturating_sub(self.used[p])
    }

    /// When a closed non-persistent queue is due for deletion.
    pub fn expiry(&self) -> Option<i64> {
        (self.opener.is_none() && !self.persistent() && self.name.is_some())
            .then(|| self.close_time.saturating_add(self.attributes.retention))
    }

    pub fn status(&self) -> QueueStatus {
        let mut usage = [Usage::default(); PRIORITIES];
        for (p, u) in usage.iter_mut().enumerate() {
            *u = Usage {
                size: self.attributes.sizes[p],
                used: self.used[p],
                messages: u32::try_from(self.areas[p].len()).unwrap_or(u32::MAX),
            };
        }
        QueueStatus {
            creation_flags: self.attributes.creation_flags,
            retention: self.attributes.retention,
            close_time: if self.opener.is_some() {
                0
            } else {
                self.close_time
            },
            usage,
        }
    }

    fn weight(&self) -> u64 {
        self.areas.iter().flatten().map(Stored::weight).sum()
    }
}

/// A queue group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub policy: u32,
    /// Member queue names, in insertion order.
    pub members: Vec<Name>,
    /// Round-robin position: messages sent to the group so far.
    pub next: u64,
}

/// A SendReceive waiting for its reply; `to` is its request's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingReply {
    pub to: crate::service::ReplyTo,
    pub deadline: i64,
    pub buffer: Option<u64>,
}

/// What an open did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub queue: u64,
    /// Messages the EMPTY flag discarded.
    pub emptied: usize,
}

/// Where a send went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub queue: u64,
    pub opener: Option<Opener>,
}

/// What a get found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    Message(Stored),
    /// The head message needs this many bytes.
    TooSmall(u64),
    Empty,
}

/// A change of a group's membership, for its trackers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChange {
    pub group: Name,
    pub queue: Name,
    /// SA_MSG_QUEUE_GROUP_ADDED or _REMOVED.
    pub change: u32,
}

/// The replicated state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub queues: BTreeMap<u64, Queue>,
    /// Linked queue names.
    pub names: BTreeMap<Name, u64>,
    pub openings: BTreeMap<OpenKey, u64>,
    pub groups: BTreeMap<Name, Group>,
    pub replies: BTreeMap<u64, PendingReply>,
    /// Weight of every message held.
    pub total: u64,
    pub limits: Limits,
}

impl Store {
    pub fn new(limits: Limits) -> Store {
        Store {
            queues: BTreeMap::new(),
            names: BTreeMap::new(),
            openings: BTreeMap::new(),
            groups: BTreeMap::new(),
            replies: BTreeMap::new(),
            total: 0,
            limits,
        }
    }

    /// The store made of these queues, groups and replies (a merge):
    /// names, openings and the weight follow from them.
    pub fn from_parts(
        limits: Limits,
        queues: BTreeMap<u64, Queue>,
        groups: BTreeMap<Name, Group>,
        replies: BTreeMap<u64, PendingReply>,
    ) -> Store {
        let mut s = Store::new(limits);
        for q in queues.values() {
            if let Some(n) = &q.name {
                s.names.insert(n.clone(), q.id);
            }
            if let Some(o) = q.opener {
                s.openings.insert(o.key, q.id);
            }
            s.total = s.total.saturating_add(q.weight());
        }
        s.queues = queues;
        s.groups = groups;
        s.replies = replies;
        s
    }

    pub fn queue_by_name(&self, name: &Name) -> Option<&Queue> {
        self.names.get(name).and_then(|id| self.queues.get(id))
    }

    pub fn opening(&self, key: &OpenKey) -> Option<&Queue> {
        self.openings.get(key).and_then(|id| self.queues.get(id))
    }

    /// saMsgQueueOpen, as delivered.
    pub fn open(
        &mut self,
        key: OpenKey,
        new_id: u64,
        req: &QueueOpen,
    ) -> Result<Opened, SaAisErrorT> {
        let receive_callback = req.flags & SA_MSG_QUEUE_RECEIVE_CALLBACK != 0;
        let id = match self.names.get(&req.name) {
            Some(id) => *id,
            None => {
                let attributes = match (&req.attributes, req.flags & SA_MSG_QUEUE_CREATE != 0) {
                    (Some(a), true) => *a,
                    _ => return Err(SA_AIS_ERR_NOT_EXIST),
                };
                if self.queues.len() >= MAX_QUEUES || self.queues.contains_key(&new_id) {
                    return Err(SA_AIS_ERR_NO_RESOURCES);
                }
                self.queues
                    .insert(new_id, Queue::new(new_id, req.name.clone(), attributes));
                self.names.insert(req.name.clone(), new_id);
                new_id
            }
        };
        let Some(q) = self.queues.get_mut(&id) else {
            return Err(SA_AIS_ERR_NOT_EXIST);
        };
        if let Some(a) = &req.attributes {
            if req.flags & SA_MSG_QUEUE_CREATE != 0 && *a != q.attributes {
                return Err(SA_AIS_ERR_EXIST);
            }
        }
        if q.opener.is_some() {
            return Err(SA_AIS_ERR_BUSY);
        }
        if self.openings.contains_key(&key) {
            // A library reuses no open id on its connection.
            return Err(SA_AIS_ERR_EXIST);
        }
        q.opener = Some(Opener {
            key,
            receive_callback,
        });
        // A new epoch: an expiry asked for the earlier close is void.
        q.epoch += 1;
        let mut emptied = 0;
        if req.flags & SA_MSG_QUEUE_EMPTY != 0 {
            emptied = q.count();
            let freed = q.weight();
            q.areas = Default::default();
            q.used = [0; PRIORITIES];
            self.total = self.total.saturating_sub(freed);
        }
        self.openings.insert(key, id);
        Ok(Opened { queue: id, emptied })
    }

    /// saMsgQueueClose. Returns the queue's name when closing deleted an
    /// unlinked queue's last trace (nothing else refers to it).
    pub fn close(&mut self, key: &OpenKey, now: i64) -> Result<(), SaAisErrorT> {
        let id = self.openings.remove(key).ok_or(SA_AIS_ERR_BAD_HANDLE)?;
        let Some(q) = self.queues.get_mut(&id) else {
            return Ok(());
        };
        q.opener = None;
        q.close_time = now;
        q.epoch += 1;
        if q.name.is_none() {
            self.delete(id);
        }
        Ok(())
    }

    /// Closes every opening of `node` (and `conn`, when given); returns
    /// how many.
    pub fn close_all(&mut self, node: NodeId, conn: Option<u64>, now: i64) -> usize {
        let keys: Vec<OpenKey> = self
            .openings
            .keys()
            .filter(|k| k.node == node && conn.is_none_or(|c| k.conn == c))
            .copied()
            .collect();
        for k in &keys {
            let _ = self.close(k, now);
        }
        keys.len()
    }

    /// saMsgQueueUnlink: the name goes at once; the queue with it when
    /// nobody has it open, else at its close. Returns the group changes
    /// the queue's removal from groups made.
    pub fn unlink(&mut self, name: &Name) -> Result<Vec<GroupChange>, SaAisErrorT> {
        let id = self.names.remove(name).ok_or(SA_AIS_ERR_NOT_EXIST)?;
        let changes = self.leave_groups(name);
        if let Some(q) = self.queues.get_mut(&id) {
            q.name = None;
            if q.opener.is_none() {
                self.delete(id);
            }
        }
        Ok(changes)
    }

    /// A closed queue's retention passed (if `epoch` is still current).
    pub fn expire(&mut self, id: u64, epoch: u64) -> Option<Vec<GroupChange>> {
        let q = self.queues.get(&id)?;
        if q.epoch != epoch || q.expiry().is_none() {
            return None;
        }
        let name = q.name.clone()?;
        self.names.remove(&name);
        let changes = self.leave_groups(&name);
        self.delete(id);
        Some(changes)
    }

    fn delete(&mut self, id: u64) {
        if let Some(q) = self.queues.remove(&id) {
            self.total = self.total.saturating_sub(q.weight());
            if let Some(o) = q.opener {
                self.openings.remove(&o.key);
            }
            if let Some(n) = q.name {
                self.names.remove(&n);
            }
        }
    }

    /// Removes a deleted queue's name from every group.
    fn leave_groups(&mut self, queue: &Name) -> Vec<GroupChange> {
        let mut changes = Vec::new();
        for (g, group) in &mut self.groups {
            if let Some(i) = group.members.iter().position(|m| m == queue) {
                group.members.remove(i);
                changes.push(GroupChange {
                    group: g.clone(),
                    queue: queue.clone(),
                    change: sa_abi::msg::SA_MSG_QUEUE_GROUP_REMOVED,
                });
            }
        }
        changes
    }

    pub fn group_create(&mut self, name: &Name, policy: u32) -> Result<(), SaAisErrorT> {
        if self.groups.contains_key(name) {
            return Err(SA_AIS_ERR_EXIST);
        }
        if self.groups.len() >= MAX_GROUPS {
            return Err(SA_AIS_ERR_NO_RESOURCES);
        }
        self.groups.insert(
            name.clone(),
            Group {
                policy,
                members: Vec::new(),
                next: 0,
            },
        );
        Ok(())
    }

    pub fn group_insert(&mut self, group: &Name, queue: &Name) -> Result<GroupChange, SaAisErrorT> {
        if !self.names.contains_key(queue) {
            return Err(SA_AIS_ERR_NOT_EXIST);
        }
        let g = self.groups.get_mut(group).ok_or(SA_AIS_ERR_NOT_EXIST)?;
        if g.members.contains(queue) {
            return Err(SA_AIS_ERR_EXIST);
        }
        if g.members.len() >= MAX_GROUP_MEMBERS {
            return Err(SA_AIS_ERR_NO_RESOURCES);
        }
        g.members.push(queue.clone());
        Ok(GroupChange {
            group: group.clone(),
            queue: queue.clone(),
            change: sa_abi::msg::SA_MSG_QUEUE_GROUP_ADDED,
        })
    }

    pub fn group_remove(&mut self, group: &Name, queue: &Name) -> Result<GroupChange, SaAisErrorT> {
        let g = self.groups.get_mut(group).ok_or(SA_AIS_ERR_NOT_EXIST)?;
        let i = g
            .members
            .iter()
            .position(|m| m == queue)
            .ok_or(SA_AIS_ERR_NOT_EXIST)?;
        g.members.remove(i);
        Ok(GroupChange {
            group: group.clone(),
            queue: queue.clone(),
            change: sa_abi::msg::SA_MSG_QUEUE_GROUP_REMOVED,
        })
    }

    pub fn group_delete(&mut self, group: &Name) -> Result<(), SaAisErrorT> {
        self.groups
            .remove(group)
            .map(|_| ())
            .ok_or(SA_AIS_ERR_NOT_EXIST)
    }

    /// The queue a message from node `from` for `dest` goes to: the
    /// queue of that name, or a member of the group of that name chosen
    /// by its policy (advancing its round robin).
    fn destination(
        &mut self,
        dest: &Name,
        from: NodeId,
        priority: usize,
    ) -> Result<u64, SaAisErrorT> {
        if let Some(id) = self.names.get(dest) {
            return Ok(*id);
        }
        let Some(group) = self.groups.get_mut(dest) else {
            return Err(SA_AIS_ERR_NOT_EXIST);
        };
        let members: Vec<&Queue> = group
            .members
            .iter()
            .filter_map(|m| self.names.get(m).and_then(|id| self.queues.get(id)))
            .collect();
        if members.is_empty() {
            return Err(SA_AIS_ERR_QUEUE_NOT_AVAILABLE);
        }
        let local: Vec<&Queue> = members
            .iter()
            .copied()
            .filter(|q| q.opener.is_some_and(|o| o.key.node == from))
            .collect();
        // B.01.01: the local policies choose among the queues opened on
        // the sender's node, and among all members when it has none.
        let candidates = match group.policy {
            SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN | SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE
                if !local.is_empty() =>
            {
                local
            }
            _ => members,
        };
        let turn = (group.next % candidates.len() as u64) as usize;
        group.next = group.next.wrapping_add(1);
        let chosen = if group.policy == SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE {
            // The most room for the message's priority; ties go round
            // robin, starting at this turn.
            let best = candidates
                .iter()
                .map(|q| q.room(priority))
                .max()
                .unwrap_or(0);
            (0..candidates.len())
                .map(|i| candidates[(turn + i) % candidates.len()])
                .find(|q| q.room(priority) == best)
                .unwrap_or(candidates[turn])
        } else {
            candidates[turn]
        };
        Ok(chosen.id)
    }

    /// A message from node `from` for `dest`; stored if it fits.
    pub fn send(
        &mut self,
        from: NodeId,
        dest: &Name,
        message: MessageBody,
        send_time: i64,
        sender_id: u64,
    ) -> Result<Delivered, SaAisErrorT> {
        let p = usize::from(message.priority);
        if p >= PRIORITIES {
            return Err(sa_abi::ais::SA_AIS_ERR_INVALID_PARAM);
        }
        let id = self.destination(dest, from, p)?;
        let size = message.data.len() as u64;
        let weight = size + MESSAGE_OVERHEAD;
        if self.total.saturating_add(weight) > self.limits.total_bytes {
            return Err(SA_AIS_ERR_NO_RESOURCES);
        }
        let q = self.queues.get_mut(&id).ok_or(SA_AIS_ERR_NOT_EXIST)?;
        if q.room(p) < size {
            return Err(SA_AIS_ERR_QUEUE_FULL);
        }
        let seq = q.next_seq;
        q.next_seq = q.next_seq.wrapping_add(1);
        q.used[p] += size;
        q.areas[p].push_back(Stored {
            seq,
            send_time,
            sender_id,
            message,
        });
        self.total += weight;
        Ok(Delivered {
            queue: id,
            opener: q.opener,
        })
    }

    /// The opening `key` takes its queue's head message if it fits
    /// `buffer` (`None`: any size).
    pub fn take(&mut self, key: &OpenKey, buffer: Option<u64>) -> Result<Taken, SaAisErrorT> {
        let id = *self.openings.get(key).ok_or(SA_AIS_ERR_BAD_HANDLE)?;
        let q = self.queues.get_mut(&id).ok_or(SA_AIS_ERR_BAD_HANDLE)?;
        let Some(p) = q.areas.iter().position(|a| !a.is_empty()) else {
            return Ok(Taken::Empty);
        };
        let size = q.areas[p]
            .front()
            .map_or(0, |m| m.message.data.len() as u64);
        if buffer.is_some_and(|b| b < size) {
            return Ok(Taken::TooSmall(size));
        }
        let Some(m) = q.areas[p].pop_front() else {
            return Ok(Taken::Empty);
        };
        q.used[p] = q.used[p].saturating_sub(size);
        self.total = self.total.saturating_sub(m.weight());
        Ok(Taken::Message(m))
    }

    /// Registers a SendReceive's wait for its reply.
    pub fn await_reply(
        &mut self,
        sender_id: u64,
        pending: PendingReply,
    ) -> Result<(), SaAisErrorT> {
        if self.replies.len() >= MAX_PENDING_REPLIES {
            return Err(SA_AIS_ERR_NO_RESOURCES);
        }
        if self.replies.contains_key(&sender_id) {
            return Err(SA_AIS_ERR_EXIST);
        }
        self.replies.insert(sender_id, pending);
        Ok(())
    }

    /// A reply of `size` bytes for `sender_id`: the waiting SendReceive,
    /// and whether the reply fits its buffer (SA_AIS_ERR_NO_SPACE: it
    /// does not, and the SendReceive ends with that error).
    pub fn reply(
        &mut self,
        sender_id: u64,
        size: u64,
    ) -> Result<PendingReply, (SaAisErrorT, Option<PendingReply>)> {
        let pending = self
            .replies
            .remove(&sender_id)
            .ok_or((SA_AIS_ERR_NOT_EXIST, None))?;
        if pending.buffer.is_some_and(|b| b < size) {
            return Err((SA_AIS_ERR_NO_SPACE, Some(pending)));
        }
        Ok(pending)
    }

    /// Forgets the SendReceives of `node` (and `conn`, when given).
    pub fn drop_replies(&mut self, node: NodeId, conn: Option<u64>) {
        self.replies
            .retain(|_, p| !(p.to.node == node && conn.is_none_or(|c| p.to.conn.0 == c)));
    }

    /// The closed queues due for deletion at `now`, with their epochs.
    pub fn due(&self, now: i64) -> Vec<(u64, u64)> {
        self.queues
            .values()
            .filter(|q| q.expiry().is_some_and(|t| t <= now))
            .map(|q| (q.id, q.epoch))
            .collect()
    }

    /// The next retention deadline after `now`.
    pub fn next_expiry_after(&self, now: i64) -> Option<i64> {
        self.queues
            .values()
            .filter_map(Queue::expiry)
            .filter(|t| *t > now)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::try_from(s).unwrap()
    }

    fn attrs(size: u64) -> QueueAttributes {
        QueueAttributes {
            creation_flags: 0,
            sizes: [size; PRIORITIES],
            retention: 1000,
        }
    }

    fn open_req(n: &str, flags: u32, a: Option<QueueAttributes>) -> QueueOpen {
        QueueOpen {
            open_id: 1,
            name: name(n),
            flags,
            attributes: a,
        }
    }

    fn body(p: u8, data: &[u8]) -> MessageBody {
        MessageBody {
            msg_type: 0,
            version: 0,
            priority: p,
            sender_name: None,
            data: data.to_vec(),
        }
    }

    fn key(node: NodeId, open_id: u64) -> OpenKey {
        OpenKey {
            node,
            conn: 1,
            open_id,
        }
    }

    #[test]
    fn priorities_capacity_and_the_total_bound() {
        let mut s = Store::new(Limits {
            total_bytes: 10_000,
        });
        s.open(
            key(1, 1),
            7,
            &open_req("q", SA_MSG_QUEUE_CREATE, Some(attrs(10))),
        )
        .unwrap();
        s.send(2, &name("q"), body(3, b"low"), 1, 0).unwrap();
        s.send(2, &name("q"), body(0, b"high"), 2, 0).unwrap();
        assert_eq!(
            s.send(2, &name("q"), body(0, b"1234567"), 3, 0),
            Err(SA_AIS_ERR_QUEUE_FULL)
        );
        assert_eq!(s.take(&key(1, 1), Some(2)).unwrap(), Taken::TooSmall(4));
        let Taken::Message(m) = s.take(&key(1, 1), None).unwrap() else {
            panic!()
        };
        assert_eq!(m.message.data, b"high");
        let Taken::Message(m) = s.take(&key(1, 1), None).unwrap() else {
            panic!()
        };
        assert_eq!(m.message.data, b"low");
        assert_eq!(s.take(&key(1, 1), None).unwrap(), Taken::Empty);
        assert_eq!(s.total, 0);
        s.limits.total_bytes = MESSAGE_OVERHEAD + 2;
        assert_eq!(
            s.send(2, &name("q"), body(1, b"abc"), 3, 0),
            Err(SA_AIS_ERR_NO_RESOURCES)
        );
    }

    #[test]
    fn open_rules() {
        let mut s = Store::new(Limits {
            total_bytes: 1 << 20,
        });
        assert_eq!(
            s.open(key(1, 1), 7, &open_req("q", 0, None)),
            Err(SA_AIS_ERR_NOT_EXIST)
        );
        s.open(
            key(1, 1),
            7,
            &open_req("q", SA_MSG_QUEUE_CREATE, Some(attrs(10))),
        )
        .unwrap();
        assert_eq!(
            s.open(key(2, 1), 8, &open_req("q", 0, None)),
            Err(SA_AIS_ERR_BUSY)
        );
        assert_eq!(
            s.open(
                key(2, 1),
                8,
                &open_req("q", SA_MSG_QUEUE_CREATE, Some(attrs(11)))
            ),
            Err(SA_AIS_ERR_EXIST)
        );
        s.close(&key(1, 1), 50).unwrap();
        assert_eq!(s.queue_by_name(&name("q")).unwrap().expiry(), Some(1050));
        assert_eq!(s.due(1050), vec![(7, 2)]);
        s.open(key(2, 1), 8, &open_req("q", 0, None)).unwrap();
        // the expiry asked for the earlier close is void now
        assert!(s.expire(7, 2).is_none());
        s.unlink(&name("q")).unwrap();
        assert!(s.queues.contains_key(&7));
        s.close(&key(2, 1), 70).unwrap();
        assert!(s.queues.is_empty() && s.names.is_empty() && s.openings.is_empty());
    }

    #[test]
    fn group_policies() {
        let mut s = Store::new(Limits {
            total_bytes: 1 << 20,
        });
        for (i, n) in ["a", "b", "c"].iter().enumerate() {
            let node = i as u32 + 1;
            s.open(
                key(node, 1),
                i as u64 + 10,
                &open_req(n, SA_MSG_QUEUE_CREATE, Some(attrs(100))),
            )
            .unwrap();
        }
        s.group_create(&name("rr"), sa_abi::msg::SA_MSG_QUEUE_GROUP_ROUND_ROBIN)
            .unwrap();
        s.group_create(&name("lrr"), SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN)
            .unwrap();
        s.group_create(&name("lbq"), SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE)
            .unwrap();
        for g in ["rr", "lrr", "lbq"] {
            for q in ["a", "b", "c"] {
                s.group_insert(&name(g), &name(q)).unwrap();
            }
        }
        assert_eq!(
            s.group_insert(&name("rr"), &name("a")),
            Err(SA_AIS_ERR_EXIST)
        );
        let to = |s: &mut Store, g: &str, from| {
            s.send(from, &name(g), body(1, b"x"), 0, 0).unwrap().queue
        };
        assert_eq!(
            [
                to(&mut s, "rr", 1),
                to(&mut s, "rr", 1),
                to(&mut s, "rr", 1)
            ],
            [10, 11, 12]
        );
        // node 2 has queue b opened: local round robin stays there
        assert_eq!([to(&mut s, "lrr", 2), to(&mut s, "lrr", 2)], [11, 11]);
        // node 4 has none: every member in turn
        assert_eq!([to(&mut s, "lrr", 4), to(&mut s, "lrr", 4)], [12, 10]);
        // b holds 3 messages now, a and c 2 each: from node 4 the best is a or c
        let best = to(&mut s, "lbq", 4);
        assert!(best == 10 || best == 12);
        s.unlink(&name("b")).unwrap();
        assert_eq!(s.groups[&name("rr")].members.len(), 2);
    }
}
