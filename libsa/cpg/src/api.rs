//! The twelve exported cpg.h calls, with exactly their C prototypes. Each
//! body runs inside [`ffi_guard`], so no panic crosses into C; the handle
//! is checked first, then the other arguments.

use std::ffi::c_void;
use std::os::raw::{c_int, c_uint};

use sa_abi::cpg::{
    cpg_address, cpg_callbacks_t, cpg_dispatch_t, cpg_error_t, cpg_flow_control_state_t,
    cpg_guarantee_t, cpg_handle_t, cpg_name, CPG_ERR_INVALID_PARAM, CPG_OK,
};
use sa_ipc::ffi::{dispatch, ffi_guard, result_code};
use sa_ipc::group_ffi::{dispatch_mode, fd_get, finalize, initialize, request_code};
use sa_ipc::iovec::parts;
use sa_ipc::proto::cpg::{GroupName, Guarantee, Join, Leave, LocalGet, Mcast, MembershipGet};
use sa_ipc::proto::{Message, Request};
use sa_ipc::ptr;
use sa_ipc::{check, service};

use crate::instance::{instance, CpgInstance, HANDLES};

/// The group a caller names; NULL or a length past CPG_MAX_NAME_LENGTH is
/// CPG_ERR_INVALID_PARAM.
///
/// # Safety
/// `group` is NULL or points to a valid cpg_name.
unsafe fn group_name(group: *const cpg_name) -> Result<GroupName, cpg_error_t> {
    // SAFETY: NULL or valid, by the contract.
    let group = unsafe { ptr::arg(group, CPG_ERR_INVALID_PARAM) }?;
    if !group.has_valid_length() {
        return Err(CPG_ERR_INVALID_PARAM);
    }
    GroupName::new(group.as_bytes()).map_err(|_| CPG_ERR_INVALID_PARAM)
}

/// The body of cpg_join and cpg_leave: the request `make` builds of the
/// group named.
///
/// # Safety
/// `group` is NULL or points to a valid cpg_name.
unsafe fn group_call<Q: Request<Reply = ()>>(
    handle: cpg_handle_t,
    group: *const cpg_name,
    make: impl FnOnce(GroupName) -> Q,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: the caller's contract, passed on.
        let group = check!(unsafe { group_name(group) });
        result_code(inst.conn.call(&make(group)))
    })
}

/// Connects to the executive's CPG service and returns a new handle.
///
/// # Safety
/// `handle` is NULL or valid for writing; `callbacks` is NULL or points to
/// a valid cpg_callbacks_t (copied: the caller may free it afterwards).
#[no_mangle]
pub unsafe extern "C" fn cpg_initialize(
    handle: *mut cpg_handle_t,
    callbacks: *mut cpg_callbacks_t,
) -> cpg_error_t {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &HANDLES,
                handle,
                callbacks.cast_const(),
                service::CPG,
                CpgInstance::new,
            )
        }
    })
}

/// Closes the handle: its connection ends (the executive reports the
/// process gone from its group), pending callbacks are discarded, a
/// blocking dispatch in another thread returns.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn cpg_finalize(handle: cpg_handle_t) -> cpg_error_t {
    ffi_guard(|| finalize(&HANDLES, handle, |inst| &inst.conn))
}

/// The file descriptor that is readable when a callback is pending.
///
/// # Safety
/// `fd` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn cpg_fd_get(handle: cpg_handle_t, fd: *mut c_int) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: the caller's contract is fd_get's.
        unsafe { fd_get(&inst.conn, fd) }
    })
}

/// The pointer last given to cpg_context_set (NULL before).
///
/// # Safety
/// `context` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn cpg_context_get(
    handle: cpg_handle_t,
    context: *mut *mut c_void,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let context = check!(unsafe { ptr::out(context, CPG_ERR_INVALID_PARAM) });
        context.write(inst.context());
        CPG_OK
    })
}

/// Attaches an application pointer to the handle.
///
/// # Safety
/// Callable with any arguments; the pointer is only stored.
#[no_mangle]
pub unsafe extern "C" fn cpg_context_set(
    handle: cpg_handle_t,
    context: *mut c_void,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        inst.set_context(context);
        CPG_OK
    })
}

/// Runs callbacks: CPG_DISPATCH_ONE waits for one and runs it,
/// CPG_DISPATCH_ALL runs those pending, CPG_DISPATCH_BLOCKING runs them as
/// they come until the handle is finalized.
///
/// # Safety
/// Callable with any arguments; the registered callbacks must be valid.
#[no_mangle]
pub unsafe extern "C" fn cpg_dispatch(
    handle: cpg_handle_t,
    dispatch_types: cpg_dispatch_t,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        let mode = check!(dispatch_mode(dispatch_types));
        dispatch(&inst.conn, mode, |frame| inst.deliver(handle, frame))
    })
}

