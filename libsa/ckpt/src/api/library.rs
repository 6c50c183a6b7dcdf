//! The library handle: saCkptInitialize, saCkptSelectionObjectGet,
//! saCkptDispatch, saCkptFinalize.

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaSelectionObjectT, SaVersionT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_OK,
};
use sa_abi::ckpt::{SaCkptCallbacksT, SaCkptHandleT};
use sa_ipc::ffi::{dispatch, ffi_guard, initialize, selection_object, DispatchMode};
use sa_ipc::{check, service};

use crate::handles::{discard_instance, instance, CkptInstance, INSTANCES};

/// Opens a checkpoint library instance: negotiates the version, connects
/// to the executive and returns a new handle.
///
/// # Safety
/// `ckptHandle` and `version` are NULL or valid for writing; `callbacks`
/// is NULL or points to a valid SaCkptCallbacksT.
#[no_mangle]
pub unsafe extern "C" fn saCkptInitialize(
    ckptHandle: *mut SaCkptHandleT,
    callbacks: *const SaCkptCallbacksT,
    version: *mut SaVersionT,
) -> SaAisErrorT {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &INSTANCES,
                ckptHandle,
                callbacks,
                version,
                service::CKPT,
                CkptInstance::new,
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
pub unsafe extern "C" fn saCkptSelectionObjectGet(
    ckptHandle: SaCkptHandleT,
    selectionObject: *mut SaSelectionObjectT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(ckptHandle));
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
pub unsafe extern "C" fn saCkptDispatch(
    ckptHandle: SaCkptHandleT,
    dispatchFlags: SaDispatchFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(ckptHandle));
        let mode = check!(DispatchMode::from_flags(dispatchFlags));
        dispatch(&inst.conn, mode, |frame| inst.deliver(ckptHandle, frame))
    })
}

/// Closes the handle and every checkpoint handle opened through it: the
/// connection ends, and the executive closes its openings.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saCkptFinalize(ckptHandle: SaCkptHandleT) -> SaAisErrorT {
    ffi_guard(|| match discard_instance(ckptHandle) {
        Some(inst) => {
            inst.conn.shutdown();
            SA_AIS_OK
        }
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}
