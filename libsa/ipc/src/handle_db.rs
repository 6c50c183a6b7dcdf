//! The handle database: maps the 64-bit handles C callers hold
//! (SaClmHandleT, SaCkptCheckpointHandleT, ...) to library objects.
//!
//! A handle is `random (32 bits) | generation (12 bits) | slot (20 bits)`.
//! A lookup succeeds only when the slot is live and holds exactly that
//! handle, so a finalized handle (its slot empty or reused with another
//! generation and random part) and a forged one (random part wrong) are
//! both simply "not found": SA_AIS_ERR_BAD_HANDLE, never a crash.
//!
//! [`HandleDb::get`] hands out an `Arc` (the reference that keeps the
//! object alive while a call uses it; dropping it is the "put").
//! [`HandleDb::destroy`] removes the handle at once (later lookups fail)
//! while calls already holding a reference finish safely: e.g. a
//! Finalize in one thread while another is inside Dispatch.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::sys::random_u64;

const SLOT_BITS: u32 = 20;
const GENERATION_BITS: u32 = 12;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const GENERATION_MASK: u64 = (1 << GENERATION_BITS) - 1;

/// Most live handles one database holds.
pub const MAX_HANDLES: usize = 1 << SLOT_BITS;

/// Why a handle could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandleDbError {
    /// Every slot is in use.
    #[error("no free handle slot ({MAX_HANDLES} handles in use)")]
    Full,
}

struct Slot<T> {
    generation: u64,
    entry: Option<(u64, Arc<T>)>,
}

struct Table<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
    live: usize,
}

/// A thread-safe map from random 64-bit handles to shared objects.
pub struct HandleDb<T> {
    table: Mutex<Table<T>>,
}

impl<T> std::fmt::Debug for HandleDb<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandleDb")
            .field("live", &self.len())
            .finish()
    }
}

impl<T> Default for HandleDb<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> HandleDb<T> {
    /// An empty database; `const` so that a library can keep one in a
    /// `static`.
    pub const fn new() -> HandleDb<T> {
        HandleDb {
            table: Mutex::new(Table {
                slots: Vec::new(),
                free: Vec::new(),
                live: 0,
            }),
        }
    }

