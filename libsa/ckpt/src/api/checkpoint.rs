//! Checkpoints as a whole: open (synchronous and asynchronous), close,
//! unlink, retention duration, active replica, status, synchronize.

use sa_abi::ais::{
    SaAisErrorT, SaInvocationT, SaNameT, SaTimeT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INIT,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_TIMEOUT, SA_AIS_OK,
};
use sa_abi::ckpt::{
    SaCkptCheckpointCreationAttributesT, SaCkptCheckpointDescriptorT, SaCkptCheckpointHandleT,
    SaCkptCheckpointOpenFlagsT, SaCkptHandleT, SA_CKPT_CHECKPOINT_WRITE,
};
use sa_ipc::check;
use sa_ipc::ffi::{ffi_guard, result_code};
use sa_ipc::proto::ckpt::{
    ActiveReplicaSet, Close, Open, OpenAsync, RetentionDurationSet, StatusGet, Synchronize,
    SynchronizeAsync, Unlink,
};
use sa_ipc::ptr;
use sa_ipc::timeout;
use sa_ipc::{CallError, IpcError};

use crate::convert::{attributes_to_sa, check_open_flags, checkpoint_name, open_attributes};
use crate::handles::{add_checkpoint, checkpoint, discard_checkpoint, instance};

/// The checked arguments of an open.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT; `attributes` is NULL or
/// points to valid creation attributes.
unsafe fn open_request(
    open_id: u64,
    name: *const SaNameT,
    attributes: *const SaCkptCheckpointCreationAttributesT,
    flags: SaCkptCheckpointOpenFlagsT,
) -> Result<Open, SaAisErrorT> {
    // SAFETY: passed on under the caller's contract.
    let name = unsafe { checkpoint_name(name) }?;
    check_open_flags(flags)?;
    // SAFETY: NULL or valid by the caller's contract.
    let attributes = unsafe { attributes.as_ref() };
    let attributes = open_attributes(flags, attributes)?;
    Ok(Open {
        open_id,
        name,
        flags,
        attributes,
    })
}

/// Opens (and with SA_CKPT_CHECKPOINT_CREATE, creates) a checkpoint,
/// waiting at most `timeout` nanoseconds.
///
/// # Safety
/// `checkpointName` and `checkpointCreationAttributes` are NULL or valid;
/// `checkpointHandle` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointOpen(
    ckptHandle: SaCkptHandleT,
    checkpointName: *const SaNameT,
    checkpointCreationAttributes: *const SaCkptCheckpointCreationAttributesT,
    checkpointOpenFlags: SaCkptCheckpointOpenFlagsT,
    timeout: SaTimeT,
    checkpointHandle: *mut SaCkptCheckpointHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(ckptHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let checkpointHandle =
            check!(unsafe { ptr::out(checkpointHandle, SA_AIS_ERR_INVALID_PARAM) });
        let open_id = inst.next_open_id();
        // SAFETY: the pointers are passed on under the caller's contract.
        let request = check!(unsafe {
            open_request(
                open_id,
                checkpointName,
                checkpointCreationAttributes,
                checkpointOpenFlags,
            )
        });
        // openais ignored this timeout (its programs pass 0).
        let wait = timeout::ignored_unless_positive(timeout);
        let reply = match inst.conn.call_within(&request, wait) {
            Ok(reply) => reply,
            Err(CallError::Ipc(IpcError::Timeout)) => {
                // The open may still complete in the executive.
                inst.release_opening(open_id);
                return SA_AIS_ERR_TIMEOUT;
            }
            Err(e) => return e.to_ais(),
        };
        let handle = match add_checkpoint(
            &inst,
            ckptHandle,
            open_id,
            checkpointOpenFlags,
            reply.attributes,
        ) {
            Ok(h) => h,
            Err(code) => {
                inst.release_opening(open_id);
                return code;
            }
        };
        checkpointHandle.write(handle);
        SA_AIS_OK
    })
}

/// Opens a checkpoint; the result comes to the open callback with
/// `invocation` (argument errors are returned at once).
///
/// # Safety
/// `checkpointName` and `checkpointCreationAttributes` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointOpenAsync(
    ckptHandle: SaCkptHandleT,
    invocation: SaInvocationT,
    checkpointName: *const SaNameT,
    checkpointCreationAttributes: *const SaCkptCheckpointCreationAttributesT,
    checkpointOpenFlags: SaCkptCheckpointOpenFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(ckptHandle));
        if inst.callbacks.saCkptCheckpointOpenCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        let open_id = inst.next_open_id();
        // SAFETY: the pointers are passed on under the caller's contract.
        let open = check!(unsafe {
            open_request(
                open_id,
                checkpointName,
                checkpointCreationAttributes,
                checkpointOpenFlags,
            )
        });
        inst.add_pending_open(open_id, checkpointOpenFlags);
        match inst.conn.call(&OpenAsync { invocation, open }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => {
                inst.take_pending_open(open_id);
                e.to_ais()
            }
        }
    })
}

