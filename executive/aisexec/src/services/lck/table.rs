//! The replicated lock table: resources by name, the openings of every
//! node's connections, and per resource the granted locks and one FIFO
//! queue of waiting requests.
//!
//! Changed only by exec handlers (and the sync's merge), in agreed order,
//! so every node holds the same table and grants the same lock to the
//! same requester. Operations return what must be told to whom as
//! [`Notice`]s; the service sends those that concern its own node.
//!
//! Grant rule: the queue is strict FIFO. Its head is granted when it is
//! compatible with every granted lock (PR with PR; EX with nothing), then
//! the next, until one is not; a request never overtakes an earlier one,
//! so an EX request is not starved by a stream of PR requests.
//!
//! Deadlock detection (SA_LCK_OPT_DEADLOCK_DETECTION): an *owner* is a
//! library connection (a SaLckHandleT). A waiting request waits for the
//! owners of the granted locks and of the earlier waiting requests of its
//! resource that conflict with it. A request that would wait although its
//! owner is reachable from the owners it would wait for (a cycle in the
//! wait-for graph, its own conflicting lock included) gets
//! SA_LCK_LOCK_DEADLOCK instead and is not queued.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use sa_abi::ais::{
    SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INTERRUPT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST,
    SA_AIS_ERR_NO_RESOURCES, SA_AIS_OK,
};
use sa_abi::lck::{
    SA_LCK_LOCK_DEADLOCK, SA_LCK_LOCK_DUPLICATE_EX, SA_LCK_LOCK_GRANTED, SA_LCK_LOCK_NOT_QUEUED,
    SA_LCK_LOCK_NO_MORE, SA_LCK_LOCK_NO_QUEUE, SA_LCK_LOCK_ORPHAN, SA_LCK_LOCK_ORPHANED,
};
use sa_ipc::proto::lck::Mode;
use sa_ipc::Name;

use crate::ordering::NodeId;
use crate::service::ReplyTo;

/// Most locks (granted and waiting) one resource holds; a request past it
/// gets SA_LCK_LOCK_NO_MORE.
pub const MAX_LOCKS_PER_RESOURCE: usize = 4096;
/// Most locks the whole table holds (SA_LCK_LOCK_NO_MORE past it).
pub const MAX_LOCKS: usize = 65536;
/// Most openings the whole table holds (SA_AIS_ERR_NO_RESOURCES past it).
pub const MAX_OPENINGS: usize = 65536;

/// Who holds or waits: a library connection of a node.
pub type Owner = (NodeId, u64);

/// One opening of a resource: (node, connection, open id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpeningKey {
    pub node: NodeId,
    pub conn: u64,
    pub open_id: u64,
}

/// One lock or lock request: (node, connection, lock id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockKey {
    pub node: NodeId,
    pub conn: u64,
    pub lock_id: u64,
}

impl LockKey {
    pub fn owner(&self) -> Owner {
        (self.node, self.conn)
    }
}

/// How a lock request is answered: the synchronous call's reply, or the
/// asynchronous call's grant callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Sync(ReplyTo),
    Async { invocation: u64 },
}

/// A lock, granted or waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: LockKey,
    pub open_id: u64,
    pub mode: Mode,
    /// SA_LCK_LOCK_ORPHAN: outlives its opening.
    pub orphan: bool,
    /// Its opening is gone: held until saLckLockPurge.
    pub orphaned: bool,
    pub signal: u64,
    pub answer: Answer,
}

impl Entry {
    fn opening(&self) -> OpeningKey {
        OpeningKey {
            node: self.key.node,
            conn: self.key.conn,
            open_id: self.open_id,
        }
    }
}

/// One lock resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub granted: Vec<Entry>,
    pub waiting: VecDeque<Entry>,
    /// How many openings name it.
    pub opens: usize,
}

impl Resource {
    fn len(&self) -> usize {
        self.granted.len() + self.waiting.len()
    }

    /// Whether it may go: nobody has it open and no orphan lock holds it.
    fn is_unused(&self) -> bool {
        self.opens == 0 && self.granted.is_empty() && self.waiting.is_empty()
    }
}

