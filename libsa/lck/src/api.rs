//! The 13 exported B.01.01 calls, with exactly the prototypes of saLck.h.
//! Each body runs inside [`ffi_guard`], so no panic crosses into C;
//! arguments are checked in the order handle, callbacks, pointers, mode,
//! flags.

#![allow(non_snake_case)]

use std::time::Duration;

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaSelectionObjectT, SaTimeT, SaVersionT,
    SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_NOT_EXIST, SA_AIS_OK,
};
use sa_abi::lck::{
    SaLckCallbacksT, SaLckHandleT, SaLckLockFlagsT, SaLckLockIdT, SaLckLockModeT, SaLckLockStatusT,
    SaLckOptionsT, SaLckResourceHandleT, SaLckResourceOpenFlagsT, SaLckWaiterSignalT,
    SA_LCK_LOCK_GRANTED, SA_LCK_OPT_DEADLOCK_DETECTION, SA_LCK_OPT_ORPHAN_LOCKS,
};
use sa_ipc::client::CallError;
use sa_ipc::ffi::{dispatch, ffi_guard, initialize, name_from_sa, selection_object, DispatchMode};
use sa_ipc::proto::lck::{
    Close, Lock, LockAsync, Mode, Open, OpenAsync, Purge, Unlock, UnlockAsync, LOCK_FLAGS,
    OPEN_FLAGS,
};
use sa_ipc::ptr;
use sa_ipc::{check, service, timeout, IpcError, Name};

use crate::callbacks::deliver;
use crate::handles::{
    add_lock, add_resource, discard_instance, discard_lock, discard_resource, instance, resource,
    LckInstance, INSTANCES, LOCKS,
};

/// How long a synchronous lock call waits beyond its own timeout for the
/// executive's answer (the withdrawal of a timed-out request travels
/// through the ring first).
const ANSWER_MARGIN: Duration = Duration::from_secs(5);

/// The options this implementation supports: both.
const OPTIONS: SaLckOptionsT = SA_LCK_OPT_ORPHAN_LOCKS | SA_LCK_OPT_DEADLOCK_DETECTION;

/// The resource name of a caller's SaNameT: NULL or longer than
/// SA_MAX_NAME_LENGTH is SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT.
unsafe fn name_arg(name: *const SaNameT) -> Result<Name, SaAisErrorT> {
    // SAFETY: NULL or valid, by the contract.
    let name = unsafe { ptr::arg(name, SA_AIS_ERR_INVALID_PARAM) }?;
    name_from_sa(name).map_err(|_| SA_AIS_ERR_INVALID_PARAM)
}

fn mode_arg(mode: SaLckLockModeT) -> Result<Mode, SaAisErrorT> {
    Mode::from_sa(mode).ok_or(SA_AIS_ERR_INVALID_PARAM)
}

fn lock_flags_arg(flags: SaLckLockFlagsT) -> Result<(), SaAisErrorT> {
    if flags & !LOCK_FLAGS != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    Ok(())
}

/// Opens a lock library instance: negotiates the version, connects to the
/// executive and returns a new handle.
///
/// # Safety
/// `lckHandle` and `version` are NULL or valid for writing; `lckCallbacks`
/// is NULL or points to a valid SaLckCallbacksT.
#[no_mangle]
pub unsafe extern "C" fn saLckInitialize(
    lckHandle: *mut SaLckHandleT,
    lckCallbacks: *const SaLckCallbacksT,
    version: *mut SaVersionT,
) -> SaAisErrorT {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &INSTANCES,
                lckHandle,
                lckCallbacks,
                version,
                service::LCK,
                LckInstance::new,
            )
        }
    })
}

/// The handle's selection object: an fd that is readable when a callback
/// is pending.
///
/// # Safety
/// `selectionObject` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saLckSelectionObjectGet(
    lckHandle: SaLckHandleT,
    selectionObject: *mut SaSelectionObjectT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(lckHandle));
        // SAFETY: the caller's contract is selection_object's.
        unsafe { selection_object(&inst.conn, selectionObject) }
    })
}

/// The options the service supports: orphan locks and deadlock detection.
///
/// # Safety
/// `lckOptions` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saLckOptionCheck(
    lckHandle: SaLckHandleT,
    lckOptions: *mut SaLckOptionsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        check!(instance(lckHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let lckOptions = check!(unsafe { ptr::out(lckOptions, SA_AIS_ERR_INVALID_PARAM) });
        lckOptions.write(OPTIONS);
        SA_AIS_OK
    })
}

