//! The replicated checkpoint state: every checkpoint, the names that
//! refer to them, and every opening in the cluster.
//!
//! Rules of a checkpoint's life (B.01.01):
//!
//! - An open with SA_CKPT_CHECKPOINT_CREATE creates the checkpoint when
//!   its name is free; when it exists, the creation attributes must equal
//!   those it was created with (else SA_AIS_ERR_EXIST). An open without
//!   CREATE of a missing name is SA_AIS_ERR_NOT_EXIST.
//! - Each opening is (node, library connection, open id), with its open
//!   flags; operations check the READ or WRITE right of the opening.
//! - When the last opening closes, a linked checkpoint starts its
//!   retention clock (its retention duration 0: it goes at once); an
//!   open stops the clock. When the clock runs out the checkpoint is
//!   deleted, by an exec message (see `deadlines`).
//! - Unlink frees the name at once: new opens fail (or create a new
//!   checkpoint of that name), openings go on working, and the
//!   checkpoint goes with its last close (no retention).
//! - A connection's end closes its openings; a node's departure closes
//!   that node's.
//!
//! Every method is deterministic: what it does depends only on the state
//! and its arguments (times included), so replicas applying the same
//! messages in the same order stay identical.

use std::collections::BTreeMap;

use sa_abi::ckpt::{
    SA_CKPT_CHECKPOINT_COLLOCATED, SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ,
    SA_CKPT_CHECKPOINT_WRITE, SA_CKPT_WR_ALL_REPLICAS,
};
use sa_ipc::proto::ckpt::{
    CreationAttributes, Open, ReadElement, SectionDescriptor, StatusReply, WriteElement,
};
use sa_ipc::Name;

use super::checkpoint::{Checkpoint, CkptId, Room};
use super::deadlines::{Deadlines, Due};
use super::error::{CkptError, VectorFailure};
use crate::ordering::NodeId;

/// Names one opening: the node and library connection that made it, and
/// the id the library gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpeningKey {
    pub node: NodeId,
    pub conn: u64,
    pub open_id: u64,
}

/// One opening of a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub ckpt: CkptId,
    /// SaCkptCheckpointOpenFlagsT.
    pub flags: u32,
}

const OPEN_FLAGS: u32 =
    SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE | SA_CKPT_CHECKPOINT_CREATE;

/// What this executive lets checkpoints hold in memory
/// (`checkpoint { max_checkpoint_size max_total_size }`). Every node
/// applies the same writes against the same state, so with the same
/// limits (as with the same Totem settings) every node refuses the same
/// write; see ARCHITECTURE.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimits {
    /// Section bytes of one checkpoint.
    pub checkpoint: u64,
    /// Section bytes of all checkpoints together.
    pub total: u64,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        MemoryLimits {
            checkpoint: 256 << 20,
            total: 1 << 30,
        }
    }
}

/// The replicated state of the CKPT service.
#[derive(Debug, Default, Clone)]
pub struct Store {
    limits: MemoryLimits,
    checkpoints: BTreeMap<CkptId, Checkpoint>,
    /// Linked names.
    names: BTreeMap<Name, CkptId>,
    openings: BTreeMap<OpeningKey, Opening>,
    deadlines: Deadlines,
}

impl Store {
    /// An empty store whose checkpoints hold at most what `limits` allow.
    pub fn new(limits: MemoryLimits) -> Store {
        Store {
            limits,
            ..Store::default()
        }
    }

    pub fn limits(&self) -> MemoryLimits {
        self.limits
    }

    /// Section bytes all checkpoints hold.
    pub fn bytes(&self) -> u64 {
        self.checkpoints.values().map(|c| c.bytes).sum()
    }

    /// What checkpoint `id` may hold: its own limit, and what the others
    /// leave of the total.
    fn room(&self, id: CkptId) -> Room {
        let own = self.checkpoints.get(&id).map_or(0, |c| c.bytes);
        let others = self.bytes().saturating_sub(own);
        self.limits
            .checkpoint
            .min(self.limits.total.saturating_sub(others))
    }

