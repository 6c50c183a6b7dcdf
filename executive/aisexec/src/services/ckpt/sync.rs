//! Synchronising the checkpoint state after a configuration change.
//!
//! Every member multicasts its copy of every checkpoint
//! ([`SyncCheckpoint`] followed by its sections in bounded
//! [`SyncSection`] pieces) and its own openings ([`SyncOpenings`]); the
//! manager's barrier tells when every member's share has been delivered.
//! Every member then builds the same merged state from the same messages:
//!
//! - **Checkpoints, by id.** Members that went through the previous
//!   configurations together (since their last completed sync) hold
//!   identical replicas: they form a *group*, and each member says in its
//!   messages how large its group is and which is its lowest node id.
//!   When copies differ (partitions that changed the checkpoint
//!   independently), the copy of the **largest group** wins: its
//!   attributes, retention state, linked flag and sections; between
//!   groups of equal size, the group holding the **lowest node id**. So a
//!   node cut off alone does not undo, when it comes back, what the rest
//!   of the cluster did meanwhile. What a losing copy created conflicts
//!   with nothing and is not thrown away: every section carries whether
//!   it was created or changed since its replica's last completed sync
//!   (for a partition: since it formed), and a section the losing side
//!   created that way and the winner does not have is taken into the
//!   winner if it fits the winner's limits. A section the winner holds is
//!   the winner's, whatever the losing side did to it (partitions may
//!   merge back one at a time: only the winner's copy is known to hold
//!   everything the majority acknowledged); a section the winner deleted
//!   stays deleted (the losing side's copy is unchanged since the split).
//!   Every changed section not taken is logged at WARNING with its size
//!   and the partition it came from.
//! - **Names.** Two partitions may each have created a checkpoint of the
//!   same name (different ids) - a restarted node that opened with CREATE
//!   before it met the cluster, for one. Of the linked checkpoints
//!   sharing a name, the one whose copy wins by the same order keeps the
//!   name (ties: the lowest checkpoint id); the others are folded into
//!   it: their changed sections are taken as above (only between
//!   checkpoints of equal creation attributes) and their openings now
//!   refer to the winner, so no write is acknowledged into a copy the
//!   merge discarded.
//! - **Openings.** Each member announces only the openings of its own
//!   library connections, so the merged table holds exactly the openings
//!   of the members; those of departed nodes are gone. Open counts and
//!   retention clocks follow from it (see `Store::from_parts`).
//!
//! While a sync runs, the live state does not change: other exec messages
//! delivered meanwhile wait and are applied, in their delivery order, on
//! top of the merged state (or of the unchanged state when the sync is
//! interrupted). So the snapshot a member sends is consistent, and no
//! change is lost or applied twice.

use std::collections::BTreeMap;

use log::warn;
use sa_ipc::proto::Payload;

use super::checkpoint::{Checkpoint, CkptId, Section};
use super::messages::{kind, SyncCheckpoint, SyncOpening, SyncOpenings, SyncSection};
use super::store::{MemoryLimits, Opening, OpeningKey, Store};
use crate::ordering::{NodeId, RingId};
use crate::service::replicas::{Group, Rank};

/// Most section bytes one [`SyncSection`] carries.
pub const SECTION_CHUNK: usize = 64 * 1024;

/// Most openings one [`SyncOpenings`] carries.
pub const OPENINGS_CHUNK: usize = 1024;

/// This node's share of a sync: the messages it still has to multicast,
/// produced one at a time from the (unchanging) store.
#[derive(Debug)]
pub struct Outbound {
    ring: RingId,
    group: Group,
    ckpts: Vec<CkptId>,
    /// Index into `ckpts` of the checkpoint being sent.
    pos: usize,
    header_sent: bool,
    /// The last section sent whole.
    after: Option<Vec<u8>>,
    /// A section sent in part: its id and the offset of the next piece.
    partial: Option<(Vec<u8>, usize)>,
    openings: Vec<SyncOpening>,
    openings_sent: usize,
}

