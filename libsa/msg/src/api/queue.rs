//! Queues: open (synchronous and asynchronous), close, status, unlink.

use sa_abi::ais::{
    SaAisErrorT, SaInvocationT, SaNameT, SaTimeT, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_TIMEOUT, SA_AIS_OK,
};
use sa_abi::msg::{
    SaMsgHandleT, SaMsgQueueCreationAttributesT, SaMsgQueueHandleT, SaMsgQueueOpenFlagsT,
    SaMsgQueueStatusT, SaMsgQueueUsageT, SA_MSG_QUEUE_RECEIVE_CALLBACK,
};
use sa_ipc::check;
use sa_ipc::ffi::{ffi_guard, result_code};
use sa_ipc::proto::msg::{QueueClose, QueueOpen, QueueOpenAsync, QueueStatusGet, QueueUnlink};
use sa_ipc::ptr;
use sa_ipc::{CallError, IpcError};

use crate::convert::{name_arg, open_attributes};
use crate::handles::{add_queue, discard_queue, instance, MsgInstance};
use sa_ipc::timeout;

/// The checked arguments of an open; SA_AIS_ERR_INIT when it asks for
/// the received callback the handle did not register.
///
/// # Safety
/// `name` and `attributes` are NULL or valid.
unsafe fn open_request(
    inst: &MsgInstance,
    open_id: u64,
    name: *const SaNameT,
    attributes: *const SaMsgQueueCreationAttributesT,
    flags: SaMsgQueueOpenFlagsT,
) -> Result<QueueOpen, SaAisErrorT> {
    // SAFETY: passed on under the caller's contract.
    let name = unsafe { name_arg(name) }?;
    // SAFETY: NULL or valid by the caller's contract.
    let attributes = open_attributes(flags, unsafe { attributes.as_ref() })?;
    if flags & SA_MSG_QUEUE_RECEIVE_CALLBACK != 0
        && inst.callbacks.saMsgMessageReceivedCallback.is_none()
    {
        return Err(SA_AIS_ERR_INIT);
    }
    Ok(QueueOpen {
        open_id,
        name,
        flags,
        attributes,
    })
}

/// Opens (and with SA_MSG_QUEUE_CREATE, creates) a queue, waiting at most
/// `timeout` nanoseconds.
///
/// # Safety
/// `queueName` and `creationAttributes` are NULL or valid; `queueHandle`
/// is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueOpen(
    msgHandle: SaMsgHandleT,
    queueName: *const SaNameT,
    creationAttributes: *const SaMsgQueueCreationAttributesT,
    openFlags: SaMsgQueueOpenFlagsT,
    timeout_ns: SaTimeT,
    queueHandle: *mut SaMsgQueueHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let queueHandle = check!(unsafe { ptr::out(queueHandle, SA_AIS_ERR_INVALID_PARAM) });
        let open_id = inst.next_open_id();
        // SAFETY: the pointers are passed on under the caller's contract.
        let request = check!(unsafe {
            open_request(&inst, open_id, queueName, creationAttributes, openFlags)
        });
        // openais ignored this timeout.
        let wait = timeout::ignored_unless_positive(timeout_ns);
        match inst.conn.call_within(&request, wait) {
            Ok(()) => {}
            Err(CallError::Ipc(IpcError::Timeout)) => {
                // The open may still complete in the executive.
                inst.release_opening(open_id);
                return SA_AIS_ERR_TIMEOUT;
            }
            Err(e) => return e.to_ais(),
        }
        let handle = match add_queue(&inst, msgHandle, open_id) {
            Ok(h) => h,
            Err(code) => {
                inst.release_opening(open_id);
                return code;
            }
        };
        queueHandle.write(handle);
        SA_AIS_OK
    })
}

/// Opens a queue; the result comes to the open callback with
/// `invocation` (argument errors are returned at once).
///
/// # Safety
/// `queueName` and `creationAttributes` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueOpenAsync(
    msgHandle: SaMsgHandleT,
    invocation: SaInvocationT,
    queueName: *const SaNameT,
    creationAttributes: *const SaMsgQueueCreationAttributesT,
    openFlags: SaMsgQueueOpenFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        let open_id = inst.next_open_id();
        // SAFETY: the pointers are passed on under the caller's contract.
        let open = check!(unsafe {
            open_request(&inst, open_id, queueName, creationAttributes, openFlags)
        });
        if inst.callbacks.saMsgQueueOpenCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        result_code(inst.conn.call(&QueueOpenAsync { invocation, open }))
    })
}

/// Closes a queue handle; the queue is kept (with its messages) for its
/// retention time, or until unlinked if persistent.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueClose(queueHandle: SaMsgQueueHandleT) -> SaAisErrorT {
    ffi_guard(|| {
        let Some(q) = discard_queue(queueHandle) else {
            return sa_abi::ais::SA_AIS_ERR_BAD_HANDLE;
        };
        result_code(q.instance.conn.call(&QueueClose { open_id: q.open_id }))
    })
}

/// The status of a queue, by name.
///
/// # Safety
/// `queueName` is NULL or valid; `queueStatus` is NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueStatusGet(
    msgHandle: SaMsgHandleT,
    queueName: *const SaNameT,
    queueStatus: *mut SaMsgQueueStatusT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let name = check!(unsafe { name_arg(queueName) });
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let queueStatus = check!(unsafe { ptr::out(queueStatus, SA_AIS_ERR_INVALID_PARAM) });
        let s = match inst.conn.call(&QueueStatusGet { name }) {
            Ok(s) => s,
            Err(e) => return e.to_ais(),
        };
        let mut status = SaMsgQueueStatusT {
            creationFlags: s.creation_flags,
            retentionTime: s.retention,
            closeTime: s.close_time,
            ..Default::default()
        };
        for (out, u) in status.saMsgQueueUsage.iter_mut().zip(s.usage) {
            *out = SaMsgQueueUsageT {
                queueSize: u.size,
                queueUsed: u.used,
                numberOfMessages: u.messages,
            };
        }
        queueStatus.write(status);
        SA_AIS_OK
    })
}

/// Unlinks a queue: its name is gone at once; the queue with it when it
/// is not open, else when it is closed.
///
/// # Safety
/// `queueName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueUnlink(
    msgHandle: SaMsgHandleT,
    queueName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let name = check!(unsafe { name_arg(queueName) });
        result_code(inst.conn.call(&QueueUnlink { name }))
    })
}
