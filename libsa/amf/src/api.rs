//! The exported B.01.01 calls, with exactly the prototypes of saAmf.h.
//! Each body runs inside [`ffi_guard`], so no panic crosses into C;
//! arguments are checked in the order handle, then pointers and values.
//!
//! Not exported yet (so a program using them fails to link instead of
//! getting a call that does nothing): saAmfPmStart, saAmfPmStop,
//! saAmfHealthcheckStart, saAmfHealthcheckConfirm, saAmfHealthcheckStop,
//! saAmfProtectionGroupTrack, saAmfProtectionGroupTrackStop.

#![allow(non_snake_case)]

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaNtfIdentifierT, SaSelectionObjectT,
    SaTimeT, SaVersionT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_NOT_EXIST, SA_AIS_OK,
};
use sa_abi::amf::{
    SaAmfCallbacksT, SaAmfHAStateT, SaAmfHandleT, SaAmfRecommendedRecoveryT,
    SA_AMF_APPLICATION_RESTART, SA_AMF_NO_RECOMMENDATION,
};
use sa_ipc::codec::Name;
use sa_ipc::ffi::{
    dispatch, ffi_guard, initialize, name_from_sa, name_to_sa, selection_object, DispatchMode,
};
use sa_ipc::proto::amf::{ErrorClear, ErrorReport, HaStateGet, Register, Response, Unregister};
use sa_ipc::{check, service};

use crate::instance::{instance, AmfInstance, HANDLES};

/// The environment variable the executive sets for every CLC-CLI command.
const COMPONENT_NAME_ENV: &str = "SA_AMF_COMPONENT_NAME";

/// The wire name of a caller's SaNameT pointer: NULL or a length above
/// SA_MAX_NAME_LENGTH is SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT.
unsafe fn name_arg(name: *const SaNameT) -> Result<Name, SaAisErrorT> {
    if name.is_null() {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    // SAFETY: non-NULL, valid by the contract.
    name_from_sa(unsafe { &*name }).map_err(|_| SA_AIS_ERR_INVALID_PARAM)
}

/// Opens an AMF library instance.
///
/// # Safety
/// `amfHandle` and `version` are NULL or valid for writing;
/// `amfCallbacks` is NULL or points to a valid SaAmfCallbacksT.
#[no_mangle]
pub unsafe extern "C" fn saAmfInitialize(
    amfHandle: *mut SaAmfHandleT,
    amfCallbacks: *const SaAmfCallbacksT,
    version: *mut SaVersionT,
) -> SaAisErrorT {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &HANDLES,
                amfHandle,
                amfCallbacks,
                version,
                service::AMF,
                |conn, callbacks| AmfInstance { conn, callbacks },
            )
        }
    })
}

/// The handle's selection object.
///
/// # Safety
/// `selectionObject` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saAmfSelectionObjectGet(
    amfHandle: SaAmfHandleT,
    selectionObject: *mut SaSelectionObjectT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract is selection_object's.
        unsafe { selection_object(&inst.conn, selectionObject) }
    })
}

/// Runs pending callbacks.
///
/// # Safety
/// Callable with any arguments; the registered callbacks must be valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfDispatch(
    amfHandle: SaAmfHandleT,
    dispatchFlags: SaDispatchFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        let mode = check!(DispatchMode::from_flags(dispatchFlags));
        dispatch(&inst.conn, mode, |frame| inst.deliver(frame))
    })
}