    /// The room of the checkpoint an opening refers to (0 when unknown:
    /// the operation fails on the opening first).
    fn room_of(&self, key: &OpeningKey) -> Room {
        self.openings.get(key).map_or(0, |o| self.room(o.ckpt))
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    pub fn checkpoint(&self, id: CkptId) -> Option<&Checkpoint> {
        self.checkpoints.get(&id)
    }

    /// Ids of every checkpoint, ascending.
    pub fn checkpoint_ids(&self) -> Vec<CkptId> {
        self.checkpoints.keys().copied().collect()
    }

    /// The checkpoint a name refers to.
    #[cfg(test)]
    pub fn lookup(&self, name: &Name) -> Option<&Checkpoint> {
        self.names.get(name).and_then(|id| self.checkpoints.get(id))
    }

    /// An opening and its checkpoint; SA_AIS_ERR_BAD_HANDLE when unknown.
    pub fn opening(&self, key: &OpeningKey) -> Result<(Opening, &Checkpoint), CkptError> {
        let opening = *self.openings.get(key).ok_or(CkptError::BadHandle)?;
        let ckpt = self
            .checkpoints
            .get(&opening.ckpt)
            .ok_or(CkptError::BadHandle)?;
        Ok((opening, ckpt))
    }

    /// The openings made on `node`, in key order.
    pub fn openings_of(&self, node: NodeId) -> Vec<(OpeningKey, Opening)> {
        self.openings
            .range(node_range(node))
            .map(|(k, o)| (*k, *o))
            .collect()
    }

    /// The checkpoint of an opening holding `right` (READ or WRITE; 0
    /// for none).
    fn checkpoint_for(
        &mut self,
        key: &OpeningKey,
        right: u32,
    ) -> Result<&mut Checkpoint, CkptError> {
        let opening = *self.openings.get(key).ok_or(CkptError::BadHandle)?;
        if opening.flags & right != right {
            return Err(CkptError::Access);
        }
        self.checkpoints
            .get_mut(&opening.ckpt)
            .ok_or(CkptError::BadHandle)
    }

    /// Opens (and maybe creates) a checkpoint for `key`; returns its
    /// attributes. `new_id` is the id a created checkpoint gets (the next
    /// free one from there).
    pub fn open(
        &mut self,
        key: OpeningKey,
        open: &Open,
        new_id: CkptId,
        now: i64,
    ) -> Result<CreationAttributes, CkptError> {
        if open.flags & !OPEN_FLAGS != 0 {
            return Err(CkptError::BadFlags);
        }
        let create = open.flags & SA_CKPT_CHECKPOINT_CREATE != 0;
        match &open.attributes {
            Some(a) if create && a.is_valid() => {}
            None if !create => {}
            _ => return Err(CkptError::InvalidParam),
        }
        if self.openings.contains_key(&key) {
            return Err(CkptError::InvalidParam);
        }
        let id = match self.names.get(&open.name) {
            Some(&id) => {
                let existing = self.checkpoints.get(&id).ok_or(CkptError::NotExist)?;
                if open.attributes.is_some_and(|a| a != existing.attributes) {
                    return Err(CkptError::Exist);
                }
                id
            }
            None => {
                let Some(attributes) = open.attributes.filter(|_| create) else {
                    return Err(CkptError::NotExist);
                };
                let mut id = new_id;
                while id == 0 || self.checkpoints.contains_key(&id) {
                    id = id.wrapping_add(1);
                }
                self.checkpoints
                    .insert(id, Checkpoint::new(id, open.name.clone(), attributes, now));
                self.names.insert(open.name.clone(), id);
                id
            }
        };
        self.openings.insert(
            key,
            Opening {
                ckpt: id,
                flags: open.flags,
            },
        );
        let ckpt = self.checkpoints.get_mut(&id).ok_or(CkptError::NotExist)?;
        ckpt.open_count += 1;
        if ckpt.unopened_since.take().is_some() {
            ckpt.epoch += 1;
            self.deadlines.set_retention(id, None);
        }
        Ok(ckpt.current_attributes())
    }

    /// Closes one opening.
    pub fn close(&mut self, key: &OpeningKey, now: i64) -> Result<(), CkptError> {
        let opening = self.openings.remove(key).ok_or(CkptError::BadHandle)?;
        self.release(opening.ckpt, now);
        Ok(())
    }

    /// Closes every opening of a library connection; returns how many.
    pub fn close_connection(&mut self, node: NodeId, conn: u64, now: i64) -> usize {
        let keys: Vec<OpeningKey> = self
            .openings
            .range(
                OpeningKey {
                    node,
                    conn,
                    open_id: 0,
                }..=OpeningKey {
                    node,
                    conn,
                    open_id: u64::MAX,
                },
            )
            .map(|(k, _)| *k)
            .collect();
        for k in &keys {
            // Listed just above.
            let _ = self.close(k, now);
        }
        keys.len()
    }

    /// Closes every opening of a node that left; returns how many.
    pub fn drop_node(&mut self, node: NodeId, now: i64) -> usize {
        let keys: Vec<OpeningKey> = self
            .openings
            .range(node_range(node))
            .map(|(k, _)| *k)
            .collect();
        for k in &keys {
            let _ = self.close(k, now);
        }
        keys.len()
    }

    /// One opening of `ckpt` fewer: the last one starts the retention
    /// clock of a linked checkpoint, or deletes it (unlinked, or a
    /// retention duration of 0).
    fn release(&mut self, id: CkptId, now: i64) {
        let Some(ckpt) = self.checkpoints.get_mut(&id) else {
            return;
        };
        ckpt.open_count = ckpt.open_count.saturating_sub(1);
        if ckpt.open_count > 0 {
            return;
        }
        if !ckpt.linked || ckpt.retention == 0 {
            self.remove(id);
            return;
        }
        ckpt.unopened_since = Some(now);
        ckpt.epoch += 1;
        let clock = (now.saturating_add(ckpt.retention), ckpt.epoch);
        self.deadlines.set_retention(id, Some(clock));
    }

    /// Deletes a checkpoint with its name and deadlines.
    fn remove(&mut self, id: CkptId) {
        let Some(ckpt) = self.checkpoints.remove(&id) else {
            return;
        };
        if ckpt.linked && self.names.get(&ckpt.name) == Some(&id) {
            self.names.remove(&ckpt.name);
        }
        self.deadlines.set_retention(id, None);
        for (sid, s) in &ckpt.sections {
            self.deadlines.remove_section(id, sid, s.expiration);
        }
    }

    /// Unlinks a name.
    pub fn unlink(&mut self, name: &Name) -> Result<(), CkptError> {
        let id = self.names.remove(name).ok_or(CkptError::NotExist)?;
        let Some(ckpt) = self.checkpoints.get_mut(&id) else {
            return Err(CkptError::NotExist);
        };
        ckpt.linked = false;
        if ckpt.open_count == 0 {
            self.remove(id);
        }
        Ok(())
    }

    /// Changes the retention duration (not of an unlinked checkpoint).
    pub fn set_retention(&mut self, key: &OpeningKey, duration: i64) -> Result<(), CkptError> {
        let ckpt = self.checkpoint_for(key, 0)?;
        if !ckpt.linked {
            return Err(CkptError::BadOperation);
        }
        if duration < 0 {
            return Err(CkptError::InvalidParam);
        }
        ckpt.retention = duration;
        if let Some(since) = ckpt.unopened_since {
            ckpt.epoch += 1;
            let (id, clock) = (ckpt.id, (since.saturating_add(duration), ckpt.epoch));
            self.deadlines.set_retention(id, Some(clock));
        }
        Ok(())
    }

    /// Makes `node`'s replica the active one (collocated checkpoints).
    pub fn set_active_replica(&mut self, key: &OpeningKey, node: NodeId) -> Result<(), CkptError> {
        let ckpt = self.checkpoint_for(key, SA_CKPT_CHECKPOINT_WRITE)?;
        if ckpt.attributes.creation_flags & SA_CKPT_CHECKPOINT_COLLOCATED == 0 {
            return Err(CkptError::BadOperation);
        }
        ckpt.active_replica = Some(node);
        Ok(())
    }

    /// Whether a synchronize applies: only to checkpoints updated through
    /// an active replica (for all-replica ones every write is already
    /// everywhere when it returns).
    pub fn check_synchronize(&self, key: &OpeningKey) -> Result<(), CkptError> {
        let (opening, ckpt) = self.opening(key)?;
        if opening.flags & SA_CKPT_CHECKPOINT_WRITE == 0 {
            return Err(CkptError::Access);
        }
        if ckpt.attributes.creation_flags & SA_CKPT_WR_ALL_REPLICAS != 0 {
            return Err(CkptError::BadOperation);
        }
        Ok(())
    }

    pub fn section_create(
        &mut self,
        key: &OpeningKey,
        id: &[u8],
        expiration: i64,
        data: &[u8],
        now: i64,
    ) -> Result<Vec<u8>, CkptError> {
        let room = self.room_of(key);
        let ckpt = self.checkpoint_for(key, SA_CKPT_CHECKPOINT_WRITE)?;
        let sid = ckpt.create_section(id, expiration, data, now, room)?;
        let ckpt_id = ckpt.id;
        self.deadlines.add_section(ckpt_id, &sid, expiration);
        Ok(sid)
    }

    pub fn section_delete(&mut self, key: &OpeningKey, id: &[u8]) -> Result<(), CkptError> {
        let ckpt = self.checkpoint_for(key, SA_CKPT_CHECKPOINT_WRITE)?;
        let section = ckpt.delete_section(id)?;
        let ckpt_id = ckpt.id;
        self.deadlines
            .remove_section(ckpt_id, id, section.expiration);
        Ok(())
    }

    pub fn section_expiration_set(
        &mut self,
        key: &OpeningKey,
        id: &[u8],
        expiration: i64,
    ) -> Result<(), CkptError> {
        let ckpt = self.checkpoint_for(key, SA_CKPT_CHECKPOINT_WRITE)?;
        let old = ckpt.set_expiration(id, expiration)?;
        let ckpt_id = ckpt.id;
        self.deadlines.remove_section(ckpt_id, id, old);
        self.deadlines.add_section(ckpt_id, id, expiration);
        Ok(())
    }

    pub fn write(
        &mut self,
        key: &OpeningKey,
        elements: &[WriteElement],
        now: i64,
    ) -> Result<(), VectorFailure> {
        let room = self.room_of(key);
        let ckpt = self.checkpoint_for(key, SA_CKPT_CHECKPOINT_WRITE)?;
        ckpt.write(elements, now, room)
    }

    pub fn overwrite(
        &mut self,
        key: &OpeningKey,
        id: &[u8],
        data: &[u8],
        now: i64,
    ) -> Result<(), CkptError> {
        let room = self.room_of(key);
        let ckpt = self.checkpoint_for(key, SA_CKPT_CHECKPOINT_WRITE)?;
        ckpt.overwrite(id, data, now, room)
    }

    pub fn read(
        &self,
        key: &OpeningKey,
        elements: &[ReadElement],
    ) -> Result<Vec<Vec<u8>>, VectorFailure> {
        let (opening, ckpt) = self.opening(key)?;
        if opening.flags & SA_CKPT_CHECKPOINT_READ == 0 {
            return Err(CkptError::Access.into());
        }
        ckpt.read(elements)
    }

    pub fn iterate(
        &self,
        key: &OpeningKey,
        chosen: u32,
        expiration: i64,
        after: Option<&[u8]>,
        max_sections: usize,
        max_bytes: usize,
    ) -> Result<(Vec<SectionDescriptor>, bool), CkptError> {
        let (_, ckpt) = self.opening(key)?;
        ckpt.iterate(chosen, expiration, after, max_sections, max_bytes)
    }

    pub fn status(&self, key: &OpeningKey) -> Result<StatusReply, CkptError> {
        let (_, ckpt) = self.opening(key)?;
        Ok(StatusReply {
            attributes: ckpt.current_attributes(),
            number_of_sections: u32::try_from(ckpt.sections.len()).unwrap_or(u32::MAX),
            memory_used: ckpt.bytes,
        })
    }

    /// Deletes a checkpoint whose retention ran out, if it is still in
    /// retention epoch `epoch` (closed, linked, not reopened since).
    pub fn retention_expired(&mut self, id: CkptId, epoch: u64) -> bool {
        let expired = self.checkpoints.get(&id).is_some_and(|c| {
            c.linked && c.open_count == 0 && c.unopened_since.is_some() && c.epoch == epoch
        });
        if expired {
            self.remove(id);
        }
        expired
    }

    /// Deletes a section whose expiration time `expiration` passed, if it
    /// still has that expiration time.
    pub fn section_expired(&mut self, id: CkptId, section: &[u8], expiration: i64) -> bool {
        let Some(ckpt) = self.checkpoints.get_mut(&id) else {
            return false;
        };
        if ckpt.sections.get(section).map(|s| s.expiration) != Some(expiration) {
            return false;
        }
        if ckpt.delete_section(section).is_err() {
            return false;
        }
        self.deadlines.remove_section(id, section, expiration);
        true
    }

    /// The earliest deadline.
    #[cfg(test)]
    pub fn next_deadline(&self) -> Option<i64> {
        self.deadlines.next()
    }

    /// What is due at `now`.
    pub fn due(&self, now: i64) -> Vec<Due> {
        self.deadlines.due(now).map(|(_, d)| d.clone()).collect()
    }

    /// The first deadline after `now`.
    pub fn next_deadline_after(&self, now: i64) -> Option<i64> {
        self.deadlines.next_after(now)
    }

    /// A store rebuilt from merged parts (after a sync): names of the
    /// linked checkpoints, open counts from `openings` (openings of
    /// missing checkpoints are dropped), retention clocks started for
    /// linked checkpoints nobody has open any more (at `now`) and stopped
    /// for those opened, unlinked checkpoints nobody has open deleted.
    /// Two linked checkpoints must not share a name.
    pub fn from_parts(
        limits: MemoryLimits,
        checkpoints: Vec<Checkpoint>,
        openings: BTreeMap<OpeningKey, Opening>,
        now: i64,
    ) -> Store {
        let mut store = Store::new(limits);
        for mut c in checkpoints {
            c.open_count = 0;
            if c.linked {
                store.names.insert(c.name.clone(), c.id);
            }
            store.checkpoints.insert(c.id, c);
        }
        for (k, o) in openings {
            if let Some(c) = store.checkpoints.get_mut(&o.ckpt) {
                c.open_count += 1;
                store.openings.insert(k, o);
            }
        }
        for id in store.checkpoint_ids() {
            let Some(c) = store.checkpoints.get_mut(&id) else {
                continue;
            };
            if c.open_count > 0 {
                if c.unopened_since.take().is_some() {
                    c.epoch += 1;
                }
            } else if !c.linked || c.retention == 0 {
                store.remove(id);
                continue;
            } else if c.unopened_since.is_none() {
                c.unopened_since = Some(now);
                c.epoch += 1;
            }
            let Some(c) = store.checkpoints.get(&id) else {
                continue;
            };
            if let Some(since) = c.unopened_since {
                let clock = (since.saturating_add(c.retention), c.epoch);
                store.deadlines.set_retention(id, Some(clock));
            }
            let sections: Vec<(Vec<u8>, i64)> = c
                .sections
                .iter()
                .map(|(sid, s)| (sid.clone(), s.expiration))
                .collect();
            for (sid, exp) in sections {
                store.deadlines.add_section(id, &sid, exp);
            }
        }
        store
    }
}

fn node_range(node: NodeId) -> std::ops::RangeInclusive<OpeningKey> {
    OpeningKey {
        node,
        conn: 0,
        open_id: 0,
    }..=OpeningKey {
        node,
        conn: u64::MAX,
        open_id: u64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_abi::ais::SA_TIME_END;
    use sa_abi::ckpt::SA_CKPT_WR_ACTIVE_REPLICA;

    const CRW: u32 = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
    const R: u32 = SA_CKPT_CHECKPOINT_READ;

    fn attrs() -> CreationAttributes {
        CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: 400,
            retention_duration: 1_000,
            max_sections: 4,
            max_section_size: 100,
            max_section_id_size: 16,
        }
    }

    fn key(node: NodeId, conn: u64, open_id: u64) -> OpeningKey {
        OpeningKey {
            node,
            conn,
            open_id,
        }
    }

    fn name(s: &str) -> Name {
        Name::try_from(s).unwrap()
    }

    fn open_req(n: &str, flags: u32, attributes: Option<CreationAttributes>) -> Open {
        Open {
            open_id: 0,
            name: name(n),
            flags,
            attributes,
        }
    }

    fn create(s: &mut Store, k: OpeningKey, n: &str) -> CkptId {
        s.open(k, &open_req(n, CRW, Some(attrs())), 100, 0).unwrap();
        s.opening(&k).unwrap().0.ckpt
    }

    #[test]
    fn create_reopen_and_attribute_rules() {
        let mut s = Store::default();
        let k1 = key(1, 1, 1);
        assert_eq!(
            s.open(k1, &open_req("a", R, None), 100, 0),
            Err(CkptError::NotExist)
        );
        assert_eq!(
            s.open(k1, &open_req("a", CRW, None), 100, 0),
            Err(CkptError::InvalidParam)
        );
        assert_eq!(
            s.open(k1, &open_req("a", R, Some(attrs())), 100, 0),
            Err(CkptError::InvalidParam)
        );
        assert_eq!(
            s.open(k1, &open_req("a", CRW | 8, Some(attrs())), 100, 0),
            Err(CkptError::BadFlags)
        );
        let bad = CreationAttributes {
            checkpoint_size: 401,
            ..attrs()
        };
        assert_eq!(
            s.open(k1, &open_req("a", CRW, Some(bad)), 100, 0),
            Err(CkptError::InvalidParam)
        );
        assert_eq!(s.checkpoint_count(), 0);

        assert_eq!(create(&mut s, k1, "a"), 100);
        // the same opening twice is refused
        assert_eq!(
            s.open(k1, &open_req("a", R, None), 7, 0),
            Err(CkptError::InvalidParam)
        );
        let other = CreationAttributes {
            max_sections: 3,
            checkpoint_size: 300,
            ..attrs()
        };
        assert_eq!(
            s.open(key(1, 1, 2), &open_req("a", CRW, Some(other)), 7, 0),
            Err(CkptError::Exist)
        );
        s.open(key(1, 1, 2), &open_req("a", CRW, Some(attrs())), 7, 0)
            .unwrap();
        s.open(key(2, 5, 1), &open_req("a", R, None), 7, 0).unwrap();
        assert_eq!(s.lookup(&name("a")).unwrap().open_count, 3);
        // a second checkpoint with a colliding proposed id gets the next
        assert_eq!(create(&mut s, key(1, 1, 3), "b"), 101);
    }

    #[test]
    fn retention_starts_at_last_close_and_stops_at_reopen() {
        let mut s = Store::default();
        let id = create(&mut s, key(1, 1, 1), "a");
        s.open(key(1, 2, 1), &open_req("a", R, None), 0, 0).unwrap();
        s.close(&key(1, 1, 1), 10).unwrap();
        assert_eq!(s.next_deadline(), None, "still open elsewhere");
        assert_eq!(s.close(&key(1, 1, 1), 10), Err(CkptError::BadHandle));
        s.close(&key(1, 2, 1), 20).unwrap();
        assert_eq!(s.next_deadline(), Some(1_020));
        let epoch = s.checkpoint(id).unwrap().epoch;
        assert_eq!(s.due(1_019), vec![]);
        assert_eq!(s.due(1_020), vec![Due::Retention { ckpt: id, epoch }]);
        // reopened: the clock stops and the old expiry is stale
        s.open(key(1, 3, 1), &open_req("a", R, None), 0, 500)
            .unwrap();
        assert_eq!(s.next_deadline(), None);
        assert!(!s.retention_expired(id, epoch));
        s.close(&key(1, 3, 1), 2_000).unwrap();
        let epoch = s.checkpoint(id).unwrap().epoch;
        assert!(s.retention_expired(id, epoch));
        assert!(!s.retention_expired(id, epoch), "idempotent");
        assert!(s.lookup(&name("a")).is_none());
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn zero_retention_deletes_at_last_close() {
        let mut s = Store::default();
        let k = key(1, 1, 1);
        let zero = CreationAttributes {
            retention_duration: 0,
            ..attrs()
        };
        s.open(k, &open_req("z", CRW, Some(zero)), 5, 0).unwrap();
        s.close(&k, 1).unwrap();
        assert_eq!(s.checkpoint_count(), 0);
    }

    #[test]
    fn retention_duration_set() {
        let mut s = Store::default();
        let k = key(1, 1, 1);
        let id = create(&mut s, k, "a");
        s.set_retention(&k, 60).unwrap();
        assert_eq!(s.status(&k).unwrap().attributes.retention_duration, 60);
        assert_eq!(s.set_retention(&k, -1), Err(CkptError::InvalidParam));
        s.close(&k, 100).unwrap();
        assert_eq!(s.next_deadline(), Some(160));
        // reopen with the original attributes still matches
        s.open(k, &open_req("a", CRW, Some(attrs())), 0, 0).unwrap();
        s.unlink(&name("a")).unwrap();
        assert_eq!(s.set_retention(&k, 5), Err(CkptError::BadOperation));
        assert!(s.checkpoint(id).is_some());
    }

    #[test]
    fn unlink_while_open() {
        let mut s = Store::default();
        let k = key(1, 1, 1);
        let old = create(&mut s, k, "a");
        s.section_create(&k, b"s", SA_TIME_END, b"old", 0).unwrap();
        s.unlink(&name("a")).unwrap();
        assert_eq!(s.unlink(&name("a")), Err(CkptError::NotExist));
        assert_eq!(
            s.open(key(1, 1, 2), &open_req("a", R, None), 0, 0),
            Err(CkptError::NotExist)
        );
        // the opener goes on working
        s.write(
            &k,
            &[WriteElement {
                section_id: b"s".to_vec(),
                offset: 0,
                data: b"new".to_vec(),
            }],
            1,
        )
        .unwrap();
        // a new checkpoint takes the name
        let k2 = key(1, 1, 3);
        let new = create(&mut s, k2, "a");
        assert_ne!(new, old);
        assert_eq!(s.lookup(&name("a")).unwrap().id, new);
        // the old one goes with its last close, without retention
        s.close(&k, 5).unwrap();
        assert!(s.checkpoint(old).is_none());
        assert_eq!(s.lookup(&name("a")).unwrap().id, new);
        // unlinking a closed checkpoint deletes it at once
        s.close(&k2, 6).unwrap();
        s.unlink(&name("a")).unwrap();
        assert_eq!(s.checkpoint_count(), 0);
    }

    #[test]
    fn access_rights() {
        let mut s = Store::default();
        let w = key(1, 1, 1);
        create(&mut s, w, "a");
        s.section_create(&w, b"s", SA_TIME_END, b"x", 0).unwrap();
        let r = key(1, 1, 2);
        s.open(r, &open_req("a", R, None), 0, 0).unwrap();
        assert_eq!(
            s.section_create(&r, b"t", SA_TIME_END, b"", 0),
            Err(CkptError::Access)
        );
        assert_eq!(s.section_delete(&r, b"s"), Err(CkptError::Access));
        assert_eq!(s.overwrite(&r, b"s", b"y", 0), Err(CkptError::Access));
        assert_eq!(
            s.section_expiration_set(&r, b"s", 5),
            Err(CkptError::Access)
        );
        assert_eq!(
            s.write(&r, &[], 0),
            Err(VectorFailure::from(CkptError::Access))
        );
        let wo = key(1, 1, 3);
        s.open(wo, &open_req("a", SA_CKPT_CHECKPOINT_WRITE, None), 0, 0)
            .unwrap();
        assert_eq!(
            s.read(&wo, &[]),
            Err(VectorFailure::from(CkptError::Access))
        );
        assert_eq!(
            s.read(&key(9, 9, 9), &[]),
            Err(VectorFailure::from(CkptError::BadHandle))
        );
        assert_eq!(s.check_synchronize(&w), Err(CkptError::BadOperation));
        assert_eq!(s.set_active_replica(&w, 1), Err(CkptError::BadOperation));
    }

    #[test]
    fn collocated_active_replica_and_synchronize() {
        let mut s = Store::default();
        let k = key(1, 1, 1);
        let a = CreationAttributes {
            creation_flags: SA_CKPT_WR_ACTIVE_REPLICA | SA_CKPT_CHECKPOINT_COLLOCATED,
            ..attrs()
        };
        s.open(k, &open_req("c", CRW, Some(a)), 3, 0).unwrap();
        s.check_synchronize(&k).unwrap();
        s.set_active_replica(&k, 7).unwrap();
        assert_eq!(s.checkpoint(3).unwrap().active_replica, Some(7));
    }

    #[test]
    fn section_expiry_is_idempotent_and_respects_changes() {
        let mut s = Store::default();
        let k = key(1, 1, 1);
        let id = create(&mut s, k, "a");
        s.section_create(&k, b"s", 50, b"x", 0).unwrap();
        s.section_create(&k, b"t", SA_TIME_END, b"y", 0).unwrap();
        assert_eq!(s.next_deadline(), Some(50));
        s.section_expiration_set(&k, b"s", 80).unwrap();
        assert!(!s.section_expired(id, b"s", 50), "stale expiry");
        assert_eq!(
            s.due(100),
            vec![Due::Section {
                ckpt: id,
                id: b"s".to_vec(),
                expiration: 80
            }]
        );
        assert!(s.section_expired(id, b"s", 80));
        assert!(!s.section_expired(id, b"s", 80));
        assert_eq!(s.status(&k).unwrap().number_of_sections, 1);
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn connection_and_node_departures_close_openings() {
        let mut s = Store::default();
        let id = create(&mut s, key(1, 7, 1), "a");
        s.open(key(1, 7, 2), &open_req("a", R, None), 0, 0).unwrap();
        s.open(key(1, 8, 1), &open_req("a", R, None), 0, 0).unwrap();
        s.open(key(2, 7, 1), &open_req("a", R, None), 0, 0).unwrap();
        assert_eq!(s.close_connection(1, 7, 5), 2);
        assert_eq!(s.checkpoint(id).unwrap().open_count, 2);
        assert_eq!(s.drop_node(2, 6), 1);
        assert_eq!(
            s.openings_of(1),
            vec![(key(1, 8, 1), Opening { ckpt: id, flags: R })]
        );
        s.close(&key(1, 8, 1), 9).unwrap();
        assert_eq!(s.next_deadline(), Some(1_009));
    }

    /// One checkpoint's limit, and the total all of them share.
    #[test]
    fn memory_limits_apply_per_checkpoint_and_in_total() {
        let mut s = Store::new(MemoryLimits {
            checkpoint: 100,
            total: 150,
        });
        let unbounded = CreationAttributes {
            checkpoint_size: u64::MAX,
            max_section_size: u64::MAX,
            ..attrs()
        };
        let (k1, k2) = (key(1, 1, 1), key(1, 1, 2));
        s.open(k1, &open_req("a", CRW, Some(unbounded)), 1, 0)
            .unwrap();
        s.open(k2, &open_req("b", CRW, Some(unbounded)), 2, 0)
            .unwrap();
        s.section_create(&k1, b"s", SA_TIME_END, b"", 0).unwrap();
        s.section_create(&k2, b"s", SA_TIME_END, b"", 0).unwrap();
        let el = |offset, len| WriteElement {
            section_id: b"s".to_vec(),
            offset,
            data: vec![1; len],
        };
        assert_eq!(
            s.write(&k1, &[el(91, 10)], 0).unwrap_err().error,
            CkptError::NoResources
        );
        s.write(&k1, &[el(90, 10)], 0).unwrap();
        assert_eq!(
            s.write(&k2, &[el(41, 10)], 0).unwrap_err().error,
            CkptError::NoResources
        );
        s.write(&k2, &[el(40, 10)], 0).unwrap();
        assert_eq!(s.bytes(), 150);
        assert_eq!(
            s.overwrite(&k1, b"s", &[0; 101], 0),
            Err(CkptError::NoResources)
        );
    }

    #[test]
    fn rebuilt_from_parts() {
        let mut s = Store::default();
        let open_id = create(&mut s, key(1, 1, 1), "open");
        let closed = create(&mut s, key(1, 1, 2), "closed");
        s.close(&key(1, 1, 2), 5).unwrap();
        let gone = create(&mut s, key(2, 1, 1), "gone");
        s.unlink(&name("gone")).unwrap();
        s.section_create(&key(1, 1, 1), b"e", 70, b"", 0).unwrap();
        let parts: Vec<Checkpoint> = s
            .checkpoint_ids()
            .into_iter()
            .map(|id| s.checkpoint(id).unwrap().clone())
            .collect();
        // node 2 is not part of the new configuration: its openings are
        // not there
        let openings: BTreeMap<_, _> = s.openings_of(1).into_iter().collect();
        let r = Store::from_parts(MemoryLimits::default(), parts, openings, 99);
        assert_eq!(r.checkpoint(open_id).unwrap().open_count, 1);
        assert!(r.checkpoint(gone).is_none(), "unlinked and no longer open");
        assert_eq!(r.checkpoint(closed).unwrap().unopened_since, Some(5));
        assert_eq!(r.lookup(&name("closed")).unwrap().id, closed);
        assert_eq!(r.next_deadline(), Some(70));
        assert_eq!(r.next_deadline_after(70), Some(1_005));
    }
}
