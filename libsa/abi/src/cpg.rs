//! cpg.h: openais's closed process group API: processes join named groups,
//! multicast to the members in agreed order and see membership changes.
//!
//! cbindgen turns this file into `include/openais/cpg.h`.

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::fmt;
use core::hash::{Hash, Hasher};

use crate::TooLong;

/// Handle of one cpg library instance (from cpg_initialize).
pub type cpg_handle_t = u64;

/// How much cpg_dispatch() processes.
pub type cpg_dispatch_t = u32;
pub const CPG_DISPATCH_ONE: cpg_dispatch_t = 0;
pub const CPG_DISPATCH_ALL: cpg_dispatch_t = 1;
pub const CPG_DISPATCH_BLOCKING: cpg_dispatch_t = 2;

/// Delivery guarantee of a multicast.
pub type cpg_guarantee_t = u32;
pub const CPG_TYPE_UNORDERED: cpg_guarantee_t = 0;
pub const CPG_TYPE_FIFO: cpg_guarantee_t = 1;
pub const CPG_TYPE_AGREED: cpg_guarantee_t = 2;
pub const CPG_TYPE_SAFE: cpg_guarantee_t = 3;

/// Whether the executive asks senders to slow down.
pub type cpg_flow_control_state_t = u32;
pub const CPG_FLOW_CONTROL_DISABLED: cpg_flow_control_state_t = 0;
pub const CPG_FLOW_CONTROL_ENABLED: cpg_flow_control_state_t = 1;

/// Result code of every cpg call.
pub type cpg_error_t = u32;
pub const CPG_OK: cpg_error_t = 1;
pub const CPG_ERR_LIBRARY: cpg_error_t = 2;
pub const CPG_ERR_TIMEOUT: cpg_error_t = 5;
pub const CPG_ERR_TRY_AGAIN: cpg_error_t = 6;
pub const CPG_ERR_INVALID_PARAM: cpg_error_t = 7;
pub const CPG_ERR_NO_MEMORY: cpg_error_t = 8;
pub const CPG_ERR_BAD_HANDLE: cpg_error_t = 9;
pub const CPG_ERR_BUSY: cpg_error_t = 10;
pub const CPG_ERR_ACCESS: cpg_error_t = 11;
pub const CPG_ERR_NOT_EXIST: cpg_error_t = 12;
pub const CPG_ERR_EXIST: cpg_error_t = 14;
pub const CPG_ERR_NOT_SUPPORTED: cpg_error_t = 20;
pub const CPG_ERR_SECURITY: cpg_error_t = 29;
pub const CPG_ERR_TOO_MANY_GROUPS: cpg_error_t = 30;

/// Why a process appears in a configuration change list.
pub type cpg_reason_t = u32;
pub const CPG_REASON_JOIN: cpg_reason_t = 1;
pub const CPG_REASON_LEAVE: cpg_reason_t = 2;
pub const CPG_REASON_NODEDOWN: cpg_reason_t = 3;
pub const CPG_REASON_NODEUP: cpg_reason_t = 4;
pub const CPG_REASON_PROCDOWN: cpg_reason_t = 5;

/// A group member: node, process, and (in change lists) a cpg_reason_t.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct cpg_address {
    pub nodeid: u32,
    pub pid: u32,
    pub reason: u32,
}

/// Longest group name.
pub const CPG_MAX_NAME_LENGTH: usize = 128;

/// Most members cpg_membership_get reports.
pub const CPG_MEMBERS_MAX: usize = 128;

/// A group name (length-counted, not NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct cpg_name {
    pub length: u32,
    pub value: [c_char; CPG_MAX_NAME_LENGTH],
}

/// A message was delivered to a group: sender node and process, message.
pub type cpg_deliver_fn_t = Option<
    unsafe extern "C" fn(
        handle: cpg_handle_t,
        group_name: *mut cpg_name,
        nodeid: u32,
        pid: u32,
        msg: *mut c_void,
        msg_len: c_int,
    ),
>;

/// A group's membership changed: the members, those who left, those who joined.
pub type cpg_confchg_fn_t = Option<
    unsafe extern "C" fn(
        handle: cpg_handle_t,
        group_name: *mut cpg_name,
        member_list: *mut cpg_address,
        member_list_entries: c_int,
        left_list: *mut cpg_address,
        left_list_entries: c_int,
        joined_list: *mut cpg_address,
        joined_list_entries: c_int,
    ),
