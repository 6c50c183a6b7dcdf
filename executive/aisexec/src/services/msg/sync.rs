//! Synchronising the MSG state after a configuration change.
//!
//! Members that went through the previous configurations together (since
//! their last completed sync) hold identical state: they form a *group*
//! (its size and lowest node id). Only the lowest node of each group
//! multicasts the group's state: every queue ([`SyncQueue`]) with its
//! messages in bounded runs ([`SyncMessages`]), every group
//! ([`SyncGroup`]) and the SendReceives waiting for replies
//! ([`SyncReplies`], always sent, so an empty state counts too). A
//! joining node thus receives every queue; the manager's barrier tells
//! when every member's share has been delivered, and every member builds
//! the same merged state from the same messages.
//!
//! **Merge rule** (after a partition heals): the state of the **largest
//! group** wins, between groups of equal size the group holding the
//! **lowest node id**; a node cut off alone does not undo what the rest
//! of the cluster did meanwhile. From the other groups, in the same
//! order, the merge takes what the winner does not have: queues of other
//! ids whose names are free (with their messages), unlinked queues still
//! open, groups of other names, waiting SendReceives. A queue present on
//! both sides (the same id, or the same name created twice) keeps the
//! winner's messages; the loser's messages there are discarded and
//! logged at WARNING with their count. If the winner's copy has no
//! opener and the loser's has, the opener is kept, so a queue opened in
//! the losing partition stays usable. Group members naming queues that
//! no longer exist are skipped when a message is routed.
//!
//! While a sync runs the store does not change: other exec messages
//! wait (the manager holds them) and are applied on top of the merged
//! state.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use log::{info, warn};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::msg::{MAX_GROUP_MEMBERS, PRIORITIES};
use sa_ipc::proto::Payload;
use sa_ipc::Name;

use super::messages::{
    kind, Origin, PendingWire, StoredWire, SyncGroup, SyncMessages, SyncQueue, SyncReplies,
    WireOpener,
};
use super::store::{Group, Limits, OpenKey, Opener, PendingReply, Queue, Store, Stored};
use crate::ordering::NodeId;
use crate::service::replicas::Group as CopyGroup;
use crate::service::{Context, Membership, SyncSender, SyncStep};

/// Most message data one [`SyncMessages`] carries (a message larger
/// than this travels alone).
pub const MESSAGES_CHUNK: usize = 256 * 1024;

/// One member's group: (quorate epoch, size, lowest node id).
type OriginKey = (u64, u32, NodeId);

/// A sync in progress.
#[derive(Debug)]
pub struct SyncRun {
    pub members: Vec<NodeId>,
    outbound: Option<Outbound>,
    sender: SyncSender,
    pub staging: Staging,
}

impl SyncRun {
    pub fn new(membership: &Membership, local: NodeId, group: CopyGroup, store: &Store) -> SyncRun {
        let origin = Origin {
            group_size: group.size,
            group_low: group.low,
            group_epoch: group.epoch,
        };
        SyncRun {
            members: membership.members.clone(),
            outbound: (origin.group_low == local).then(|| Outbound::new(origin, store)),
            sender: SyncSender::default(),
            staging: Staging::default(),
        }
    }

    pub fn process(&mut self, ctx: &mut Context<'_>, store: &Store) -> SyncStep {
        let Some(out) = self.outbound.as_mut() else {
            return SyncStep::Done;
        };
        self.sender.send(ctx, || out.next(store))
    }
}

/// The messages one group's lowest node sends, produced one at a time
/// from the (unchanging) store.
#[derive(Debug)]
struct Outbound {
    origin: Origin,
    queues: Vec<u64>,
    groups: Vec<Name>,
    /// Next queue; whether its metadata went; next (area, index).
    queue: usize,
    started: bool,
    area: usize,
    index: usize,
    group: usize,
    replies_sent: bool,
}

impl Outbound {
    fn new(origin: Origin, store: &Store) -> Outbound {
        Outbound {
            origin,
            queues: store.queues.keys().copied().collect(),
            groups: store.groups.keys().cloned().collect(),
            queue: 0,
            started: false,
            area: 0,
            index: 0,
            group: 0,
            replies_sent: false,
        }
    }