/// Closes the handle: its connection ends, so the executive unregisters
/// the components it registered.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saAmfFinalize(amfHandle: SaAmfHandleT) -> SaAisErrorT {
    ffi_guard(|| match HANDLES.destroy(amfHandle) {
        Some(inst) => {
            inst.conn.shutdown();
            SA_AIS_OK
        }
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}

/// Registers component `compName` (this process) with AMF. Proxied
/// components are not supported: a proxy name is SA_AIS_ERR_NOT_EXIST
/// (no such proxy is registered).
///
/// # Safety
/// `compName` and `proxyCompName` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfComponentRegister(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    proxyCompName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        let cb = &inst.callbacks;
        // B.01.01: a component must be able to take CSIs and be told to
        // terminate.
        if cb.saAmfCSISetCallback.is_none()
            || cb.saAmfCSIRemoveCallback.is_none()
            || cb.saAmfComponentTerminateCallback.is_none()
        {
            return SA_AIS_ERR_INIT;
        }
        if !proxyCompName.is_null() {
            return SA_AIS_ERR_NOT_EXIST;
        }
        match inst.conn.call(&Register { comp }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Unregisters component `compName`.
///
/// # Safety
/// `compName` and `proxyCompName` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfComponentUnregister(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    proxyCompName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        if !proxyCompName.is_null() {
            return SA_AIS_ERR_NOT_EXIST;
        }
        match inst.conn.call(&Unregister { comp }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// The name of the component this process is: `SA_AMF_COMPONENT_NAME`,
/// which the executive sets for the CLC-CLI commands that start it.
///
/// # Safety
/// `compName` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saAmfComponentNameGet(
    amfHandle: SaAmfHandleT,
    compName: *mut SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let _inst = check!(instance(amfHandle));
        if compName.is_null() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let Some(value) = std::env::var_os(COMPONENT_NAME_ENV) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        use std::os::unix::ffi::OsStrExt;
        let Ok(name) = Name::new(value.as_bytes()) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        // SAFETY: non-NULL, valid for writing by the contract.
        unsafe { compName.write(name_to_sa(&name)) };
        SA_AIS_OK
    })
}

/// The HA state of component `compName` for CSI `csiName`.
///
/// # Safety
/// `compName`, `csiName` are NULL or valid; `haState` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn saAmfHAStateGet(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    csiName: *const SaNameT,
    haState: *mut SaAmfHAStateT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        // SAFETY: the caller's contract.
        let csi = check!(unsafe { name_arg(csiName) });
        if haState.is_null() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        match inst.conn.call(&HaStateGet { comp, csi }) {
            Ok(reply) => {
                // SAFETY: non-NULL, valid for writing by the contract.
                unsafe { haState.write(reply.ha_state) };
                SA_AIS_OK
            }
            Err(e) => e.to_ais(),
        }
    })
}

fn respond(
    handle: SaAmfHandleT,
    invocation: u64,
    error: SaAisErrorT,
    quiescing: bool,
) -> SaAisErrorT {
    let inst = check!(instance(handle));
    let request = Response {
        invocation,
        error,
        quiescing_complete: quiescing,
    };
    match inst.conn.call(&request) {
        Ok(()) => SA_AIS_OK,
        Err(e) => e.to_ais(),
    }
}

/// Answers callback `invocation` with `error`.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saAmfResponse(
    amfHandle: SaAmfHandleT,
    invocation: SaInvocationT,
    error: SaAisErrorT,
) -> SaAisErrorT {
    ffi_guard(|| respond(amfHandle, invocation, error, false))
}

/// Tells AMF a quiescing started by CSI set `invocation` is complete.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saAmfCSIQuiescingComplete(
    amfHandle: SaAmfHandleT,
    invocation: SaInvocationT,
    error: SaAisErrorT,
) -> SaAisErrorT {
    ffi_guard(|| respond(amfHandle, invocation, error, true))
}

/// Reports a failure of `erroneousComponent`: AMF disables it (and, in
/// part 2, recovers it as recommended).
///
/// # Safety
/// `erroneousComponent` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfComponentErrorReport(
    amfHandle: SaAmfHandleT,
    erroneousComponent: *const SaNameT,
    errorDetectionTime: SaTimeT,
    recommendedRecovery: SaAmfRecommendedRecoveryT,
    ntfIdentifier: SaNtfIdentifierT,
) -> SaAisErrorT {
    let _ = ntfIdentifier;
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(erroneousComponent) });
        if !(SA_AMF_NO_RECOMMENDATION..=SA_AMF_APPLICATION_RESTART).contains(&recommendedRecovery) {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let request = ErrorReport {
            comp,
            detection_time: errorDetectionTime,
            recovery: recommendedRecovery,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Clears the error state of `compName`.
///
/// # Safety
/// `compName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfComponentErrorClear(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    ntfIdentifier: SaNtfIdentifierT,
) -> SaAisErrorT {
    let _ = ntfIdentifier;
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        match inst.conn.call(&ErrorClear { comp }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}