/// Joins a group; a handle is in one group at a time (CPG_ERR_EXIST
/// otherwise). The join is reported by a configuration change callback.
///
/// # Safety
/// `group` is NULL or points to a valid cpg_name.
#[no_mangle]
pub unsafe extern "C" fn cpg_join(handle: cpg_handle_t, group: *mut cpg_name) -> cpg_error_t {
    // SAFETY: the caller's contract, passed on.
    unsafe { group_call(handle, group, |group| Join { group }) }
}

/// Leaves the handle's group (CPG_ERR_NOT_EXIST when not in it).
///
/// # Safety
/// `group` is NULL or points to a valid cpg_name.
#[no_mangle]
pub unsafe extern "C" fn cpg_leave(handle: cpg_handle_t, group: *mut cpg_name) -> cpg_error_t {
    // SAFETY: the caller's contract, passed on.
    unsafe { group_call(handle, group, |group| Leave { group }) }
}

/// Multicasts the concatenated I/O vector to the handle's group in agreed
/// order; CPG_ERR_TRY_AGAIN (and flow control on) when the cluster cannot
/// take it now.
///
/// # Safety
/// `iovec` is NULL or points to `iov_len` valid iovecs over readable
/// buffers.
#[no_mangle]
pub unsafe extern "C" fn cpg_mcast_joined(
    handle: cpg_handle_t,
    guarantee: cpg_guarantee_t,
    iovec: *mut libc::iovec,
    iov_len: c_int,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        let g = check!(Guarantee::from_wire(guarantee).ok_or(CPG_ERR_INVALID_PARAM));
        // SAFETY: the caller's contract, passed on.
        let parts = check!(unsafe { parts(iovec, iov_len) }.map_err(|_| CPG_ERR_INVALID_PARAM));
        let payload = Mcast::encode_parts(g, parts.total, parts.slices);
        let result = request_code(&inst.conn, Mcast::KIND, payload);
        inst.multicast_result(result);
        result
    })
}

/// The members of a group: `*member_list_entries` is the capacity of
/// `member_list` on entry and the number written on return (the first
/// ones when it is too small).
///
/// # Safety
/// `group` is NULL or points to a valid cpg_name; `member_list_entries`
/// is NULL or valid for reading and writing; `member_list` is NULL or valid
/// for writing `*member_list_entries` entries.
#[no_mangle]
pub unsafe extern "C" fn cpg_membership_get(
    handle: cpg_handle_t,
    group: *mut cpg_name,
    member_list: *mut cpg_address,
    member_list_entries: *mut c_int,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: the caller's contract, passed on.
        let group = check!(unsafe { group_name(group) });
        // SAFETY: NULL or valid, by the caller's contract.
        let entries = check!(unsafe { ptr::inout(member_list_entries, CPG_ERR_INVALID_PARAM) });
        let capacity = check!(usize::try_from(*entries).map_err(|_| CPG_ERR_INVALID_PARAM));
        if capacity > 0 && member_list.is_null() {
            return CPG_ERR_INVALID_PARAM;
        }
        let reply = match inst.conn.call(&MembershipGet { group }) {
            Ok(r) => r,
            Err(e) => return e.to_ais(),
        };
        let n = reply.members.len().min(capacity);
        // SAFETY: member_list is non-NULL when n > 0 (n <= capacity) and
        // valid for `capacity` entries.
        unsafe {
            for (i, a) in reply.members[..n].iter().enumerate() {
                member_list.add(i).write(cpg_address {
                    nodeid: a.node,
                    pid: a.pid,
                    reason: a.reason.to_wire(),
                });
            }
        }
        // n <= capacity, which came from a c_int.
        *entries = n as c_int;
        CPG_OK
    })
}

/// This node's id.
///
/// # Safety
/// `local_nodeid` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn cpg_local_get(
    handle: cpg_handle_t,
    local_nodeid: *mut c_uint,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let local_nodeid = check!(unsafe { ptr::out(local_nodeid, CPG_ERR_INVALID_PARAM) });
        match inst.conn.call(&LocalGet) {
            Ok(reply) => {
                local_nodeid.write(reply.node);
                CPG_OK
            }
            Err(e) => e.to_ais(),
        }
    })
}

/// Whether the executive asks the handle to slow down: enabled after a
/// multicast was refused with CPG_ERR_TRY_AGAIN, disabled once one is
/// taken again.
///
/// # Safety
/// `flow_control_enabled` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn cpg_flow_control_state_get(
    handle: cpg_handle_t,
    flow_control_enabled: *mut cpg_flow_control_state_t,
) -> cpg_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let flow_control_enabled =
            check!(unsafe { ptr::out(flow_control_enabled, CPG_ERR_INVALID_PARAM) });
        flow_control_enabled.write(inst.flow_control_state());
        CPG_OK
    })
}