/// What a node must tell one of its connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The end of a lock request: SA_AIS_OK and a status, or an error.
    Answer {
        key: LockKey,
        answer: Answer,
        error: u32,
        status: u32,
    },
    /// The holder `holder` is waited for by a request of `requested`.
    Waiter {
        holder: LockKey,
        signal: u64,
        held: Mode,
        requested: Mode,
    },
}

/// A lock request as delivered.
#[derive(Debug, Clone, Copy)]
pub struct LockRequest {
    pub key: LockKey,
    pub open_id: u64,
    pub mode: Mode,
    pub flags: u32,
    pub signal: u64,
    pub answer: Answer,
}

/// The replicated state of the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    resources: BTreeMap<Name, Resource>,
    openings: BTreeMap<OpeningKey, Name>,
    /// Where each lock is.
    locks: HashMap<LockKey, Name>,
}

impl Table {
    #[cfg(test)]
    pub fn resource(&self, name: &Name) -> Option<&Resource> {
        self.resources.get(name)
    }

    pub fn resources(&self) -> impl Iterator<Item = (&Name, &Resource)> {
        self.resources.iter()
    }

    pub fn has_opening(&self, key: &OpeningKey) -> bool {
        self.openings.contains_key(key)
    }

    pub fn openings(&self) -> impl Iterator<Item = (&OpeningKey, &Name)> {
        self.openings.iter()
    }

    pub fn lock_count(&self) -> usize {
        self.locks.len()
    }

    /// Whether `key` is a waiting request.
    pub fn is_waiting(&self, key: &LockKey) -> bool {
        self.locks
            .get(key)
            .and_then(|n| self.resources.get(n))
            .is_some_and(|r| r.waiting.iter().any(|e| e.key == *key))
    }

    /// Whether `key` is a granted lock.
    pub fn is_granted(&self, key: &LockKey) -> bool {
        self.locks
            .get(key)
            .and_then(|n| self.resources.get(n))
            .is_some_and(|r| r.granted.iter().any(|e| e.key == *key))
    }

    /// saLckResourceOpen: SA_AIS_ERR_NOT_EXIST for a resource that does
    /// not exist without `create`.
    pub fn open(&mut self, key: OpeningKey, name: &Name, create: bool) -> Result<(), u32> {
        if self.openings.contains_key(&key) {
            return Err(SA_AIS_ERR_INVALID_PARAM);
        }
        if self.openings.len() >= MAX_OPENINGS {
            return Err(SA_AIS_ERR_NO_RESOURCES);
        }
        let resource = match self.resources.get_mut(name) {
            Some(r) => r,
            None if create => self.resources.entry(name.clone()).or_default(),
            None => return Err(SA_AIS_ERR_NOT_EXIST),
        };
        resource.opens += 1;
        self.openings.insert(key, name.clone());
        Ok(())
    }

    /// saLckResourceClose: the opening's locks go (orphan locks stay,
    /// orphaned), its waiting requests are answered BAD_HANDLE, and the
    /// queue moves on.
    pub fn close(&mut self, key: &OpeningKey, out: &mut Vec<Notice>) -> Result<(), u32> {
        let name = self.openings.remove(key).ok_or(SA_AIS_ERR_BAD_HANDLE)?;
        let Some(r) = self.resources.get_mut(&name) else {
            return Ok(());
        };
        r.opens = r.opens.saturating_sub(1);
        let mut gone = Vec::new();
        r.granted.retain_mut(|e| {
            if e.opening() != *key || e.orphaned {
                return true;
            }
            if e.orphan {
                e.orphaned = true;
                return true;
            }
            gone.push(e.key);
            false
        });
        let mut withdrawn = Vec::new();
        r.waiting.retain(|e| {
            if e.opening() == *key {
                withdrawn.push(e.clone());
                false
            } else {
                true
            }
        });
        for k in gone {
            self.locks.remove(&k);
        }
        for e in withdrawn {
            self.locks.remove(&e.key);
            out.push(answer(&e, SA_AIS_ERR_BAD_HANDLE, 0));
        }
        self.settle(&name, out);
        Ok(())
    }

