//! The three kinds of handles of libSaCkpt and how they hang together.
//!
//! - A library handle ([`CkptInstance`], SaCkptHandleT) owns the
//!   connection to the executive.
//! - A checkpoint handle ([`CheckpointHandle`], SaCkptCheckpointHandleT)
//!   is one opening of a checkpoint through a library handle; the
//!   executive knows it by the `open_id` the library chose.
//! - A section iteration handle ([`Iteration`],
//!   SaCkptSectionIterationHandleT) belongs to a checkpoint handle.
//!
//! Each lives in its own handle database. A parent records its children's
//! handles, so that finalizing a library handle closes its checkpoint
//! handles and closing a checkpoint handle ends its iterations: their
//! handles become SA_AIS_ERR_BAD_HANDLE at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NO_MEMORY};
use sa_abi::ckpt::{
    SaCkptCallbacksT, SaCkptCheckpointHandleT, SaCkptHandleT, SaCkptSectionIterationHandleT,
};
use sa_ipc::ffi::lock;
use sa_ipc::proto::ckpt::CreationAttributes;
use sa_ipc::{Connection, HandleDb};

use crate::iteration::IterationState;

/// One saCkptInitialize.
pub(crate) struct CkptInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: SaCkptCallbacksT,
    next_open_id: AtomicU64,
    /// Checkpoint handles opened through this instance.
    checkpoints: Mutex<Vec<SaCkptCheckpointHandleT>>,
    /// Asynchronous opens whose callback has not arrived: open id -> open
    /// flags.
    pending_opens: Mutex<HashMap<u64, u32>>,
}

/// One opening of a checkpoint.
pub(crate) struct CheckpointHandle {
    pub(crate) instance: Arc<CkptInstance>,
    pub(crate) open_id: u64,
    pub(crate) flags: u32,
    /// The checkpoint's attributes when it was opened (only the retention
    /// duration can change afterwards).
    pub(crate) attributes: CreationAttributes,
    /// Iterations started on this handle.
    iterations: Mutex<Vec<SaCkptSectionIterationHandleT>>,
}

/// One section iteration.
pub(crate) struct Iteration {
    pub(crate) checkpoint: Arc<CheckpointHandle>,
    pub(crate) state: Mutex<IterationState>,
}

/// Every live SaCkptHandleT of the process.
pub(crate) static INSTANCES: HandleDb<CkptInstance> = HandleDb::new();
/// Every live SaCkptCheckpointHandleT of the process.
pub(crate) static CHECKPOINTS: HandleDb<CheckpointHandle> = HandleDb::new();
/// Every live SaCkptSectionIterationHandleT of the process.
pub(crate) static ITERATIONS: HandleDb<Iteration> = HandleDb::new();