    fn next(&mut self, store: &Store) -> Option<(u16, Vec<u8>)> {
        while let Some(id) = self.queues.get(self.queue) {
            let Some(q) = store.queues.get(id) else {
                self.queue += 1;
                continue;
            };
            if !self.started {
                self.started = true;
                self.area = 0;
                self.index = 0;
                let m = SyncQueue {
                    origin: self.origin,
                    id: q.id,
                    name: q.name.clone(),
                    attributes: q.attributes,
                    opener: q.opener.map(|o| WireOpener {
                        node: o.key.node,
                        conn: o.key.conn,
                        open_id: o.key.open_id,
                        receive_callback: o.receive_callback,
                    }),
                    close_time: q.close_time,
                    epoch: q.epoch,
                    next_seq: q.next_seq,
                };
                return Some((kind::SYNC_QUEUE, m.to_payload()));
            }
            let mut run = Vec::new();
            let mut bytes = 0usize;
            while self.area < PRIORITIES {
                let Some(s) = q.areas[self.area].get(self.index) else {
                    self.area += 1;
                    self.index = 0;
                    continue;
                };
                if !run.is_empty()
                    && (bytes + s.message.data.len() > MESSAGES_CHUNK
                        || run.len() >= MAX_GROUP_MEMBERS)
                {
                    break;
                }
                bytes += s.message.data.len();
                run.push(StoredWire {
                    seq: s.seq,
                    send_time: s.send_time,
                    sender_id: s.sender_id,
                    message: s.message.clone(),
                });
                self.index += 1;
            }
            if run.is_empty() {
                self.queue += 1;
                self.started = false;
                continue;
            }
            let m = SyncMessages {
                origin: self.origin,
                queue: q.id,
                messages: run,
            };
            return Some((kind::SYNC_MESSAGES, m.to_payload()));
        }
        while let Some(name) = self.groups.get(self.group) {
            self.group += 1;
            if let Some(g) = store.groups.get(name) {
                let m = SyncGroup {
                    origin: self.origin,
                    name: name.clone(),
                    policy: g.policy,
                    members: g.members.clone(),
                    next: g.next,
                };
                return Some((kind::SYNC_GROUP, m.to_payload()));
            }
        }
        if !self.replies_sent {
            self.replies_sent = true;
            let pending = store
                .replies
                .iter()
                .take(MAX_GROUP_MEMBERS)
                .map(|(id, p)| PendingWire {
                    sender_id: *id,
                    to: p.to.into(),
                    deadline: p.deadline,
                    buffer: p.buffer,
                })
                .collect();
            if store.replies.len() > MAX_GROUP_MEMBERS {
                warn!(target: "MSG", "sync: {} SendReceives wait for replies; only {MAX_GROUP_MEMBERS} are synchronised",
                    store.replies.len());
            }
            let m = SyncReplies {
                origin: self.origin,
                pending,
            };
            return Some((kind::SYNC_REPLIES, m.to_payload()));
        }
        None
    }
}

/// One group's state as its sync messages delivered it.
#[derive(Debug, Default)]
struct Part {
    queues: BTreeMap<u64, Queue>,
    groups: BTreeMap<Name, Group>,
    replies: BTreeMap<u64, PendingReply>,
}

/// The sync messages delivered so far, by the group they come from.
#[derive(Debug, Default)]
pub struct Staging {
    parts: BTreeMap<OriginKey, Part>,
}