    /// Closes every opening of the connection (its end).
    pub fn close_connection(&mut self, node: NodeId, conn: u64, out: &mut Vec<Notice>) -> usize {
        let keys: Vec<OpeningKey> = self
            .openings
            .keys()
            .filter(|k| k.node == node && k.conn == conn)
            .copied()
            .collect();
        for k in &keys {
            let _ = self.close(k, out);
        }
        keys.len()
    }

    /// Closes every opening of the node (it left the configuration).
    pub fn close_node(&mut self, node: NodeId, out: &mut Vec<Notice>) -> usize {
        let keys: Vec<OpeningKey> = self
            .openings
            .keys()
            .filter(|k| k.node == node)
            .copied()
            .collect();
        for k in &keys {
            let _ = self.close(k, out);
        }
        keys.len()
    }

    /// saLckResourceLock / LockAsync, as delivered: answered at once
    /// (granted, or a status that does not queue, or an error) or queued.
    pub fn lock(&mut self, req: LockRequest, out: &mut Vec<Notice>) {
        let fail = |out: &mut Vec<Notice>, error, status| {
            out.push(Notice::Answer {
                key: req.key,
                answer: req.answer,
                error,
                status,
            })
        };
        let opening = OpeningKey {
            node: req.key.node,
            conn: req.key.conn,
            open_id: req.open_id,
        };
        let Some(name) = self.openings.get(&opening).cloned() else {
            return fail(out, SA_AIS_ERR_BAD_HANDLE, 0);
        };
        if self.locks.contains_key(&req.key) {
            return fail(out, SA_AIS_ERR_INVALID_PARAM, 0);
        }
        let total = self.locks.len();
        let Some(r) = self.resources.get_mut(&name) else {
            return fail(out, SA_AIS_ERR_BAD_HANDLE, 0);
        };
        if r.len() >= MAX_LOCKS_PER_RESOURCE || total >= MAX_LOCKS {
            return fail(out, SA_AIS_OK, SA_LCK_LOCK_NO_MORE);
        }
        let entry = Entry {
            key: req.key,
            open_id: req.open_id,
            mode: req.mode,
            orphan: req.flags & SA_LCK_LOCK_ORPHAN != 0,
            orphaned: false,
            signal: req.signal,
            answer: req.answer,
        };
        let conflicting: Vec<&Entry> = r
            .granted
            .iter()
            .filter(|g| !g.mode.compatible(req.mode))
            .collect();
        if conflicting.is_empty() && r.waiting.is_empty() {
            r.granted.push(entry);
            self.locks.insert(req.key, name);
            return fail(out, SA_AIS_OK, SA_LCK_LOCK_GRANTED);
        }
        if req.mode == Mode::Ex
            && r.granted
                .iter()
                .any(|g| g.mode == Mode::Ex && !g.orphaned && g.opening() == opening)
        {
            return fail(out, SA_AIS_OK, SA_LCK_LOCK_DUPLICATE_EX);
        }
        if conflicting.iter().any(|g| g.orphaned) {
            return fail(out, SA_AIS_OK, SA_LCK_LOCK_ORPHANED);
        }
        if req.flags & SA_LCK_LOCK_NO_QUEUE != 0 {
            return fail(out, SA_AIS_OK, SA_LCK_LOCK_NOT_QUEUED);
        }
        let blockers: Vec<Owner> = conflicting
            .iter()
            .map(|g| g.key.owner())
            .chain(
                r.waiting
                    .iter()
                    .filter(|w| !w.mode.compatible(req.mode))
                    .map(|w| w.key.owner()),
            )
            .collect();
        let waiters: Vec<Notice> = conflicting
            .iter()
            .map(|g| Notice::Waiter {
                holder: g.key,
                signal: req.signal,
                held: g.mode,
                requested: req.mode,
            })
            .collect();
        if self.closes_cycle(req.key.owner(), blockers) {
            return fail(out, SA_AIS_OK, SA_LCK_LOCK_DEADLOCK);
        }
        if let Some(r) = self.resources.get_mut(&name) {
            r.waiting.push_back(entry);
            self.locks.insert(req.key, name);
            out.extend(waiters);
        }
    }