    /// A poisoned lock only means a panic happened while it was held; the
    /// table is updated by single assignments, so it is still consistent.
    fn lock(&self) -> MutexGuard<'_, Table<T>> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `value` and returns its new handle (never 0, which is
    /// SA_HANDLE_INVALID).
    pub fn create(&self, value: T) -> Result<u64, HandleDbError> {
        // Drawn before taking the lock: getrandom may block at early boot.
        let random = loop {
            let r = random_u64() >> 32;
            if r != 0 {
                break r;
            }
        };
        let mut t = self.lock();
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                if t.slots.len() >= MAX_HANDLES {
                    return Err(HandleDbError::Full);
                }
                t.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                t.slots.len() - 1
            }
        };
        let slot = &mut t.slots[index];
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        let handle = (random << (SLOT_BITS + GENERATION_BITS))
            | (slot.generation << SLOT_BITS)
            | index as u64;
        slot.entry = Some((handle, Arc::new(value)));
        t.live += 1;
        Ok(handle)
    }

    fn index_of(handle: u64) -> usize {
        (handle & SLOT_MASK) as usize
    }

    /// A reference to the object of `handle`, or `None` when the handle is
    /// unknown, finalized or forged.
    pub fn get(&self, handle: u64) -> Option<Arc<T>> {
        let t = self.lock();
        match t.slots.get(Self::index_of(handle))?.entry.as_ref() {
            Some((h, v)) if *h == handle => Some(Arc::clone(v)),
            _ => None,
        }
    }

    /// Removes `handle`; returns the object so the caller can release its
    /// resources. References already handed out stay valid until dropped.
    /// `None` when the handle is not (or no longer) live: of two threads
    /// destroying one handle, exactly one gets the object.
    pub fn destroy(&self, handle: u64) -> Option<Arc<T>> {
        let mut t = self.lock();
        let index = Self::index_of(handle);
        let slot = t.slots.get_mut(index)?;
        match slot.entry.take() {
            Some((h, v)) if h == handle => {
                t.free.push(index);
                t.live -= 1;
                Some(v)
            }
            other => {
                slot.entry = other;
                None
            }
        }
    }

    /// Every live handle (for "finalize everything", e.g. after fork).
    pub fn handles(&self) -> Vec<u64> {
        let t = self.lock();
        t.slots
            .iter()
            .filter_map(|s| s.entry.as_ref().map(|(h, _)| *h))
            .collect()
    }

    /// Number of live handles.
    pub fn len(&self) -> usize {
        self.lock().live
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn create_get_destroy() {
        let db = HandleDb::new();
        let h = db.create("a").unwrap();
        assert_ne!(h, 0);
        assert_eq!(*db.get(h).unwrap(), "a");
        assert_eq!(db.len(), 1);
        assert_eq!(*db.destroy(h).unwrap(), "a");
        assert!(db.get(h).is_none());
        assert!(db.destroy(h).is_none(), "second destroy fails");
        assert!(db.is_empty());
    }

    #[test]
    fn reused_slot_gets_a_new_handle() {
        let db = HandleDb::new();
        let h1 = db.create(1).unwrap();
        db.destroy(h1).unwrap();
        let h2 = db.create(2).unwrap();
        assert_eq!(h1 & SLOT_MASK, h2 & SLOT_MASK, "slot reused");
        assert_ne!(h1, h2);
        assert_ne!(
            (h1 >> SLOT_BITS) & GENERATION_MASK,
            (h2 >> SLOT_BITS) & GENERATION_MASK,
            "generation differs"
        );
        assert!(db.get(h1).is_none());
        assert!(db.destroy(h1).is_none());
        assert_eq!(*db.get(h2).unwrap(), 2);
    }

    #[test]
    fn forged_handles_are_not_found() {
        let db = HandleDb::new();
        let h = db.create(()).unwrap();
        for forged in [
            0,
            1,
            u64::MAX,
            h ^ (1 << 40),
            h ^ (1 << SLOT_BITS),
            h + 1,
            0x5eed_0000_dead_beef,
        ] {
            assert!(db.get(forged).is_none(), "{forged:#x}");
            assert!(db.destroy(forged).is_none(), "{forged:#x}");
        }
        assert!(db.get(h).is_some());
    }

    #[test]
    fn references_outlive_destroy() {
        struct Tracked(Arc<AtomicUsize>);
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let db = HandleDb::new();
        let h = db.create(Tracked(Arc::clone(&drops))).unwrap();
        let held = db.get(h).unwrap();
        drop(db.destroy(h).unwrap());
        assert_eq!(drops.load(Ordering::SeqCst), 0, "still referenced");
        drop(held);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn concurrent_create_get_destroy() {
        let db = Arc::new(HandleDb::new());
        let destroyed = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let db = Arc::clone(&db);
                let destroyed = Arc::clone(&destroyed);
                std::thread::spawn(move || {
                    let mut mine = Vec::new();
                    for i in 0..500 {
                        let h = db.create((t, i)).unwrap();
                        assert_eq!(*db.get(h).unwrap(), (t, i));
                        mine.push(h);
                        if i % 2 == 0 {
                            let victim = mine.swap_remove(0);
                            if db.destroy(victim).is_some() {
                                destroyed.fetch_add(1, Ordering::SeqCst);
                            }
                            assert!(db.get(victim).is_none());
                        }
                    }
                    mine
                })
            })
            .collect();
        let mut all: Vec<u64> = Vec::new();
        for t in threads {
            all.extend(t.join().unwrap());
        }
        assert_eq!(destroyed.load(Ordering::SeqCst), 8 * 250);
        assert_eq!(db.len(), all.len());
        let mut sorted = all.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len(), "handles unique");
        let mut listed = db.handles();
        listed.sort_unstable();
        assert_eq!(listed, sorted);
    }

    #[test]
    fn racing_destroys_have_one_winner() {
        let db = Arc::new(HandleDb::new());
        for _ in 0..50 {
            let h = db.create(()).unwrap();
            let wins = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let db = Arc::clone(&db);
                    let wins = Arc::clone(&wins);
                    std::thread::spawn(move || {
                        if db.destroy(h).is_some() {
                            wins.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(wins.load(Ordering::SeqCst), 1);
        }
    }
}
