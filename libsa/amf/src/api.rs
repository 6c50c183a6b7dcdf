//! The exported B.01.01 calls, with exactly the prototypes of saAmf.h.
//! Each body runs inside [`ffi_guard`], so no panic crosses into C;
//! arguments are checked in the order handle, then pointers and values.
//!
//! Passive monitoring (saAmfPmStart) watches the process named and its
//! descendants to `descendentsTreeDepth` generations (-1: all), each
//! found by the executive as it appears.

#![allow(non_snake_case)]

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInt32T, SaInt64T, SaInvocationT, SaNameT, SaNtfIdentifierT,
    SaSelectionObjectT, SaTimeT, SaUint64T, SaUint8T, SaVersionT, SA_AIS_ERR_BAD_HANDLE,
    SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK,
};
use sa_abi::amf::{
    SaAmfCallbacksT, SaAmfHAStateT, SaAmfHandleT, SaAmfHealthcheckInvocationT,
    SaAmfHealthcheckKeyT, SaAmfPmErrorsT, SaAmfPmStopQualifierT,
    SaAmfProtectionGroupNotificationBufferT, SaAmfRecommendedRecoveryT, SA_AMF_APPLICATION_RESTART,
    SA_AMF_HEALTHCHECK_AMF_INVOKED, SA_AMF_HEALTHCHECK_COMPONENT_INVOKED,
    SA_AMF_HEALTHCHECK_KEY_MAX, SA_AMF_NO_RECOMMENDATION, SA_AMF_PM_ABNORMAL_END,
    SA_AMF_PM_ALL_PROCESSES, SA_AMF_PM_NON_ZERO_EXIT, SA_AMF_PM_PROC, SA_AMF_PM_ZERO_EXIT,
};
use sa_ipc::codec::Name;
use sa_ipc::ffi::{
    dispatch, ffi_guard, initialize, name_from_sa, name_to_sa, selection_object, DispatchMode,
};
use sa_ipc::proto::amf::{
    ErrorClear, ErrorReport, HaStateGet, HealthcheckConfirm, HealthcheckStart, HealthcheckStop,
    PgTrackStop, PmStart, PmStop, Register, RegisterProxied, Response, Unregister,
};
use sa_ipc::{check, ptr, service};

use crate::instance::{instance, AmfInstance, HANDLES};

/// The environment variable the executive sets for every CLC-CLI command.
const COMPONENT_NAME_ENV: &str = "SA_AMF_COMPONENT_NAME";