    /// Whether `owner` is reachable in the wait-for graph from `start`.
    fn closes_cycle(&self, owner: Owner, start: Vec<Owner>) -> bool {
        if start.contains(&owner) {
            return true;
        }
        // Only an owner with locks or requests can be waited for.
        if !self.locks.keys().any(|k| k.owner() == owner) {
            return false;
        }
        // owner -> what its waiting requests wait for, built in one pass.
        let mut edges: HashMap<Owner, Vec<Owner>> = HashMap::new();
        for r in self.resources.values() {
            for (i, w) in r.waiting.iter().enumerate() {
                let to = edges.entry(w.key.owner()).or_default();
                to.extend(
                    r.granted
                        .iter()
                        .filter(|g| !g.mode.compatible(w.mode))
                        .map(|g| g.key.owner()),
                );
                to.extend(
                    r.waiting
                        .iter()
                        .take(i)
                        .filter(|e| !e.mode.compatible(w.mode))
                        .map(|e| e.key.owner()),
                );
            }
        }
        let mut seen: HashSet<Owner> = HashSet::new();
        let mut todo = start;
        while let Some(o) = todo.pop() {
            if o == owner {
                return true;
            }
            if seen.insert(o) {
                if let Some(next) = edges.get(&o) {
                    todo.extend(next.iter().copied().filter(|n| !seen.contains(n)));
                }
            }
        }
        false
    }

    /// saLckResourceUnlock: releases a granted lock or withdraws a waiting
    /// request (answered SA_AIS_ERR_INTERRUPT); SA_AIS_ERR_NOT_EXIST when
    /// `key` is neither.
    pub fn unlock(&mut self, key: &LockKey, out: &mut Vec<Notice>) -> Result<(), u32> {
        self.withdraw(key, SA_AIS_ERR_INTERRUPT, true, out)
    }

    /// Removes `key`: a granted lock when `granted_too`, a waiting request
    /// (answered `error`). SA_AIS_ERR_NOT_EXIST when not there.
    pub fn withdraw(
        &mut self,
        key: &LockKey,
        error: u32,
        granted_too: bool,
        out: &mut Vec<Notice>,
    ) -> Result<(), u32> {
        let name = self.locks.get(key).cloned().ok_or(SA_AIS_ERR_NOT_EXIST)?;
        let r = self.resources.get_mut(&name).ok_or(SA_AIS_ERR_NOT_EXIST)?;
        if let Some(i) = r.granted.iter().position(|e| e.key == *key) {
            if !granted_too {
                return Err(SA_AIS_ERR_NOT_EXIST);
            }
            r.granted.remove(i);
        } else if let Some(i) = r.waiting.iter().position(|e| e.key == *key) {
            if let Some(e) = r.waiting.remove(i) {
                out.push(answer(&e, error, 0));
            }
        } else {
            return Err(SA_AIS_ERR_NOT_EXIST);
        }
        self.locks.remove(key);
        self.settle(&name, out);
        Ok(())
    }

    /// saLckLockPurge: the orphaned locks of the opening's resource go.
    pub fn purge(&mut self, opening: &OpeningKey, out: &mut Vec<Notice>) -> Result<(), u32> {
        let name = self
            .openings
            .get(opening)
            .cloned()
            .ok_or(SA_AIS_ERR_BAD_HANDLE)?;
        if let Some(r) = self.resources.get_mut(&name) {
            let mut gone = Vec::new();
            r.granted.retain(|e| {
                if e.orphaned {
                    gone.push(e.key);
                }
                !e.orphaned
            });
            for k in gone {
                self.locks.remove(&k);
            }
        }
        self.settle(&name, out);
        Ok(())
    }