impl Outbound {
    /// The share of node `node`, of group `group`, of `store` for the
    /// sync of `ring`.
    pub fn new(ring: RingId, node: NodeId, group: Group, store: &Store) -> Outbound {
        let openings = store
            .openings_of(node)
            .into_iter()
            .map(|(k, o)| SyncOpening {
                conn: k.conn,
                open_id: k.open_id,
                ckpt: o.ckpt,
                flags: o.flags,
            })
            .collect();
        Outbound {
            ring,
            group,
            ckpts: store.checkpoint_ids(),
            pos: 0,
            header_sent: false,
            after: None,
            partial: None,
            openings,
            openings_sent: 0,
        }
    }

    /// The next message (kind, payload), or `None` when all was sent.
    pub fn next(&mut self, store: &Store) -> Option<(u16, Vec<u8>)> {
        while let Some(&id) = self.ckpts.get(self.pos) {
            let Some(c) = store.checkpoint(id) else {
                self.next_checkpoint();
                continue;
            };
            if !self.header_sent {
                self.header_sent = true;
                return Some((kind::SYNC_CHECKPOINT, self.header(c).to_payload()));
            }
            let (sid, offset) = match self.partial.take() {
                Some(p) => p,
                None => {
                    let next = match &self.after {
                        Some(a) => c
                            .sections
                            .range::<[u8], _>((
                                std::ops::Bound::Excluded(a.as_slice()),
                                std::ops::Bound::Unbounded,
                            ))
                            .next(),
                        None => c.sections.iter().next(),
                    };
                    match next {
                        Some((sid, _)) => (sid.clone(), 0),
                        None => {
                            self.next_checkpoint();
                            continue;
                        }
                    }
                }
            };
            let Some(section) = c.sections.get(&sid) else {
                self.after = Some(sid);
                continue;
            };
            let end = (offset + SECTION_CHUNK).min(section.data.len());
            let piece = SyncSection {
                ring: self.ring,
                ckpt: id,
                section_id: sid.clone(),
                expiration: section.expiration,
                last_update: section.last_update,
                changed: section.changed,
                size: section.data.len() as u64,
                offset: offset as u64,
                data: section.data[offset..end].to_vec(),
            };
            if end < section.data.len() {
                self.partial = Some((sid, end));
            } else {
                self.after = Some(sid);
            }
            return Some((kind::SYNC_SECTION, piece.to_payload()));
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

    fn next_checkpoint(&mut self) {
        self.pos += 1;
        self.header_sent = false;
        self.after = None;
        self.partial = None;
    }

    fn header(&self, c: &Checkpoint) -> SyncCheckpoint {
        SyncCheckpoint {
            ring: self.ring,
            group_size: self.group.size,
            group_low: self.group.low,
            group_epoch: self.group.epoch,
            id: c.id,
            name: c.name.clone(),
            linked: c.linked,
            attributes: c.attributes,
            retention: c.retention,
            epoch: c.epoch,
            unopened_since: c.unopened_since,
            active_replica: c.active_replica,
            next_generated: c.next_generated,
            sections: u32::try_from(c.sections.len()).unwrap_or(u32::MAX),
        }
    }
}

/// A checkpoint copy received in a sync, who sent it and how it ranks.
#[derive(Debug)]
struct Staged {
    source: NodeId,
    group: Group,
    rank: Rank,
    announced_sections: u32,
    ckpt: Checkpoint,
}

impl Staged {
    /// Names the partition a copy came from, in log lines.
    fn origin(&self) -> String {
        format!(
            "node {} (a group of {} led by node {})",
            self.source, self.group.size, self.group.low
        )
    }
}

/// What the members sent in one sync: one copy of each checkpoint per
/// group (the first member of a group to send it), merged at the end.
#[derive(Debug)]
pub struct Staging {
    ring: RingId,
    /// Copies by checkpoint id, best ranked first.
    ckpts: BTreeMap<CkptId, Vec<Staged>>,
    openings: BTreeMap<OpeningKey, Opening>,
}

impl Staging {
    pub fn new(ring: RingId) -> Staging {
        Staging {
            ring,
            ckpts: BTreeMap::new(),
            openings: BTreeMap::new(),
        }
    }

    /// The latest quorate epoch of the copies staged (see
    /// [`crate::service::replicas`]); 0 when none came.
    pub fn epoch(&self) -> u64 {
        self.ckpts
            .values()
            .flatten()
            .map(|c| c.group.epoch)
            .max()
            .unwrap_or(0)
    }

    /// A member's copy of a checkpoint: kept unless a member of the same
    /// group already sent one.
    pub fn checkpoint(&mut self, from: NodeId, m: SyncCheckpoint) {
        if m.ring != self.ring {
            return;
        }
        let group = Group {
            size: m.group_size,
            low: m.group_low,
            epoch: m.group_epoch,
        };
        let rank = group.rank(from);
        let copies = self.ckpts.entry(m.id).or_default();
        if copies.iter().any(|c| c.group == group) {
            return;
        }
        let mut ckpt = Checkpoint::new(m.id, m.name, m.attributes, 0);
        ckpt.sections.clear();
        ckpt.linked = m.linked;
        ckpt.retention = m.retention;
        ckpt.epoch = m.epoch;
        ckpt.unopened_since = m.unopened_since;
        ckpt.active_replica = m.active_replica;
        ckpt.next_generated = m.next_generated;
        let at = copies.partition_point(|c| c.rank < rank);
        copies.insert(
            at,
            Staged {
                source: from,
                group,
                rank,
                announced_sections: m.sections,
                ckpt,
            },
        );
    }

    /// A piece of a section of the copy `from` sent (pieces of copies
    /// another member of the sender's group sent first are dropped).
    pub fn section(&mut self, from: NodeId, m: SyncSection) {
        if m.ring != self.ring {
            return;
        }
        let Some(staged) = self
            .ckpts
            .get_mut(&m.ckpt)
            .and_then(|copies| copies.iter_mut().find(|s| s.source == from))
        else {
            return;
        };
        let c = &mut staged.ckpt;
        if m.offset == 0 {
            if let Some(old) = c.sections.remove(&m.section_id) {
                c.bytes -= old.data.len() as u64;
            }
            let mut data = Vec::with_capacity(m.size.min(m.data.len() as u64 * 2) as usize);
            data.extend_from_slice(&m.data);
            c.bytes += data.len() as u64;
            c.sections.insert(
                m.section_id,
                Section {
                    data,
                    expiration: m.expiration,
                    last_update: m.last_update,
                    changed: m.changed,
                },
            );
            return;
        }
        match c.sections.get_mut(&m.section_id) {
            Some(s) if s.data.len() as u64 == m.offset => {
                s.data.extend_from_slice(&m.data);
                c.bytes += m.data.len() as u64;
            }
            _ => warn!(target: "CKPT",
                "sync: out-of-order piece of a section of checkpoint {:#x} from node {from}", m.ckpt),
        }
    }

    /// Some of the openings of member `from`.
    pub fn openings(&mut self, from: NodeId, m: SyncOpenings) {
        if m.ring != self.ring {
            return;
        }
        for o in m.openings {
            self.openings.insert(
                OpeningKey {
                    node: from,
                    conn: o.conn,
                    open_id: o.open_id,
                },
                Opening {
                    ckpt: o.ckpt,
                    flags: o.flags,
                },
            );
        }
    }

    /// The merged store (copies and names settled as the module says).
    /// Afterwards every section counts as unchanged: "changed" is relative
    /// to the replica's last completed sync.
    pub fn merge(self, now: i64, limits: MemoryLimits) -> Store {
        // Copies of one checkpoint: the best ranked, with what the others
        // changed and it did not.
        let mut merged: BTreeMap<CkptId, Staged> = BTreeMap::new();
        for (id, copies) in self.ckpts {
            let mut copies = copies.into_iter();
            let Some(mut best) = copies.next() else {
                continue;
            };
            for other in copies {
                take_changes(&mut best, &other, limits);
            }
            if best.announced_sections as usize != best.ckpt.sections.len() {
                warn!(target: "CKPT", "sync: checkpoint {id:#x} from node {} arrived with {} of {} sections",
                    best.source, best.ckpt.sections.len(), best.announced_sections);
            }
            merged.insert(id, best);
        }
        // Names: of the linked checkpoints of one name, the best ranked
        // (then the lowest id) keeps it; the others are folded into it.
        let mut winners: BTreeMap<sa_ipc::Name, (Rank, CkptId)> = BTreeMap::new();
        for (id, s) in merged.iter().filter(|(_, s)| s.ckpt.linked) {
            let candidate = (s.rank, *id);
            winners
                .entry(s.ckpt.name.clone())
                .and_modify(|w| *w = (*w).min(candidate))
                .or_insert(candidate);
        }
        let mut folded: BTreeMap<CkptId, CkptId> = BTreeMap::new();
        for (id, s) in merged.iter().filter(|(_, s)| s.ckpt.linked) {
            if let Some(&(_, winner)) = winners.get(&s.ckpt.name).filter(|w| w.1 != *id) {
                folded.insert(*id, winner);
            }
        }
        for (loser, winner) in &folded {
            let Some(loser) = merged.remove(loser) else {
                continue;
            };
            warn!(target: "CKPT", "sync: two checkpoints named {:?}; {:#x} from {} is folded into {winner:#x}",
                String::from_utf8_lossy(loser.ckpt.name.as_bytes()), loser.ckpt.id, loser.origin());
            if let Some(w) = merged.get_mut(winner) {
                take_changes(w, &loser, limits);
            }
        }
        let mut openings = self.openings;
        for o in openings.values_mut() {
            if let Some(winner) = folded.get(&o.ckpt) {
                o.ckpt = *winner;
            }
        }
        let checkpoints = merged
            .into_values()
            .map(|mut s| {
                for section in s.ckpt.sections.values_mut() {
                    section.changed = false;
                }
                s.ckpt
            })
            .collect();
        Store::from_parts(limits, checkpoints, openings, now)
    }
}

/// Takes into `best` the sections `other` (a worse ranked copy, or a
/// checkpoint of the same name folded into it) created since its last
/// sync and `best` does not have; logs at WARNING every section `other`
/// changed that it does not take (`best` holds that section: its copy
/// stands; or it does not fit), with its size and the partition it came
/// from. A section `best` holds is never replaced: partitions may merge
/// back one at a time, and only the winner's copy is known to hold every
/// write the majority acknowledged.
fn take_changes(best: &mut Staged, other: &Staged, limits: MemoryLimits) {
    let same_attributes = best.ckpt.attributes == other.ckpt.attributes;
    for (sid, theirs) in other.ckpt.sections.iter().filter(|(_, s)| s.changed) {
        let ours = best.ckpt.sections.get(sid);
        if ours.is_some_and(|o| o.data == theirs.data && o.expiration == theirs.expiration) {
            continue;
        }
        let why = match ours {
            Some(_) => Some("the winning copy holds this section"),
            None if !same_attributes => Some("the checkpoints' attributes differ"),
            None => None,
        };
        let placed = match why {
            Some(why) => Err(why),
            None => place(&mut best.ckpt, sid, theirs, limits),
        };
        if let Err(why) = placed {
            warn!(target: "CKPT", "sync: checkpoint {:?}: section {:?} ({} bytes) written by {} discarded: {why}",
                String::from_utf8_lossy(best.ckpt.name.as_bytes()), String::from_utf8_lossy(sid),
                theirs.data.len(), other.origin());
        }
    }
}

/// Puts a section into a checkpoint of the same attributes, replacing
/// one of that id, if the checkpoint's limits and the executive's leave
/// room for it.
fn place(
    ckpt: &mut Checkpoint,
    sid: &[u8],
    section: &Section,
    limits: MemoryLimits,
) -> Result<(), &'static str> {
    let old = ckpt.sections.get(sid).map(|s| s.data.len() as u64);
    if old.is_none() && ckpt.sections.len() as u64 >= u64::from(ckpt.attributes.max_sections) {
        return Err("no section left (maxSections)");
    }
    let bytes = (ckpt.bytes - old.unwrap_or(0)).saturating_add(section.data.len() as u64);
    if bytes > ckpt.attributes.checkpoint_size || bytes > limits.checkpoint {
        return Err("no room left in the checkpoint");
    }
    ckpt.bytes = bytes;
    ckpt.sections.insert(sid.to_vec(), section.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::messages::ExecMsg;
    use super::*;
    use sa_abi::ais::SA_TIME_END;
    use sa_abi::ckpt::{
        SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_WR_ALL_REPLICAS,
    };
    use sa_ipc::proto::ckpt::{CreationAttributes, Open, WriteElement};
    use sa_ipc::Name;

    const RING: RingId = RingId { rep: 1, seq: 12 };
    const ALONE_1: Group = Group {
        size: 1,
        low: 1,
        epoch: 0,
    };
    const ALONE_2: Group = Group {
        size: 1,
        low: 2,
        epoch: 0,
    };

    fn attrs() -> CreationAttributes {
        CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: 4 << 20,
            retention_duration: 1_000,
            max_sections: 4,
            max_section_size: 1 << 20,
            max_section_id_size: 16,
        }
    }

    fn key(node: NodeId, open_id: u64) -> OpeningKey {
        OpeningKey {
            node,
            conn: 1,
            open_id,
        }
    }

    fn open(s: &mut Store, k: OpeningKey, name: &str, id: CkptId) {
        s.open(
            k,
            &Open {
                open_id: k.open_id,
                name: Name::try_from(name).unwrap(),
                flags: SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | 2,
                attributes: Some(attrs()),
            },
            id,
            0,
        )
        .unwrap();
    }

    /// Feeds every message of `node`'s share of `store` to `staging`.
    fn send_all(node: NodeId, group: Group, store: &Store, staging: &mut Staging) -> usize {
        let mut out = Outbound::new(RING, node, group, store);
        let mut n = 0;
        while let Some((k, payload)) = out.next(store) {
            n += 1;
            match ExecMsg::decode(k, &payload).unwrap() {
                ExecMsg::SyncCheckpoint(m) => staging.checkpoint(node, m),
                ExecMsg::SyncSection(m) => staging.section(node, m),
                ExecMsg::SyncOpenings(m) => staging.openings(node, m),
                other => panic!("unexpected {other:?}"),
            }
        }
        n
    }

    #[test]
    fn a_copy_travels_in_bounded_pieces_and_arrives_whole() {
        let mut s = Store::default();
        open(&mut s, key(1, 1), "big", 10);
        let big: Vec<u8> = (0..(3 * SECTION_CHUNK + 17)).map(|i| i as u8).collect();
        s.section_create(&key(1, 1), b"a", SA_TIME_END, b"", 0)
            .unwrap();
        s.write(
            &key(1, 1),
            &[WriteElement {
                section_id: b"a".to_vec(),
                offset: 0,
                data: big.clone(),
            }],
            3,
        )
        .unwrap();
        s.section_create(&key(1, 1), b"b", 99, b"bb", 0).unwrap();
        s.section_create(&key(1, 1), b"c", SA_TIME_END, b"", 0)
            .unwrap();
        let mut staging = Staging::new(RING);
        let sent = send_all(1, ALONE_1, &s, &mut staging);
        // header + 4 pieces of a + b + c + openings
        assert_eq!(sent, 1 + 4 + 1 + 1 + 1);
        let merged = staging.merge(5, MemoryLimits::default());
        let c = merged.checkpoint(10).unwrap();
        assert_eq!(c.sections[&b"a".to_vec()].data, big);
        assert_eq!(c.sections[&b"b".to_vec()].expiration, 99);
        assert_eq!(c.bytes, big.len() as u64 + 2);
        assert_eq!(c.open_count, 1);
        assert_eq!(merged.next_deadline(), Some(99));
    }

    #[test]
    fn lowest_node_copy_wins_and_names_are_settled() {
        // two partitions: node 1 and node 2 each changed "shared" (id 5)
        // and each created "dup" with different ids
        let mut p1 = Store::default();
        open(&mut p1, key(1, 1), "shared", 5);
        p1.section_create(&key(1, 1), b"s", SA_TIME_END, b"one", 0)
            .unwrap();
        open(&mut p1, key(1, 2), "dup", 20);
        let mut p2 = p1.clone();
        p2.section_create(&key(1, 1), b"t", SA_TIME_END, b"two", 0)
            .unwrap();
        // in p2, node 1's openings are gone (it left); node 2 opened
        p2.drop_node(1, 0);
        p2.unlink(&Name::try_from("dup").unwrap()).unwrap();
        open(&mut p2, key(2, 1), "dup", 30);
        open(&mut p2, key(2, 2), "shared", 0);

        // delivery order: node 2's share first, then node 1's
        let mut staging = Staging::new(RING);
        send_all(2, ALONE_2, &p2, &mut staging);
        send_all(1, ALONE_1, &p1, &mut staging);
        let merged = staging.merge(100, MemoryLimits::default());
        let shared = merged.lookup(&Name::try_from("shared").unwrap()).unwrap();
        assert_eq!(shared.id, 5);
        assert_eq!(
            shared.sections.len(),
            2,
            "node 1's copy won, with the section node 2 created"
        );
        assert_eq!(shared.open_count, 2, "openings of both nodes");
        let dup = merged.lookup(&Name::try_from("dup").unwrap()).unwrap();
        assert_eq!(dup.id, 20, "node 1's checkpoint keeps the name");
        assert!(merged.checkpoint(30).is_none(), "folded into the winner");
        assert_eq!(dup.open_count, 2, "node 2's opener now uses the winner");
        assert_eq!(merged.opening(&key(2, 1)).unwrap().1.id, 20);
    }

    /// A store whose sections all count as unchanged: what every member
    /// holds after a merge.
    fn merged_once(s: &Store) -> Store {
        let mut staging = Staging::new(RING);
        send_all(1, ALONE_1, s, &mut staging);
        staging.merge(0, MemoryLimits::default())
    }

    fn section<'a>(s: &'a Store, id: CkptId, sid: &[u8]) -> Option<&'a [u8]> {
        let c = s.checkpoint(id)?;
        c.sections.get(sid).map(|s| s.data.as_slice())
    }

    /// Item by item: the winner's sections stand, whatever the loser did
    /// to them; the loser's new sections are kept; a section the winner
    /// deleted stays deleted.
    #[test]
    fn a_merge_keeps_what_the_losing_side_created_alone() {
        let mut before = Store::default();
        open(&mut before, key(1, 1), "c", 5);
        for sid in [b"a", b"b", b"c", b"d"] {
            before
                .section_create(&key(1, 1), sid, SA_TIME_END, b"0", 0)
                .unwrap();
        }
        let before = merged_once(&before);
        let mut majority = before.clone();
        majority.overwrite(&key(1, 1), b"a", b"A1", 1).unwrap();
        majority.section_delete(&key(1, 1), b"c").unwrap();
        let mut lone = before;
        lone.overwrite(&key(1, 1), b"a", b"A2", 1).unwrap();
        lone.overwrite(&key(1, 1), b"b", b"B2", 1).unwrap();
        lone.section_delete(&key(1, 1), b"d").unwrap();
        lone.section_create(&key(1, 1), b"e", SA_TIME_END, b"E", 1)
            .unwrap();

        let pair = Group {
            size: 2,
            low: 2,
            epoch: 0,
        };
        let mut staging = Staging::new(RING);
        send_all(1, ALONE_1, &lone, &mut staging);
        send_all(2, pair, &majority, &mut staging);
        send_all(3, pair, &majority, &mut staging);
        let merged = staging.merge(0, MemoryLimits::default());
        assert_eq!(section(&merged, 5, b"a"), Some(&b"A1"[..]), "both changed");
        assert_eq!(
            section(&merged, 5, b"b"),
            Some(&b"0"[..]),
            "the winner's copy"
        );
        assert_eq!(section(&merged, 5, b"c"), None, "deleted by the winner");
        assert_eq!(section(&merged, 5, b"d"), Some(&b"0"[..]));
        assert_eq!(
            section(&merged, 5, b"e"),
            Some(&b"E"[..]),
            "new on the loser"
        );
        assert_eq!(merged.checkpoint(5).unwrap().bytes, 5);
        let c = merged.checkpoint(5).unwrap();
        assert!(c.sections.values().all(|s| !s.changed));
    }

    /// Sections the loser created that do not fit the winner are
    /// discarded (and logged), never squeezed past its limits.
    #[test]
    fn a_merge_never_takes_a_section_past_the_winners_limits() {
        let tight = MemoryLimits {
            checkpoint: 4,
            total: 1 << 20,
        };
        let mut before = Store::default();
        open(&mut before, key(1, 1), "c", 5);
        before
            .section_create(&key(1, 1), b"a", SA_TIME_END, b"123", 0)
            .unwrap();
        let before = merged_once(&before);
        let mut lone = before.clone();
        lone.section_create(&key(1, 1), b"x", SA_TIME_END, b"45", 0)
            .unwrap();
        lone.section_create(&key(1, 1), b"y", SA_TIME_END, b"6", 0)
            .unwrap();
        let pair = Group {
            size: 2,
            low: 2,
            epoch: 0,
        };
        let mut staging = Staging::new(RING);
        send_all(1, ALONE_1, &lone, &mut staging);
        send_all(2, pair, &before, &mut staging);
        let merged = staging.merge(0, tight);
        assert_eq!(section(&merged, 5, b"x"), None, "3 + 2 bytes > 4");
        assert_eq!(section(&merged, 5, b"y"), Some(&b"6"[..]));
        assert_eq!(merged.checkpoint(5).unwrap().bytes, 4);
    }

    #[test]
    fn the_larger_group_wins_over_a_lone_lower_node() {
        // node 1 was cut off; nodes 2 and 3 went on and wrote
        let mut before = Store::default();
        open(&mut before, key(1, 1), "c", 5);
        before
            .section_create(&key(1, 1), b"s", SA_TIME_END, b"old", 0)
            .unwrap();
        let lone = before.clone();
        let mut majority = before;
        majority.drop_node(1, 0);
        open(&mut majority, key(2, 1), "c", 0);
        majority.overwrite(&key(2, 1), b"s", b"new", 1).unwrap();
        let pair = Group {
            size: 2,
            low: 2,
            epoch: 0,
        };
        let mut staging = Staging::new(RING);
        send_all(1, ALONE_1, &lone, &mut staging);
        send_all(2, pair, &majority, &mut staging);
        send_all(3, pair, &majority.clone(), &mut staging);
        let merged = staging.merge(0, MemoryLimits::default());
        let c = merged.checkpoint(5).unwrap();
        assert_eq!(c.sections[&b"s".to_vec()].data, b"new");
        assert_eq!(c.open_count, 2, "node 1's and node 2's openings");
    }

    #[test]
    fn messages_of_another_ring_are_ignored() {
        let mut s = Store::default();
        open(&mut s, key(1, 1), "a", 1);
        let mut staging = Staging::new(RingId { rep: 1, seq: 16 });
        send_all(1, ALONE_1, &s, &mut staging);
        assert_eq!(
            staging.merge(0, MemoryLimits::default()).checkpoint_count(),
            0
        );
    }
}