impl Staging {
    /// Files a delivered sync message.
    pub fn take(&mut self, k: u16, payload: &[u8]) -> Result<(), DecodeError> {
        match k {
            kind::SYNC_QUEUE => {
                let m = SyncQueue::from_payload(payload)?;
                let part = self.part(m.origin);
                part.queues.insert(
                    m.id,
                    Queue {
                        id: m.id,
                        name: m.name,
                        attributes: m.attributes,
                        opener: m.opener.map(|o| Opener {
                            key: OpenKey {
                                node: o.node,
                                conn: o.conn,
                                open_id: o.open_id,
                            },
                            receive_callback: o.receive_callback,
                        }),
                        close_time: m.close_time,
                        epoch: m.epoch,
                        next_seq: m.next_seq,
                        areas: Default::default(),
                        used: [0; PRIORITIES],
                    },
                );
            }
            kind::SYNC_MESSAGES => {
                let m = SyncMessages::from_payload(payload)?;
                let part = self.part(m.origin);
                let Some(q) = part.queues.get_mut(&m.queue) else {
                    warn!(target: "MSG", "sync: messages of an unknown queue {:#x} dropped", m.queue);
                    return Ok(());
                };
                for s in m.messages {
                    let p = usize::from(s.message.priority);
                    if p >= PRIORITIES {
                        continue;
                    }
                    q.used[p] = q.used[p].saturating_add(s.message.data.len() as u64);
                    q.areas[p].push_back(Stored {
                        seq: s.seq,
                        send_time: s.send_time,
                        sender_id: s.sender_id,
                        message: s.message,
                    });
                }
            }
            kind::SYNC_GROUP => {
                let m = SyncGroup::from_payload(payload)?;
                self.part(m.origin).groups.insert(
                    m.name,
                    Group {
                        policy: m.policy,
                        members: m.members,
                        next: m.next,
                    },
                );
            }
            kind::SYNC_REPLIES => {
                let m = SyncReplies::from_payload(payload)?;
                let part = self.part(m.origin);
                for p in m.pending {
                    part.replies.insert(
                        p.sender_id,
                        PendingReply {
                            to: p.to.into(),
                            deadline: p.deadline,
                            buffer: p.buffer,
                        },
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn part(&mut self, o: Origin) -> &mut Part {
        self.parts
            .entry((o.group_epoch, o.group_size, o.group_low))
            .or_default()
    }

    /// The latest quorate epoch of the copies sent; 0 when none came.
    pub fn epoch(&self) -> u64 {
        self.parts.keys().map(|k| k.0).max().unwrap_or(0)
    }

    /// The merged store (see the module documentation), or `None` when
    /// no member sent anything.
    pub fn merge(self, limits: Limits, members: &[NodeId]) -> Option<Store> {
        let mut ranked: Vec<(OriginKey, Part)> = self.parts.into_iter().collect();
        ranked.sort_by_key(|((epoch, size, low), _)| (Reverse(*epoch), Reverse(*size), *low));
        let mut ranked = ranked.into_iter();
        let (_, winner) = ranked.next()?;
        let mut queues = winner.queues;
        let mut groups = winner.groups;
        let mut replies = winner.replies;
        for ((_, size, low), part) in ranked {
            let names: BTreeMap<Name, u64> = queues
                .values()
                .filter_map(|q| q.name.clone().map(|n| (n, q.id)))
                .collect();
            for (id, q) in part.queues {
                let same = queues
                    .contains_key(&id)
                    .then_some(id)
                    .or_else(|| q.name.as_ref().and_then(|n| names.get(n).copied()));
                match same.and_then(|s| queues.get_mut(&s)) {
                    Some(kept) => {
                        if kept.areas != q.areas && q.count() > 0 {
                            warn!(target: "MSG", "merge: {} message(s) of queue {:?} from the partition of node {low} ({size} node(s)) discarded: the larger partition's copy wins",
                                q.count(), q.name.as_ref().map(|n| String::from_utf8_lossy(n.as_bytes()).into_owned()));
                        }
                        if kept.opener.is_none() {
                            kept.opener = q.opener;
                        }
                    }
                    None => {
                        queues.insert(id, q);
                    }
                }
            }
            for (name, g) in part.groups {
                groups.entry(name).or_insert(g);
            }
            for (id, p) in part.replies {
                replies.entry(id).or_insert(p);
            }
        }
        // Openings of nodes that are not members are closed.
        for q in queues.values_mut() {
            if q.opener.is_some_and(|o| !members.contains(&o.key.node)) {
                q.opener = None;
                q.epoch += 1;
            }
        }
        replies.retain(|_, p| members.contains(&p.to.node));
        let store = Store::from_parts(limits, queues, groups, replies);
        if store.total > limits.total_bytes {
            info!(target: "MSG", "merged queues hold {} bytes, above message {{ max_total_size }} ({}): sends are refused until they drain",
                store.total, limits.total_bytes);
        }
        Some(store)
    }
}