    /// Grants from the head of `name`'s queue while it is compatible, and
    /// drops the resource when nothing uses it any more.
    fn settle(&mut self, name: &Name, out: &mut Vec<Notice>) {
        let Some(r) = self.resources.get_mut(name) else {
            return;
        };
        while let Some(head) = r.waiting.front() {
            if !r.granted.iter().all(|g| g.mode.compatible(head.mode)) {
                break;
            }
            let Some(e) = r.waiting.pop_front() else {
                break;
            };
            out.push(answer(&e, SA_AIS_OK, SA_LCK_LOCK_GRANTED));
            r.granted.push(e);
        }
        if r.is_unused() {
            self.resources.remove(name);
        }
    }

    /// Builds a table from merged parts (see `sync`): the openings of
    /// every member and one copy of each resource's locks. Locks whose
    /// opening is not among `openings` go (orphan-flagged granted locks
    /// stay, orphaned); duplicate lock keys keep their first place; then
    /// every queue moves on. The notices answer what the merge granted
    /// and what it dropped.
    pub fn from_parts(
        openings: BTreeMap<OpeningKey, Name>,
        copies: BTreeMap<Name, Resource>,
        dropped_error: u32,
        out: &mut Vec<Notice>,
    ) -> Table {
        let mut t = Table {
            resources: copies,
            openings: BTreeMap::new(),
            locks: HashMap::new(),
        };
        for r in t.resources.values_mut() {
            r.opens = 0;
        }
        for (k, name) in openings {
            if t.openings.len() >= MAX_OPENINGS {
                break;
            }
            t.resources.entry(name.clone()).or_default().opens += 1;
            t.openings.insert(k, name);
        }
        let names: Vec<Name> = t.resources.keys().cloned().collect();
        for name in &names {
            let Some(r) = t.resources.get_mut(name) else {
                continue;
            };
            let mut keep_granted = Vec::with_capacity(r.granted.len());
            for mut e in std::mem::take(&mut r.granted) {
                if t.locks.contains_key(&e.key) || t.locks.len() >= MAX_LOCKS {
                    continue;
                }
                if !e.orphaned && !t.openings.contains_key(&e.opening()) {
                    if !e.orphan {
                        continue;
                    }
                    e.orphaned = true;
                }
                t.locks.insert(e.key, name.clone());
                keep_granted.push(e);
            }
            r.granted = keep_granted;
            let mut keep_waiting = VecDeque::with_capacity(r.waiting.len());
            for e in std::mem::take(&mut r.waiting) {
                if t.locks.contains_key(&e.key)
                    || t.locks.len() >= MAX_LOCKS
                    || !t.openings.contains_key(&e.opening())
                {
                    out.push(answer(&e, dropped_error, 0));
                    continue;
                }
                t.locks.insert(e.key, name.clone());
                keep_waiting.push_back(e);
            }
            r.waiting = keep_waiting;
        }
        for name in &names {
            t.settle(name, out);
        }
        t
    }

    /// The lock keys of `node`, granted and waiting.
    pub fn keys_of(&self, node: NodeId) -> BTreeSet<(LockKey, bool)> {
        self.resources
            .values()
            .flat_map(|r| {
                r.granted
                    .iter()
                    .map(|e| (e.key, true))
                    .chain(r.waiting.iter().map(|e| (e.key, false)))
            })
            .filter(|(k, _)| k.node == node)
            .collect()
    }

    /// The entry of `key`, if any.
    pub fn entry(&self, key: &LockKey) -> Option<&Entry> {
        let r = self.resources.get(self.locks.get(key)?)?;
        r.granted
            .iter()
            .chain(r.waiting.iter())
            .find(|e| e.key == *key)
    }
}