/// Runs pending callbacks: SA_DISPATCH_ONE, _ALL or _BLOCKING (until the
/// handle is finalized).
///
/// # Safety
/// Callable with any arguments; the registered callbacks must be valid.
#[no_mangle]
pub unsafe extern "C" fn saLckDispatch(
    lckHandle: SaLckHandleT,
    dispatchFlags: SaDispatchFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(lckHandle));
        let mode = check!(DispatchMode::from_flags(dispatchFlags));
        dispatch(&inst.conn, mode, |frame| deliver(&inst, lckHandle, frame))
    })
}

/// Closes the handle: its connection ends, so the executive releases its
/// locks (orphan locks excepted) and withdraws its requests; its resource
/// handles and lock ids become invalid.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saLckFinalize(lckHandle: SaLckHandleT) -> SaAisErrorT {
    ffi_guard(|| match discard_instance(lckHandle) {
        Some(inst) => {
            inst.conn.shutdown();
            SA_AIS_OK
        }
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}

/// Opens (with SA_LCK_RESOURCE_CREATE: creating) a lock resource.
///
/// # Safety
/// `lockResourceName` is NULL or points to a valid SaNameT;
/// `lockResourceHandle` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceOpen(
    lckHandle: SaLckHandleT,
    lockResourceName: *const SaNameT,
    resourceFlags: SaLckResourceOpenFlagsT,
    timeout: SaTimeT,
    lockResourceHandle: *mut SaLckResourceHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(lckHandle));
        // SAFETY: the caller's contract.
        let name = check!(unsafe { name_arg(lockResourceName) });
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let lockResourceHandle =
            check!(unsafe { ptr::out(lockResourceHandle, SA_AIS_ERR_INVALID_PARAM) });
        if resourceFlags & !OPEN_FLAGS != 0 {
            return SA_AIS_ERR_BAD_FLAGS;
        }
        // openais ignored this timeout (its programs pass 0).
        let wait = timeout::ignored_unless_positive(timeout);
        let open_id = inst.next_open_id();
        let open = Open {
            open_id,
            name,
            flags: resourceFlags,
        };
        match inst.conn.call_within(&open, wait) {
            Ok(()) => {}
            Err(e) => {
                if matches!(e, CallError::Ipc(IpcError::Timeout)) {
                    // The open may still happen: undo it when it does.
                    let _ = inst.conn.call(&Close { open_id });
                }
                return e.to_ais();
            }
        }
        let handle = check!(add_resource(&inst, lckHandle, open_id));
        lockResourceHandle.write(handle);
        SA_AIS_OK
    })
}

/// Opens a lock resource; the resource open callback gets the handle.
///
/// # Safety
/// `lockResourceName` is NULL or points to a valid SaNameT.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceOpenAsync(
    lckHandle: SaLckHandleT,
    invocation: SaInvocationT,
    lockResourceName: *const SaNameT,
    resourceFlags: SaLckResourceOpenFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(lckHandle));
        if inst.callbacks.saLckResourceOpenCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        // SAFETY: the caller's contract.
        let name = check!(unsafe { name_arg(lockResourceName) });
        if resourceFlags & !OPEN_FLAGS != 0 {
            return SA_AIS_ERR_BAD_FLAGS;
        }
        let open_id = inst.next_open_id();
        inst.add_pending_open(open_id);
        let request = OpenAsync {
            invocation,
            open: Open {
                open_id,
                name,
                flags: resourceFlags,
            },
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => {
                inst.take_pending_open(open_id);
                e.to_ais()
            }
        }
    })
}

/// Closes a resource handle: its locks are released (orphan locks stay)
/// and its waiting requests withdrawn.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceClose(
    lockResourceHandle: SaLckResourceHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let r = check!(resource(lockResourceHandle));
        match r.instance.conn.call(&Close { open_id: r.open_id }) {
            // The executive not knowing it is closed all the same.
            Ok(()) | Err(CallError::Ais(SA_AIS_ERR_BAD_HANDLE)) => {
                match discard_resource(lockResourceHandle) {
                    Some(_) => SA_AIS_OK,
                    None => SA_AIS_ERR_BAD_HANDLE,
                }
            }
            Err(e) => e.to_ais(),
        }
    })
}