>;

/// Callbacks a process registers with cpg_initialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct cpg_callbacks_t {
    pub cpg_deliver_fn: cpg_deliver_fn_t,
    pub cpg_confchg_fn: cpg_confchg_fn_t,
}

extern "C" {
    pub fn cpg_initialize(
        handle: *mut cpg_handle_t,
        callbacks: *mut cpg_callbacks_t,
    ) -> cpg_error_t;

    pub fn cpg_finalize(handle: cpg_handle_t) -> cpg_error_t;

    /// The file descriptor to poll for pending callbacks.
    pub fn cpg_fd_get(handle: cpg_handle_t, fd: *mut c_int) -> cpg_error_t;

    /// The pointer last given to cpg_context_set.
    pub fn cpg_context_get(handle: cpg_handle_t, context: *mut *mut c_void) -> cpg_error_t;

    /// Attach an application pointer to the handle.
    pub fn cpg_context_set(handle: cpg_handle_t, context: *mut c_void) -> cpg_error_t;

    pub fn cpg_dispatch(handle: cpg_handle_t, dispatch_types: cpg_dispatch_t) -> cpg_error_t;

    pub fn cpg_join(handle: cpg_handle_t, group: *mut cpg_name) -> cpg_error_t;

    pub fn cpg_leave(handle: cpg_handle_t, group: *mut cpg_name) -> cpg_error_t;

    /// Multicast to the groups the process joined.
    pub fn cpg_mcast_joined(
        handle: cpg_handle_t,
        guarantee: cpg_guarantee_t,
        iovec: *mut libc::iovec,
        iov_len: c_int,
    ) -> cpg_error_t;

    /// The members of a group (`member_list_entries`: capacity in, count out).
    pub fn cpg_membership_get(
        handle: cpg_handle_t,
        groupName: *mut cpg_name,
        member_list: *mut cpg_address,
        member_list_entries: *mut c_int,
    ) -> cpg_error_t;

    pub fn cpg_local_get(handle: cpg_handle_t, local_nodeid: *mut c_uint) -> cpg_error_t;

    pub fn cpg_flow_control_state_get(
        handle: cpg_handle_t,
        flow_control_enabled: *mut cpg_flow_control_state_t,
    ) -> cpg_error_t;
}

impl cpg_name {
    /// A group name holding `bytes`; fails beyond CPG_MAX_NAME_LENGTH.
    pub fn new(bytes: &[u8]) -> Result<Self, TooLong> {
        if bytes.len() > CPG_MAX_NAME_LENGTH {
            return Err(TooLong {
                len: bytes.len(),
                max: CPG_MAX_NAME_LENGTH,
            });
        }
        let mut name = Self::default();
        for (v, b) in name.value.iter_mut().zip(bytes) {
            // Names are raw bytes; c_char's sign does not matter.
            *v = *b as c_char;
        }
        // The length fits: it is at most CPG_MAX_NAME_LENGTH (128).
        name.length = bytes.len() as u32;
        Ok(name)
    }

    /// Whether `length` is within bounds (C callers may pass any length).
    pub fn has_valid_length(&self) -> bool {
        usize::try_from(self.length).is_ok_and(|len| len <= CPG_MAX_NAME_LENGTH)
    }

    /// The meaningful bytes, `length` clamped to the buffer.
    pub fn as_bytes(&self) -> &[u8] {
        let len = usize::try_from(self.length)
            .unwrap_or(usize::MAX)
            .min(CPG_MAX_NAME_LENGTH);
        // SAFETY: c_char and u8 have the same size and alignment, and every
        // bit pattern is valid for both; len is within the array.
        unsafe { core::slice::from_raw_parts(self.value.as_ptr().cast::<u8>(), len) }
    }
}

impl Default for cpg_name {
    fn default() -> Self {
        cpg_name {
            length: 0,
            value: [0; CPG_MAX_NAME_LENGTH],
        }
    }
}

/// Names are equal when their meaningful bytes are.
impl PartialEq for cpg_name {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for cpg_name {}

impl Hash for cpg_name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for cpg_name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cpg_name({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}