fn answer(e: &Entry, error: u32, status: u32) -> Notice {
    Notice::Answer {
        key: e.key,
        answer: e.answer,
        error,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::try_from(s).unwrap()
    }

    fn opening(node: NodeId, conn: u64) -> OpeningKey {
        OpeningKey {
            node,
            conn,
            open_id: 1,
        }
    }

    fn req(node: NodeId, conn: u64, lock_id: u64, mode: Mode, flags: u32) -> LockRequest {
        LockRequest {
            key: LockKey {
                node,
                conn,
                lock_id,
            },
            open_id: 1,
            mode,
            flags,
            signal: lock_id,
            answer: Answer::Async { invocation: 0 },
        }
    }

    fn statuses(out: &[Notice]) -> Vec<(u64, u32, u32)> {
        out.iter()
            .filter_map(|n| match n {
                Notice::Answer {
                    key, error, status, ..
                } => Some((key.lock_id, *error, *status)),
                Notice::Waiter { .. } => None,
            })
            .collect()
    }

    fn table(owners: &[(NodeId, u64)], res: &str) -> Table {
        let mut t = Table::default();
        for &(n, c) in owners {
            t.open(opening(n, c), &name(res), true).unwrap();
        }
        t
    }

    #[test]
    fn fifo_grants_and_pr_sharing() {
        let mut t = table(&[(1, 1), (1, 2), (2, 3), (2, 4)], "r");
        let mut out = Vec::new();
        t.lock(req(1, 1, 10, Mode::Ex, 0), &mut out);
        t.lock(req(1, 2, 20, Mode::Pr, 0), &mut out);
        t.lock(req(2, 3, 30, Mode::Pr, 0), &mut out);
        t.lock(req(2, 4, 40, Mode::Ex, 0), &mut out);
        assert_eq!(statuses(&out), vec![(10, SA_AIS_OK, SA_LCK_LOCK_GRANTED)]);
        out.clear();
        t.unlock(&req(1, 1, 10, Mode::Ex, 0).key, &mut out).unwrap();
        // both PR requests together, the EX one after them
        assert_eq!(
            statuses(&out),
            vec![
                (20, SA_AIS_OK, SA_LCK_LOCK_GRANTED),
                (30, SA_AIS_OK, SA_LCK_LOCK_GRANTED)
            ]
        );
        out.clear();
        t.unlock(&req(1, 2, 20, Mode::Pr, 0).key, &mut out).unwrap();
        assert!(out.is_empty());
        t.unlock(&req(2, 3, 30, Mode::Pr, 0).key, &mut out).unwrap();
        assert_eq!(statuses(&out), vec![(40, SA_AIS_OK, SA_LCK_LOCK_GRANTED)]);
        assert_eq!(
            t.unlock(&req(2, 3, 30, Mode::Pr, 0).key, &mut out),
            Err(SA_AIS_ERR_NOT_EXIST)
        );
    }

    #[test]
    fn statuses_that_do_not_queue() {
        let mut t = table(&[(1, 1), (1, 2)], "r");
        let mut out = Vec::new();
        t.lock(req(1, 1, 1, Mode::Ex, 0), &mut out);
        t.lock(req(1, 2, 2, Mode::Pr, SA_LCK_LOCK_NO_QUEUE), &mut out);
        t.lock(req(1, 1, 3, Mode::Ex, 0), &mut out);
        // the same connection waiting for itself is a deadlock
        t.lock(req(1, 1, 4, Mode::Pr, 0), &mut out);
        assert_eq!(
            statuses(&out),
            vec![
                (1, SA_AIS_OK, SA_LCK_LOCK_GRANTED),
                (2, SA_AIS_OK, SA_LCK_LOCK_NOT_QUEUED),
                (3, SA_AIS_OK, SA_LCK_LOCK_DUPLICATE_EX),
                (4, SA_AIS_OK, SA_LCK_LOCK_DEADLOCK),
            ]
        );
        assert_eq!(t.lock_count(), 1);
    }

    #[test]
    fn a_wait_for_cycle_across_resources_is_a_deadlock() {
        let mut t = Table::default();
        for (c, r) in [(1, "a"), (2, "b")] {
            t.open(opening(1, c), &name(r), true).unwrap();
        }
        for (c, r) in [(1, "b"), (2, "a")] {
            t.open(
                OpeningKey {
                    node: 1,
                    conn: c,
                    open_id: 2,
                },
                &name(r),
                true,
            )
            .unwrap();
        }
        let mut out = Vec::new();
        t.lock(req(1, 1, 1, Mode::Ex, 0), &mut out); // 1 holds a
        t.lock(req(1, 2, 2, Mode::Ex, 0), &mut out); // 2 holds b
        let mut on_two = req(1, 1, 3, Mode::Ex, 0);
        on_two.open_id = 2; // 1 waits for b (held by 2)
        t.lock(on_two, &mut out);
        let mut closing = req(1, 2, 4, Mode::Ex, 0);
        closing.open_id = 2; // 2 would wait for a (held by 1): a cycle
        t.lock(closing, &mut out);
        assert_eq!(
            statuses(&out),
            vec![
                (1, SA_AIS_OK, SA_LCK_LOCK_GRANTED),
                (2, SA_AIS_OK, SA_LCK_LOCK_GRANTED),
                (4, SA_AIS_OK, SA_LCK_LOCK_DEADLOCK),
            ]
        );
        assert!(out
            .iter()
            .any(|n| matches!(n, Notice::Waiter { holder, .. } if holder.lock_id == 2)));
    }

    #[test]
    fn close_releases_but_orphans_stay_until_purge() {
        let mut t = table(&[(1, 1), (1, 2)], "r");
        let mut out = Vec::new();
        t.lock(req(1, 1, 1, Mode::Ex, SA_LCK_LOCK_ORPHAN), &mut out);
        t.close(&opening(1, 1), &mut out).unwrap();
        out.clear();
        t.lock(req(1, 2, 2, Mode::Ex, 0), &mut out);
        assert_eq!(statuses(&out), vec![(2, SA_AIS_OK, SA_LCK_LOCK_ORPHANED)]);
        t.purge(&opening(1, 2), &mut out).unwrap();
        out.clear();
        t.lock(req(1, 2, 3, Mode::Ex, 0), &mut out);
        assert_eq!(statuses(&out), vec![(3, SA_AIS_OK, SA_LCK_LOCK_GRANTED)]);
        t.close(&opening(1, 2), &mut out).unwrap();
        assert!(t.resource(&name("r")).is_none(), "nothing uses it");
        assert_eq!(t.lock_count(), 0);
    }

    #[test]
    fn node_loss_grants_the_next_waiter_and_withdraws_its_requests() {
        let mut t = table(&[(1, 1), (2, 2), (3, 3)], "r");
        let mut out = Vec::new();
        t.lock(req(2, 2, 1, Mode::Ex, 0), &mut out);
        t.lock(req(1, 1, 2, Mode::Ex, 0), &mut out);
        t.lock(req(2, 2, 3, Mode::Pr, 0), &mut out);
        assert_eq!(
            statuses(&out),
            vec![
                (1, SA_AIS_OK, SA_LCK_LOCK_GRANTED),
                (3, SA_AIS_OK, SA_LCK_LOCK_DEADLOCK)
            ]
        );
        out.clear();
        assert_eq!(t.close_node(2, &mut out), 1);
        assert_eq!(statuses(&out), vec![(2, SA_AIS_OK, SA_LCK_LOCK_GRANTED)]);
    }

    #[test]
    fn bounds() {
        let mut t = table(&[(1, 1), (1, 2)], "r");
        let mut out = Vec::new();
        for i in 0..MAX_LOCKS_PER_RESOURCE as u64 {
            t.lock(req(1, 1 + i % 2, i, Mode::Pr, 0), &mut out);
        }
        out.clear();
        t.lock(req(1, 1, u64::MAX, Mode::Pr, 0), &mut out);
        assert_eq!(
            statuses(&out),
            vec![(u64::MAX, SA_AIS_OK, SA_LCK_LOCK_NO_MORE)]
        );
        assert_eq!(
            t.open(opening(1, 1), &name("r"), true),
            Err(SA_AIS_ERR_INVALID_PARAM)
        );
        assert_eq!(
            t.open(opening(1, 3), &name("x"), false),
            Err(SA_AIS_ERR_NOT_EXIST)
        );
    }
}