/// Requests a lock and waits up to `timeout` for it; `lockStatus` says
/// whether it was granted.
///
/// # Safety
/// `lockId` and `lockStatus` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceLock(
    lockResourceHandle: SaLckResourceHandleT,
    lockId: *mut SaLckLockIdT,
    lockMode: SaLckLockModeT,
    lockFlags: SaLckLockFlagsT,
    waiterSignal: SaLckWaiterSignalT,
    timeout: SaTimeT,
    lockStatus: *mut SaLckLockStatusT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let r = check!(resource(lockResourceHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let lockId = check!(unsafe { ptr::out(lockId, SA_AIS_ERR_INVALID_PARAM) });
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let lockStatus = check!(unsafe { ptr::out(lockStatus, SA_AIS_ERR_INVALID_PARAM) });
        let mode = check!(mode_arg(lockMode));
        check!(lock_flags_arg(lockFlags));
        // openais never sent this timeout (the call waited for the grant);
        // 0 waits as long as a call without a timeout.
        let lock_timeout = timeout::ignored_unless_positive_ns(timeout);
        let wait = timeout::ignored_unless_positive(timeout).saturating_add(ANSWER_MARGIN);
        let id = check!(add_lock(&r, lockResourceHandle));
        let request = Lock {
            open_id: r.open_id,
            lock_id: id,
            mode,
            flags: lockFlags,
            waiter_signal: waiterSignal,
            timeout: lock_timeout,
        };
        match r.instance.conn.call_within(&request, wait) {
            Ok(reply) => {
                if reply.status != SA_LCK_LOCK_GRANTED {
                    discard_lock(id);
                }
                lockId.write(id);
                lockStatus.write(reply.status);
                SA_AIS_OK
            }
            Err(e) => {
                if matches!(e, CallError::Ipc(IpcError::Timeout)) {
                    // The executive did not answer in time: withdraw the
                    // request (or release what it was granted meanwhile).
                    let _ = r.instance.conn.call(&Unlock { lock_id: id });
                }
                discard_lock(id);
                e.to_ais()
            }
        }
    })
}

/// Requests a lock; the grant callback tells the outcome.
///
/// # Safety
/// `lockId` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceLockAsync(
    lockResourceHandle: SaLckResourceHandleT,
    invocation: SaInvocationT,
    lockId: *mut SaLckLockIdT,
    lockMode: SaLckLockModeT,
    lockFlags: SaLckLockFlagsT,
    waiterSignal: SaLckWaiterSignalT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let r = check!(resource(lockResourceHandle));
        if r.instance.callbacks.saLckLockGrantCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let lockId = check!(unsafe { ptr::out(lockId, SA_AIS_ERR_INVALID_PARAM) });
        let mode = check!(mode_arg(lockMode));
        check!(lock_flags_arg(lockFlags));
        let id = check!(add_lock(&r, lockResourceHandle));
        // Written before the request: the grant callback may run in another
        // thread before this call returns.
        lockId.write(id);
        let request = LockAsync {
            invocation,
            open_id: r.open_id,
            lock_id: id,
            mode,
            flags: lockFlags,
            waiter_signal: waiterSignal,
        };
        match r.instance.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => {
                discard_lock(id);
                e.to_ais()
            }
        }
    })
}

/// The lock of `id`: SA_AIS_ERR_NOT_EXIST for an id that names no lock.
fn lock_entry(id: SaLckLockIdT) -> Result<std::sync::Arc<crate::handles::LockEntry>, SaAisErrorT> {
    LOCKS.get(id).ok_or(SA_AIS_ERR_NOT_EXIST)
}

/// Releases a lock, or withdraws a request that waits.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceUnlock(
    lockId: SaLckLockIdT,
    timeout: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let entry = check!(lock_entry(lockId));
        // openais ignored this timeout.
        let wait = timeout::ignored_unless_positive(timeout);
        let conn = &entry.resource.instance.conn;
        match conn.call_within(&Unlock { lock_id: lockId }, wait) {
            Ok(()) => {
                discard_lock(lockId);
                SA_AIS_OK
            }
            Err(CallError::Ais(SA_AIS_ERR_NOT_EXIST)) => {
                discard_lock(lockId);
                SA_AIS_ERR_NOT_EXIST
            }
            Err(e) => e.to_ais(),
        }
    })
}

/// Releases a lock; the resource unlock callback tells the outcome.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saLckResourceUnlockAsync(
    invocation: SaInvocationT,
    lockId: SaLckLockIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let entry = check!(lock_entry(lockId));
        let inst = &entry.resource.instance;
        if inst.callbacks.saLckResourceUnlockCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        let request = UnlockAsync {
            invocation,
            lock_id: lockId,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Removes the orphan locks of the handle's resource.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saLckLockPurge(lockResourceHandle: SaLckResourceHandleT) -> SaAisErrorT {
    ffi_guard(|| {
        let r = check!(resource(lockResourceHandle));
        match r.instance.conn.call(&Purge { open_id: r.open_id }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}
