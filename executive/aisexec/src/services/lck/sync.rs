//! Synchronising the lock table after a configuration change.
//!
//! Every member multicasts its copy of every resource
//! ([`SyncResource`], in bounded parts) and the openings of its own
//! connections ([`SyncOpenings`]); once every member's share is
//! delivered, every member builds the same table from the same messages:
//!
//! - **Openings**: the union of what each member announced, so the
//!   openings of departed nodes are gone and a member's own are kept
//!   whichever side it was on.
//! - **Resources, by name**: members that went through the previous
//!   configurations together hold identical tables; they form a *group*
//!   (its size and lowest node id travel in every message). Of the copies
//!   of a resource, the copy of the **largest group** wins, between
//!   groups of equal size the group holding the **lowest node id**: its
//!   granted locks and its queue, whole. A resource only a smaller group
//!   knows is taken from that group. So one ring never has two holders of
//!   an EX lock after a merge: only one side's holders are kept.
//! - **The losing side** is told: its waiting requests are answered
//!   SA_AIS_ERR_TRY_AGAIN (a synchronous saLckResourceLock returns it, an
//!   asynchronous one gets it in its grant callback), and its holders'
//!   locks are gone: their later saLckResourceUnlock returns
//!   SA_AIS_ERR_NOT_EXIST; each lost lock is logged at WARNING.
//!
//! Locks whose opening is not among the merged openings go (an orphan
//! lock stays, orphaned), and every queue then moves on, so a merge may
//! grant waiting requests.

use std::collections::{BTreeMap, HashMap};

use log::warn;
use sa_ipc::proto::Payload;
use sa_ipc::Name;

use super::messages::{kind, SyncEntry, SyncOpening, SyncOpenings, SyncResource};
use super::table::{Notice, OpeningKey, Resource, Table, MAX_LOCKS, MAX_OPENINGS};
use crate::ordering::{NodeId, RingId};
use crate::service::replicas::{Group, Rank};

/// Most locks one [`SyncResource`] part carries (about 40 KiB).
pub const ENTRIES_CHUNK: usize = 512;
/// Most openings one [`SyncOpenings`] carries (at most about 70 KiB).
pub const OPENINGS_CHUNK: usize = 256;

/// This node's share of a sync, taken from the table when it starts.
#[derive(Debug)]
pub struct Outbound {
    ring: RingId,
    group: Group,
    resources: Vec<(Name, Vec<SyncEntry>)>,
    pos: usize,
    offset: usize,
    openings: Vec<SyncOpening>,
    openings_sent: usize,
}

impl Outbound {
    pub fn new(ring: RingId, node: NodeId, group: Group, table: &Table) -> Outbound {
        let resources = table
            .resources()
            .map(|(name, r)| {
                let entries = r
                    .granted
                    .iter()
                    .map(|e| SyncEntry {
                        granted: true,
                        entry: e.clone(),
                    })
                    .chain(r.waiting.iter().map(|e| SyncEntry {
                        granted: false,
                        entry: e.clone(),
                    }))
                    .collect();
                (name.clone(), entries)
            })
            .collect();
        let openings = table
            .openings()
            .filter(|(k, _)| k.node == node)
            .map(|(k, name)| SyncOpening {
                conn: k.conn,
                open_id: k.open_id,
                name: name.clone(),
            })
            .collect();
        Outbound {
            ring,
            group,
            resources,
            pos: 0,
            offset: 0,
            openings,
            openings_sent: 0,
        }
    }

    /// The next message (kind, payload), or `None` when all was sent.
    pub fn next(&mut self) -> Option<(u16, Vec<u8>)> {
        if let Some((name, entries)) = self.resources.get(self.pos) {
            let end = (self.offset + ENTRIES_CHUNK).min(entries.len());
            let msg = SyncResource {
                ring: self.ring,
                group_size: self.group.size,
                group_low: self.group.low,
                group_epoch: self.group.epoch,
                name: name.clone(),
                first: self.offset == 0,
                entries: entries[self.offset..end].to_vec(),
            };
            if end < entries.len() {
                self.offset = end;
            } else {
                self.pos += 1;
                self.offset = 0;
            }
            return Some((kind::SYNC_RESOURCE, msg.to_payload()));
        }
        if self.openings_sent < self.openings.len() {
            let end = (self.openings_sent + OPENINGS_CHUNK).min(self.openings.len());
            let msg = SyncOpenings {
                ring: self.ring,
                openings: self.openings[self.openings_sent..end].to_vec(),
            };
            self.openings_sent = end;
            return Some((kind::SYNC_OPENINGS, msg.to_payload()));
        }
        None
    }
}

