//! saEvtInitialize, saEvtSelectionObjectGet, saEvtDispatch and
//! saEvtFinalize, with exactly the prototypes of saEvt.h. Each body runs
//! inside [`ffi_guard`], so no panic crosses into C.

#![allow(non_snake_case)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaSelectionObjectT, SaVersionT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_OK,
};
use sa_abi::evt::{SaEvtCallbacksT, SaEvtHandleT};
use sa_ipc::ffi::{dispatch, ffi_guard, initialize, selection_object, DispatchMode};
use sa_ipc::{check, service};

use crate::handles::{finalize_instance, instance, EvtInstance, INSTANCES};

/// Opens an event library instance: negotiates the version, connects to
/// the executive and returns a new handle.
///
/// # Safety
/// `evtHandle` and `version` are NULL or valid for writing; `callbacks`
/// is NULL or points to a valid SaEvtCallbacksT.
#[no_mangle]
pub unsafe extern "C" fn saEvtInitialize(
    evtHandle: *mut SaEvtHandleT,
    callbacks: *const SaEvtCallbacksT,
    version: *mut SaVersionT,
) -> SaAisErrorT {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &INSTANCES,
                evtHandle,
                callbacks,
                version,
                service::EVT,
                |conn, callbacks| EvtInstance {
                    conn,
                    callbacks,
                    channels: Mutex::new(BTreeMap::new()),
                    pending_opens: Mutex::new(Vec::new()),
                },
            )
        }
    })
}

/// The handle's selection object: an fd that is readable while a
/// callback (an open result, or delivered events) is pending.
///
/// # Safety
/// `selectionObject` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saEvtSelectionObjectGet(
    evtHandle: SaEvtHandleT,
    selectionObject: *mut SaSelectionObjectT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(evtHandle));
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
pub unsafe extern "C" fn saEvtDispatch(
    evtHandle: SaEvtHandleT,
    dispatchFlags: SaDispatchFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(evtHandle));
        let mode = check!(DispatchMode::from_flags(dispatchFlags));
        dispatch(&inst.conn, mode, |frame| inst.deliver(frame, mode))
    })
}

/// Closes the handle: every channel opened and every event allocated or
/// delivered through it goes (their handles are SA_AIS_ERR_BAD_HANDLE
/// from now on), the connection ends (the executive closes the openings)
/// and a blocking dispatch in another thread returns.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saEvtFinalize(evtHandle: SaEvtHandleT) -> SaAisErrorT {
    ffi_guard(|| {
        let Some(inst) = INSTANCES.destroy(evtHandle) else {
            return SA_AIS_ERR_BAD_HANDLE;
        };
        finalize_instance(&inst);
        SA_AIS_OK
    })
}
