//! The two kinds of handles of libSaMsg.
//!
//! - A library handle ([`MsgInstance`], SaMsgHandleT) owns the
//!   connection to the executive.
//! - A queue handle ([`QueueHandle`], SaMsgQueueHandleT) is one opening
//!   of a queue through a library handle; the executive knows it by the
//!   `open_id` the library chose.
//!
//! A library handle records its queue handles (by open id, so that a
//! received callback naming an open id finds its handle), and finalizing
//! it makes them SA_AIS_ERR_BAD_HANDLE at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NO_MEMORY};
use sa_abi::msg::{SaMsgCallbacksT, SaMsgHandleT, SaMsgQueueHandleT};
use sa_ipc::ffi::lock;
use sa_ipc::proto::msg::QueueClose;
use sa_ipc::{Connection, HandleDb};

/// One saMsgInitialize.
pub(crate) struct MsgInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: SaMsgCallbacksT,
    next_open_id: AtomicU64,
    /// Queue handles opened through this instance, by open id.
    queues: Mutex<HashMap<u64, SaMsgQueueHandleT>>,
}

/// One opening of a queue.
pub(crate) struct QueueHandle {
    pub(crate) instance: Arc<MsgInstance>,
    pub(crate) open_id: u64,
}

/// Every live SaMsgHandleT of the process.
pub(crate) static INSTANCES: HandleDb<MsgInstance> = HandleDb::new();
/// Every live SaMsgQueueHandleT of the process.
pub(crate) static QUEUES: HandleDb<QueueHandle> = HandleDb::new();

impl MsgInstance {
    pub(crate) fn new(conn: Connection, callbacks: SaMsgCallbacksT) -> MsgInstance {
        MsgInstance {
            conn,
            callbacks,
            next_open_id: AtomicU64::new(1),
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh id for an opening on this connection.
    pub(crate) fn next_open_id(&self) -> u64 {
        self.next_open_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The queue handle of an opening, if the application has one.
    pub(crate) fn queue_of(&self, open_id: u64) -> Option<SaMsgQueueHandleT> {
        lock(&self.queues).get(&open_id).copied()
    }

    /// Closes an opening the application has no handle for (an open that
    /// timed out may still complete), so the executive does not keep the
    /// queue busy until the connection ends. Best effort.
    pub(crate) fn release_opening(&self, open_id: u64) {
        if let Err(e) = self
            .conn
            .call_within(&QueueClose { open_id }, Duration::from_secs(2))
        {
            log::debug!("releasing opening {open_id}: {e}");
        }
    }
}

/// The library instance of `handle`, held for the duration of a call.
pub(crate) fn instance(handle: SaMsgHandleT) -> Result<Arc<MsgInstance>, SaAisErrorT> {
    INSTANCES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// The opening of `handle`, held for the duration of a call.
pub(crate) fn queue(handle: SaMsgQueueHandleT) -> Result<Arc<QueueHandle>, SaAisErrorT> {
    QUEUES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// Registers a new opening made through `instance_handle`. Fails when the
/// handle database is full or the library handle was finalized meanwhile
/// (its connection, and so the opening, is gone).
pub(crate) fn add_queue(
    instance: &Arc<MsgInstance>,
    instance_handle: SaMsgHandleT,
    open_id: u64,
) -> Result<SaMsgQueueHandleT, SaAisErrorT> {
    let handle = QUEUES
        .create(QueueHandle {
            instance: Arc::clone(instance),
            open_id,
        })
        .map_err(|_| SA_AIS_ERR_NO_MEMORY)?;
    lock(&instance.queues).insert(open_id, handle);
    // Finalize takes the list after removing the instance: a handle
    // recorded once it is gone would never be released.
    if INSTANCES.get(instance_handle).is_none() {
        lock(&instance.queues).remove(&open_id);
        QUEUES.destroy(handle);
        return Err(SA_AIS_ERR_BAD_HANDLE);
    }
    Ok(handle)
}

/// Removes a queue handle; the opening when it was live.
pub(crate) fn discard_queue(handle: SaMsgQueueHandleT) -> Option<Arc<QueueHandle>> {
    let q = QUEUES.destroy(handle)?;
    lock(&q.instance.queues).remove(&q.open_id);
    Some(q)
}

/// Removes a library handle and its queue handles; returns the instance
/// and the open ids it had, when the handle was live.
pub(crate) fn discard_instance(handle: SaMsgHandleT) -> Option<(Arc<MsgInstance>, Vec<u64>)> {
    let inst = INSTANCES.destroy(handle)?;
    let queues = std::mem::take(&mut *lock(&inst.queues));
    let mut open_ids = Vec::with_capacity(queues.len());
    for (open_id, h) in queues {
        QUEUES.destroy(h);
        open_ids.push(open_id);
    }
    Some((inst, open_ids))
}