/// Closes a checkpoint handle (and its section iterations). The
/// checkpoint itself stays until it is unlinked or its retention
/// duration runs out once nobody has it open.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointClose(
    checkpointHandle: SaCkptCheckpointHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        let close = Close {
            open_id: ckpt.open_id,
        };
        match ckpt.instance.conn.call(&close) {
            Ok(()) => {
                discard_checkpoint(checkpointHandle);
                SA_AIS_OK
            }
            // The executive no longer knows the opening (closed by another
            // thread meanwhile, or the connection was finalized).
            Err(e) if e.to_ais() == SA_AIS_ERR_BAD_HANDLE => {
                discard_checkpoint(checkpointHandle);
                SA_AIS_ERR_BAD_HANDLE
            }
            // TRY_AGAIN and the like: the handle stays usable.
            Err(e) => e.to_ais(),
        }
    })
}

/// Removes a checkpoint's name: new opens fail, openings go on working,
/// and the checkpoint goes when its last opening is closed.
///
/// # Safety
/// `checkpointName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointUnlink(
    ckptHandle: SaCkptHandleT,
    checkpointName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(ckptHandle));
        // SAFETY: passed on under the caller's contract.
        let name = check!(unsafe { checkpoint_name(checkpointName) });
        result_code(inst.conn.call(&Unlink { name }))
    })
}

/// Sets how long the checkpoint outlives its last close.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointRetentionDurationSet(
    checkpointHandle: SaCkptCheckpointHandleT,
    retentionDuration: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        if retentionDuration < 0 {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        result_code(ckpt.instance.conn.call(&RetentionDurationSet {
            open_id: ckpt.open_id,
            duration: retentionDuration,
        }))
    })
}

/// Makes this node's replica the active one of a collocated checkpoint.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saCkptActiveReplicaSet(
    checkpointHandle: SaCkptCheckpointHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        result_code(ckpt.instance.conn.call(&ActiveReplicaSet {
            open_id: ckpt.open_id,
        }))
    })
}

/// The checkpoint's attributes, number of sections and memory used.
///
/// # Safety
/// `checkpointStatus` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointStatusGet(
    checkpointHandle: SaCkptCheckpointHandleT,
    checkpointStatus: *mut SaCkptCheckpointDescriptorT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let checkpointStatus =
            check!(unsafe { ptr::out(checkpointStatus, SA_AIS_ERR_INVALID_PARAM) });
        let status = match ckpt.instance.conn.call(&StatusGet {
            open_id: ckpt.open_id,
        }) {
            Ok(s) => s,
            Err(e) => return e.to_ais(),
        };
        let descriptor = SaCkptCheckpointDescriptorT {
            checkpointCreationAttributes: attributes_to_sa(&status.attributes),
            numberOfSections: status.number_of_sections,
            // openais's descriptor has a 32-bit field.
            memoryUsed: u32::try_from(status.memory_used).unwrap_or(u32::MAX),
        };
        checkpointStatus.write(descriptor);
        SA_AIS_OK
    })
}

/// Waits, at most `timeout` nanoseconds, until every replica holds every
/// update made before the call (checkpoints created with an
/// active-replica update option).
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointSynchronize(
    checkpointHandle: SaCkptCheckpointHandleT,
    timeout: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        let wait = check!(timeout::enforced(timeout));
        result_code(ckpt.instance.conn.call_within(
            &Synchronize {
                open_id: ckpt.open_id,
            },
            wait,
        ))
    })
}

/// Like saCkptCheckpointSynchronize; the result comes to the synchronize
/// callback with `invocation`.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointSynchronizeAsync(
    checkpointHandle: SaCkptCheckpointHandleT,
    invocation: SaInvocationT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        if ckpt
            .instance
            .callbacks
            .saCkptCheckpointSynchronizeCallback
            .is_none()
        {
            return SA_AIS_ERR_INIT;
        }
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        result_code(ckpt.instance.conn.call(&SynchronizeAsync {
            open_id: ckpt.open_id,
            invocation,
        }))
    })
}