/// The wire name of a caller's SaNameT pointer: NULL or a length above
/// SA_MAX_NAME_LENGTH is SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT.
unsafe fn name_arg(name: *const SaNameT) -> Result<Name, SaAisErrorT> {
    // SAFETY: NULL or valid, by the contract.
    let name = unsafe { ptr::arg(name, SA_AIS_ERR_INVALID_PARAM) }?;
    name_from_sa(name).map_err(|_| SA_AIS_ERR_INVALID_PARAM)
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

/// Registers component `compName` (this process) with AMF; with
/// `proxyCompName`, proxy component `proxyCompName` (registered through
/// this handle) registers proxied component `compName`, whose callbacks
/// then come to this handle.
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
            // SAFETY: the caller's contract.
            let proxy = check!(unsafe { name_arg(proxyCompName) });
            return match inst.conn.call(&RegisterProxied { comp, proxy }) {
                Ok(()) => SA_AIS_OK,
                Err(e) => e.to_ais(),
            };
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
            // A proxied component is unregistered through the proxy's
            // connection that registered it; the name must be valid.
            // SAFETY: the caller's contract.
            let _proxy = check!(unsafe { name_arg(proxyCompName) });
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
        // SAFETY: NULL or valid for writing, by the contract.
        let comp_out = check!(unsafe { ptr::out(compName, SA_AIS_ERR_INVALID_PARAM) });
        let Some(value) = std::env::var_os(COMPONENT_NAME_ENV) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        use std::os::unix::ffi::OsStrExt;
        let Ok(name) = Name::new(value.as_bytes()) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        comp_out.write(name_to_sa(&name));
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
        // SAFETY: NULL or valid for writing, by the contract.
        let ha_out = check!(unsafe { ptr::out(haState, SA_AIS_ERR_INVALID_PARAM) });
        match inst.conn.call(&HaStateGet { comp, csi }) {
            Ok(reply) => {
                ha_out.write(reply.ha_state);
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

fn recovery_ok(r: SaAmfRecommendedRecoveryT) -> bool {
    (SA_AMF_NO_RECOMMENDATION..=SA_AMF_APPLICATION_RESTART).contains(&r)
}

/// The key bytes of a caller's SaAmfHealthcheckKeyT: NULL, or keyLen 0 or
/// above SA_AMF_HEALTHCHECK_KEY_MAX, is SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `key` is NULL or points to a valid SaAmfHealthcheckKeyT.
unsafe fn key_arg(key: *const SaAmfHealthcheckKeyT) -> Result<Vec<u8>, SaAisErrorT> {
    // SAFETY: NULL or valid, by the contract.
    let key = unsafe { ptr::arg(key, SA_AIS_ERR_INVALID_PARAM) }?;
    let len = usize::from(key.keyLen);
    if len == 0 || len > SA_AMF_HEALTHCHECK_KEY_MAX {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    Ok(key.key[..len].to_vec())
}

/// Starts healthcheck `healthcheckKey` (a safHealthcheckKey amf.conf gives
/// the component) of a component of this node. AMF-invoked: the
/// healthcheck callback every saAmfHealthcheckPeriod, answered with
/// saAmfResponse within saAmfHealthcheckMaxDuration; component-invoked:
/// saAmfHealthcheckConfirm at least every period. A miss is a component
/// failure.
///
/// # Safety
/// `compName` and `healthcheckKey` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfHealthcheckStart(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    healthcheckKey: *const SaAmfHealthcheckKeyT,
    invocationType: SaAmfHealthcheckInvocationT,
    recommendedRecovery: SaAmfRecommendedRecoveryT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        // SAFETY: the caller's contract.
        let key = check!(unsafe { key_arg(healthcheckKey) });
        if invocationType != SA_AMF_HEALTHCHECK_AMF_INVOKED
            && invocationType != SA_AMF_HEALTHCHECK_COMPONENT_INVOKED
        {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        if !recovery_ok(recommendedRecovery) {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        if invocationType == SA_AMF_HEALTHCHECK_AMF_INVOKED
            && inst.callbacks.saAmfHealthcheckCallback.is_none()
        {
            return SA_AIS_ERR_INIT;
        }
        let request = HealthcheckStart {
            comp,
            key,
            invocation_type: invocationType,
            recovery: recommendedRecovery,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Confirms a component-invoked healthcheck: SA_AIS_OK restarts its
/// period, any other result is a component failure.
///
/// # Safety
/// `compName` and `healthcheckKey` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfHealthcheckConfirm(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    healthcheckKey: *const SaAmfHealthcheckKeyT,
    healthcheckResult: SaAisErrorT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        // SAFETY: the caller's contract.
        let key = check!(unsafe { key_arg(healthcheckKey) });
        let request = HealthcheckConfirm {
            comp,
            key,
            result: healthcheckResult,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Stops a started healthcheck.
///
/// # Safety
/// `compName` and `healthcheckKey` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfHealthcheckStop(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    healthcheckKey: *const SaAmfHealthcheckKeyT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        // SAFETY: the caller's contract.
        let key = check!(unsafe { key_arg(healthcheckKey) });
        match inst.conn.call(&HealthcheckStop { comp, key }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

const PM_ERRORS: SaAmfPmErrorsT =
    SA_AMF_PM_ZERO_EXIT | SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END;

/// Starts passive monitoring of process `processId` (of this node) for
/// component `compName`, and its descendants to `descendentsTreeDepth`
/// generations (-1: all): when one ends in one of `pmErrors`, the
/// component failed.
///
/// # Safety
/// `compName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfPmStart(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    processId: SaUint64T,
    descendentsTreeDepth: SaInt32T,
    pmErrors: SaAmfPmErrorsT,
    recommendedRecovery: SaAmfRecommendedRecoveryT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        if processId == 0 || processId > i32::MAX as u64 || descendentsTreeDepth < -1 {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        if pmErrors == 0 || pmErrors & !PM_ERRORS != 0 || !recovery_ok(recommendedRecovery) {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let request = PmStart {
            comp,
            pid: processId,
            depth: descendentsTreeDepth,
            errors: pmErrors,
            recovery: recommendedRecovery,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Stops passive monitoring of `pmErrors`: of process `processId`
/// (SA_AMF_PM_PROC, SA_AMF_PM_PROC_AND_DESCENDENTS) or of every process
/// of the component (SA_AMF_PM_ALL_PROCESSES).
///
/// # Safety
/// `compName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfPmStop(
    amfHandle: SaAmfHandleT,
    compName: *const SaNameT,
    stopQualifier: SaAmfPmStopQualifierT,
    processId: SaInt64T,
    pmErrors: SaAmfPmErrorsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let comp = check!(unsafe { name_arg(compName) });
        if !(SA_AMF_PM_PROC..=SA_AMF_PM_ALL_PROCESSES).contains(&stopQualifier) {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        if stopQualifier != SA_AMF_PM_ALL_PROCESSES && processId <= 0 {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        if pmErrors == 0 || pmErrors & !PM_ERRORS != 0 {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let request = PmStop {
            comp,
            qualifier: stopQualifier,
            pid: processId,
            errors: pmErrors,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Tracks the protection group of CSI `csiName`: the components assigned
/// it and their HA states. SA_TRACK_CURRENT fills `notificationBuffer`
/// (allocated with malloc when its `notification` is NULL, the caller
/// frees it; by callback when the buffer is NULL); SA_TRACK_CHANGES and
/// SA_TRACK_CHANGES_ONLY call the track callback at each change.
///
/// # Safety
/// `csiName` is NULL or valid; `notificationBuffer` is NULL or points to
/// a valid buffer whose `notification` is NULL or an array of
/// `numberOfItems` items.
#[no_mangle]
pub unsafe extern "C" fn saAmfProtectionGroupTrack(
    amfHandle: SaAmfHandleT,
    csiName: *const SaNameT,
    trackFlags: SaUint8T,
    notificationBuffer: *mut SaAmfProtectionGroupNotificationBufferT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let csi = check!(unsafe { name_arg(csiName) });
        // SAFETY: the buffer contract is the caller's, passed on as is.
        unsafe { inst.pg_track(csi, trackFlags, notificationBuffer) }
    })
}

/// Stops tracking the protection group of `csiName`; SA_AIS_ERR_NOT_EXIST
/// when not tracking it.
///
/// # Safety
/// `csiName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saAmfProtectionGroupTrackStop(
    amfHandle: SaAmfHandleT,
    csiName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(amfHandle));
        // SAFETY: the caller's contract.
        let csi = check!(unsafe { name_arg(csiName) });
        match inst.conn.call(&PgTrackStop { csi }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}