impl CkptInstance {
    pub(crate) fn new(conn: Connection, callbacks: SaCkptCallbacksT) -> CkptInstance {
        CkptInstance {
            conn,
            callbacks,
            next_open_id: AtomicU64::new(1),
            checkpoints: Mutex::new(Vec::new()),
            pending_opens: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh id for an opening on this connection.
    pub(crate) fn next_open_id(&self) -> u64 {
        self.next_open_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn add_pending_open(&self, open_id: u64, flags: u32) {
        lock(&self.pending_opens).insert(open_id, flags);
    }

    pub(crate) fn take_pending_open(&self, open_id: u64) -> Option<u32> {
        lock(&self.pending_opens).remove(&open_id)
    }

    fn forget_checkpoint(&self, handle: SaCkptCheckpointHandleT) {
        lock(&self.checkpoints).retain(|h| *h != handle);
    }
}

/// The library instance of `handle`, held for the duration of a call.
pub(crate) fn instance(handle: SaCkptHandleT) -> Result<Arc<CkptInstance>, SaAisErrorT> {
    INSTANCES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// The opening of `handle`, held for the duration of a call.
pub(crate) fn checkpoint(
    handle: SaCkptCheckpointHandleT,
) -> Result<Arc<CheckpointHandle>, SaAisErrorT> {
    CHECKPOINTS.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// The iteration of `handle`, held for the duration of a call.
pub(crate) fn iteration(
    handle: SaCkptSectionIterationHandleT,
) -> Result<Arc<Iteration>, SaAisErrorT> {
    ITERATIONS.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// Gives `child` a handle in `db` and records it in its parent's list
/// `siblings`. The parent's removal takes that list after removing the
/// parent's own handle, so a child recorded once `parent_live` says the
/// parent is gone would never be released: it is undone, and the answer
/// is SA_AIS_ERR_BAD_HANDLE. SA_AIS_ERR_NO_MEMORY when `db` is full.
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

/// Registers a new opening made through the library handle
/// `instance_handle` and returns its checkpoint handle. Fails when the
/// handle database is full, or when the library handle was finalized
/// meanwhile (its connection is gone, so the opening is too).
pub(crate) fn add_checkpoint(
    instance: &Arc<CkptInstance>,
    instance_handle: SaCkptHandleT,
    open_id: u64,
    flags: u32,
    attributes: CreationAttributes,
) -> Result<SaCkptCheckpointHandleT, SaAisErrorT> {
    let opening = CheckpointHandle {
        instance: Arc::clone(instance),
        open_id,
        flags,
        attributes,
        iterations: Mutex::new(Vec::new()),
    };
    add_child(&CHECKPOINTS, opening, &instance.checkpoints, || {
        INSTANCES.get(instance_handle).is_some()
    })
}

/// Removes a checkpoint handle and ends its iterations. Returns the
/// opening when the handle was live (exactly one caller gets it).
pub(crate) fn discard_checkpoint(handle: SaCkptCheckpointHandleT) -> Option<Arc<CheckpointHandle>> {
    let ckpt = CHECKPOINTS.destroy(handle)?;
    ckpt.instance.forget_checkpoint(handle);
    let iterations = std::mem::take(&mut *lock(&ckpt.iterations));
    for it in iterations {
        ITERATIONS.destroy(it);
    }
    Some(ckpt)
}

/// Removes a library handle with all its checkpoint handles (and their
/// iterations). Returns the instance when the handle was live.
pub(crate) fn discard_instance(handle: SaCkptHandleT) -> Option<Arc<CkptInstance>> {
    let inst = INSTANCES.destroy(handle)?;
    let checkpoints = std::mem::take(&mut *lock(&inst.checkpoints));
    for c in checkpoints {
        discard_checkpoint(c);
    }
    Some(inst)
}

/// Registers an iteration of the checkpoint handle `checkpoint_handle`.
pub(crate) fn add_iteration(
    ckpt: &Arc<CheckpointHandle>,
    checkpoint_handle: SaCkptCheckpointHandleT,
    state: IterationState,
) -> Result<SaCkptSectionIterationHandleT, SaAisErrorT> {
    let iteration = Iteration {
        checkpoint: Arc::clone(ckpt),
        state: Mutex::new(state),
    };
    add_child(&ITERATIONS, iteration, &ckpt.iterations, || {
        CHECKPOINTS.get(checkpoint_handle).is_some()
    })
}

/// Removes an iteration handle; `None` when it was not live.
pub(crate) fn discard_iteration(handle: SaCkptSectionIterationHandleT) -> Option<Arc<Iteration>> {
    let it = ITERATIONS.destroy(handle)?;
    lock(&it.checkpoint.iterations).retain(|h| *h != handle);
    Some(it)
}

impl CheckpointHandle {
    /// SA_AIS_ERR_ACCESS unless the checkpoint was opened with `flag`.
    pub(crate) fn require(&self, flag: u32) -> Result<(), SaAisErrorT> {
        if self.flags & flag == 0 {
            Err(SA_AIS_ERR_ACCESS)
        } else {
            Ok(())
        }
    }
}
