//! The library handle: saMsgInitialize, saMsgSelectionObjectGet,
//! saMsgDispatch, saMsgFinalize.

use std::time::Duration;

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaSelectionObjectT, SaVersionT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_OK,
};
use sa_abi::msg::{SaMsgCallbacksT, SaMsgHandleT};
use sa_ipc::ffi::{dispatch, ffi_guard, initialize, selection_object, DispatchMode};
use sa_ipc::proto::msg::QueueClose;
use sa_ipc::{check, service};

use crate::handles::{discard_instance, instance, MsgInstance, INSTANCES};

/// How long Finalize waits for each of its queues' closes.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Opens a message library instance: negotiates the version, connects
/// to the executive and returns a new handle.
///
/// # Safety
/// `msgHandle` and `version` are NULL or valid for writing; `callbacks`
/// is NULL or points to a valid SaMsgCallbacksT.
#[no_mangle]
pub unsafe extern "C" fn saMsgInitialize(
    msgHandle: *mut SaMsgHandleT,
    callbacks: *const SaMsgCallbacksT,
    version: *mut SaVersionT,
) -> SaAisErrorT {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &INSTANCES,
                msgHandle,
                callbacks,
                version,
                service::MSG,
                MsgInstance::new,
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
pub unsafe extern "C" fn saMsgSelectionObjectGet(
    msgHandle: SaMsgHandleT,
    selectionObject: *mut SaSelectionObjectT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: the caller's contract is selection_object's.
        unsafe { selection_object(&inst.conn, selectionObject) }
    })
}

/// Runs pending callbacks: SA_DISPATCH_ONE, _ALL or _BLOCKING (until the
/// handle is finalized).
///
/// # Safety
/// Callable with any arguments; the registered callbacks must be valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgDispatch(
    msgHandle: SaMsgHandleT,
    dispatchFlags: SaDispatchFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        let mode = check!(DispatchMode::from_flags(dispatchFlags));
        dispatch(&inst.conn, mode, |frame| inst.deliver(msgHandle, frame))
    })
}

/// Closes the handle and every queue opened through it. The closes are
/// sent first (so another process can open the queues as soon as this
/// returns), then the connection ends.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saMsgFinalize(msgHandle: SaMsgHandleT) -> SaAisErrorT {
    ffi_guard(|| match discard_instance(msgHandle) {
        Some((inst, open_ids)) => {
            for open_id in open_ids {
                // Best effort: the connection's end closes them anyway.
                if let Err(e) = inst.conn.call_within(&QueueClose { open_id }, CLOSE_WAIT) {
                    log::debug!("finalize: close of opening {open_id}: {e}");
                }
            }
            inst.conn.shutdown();
            SA_AIS_OK
        }
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}
