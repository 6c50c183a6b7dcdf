//! The three kinds of handles of libSaLck and how they hang together.
//!
//! - A library handle ([`LckInstance`], SaLckHandleT) owns the connection
//!   to the executive.
//! - A resource handle ([`ResourceHandle`], SaLckResourceHandleT) is one
//!   opening of a lock resource through a library handle; the executive
//!   knows it by the `open_id` the library chose.
//! - A lock id ([`LockEntry`], SaLckLockIdT) is one lock or lock request
//!   through a resource handle; the executive knows it by the id itself
//!   (unique in the process, so unique on its connection).
//!
//! Each lives in its own handle database. A parent records its children,
//! so that finalizing a library handle closes its resource handles and
//! closing a resource handle forgets its lock ids: their handles become
//! invalid at once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NO_MEMORY};
use sa_abi::lck::{SaLckCallbacksT, SaLckHandleT, SaLckLockIdT, SaLckResourceHandleT};
use sa_ipc::ffi::lock;
use sa_ipc::{Connection, HandleDb};

/// One saLckInitialize.
pub(crate) struct LckInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: SaLckCallbacksT,
    next_open_id: AtomicU64,
    /// Resource handles opened through this instance.
    resources: Mutex<Vec<SaLckResourceHandleT>>,
    /// Asynchronous opens whose callback has not come.
    pending_opens: Mutex<HashSet<u64>>,
}

/// One opening of a lock resource.
pub(crate) struct ResourceHandle {
    pub(crate) instance: Arc<LckInstance>,
    pub(crate) open_id: u64,
    /// Lock ids of locks and requests made through it.
    locks: Mutex<Vec<SaLckLockIdT>>,
}

/// One lock or lock request.
pub(crate) struct LockEntry {
    pub(crate) resource: Arc<ResourceHandle>,
}

/// Every live SaLckHandleT of the process.
pub(crate) static INSTANCES: HandleDb<LckInstance> = HandleDb::new();
/// Every live SaLckResourceHandleT of the process.
pub(crate) static RESOURCES: HandleDb<ResourceHandle> = HandleDb::new();
/// Every live SaLckLockIdT of the process.
pub(crate) static LOCKS: HandleDb<LockEntry> = HandleDb::new();

impl LckInstance {
    pub(crate) fn new(conn: Connection, callbacks: SaLckCallbacksT) -> LckInstance {
        LckInstance {
            conn,
            callbacks,
            next_open_id: AtomicU64::new(1),
            resources: Mutex::new(Vec::new()),
            pending_opens: Mutex::new(HashSet::new()),
        }
    }

    /// A fresh id for an opening on this connection.
    pub(crate) fn next_open_id(&self) -> u64 {
        self.next_open_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn add_pending_open(&self, open_id: u64) {
        lock(&self.pending_opens).insert(open_id);
    }

    pub(crate) fn take_pending_open(&self, open_id: u64) -> bool {
        lock(&self.pending_opens).remove(&open_id)
    }
}

/// The library instance of `handle`, held for the duration of a call.
pub(crate) fn instance(handle: SaLckHandleT) -> Result<Arc<LckInstance>, SaAisErrorT> {
    INSTANCES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// The opening of `handle`, held for the duration of a call.
pub(crate) fn resource(handle: SaLckResourceHandleT) -> Result<Arc<ResourceHandle>, SaAisErrorT> {
    RESOURCES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// Gives `child` a handle in `db` and records it in its parent's list.
/// The parent's removal takes that list after removing the parent's own
/// handle, so a child recorded once `parent_live` says the parent is gone
/// would never be released: it is undone (SA_AIS_ERR_BAD_HANDLE).
fn add_child<T>(
    db: &HandleDb<T>,
    child: T,
    siblings: &Mutex<Vec<u64>>,
    parent_live: impl FnOnce() -> bool,
) -> Result<u64, SaAisErrorT> {
    let handle = db.create(child).map_err(|_| SA_AIS_ERR_NO_MEMORY)?;
    lock(siblings).push(handle);
    if !parent_live() {
        lock(siblings).retain(|h| *h != handle);
        db.destroy(handle);
        return Err(SA_AIS_ERR_BAD_HANDLE);
    }
    Ok(handle)
}

/// Registers an opening made through `instance_handle`.
pub(crate) fn add_resource(
    instance: &Arc<LckInstance>,
    instance_handle: SaLckHandleT,
    open_id: u64,
) -> Result<SaLckResourceHandleT, SaAisErrorT> {
    let opening = ResourceHandle {
        instance: Arc::clone(instance),
        open_id,
        locks: Mutex::new(Vec::new()),
    };
    add_child(&RESOURCES, opening, &instance.resources, || {
        INSTANCES.get(instance_handle).is_some()
    })
}

/// Registers a lock id for a request through `resource_handle`.
pub(crate) fn add_lock(
    resource: &Arc<ResourceHandle>,
    resource_handle: SaLckResourceHandleT,
) -> Result<SaLckLockIdT, SaAisErrorT> {
    let entry = LockEntry {
        resource: Arc::clone(resource),
    };
    add_child(&LOCKS, entry, &resource.locks, || {
        RESOURCES.get(resource_handle).is_some()
    })
}

/// Forgets a lock id (released, refused or withdrawn).
pub(crate) fn discard_lock(id: SaLckLockIdT) {
    if let Some(entry) = LOCKS.destroy(id) {
        lock(&entry.resource.locks).retain(|l| *l != id);
    }
}

/// Removes a resource handle and its lock ids. Returns the opening when
/// the handle was live (exactly one caller gets it).
pub(crate) fn discard_resource(handle: SaLckResourceHandleT) -> Option<Arc<ResourceHandle>> {
    let r = RESOURCES.destroy(handle)?;
    lock(&r.instance.resources).retain(|h| *h != handle);
    // Taken first: a guard in the loop's head would live through it.
    let ids = std::mem::take(&mut *lock(&r.locks));
    for id in ids {
        LOCKS.destroy(id);
    }
    Some(r)
}

/// Removes a library handle with all its resource handles.
pub(crate) fn discard_instance(handle: SaLckHandleT) -> Option<Arc<LckInstance>> {
    let inst = INSTANCES.destroy(handle)?;
    // Taken first: discard_resource locks the list again.
    let resources = std::mem::take(&mut *lock(&inst.resources));
    for r in resources {
        discard_resource(r);
    }
    Some(inst)
}