/// One sender's copy, as it arrives.
#[derive(Debug, Default)]
struct Copy {
    rank: Option<Rank>,
    resources: BTreeMap<Name, Vec<SyncEntry>>,
    entries: usize,
}

/// What the members sent for the sync of one ring.
#[derive(Debug)]
pub struct Staging {
    ring: RingId,
    copies: HashMap<NodeId, Copy>,
    openings: BTreeMap<OpeningKey, Name>,
    /// The latest quorate epoch a copy announced.
    epoch: u64,
}

impl Staging {
    pub fn new(ring: RingId) -> Staging {
        Staging {
            ring,
            copies: HashMap::new(),
            openings: BTreeMap::new(),
            epoch: 0,
        }
    }

    /// The latest quorate epoch of the copies sent (see
    /// [`crate::service::replicas`]); 0 when none came.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn resource(&mut self, from: NodeId, m: SyncResource) {
        if m.ring != self.ring {
            return;
        }
        self.epoch = self.epoch.max(m.group_epoch);
        let copy = self.copies.entry(from).or_default();
        copy.rank = Some(
            Group {
                size: m.group_size,
                low: m.group_low,
                epoch: m.group_epoch,
            }
            .rank(from),
        );
        // A sender's copy is a table, bounded like one.
        if copy.entries.saturating_add(m.entries.len()) > MAX_LOCKS {
            warn!(target: "LCK", "sync: node {from} sent more than {MAX_LOCKS} locks; the rest is ignored");
            return;
        }
        // A resource exists through an opening or a lock: no table names
        // more than that many.
        if !copy.resources.contains_key(&m.name) && copy.resources.len() >= MAX_LOCKS + MAX_OPENINGS
        {
            warn!(target: "LCK", "sync: node {from} sent too many resources; the rest is ignored");
            return;
        }
        copy.entries += m.entries.len();
        let entries = copy.resources.entry(m.name).or_default();
        if m.first {
            entries.clear();
        }
        entries.extend(m.entries);
    }

    pub fn openings(&mut self, from: NodeId, m: SyncOpenings) {
        if m.ring != self.ring {
            return;
        }
        for o in m.openings {
            if self.openings.len() >= MAX_OPENINGS {
                warn!(target: "LCK", "sync: more than {MAX_OPENINGS} openings; the rest is ignored");
                return;
            }
            let key = OpeningKey {
                node: from,
                conn: o.conn,
                open_id: o.open_id,
            };
            self.openings.insert(key, o.name);
        }
    }

    /// The merged table (see the module's rule); `out` gets the answers
    /// of the requests the merge granted or dropped.
    pub fn merge(self, dropped_error: u32, out: &mut Vec<Notice>) -> Table {
        let mut best: BTreeMap<Name, (Rank, NodeId)> = BTreeMap::new();
        for (&from, copy) in &self.copies {
            let Some(rank) = copy.rank else { continue };
            for name in copy.resources.keys() {
                let slot = best.entry(name.clone()).or_insert((rank, from));
                if rank < slot.0 {
                    *slot = (rank, from);
                }
            }
        }
        let mut copies = self.copies;
        let mut resources = BTreeMap::new();
        for (name, (_, from)) in best {
            let Some(entries) = copies
                .get_mut(&from)
                .and_then(|c| c.resources.remove(&name))
            else {
                continue;
            };
            let mut r = Resource::default();
            for e in entries {
                if e.granted {
                    r.granted.push(e.entry);
                } else {
                    r.waiting.push_back(e.entry);
                }
            }
            resources.insert(name, r);
        }
        Table::from_parts(self.openings, resources, dropped_error, out)
    }
}
