//! The library handle: saCkptInitialize, saCkptSelectionObjectGet,
//! saCkptDispatch, saCkptFinalize.

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaSelectionObjectT, SaVersionT, SA_AIS_ERR_BAD_HANDLE,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_MEMORY, SA_AIS_OK,
};
use sa_abi::ckpt::{SaCkptCallbacksT, SaCkptHandleT};
use sa_ipc::ffi::{dispatch, ffi_guard, negotiate_version, DispatchMode, VERSION_B_01_01};
use sa_ipc::{service, Connection};

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
        if ckptHandle.is_null() || version.is_null() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        // SAFETY: non-NULL, and valid by the caller's contract.
        let version = unsafe { &mut *version };
        let rc = negotiate_version(version, VERSION_B_01_01);
        if rc != SA_AIS_OK {
            return rc;
        }
        let callbacks = if callbacks.is_null() {
            SaCkptCallbacksT::default()
        } else {
            // SAFETY: non-NULL, valid by the contract; copied, so the
            // caller may free its structure after the call.
            unsafe { callbacks.read() }
        };
        let conn = match Connection::connect(service::CKPT) {
            Ok(c) => c,
            Err(e) => {
                log::warn!("saCkptInitialize: {e}");
                return e.to_ais();
            }
        };
        let handle = check!(INSTANCES
            .create(CkptInstance::new(conn, callbacks))
            .map_err(|_| SA_AIS_ERR_NO_MEMORY));
        // SAFETY: non-NULL, valid for writing by the contract.
        unsafe { ckptHandle.write(handle) };
        SA_AIS_OK
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
        if selectionObject.is_null() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        // SAFETY: non-NULL, valid for writing by the contract. An fd is
        // never negative here, so it converts losslessly.
        unsafe { selectionObject.write(inst.conn.dispatch_fd() as SaSelectionObjectT) };
        SA_AIS_OK
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
