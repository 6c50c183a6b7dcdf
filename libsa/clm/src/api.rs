//! The eight exported B.01.01 calls, with exactly the prototypes of
//! saClm.h. Each body runs inside [`ffi_guard`], so no panic crosses into
//! C; arguments are checked in the order handle, then pointers and flags.

#![allow(non_snake_case)]

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaSelectionObjectT, SaTimeT, SaUint8T,
    SaVersionT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_OK,
};
use sa_abi::clm::{
    SaClmCallbacksT, SaClmClusterNodeT, SaClmClusterNotificationBufferT, SaClmHandleT, SaClmNodeIdT,
};
use sa_ipc::ffi::{dispatch, ffi_guard, initialize, selection_object, DispatchMode};
use sa_ipc::proto::clm::{NodeGet, NodeGetAsync, TrackStop};
use sa_ipc::ptr;
use sa_ipc::{check, service, timeout};

use crate::convert::node_to_sa;
use crate::instance::{instance, ClmInstance, HANDLES};

/// Opens a CLM library instance: negotiates the version, connects to the
/// executive and returns a new handle.
///
/// # Safety
/// `clmHandle` and `version` are NULL or valid for writing; `clmCallbacks`
/// is NULL or points to a valid SaClmCallbacksT.
#[no_mangle]
pub unsafe extern "C" fn saClmInitialize(
    clmHandle: *mut SaClmHandleT,
    clmCallbacks: *const SaClmCallbacksT,
    version: *mut SaVersionT,
) -> SaAisErrorT {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &HANDLES,
                clmHandle,
                clmCallbacks,
                version,
                service::CLM,
                |conn, callbacks| ClmInstance { conn, callbacks },
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
pub unsafe extern "C" fn saClmSelectionObjectGet(
    clmHandle: SaClmHandleT,
    selectionObject: *mut SaSelectionObjectT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(clmHandle));
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
pub unsafe extern "C" fn saClmDispatch(
    clmHandle: SaClmHandleT,
    dispatchFlags: SaDispatchFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(clmHandle));
        let mode = check!(DispatchMode::from_flags(dispatchFlags));
        dispatch(&inst.conn, mode, |frame| inst.deliver(frame))
    })
}

/// Closes the handle: its connection ends (the executive stops its
/// tracking), pending callbacks are discarded, a blocking dispatch in
/// another thread returns.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saClmFinalize(clmHandle: SaClmHandleT) -> SaAisErrorT {
    ffi_guard(|| match HANDLES.destroy(clmHandle) {
        Some(inst) => {
            inst.conn.shutdown();
            SA_AIS_OK
        }
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}

/// Gets the current membership and/or starts tracking its changes.
///
/// # Safety
/// `notificationBuffer` is NULL or points to a valid buffer whose
/// `notification` is NULL or an array of `numberOfItems` items.
#[no_mangle]
pub unsafe extern "C" fn saClmClusterTrack(
    clmHandle: SaClmHandleT,
    trackFlags: SaUint8T,
    notificationBuffer: *mut SaClmClusterNotificationBufferT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(clmHandle));
        // SAFETY: the buffer contract is the caller's, passed on as is.
        unsafe { inst.track(trackFlags, notificationBuffer) }
    })
}

/// Stops tracking membership changes; SA_AIS_ERR_NOT_EXIST when not
/// tracking.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saClmClusterTrackStop(clmHandle: SaClmHandleT) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(clmHandle));
        match inst.conn.call(&TrackStop) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Looks a node up (SA_CLM_LOCAL_NODE_ID: the local node), waiting at most
/// `timeout` nanoseconds.
///
/// # Safety
/// `clusterNode` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saClmClusterNodeGet(
    clmHandle: SaClmHandleT,
    nodeId: SaClmNodeIdT,
    timeout: SaTimeT,
    clusterNode: *mut SaClmClusterNodeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(clmHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let clusterNode = check!(unsafe { ptr::out(clusterNode, SA_AIS_ERR_INVALID_PARAM) });
        let wait = check!(timeout::enforced(timeout));
        let request = NodeGet {
            node_id: nodeId,
            timeout,
        };
        match inst.conn.call_within(&request, wait) {
            Ok(reply) => {
                clusterNode.write(node_to_sa(&reply.node));
                SA_AIS_OK
            }
            Err(e) => e.to_ais(),
        }
    })
}

/// Asks for a node; the answer comes to the node get callback with
/// `invocation`.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saClmClusterNodeGetAsync(
    clmHandle: SaClmHandleT,
    invocation: SaInvocationT,
    nodeId: SaClmNodeIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(clmHandle));
        if inst.callbacks.saClmClusterNodeGetCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        let request = NodeGetAsync {
            invocation,
            node_id: nodeId,
        };
        match inst.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}
