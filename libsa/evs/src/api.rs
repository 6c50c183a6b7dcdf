//! The nine exported evs.h calls, with exactly their C prototypes. Each
//! body runs inside [`ffi_guard`], so no panic crosses into C; the handle
//! is checked first, then the other arguments.

use std::os::raw::{c_int, c_uint};

use sa_abi::evs::{
    evs_callbacks_t, evs_dispatch_t, evs_error_t, evs_group, evs_guarantee_t, evs_handle_t,
    EVS_ERR_INVALID_PARAM, EVS_ERR_TOO_MANY_GROUPS, EVS_OK,
};
use sa_ipc::ffi::{dispatch, ffi_guard, result_code};
use sa_ipc::group_ffi::{dispatch_mode, fd_get, finalize, initialize, request_code};
use sa_ipc::iovec::parts;
use sa_ipc::proto::evs::{
    GroupKey, Guarantee, Join, Leave, McastGroups, McastJoined, MembershipGet, MAX_JOINED_GROUPS,
};
use sa_ipc::proto::{Message, Request};
use sa_ipc::ptr;
use sa_ipc::{check, service};

use crate::instance::{instance, EvsInstance, HANDLES};

/// The keys of `count` groups at `groups`: at least one, at most
/// [`MAX_JOINED_GROUPS`].
///
/// # Safety
/// `groups` is NULL or points to `count` valid evs_group structures.
unsafe fn group_keys(groups: *const evs_group, count: c_int) -> Result<Vec<GroupKey>, evs_error_t> {
    let count = usize::try_from(count).map_err(|_| EVS_ERR_INVALID_PARAM)?;
    if count == 0 {
        return Err(EVS_ERR_INVALID_PARAM);
    }
    if count > MAX_JOINED_GROUPS && !groups.is_null() {
        return Err(EVS_ERR_TOO_MANY_GROUPS);
    }
    // SAFETY: NULL or holding `count` groups, by the contract.
    let groups = unsafe { ptr::slice(groups, count, EVS_ERR_INVALID_PARAM) }?;
    Ok(groups.iter().map(|g| GroupKey(g.key_bytes())).collect())
}

fn guarantee(value: evs_guarantee_t) -> Result<Guarantee, evs_error_t> {
    Guarantee::from_wire(value).ok_or(EVS_ERR_INVALID_PARAM)
}

/// The body of evs_join and evs_leave: the request `make` builds of the
/// groups named.
///
/// # Safety
/// `groups` is NULL or points to `group_entries` valid groups.
unsafe fn groups_call<Q: Request<Reply = ()>>(
    handle: evs_handle_t,
    groups: *const evs_group,
    group_entries: c_int,
    make: impl FnOnce(Vec<GroupKey>) -> Q,
) -> evs_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: the caller's contract, passed on.
        let groups = check!(unsafe { group_keys(groups, group_entries) });
        result_code(inst.conn.call(&make(groups)))
    })
}

/// Connects to the executive's EVS service and returns a new handle.
///
/// # Safety
/// `handle` is NULL or valid for writing; `callbacks` is NULL or points to
/// a valid evs_callbacks_t (copied: the caller may free it afterwards).
#[no_mangle]
pub unsafe extern "C" fn evs_initialize(
    handle: *mut evs_handle_t,
    callbacks: *mut evs_callbacks_t,
) -> evs_error_t {
    ffi_guard(|| {
        // SAFETY: the caller's contract is initialize's.
        unsafe {
            initialize(
                &HANDLES,
                handle,
                callbacks.cast_const(),
                service::EVS,
                |conn, callbacks| EvsInstance { conn, callbacks },
            )
        }
    })
}

/// Closes the handle: its connection ends (its groups are left), pending
/// callbacks are discarded, a blocking dispatch in another thread returns.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn evs_finalize(handle: evs_handle_t) -> evs_error_t {
    ffi_guard(|| finalize(&HANDLES, handle, |inst| &inst.conn))
}

/// The file descriptor that is readable when a callback is pending.
///
/// # Safety
/// `fd` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn evs_fd_get(handle: evs_handle_t, fd: *mut c_int) -> evs_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: the caller's contract is fd_get's.
        unsafe { fd_get(&inst.conn, fd) }
    })
}

/// Runs callbacks: EVS_DISPATCH_ONE waits for one and runs it,
/// EVS_DISPATCH_ALL runs those pending, EVS_DISPATCH_BLOCKING runs them as
/// they come until the handle is finalized.
///
/// # Safety
/// Callable with any arguments; the registered callbacks must be valid.
#[no_mangle]
pub unsafe extern "C" fn evs_dispatch(
    handle: evs_handle_t,
    dispatch_types: evs_dispatch_t,
) -> evs_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        let mode = check!(dispatch_mode(dispatch_types));
        dispatch(&inst.conn, mode, |frame| inst.deliver(frame))
    })
}

/// Joins `group_entries` groups (a group already joined stays joined).
///
/// # Safety
/// `groups` is NULL or points to `group_entries` valid groups.
#[no_mangle]
pub unsafe extern "C" fn evs_join(
    handle: evs_handle_t,
    groups: *mut evs_group,
    group_entries: c_int,
) -> evs_error_t {
    // SAFETY: the caller's contract, passed on.
    unsafe { groups_call(handle, groups, group_entries, |groups| Join { groups }) }
}

/// Leaves groups; EVS_ERR_NOT_EXIST (and nothing changes) when one of them
/// is not joined.
///
/// # Safety
/// `groups` is NULL or points to `group_entries` valid groups.
#[no_mangle]
pub unsafe extern "C" fn evs_leave(
    handle: evs_handle_t,
    groups: *mut evs_group,
    group_entries: c_int,
) -> evs_error_t {
    // SAFETY: the caller's contract, passed on.
    unsafe { groups_call(handle, groups, group_entries, |groups| Leave { groups }) }
}

/// Multicasts the concatenated I/O vector to every group the handle has
/// joined; EVS_ERR_TRY_AGAIN when the cluster cannot take it now.
///
/// # Safety
/// `iovec` is NULL or points to `iov_len` valid iovecs over readable
/// buffers.
#[no_mangle]
pub unsafe extern "C" fn evs_mcast_joined(
    handle: evs_handle_t,
    guarantee_type: evs_guarantee_t,
    iovec: *mut libc::iovec,
    iov_len: c_int,
) -> evs_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        let g = check!(guarantee(guarantee_type));
        // SAFETY: the caller's contract, passed on.
        let parts = check!(unsafe { parts(iovec, iov_len) }.map_err(|_| EVS_ERR_INVALID_PARAM));
        let payload = McastJoined::encode_parts(g, parts.total, parts.slices);
        request_code(&inst.conn, McastJoined::KIND, payload)
    })
}

/// Multicasts the concatenated I/O vector to the given groups, joined or
/// not.
///
/// # Safety
/// `groups` is NULL or points to `group_entries` valid groups; `iovec` is
/// NULL or points to `iov_len` valid iovecs over readable buffers.
#[no_mangle]
pub unsafe extern "C" fn evs_mcast_groups(
    handle: evs_handle_t,
    guarantee_type: evs_guarantee_t,
    groups: *mut evs_group,
    group_entries: c_int,
    iovec: *mut libc::iovec,
    iov_len: c_int,
) -> evs_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        let g = check!(guarantee(guarantee_type));
        // SAFETY: the caller's contract, passed on.
        let groups = check!(unsafe { group_keys(groups, group_entries) });
        // SAFETY: the caller's contract, passed on.
        let parts = check!(unsafe { parts(iovec, iov_len) }.map_err(|_| EVS_ERR_INVALID_PARAM));
        let payload = McastGroups::encode_parts(g, &groups, parts.total, parts.slices);
        request_code(&inst.conn, McastGroups::KIND, payload)
    })
}

/// This node's id and the node ids of the current configuration:
/// `*member_list_entries` is the capacity of `member_list` on entry and
/// the number of ids written on return (the first ones when it is too
/// small).
///
/// # Safety
/// `local_nodeid` and `member_list_entries` are NULL or valid for reading
/// and writing; `member_list` is NULL or valid for writing
/// `*member_list_entries` ids.
#[no_mangle]
pub unsafe extern "C" fn evs_membership_get(
    handle: evs_handle_t,
    local_nodeid: *mut c_uint,
    member_list: *mut c_uint,
    member_list_entries: *mut c_uint,
) -> evs_error_t {
    ffi_guard(|| {
        let inst = check!(instance(handle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let local_nodeid = check!(unsafe { ptr::out(local_nodeid, EVS_ERR_INVALID_PARAM) });
        // SAFETY: NULL or valid, by the caller's contract.
        let entries = check!(unsafe { ptr::inout(member_list_entries, EVS_ERR_INVALID_PARAM) });
        let capacity = *entries as usize;
        if capacity > 0 && member_list.is_null() {
            return EVS_ERR_INVALID_PARAM;
        }
        let reply = match inst.conn.call(&MembershipGet) {
            Ok(r) => r,
            Err(e) => return e.to_ais(),
        };
        let n = reply.members.len().min(capacity);
        if n > 0 {
            // SAFETY: non-NULL when n > 0 (n <= capacity), valid for
            // `capacity` ids by the contract.
            unsafe { std::slice::from_raw_parts_mut(member_list, n) }
                .copy_from_slice(&reply.members[..n]);
        }
        local_nodeid.write(reply.local);
        // n <= capacity, which came from a c_uint.
        *entries = n as c_uint;
        EVS_OK
    })
}
