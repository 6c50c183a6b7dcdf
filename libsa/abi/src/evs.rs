//! evs.h: openais's extended virtual synchrony API: a process joins named
//! groups and multicasts to them with a chosen delivery guarantee.
//!
//! cbindgen turns this file into `include/openais/evs.h`.

use core::ffi::{c_char, c_int, c_uchar, c_uint, c_ushort, c_void};

use crate::TooLong;

/// Handle of one evs library instance (from evs_initialize).
pub type evs_handle_t = u64;

/// How much evs_dispatch() processes.
pub type evs_dispatch_t = u32;
pub const EVS_DISPATCH_ONE: evs_dispatch_t = 0;
pub const EVS_DISPATCH_ALL: evs_dispatch_t = 1;
pub const EVS_DISPATCH_BLOCKING: evs_dispatch_t = 2;

/// Delivery guarantee of a multicast.
pub type evs_guarantee_t = u32;
pub const EVS_TYPE_UNORDERED: evs_guarantee_t = 0;
pub const EVS_TYPE_FIFO: evs_guarantee_t = 1;
pub const EVS_TYPE_AGREED: evs_guarantee_t = 2;
pub const EVS_TYPE_SAFE: evs_guarantee_t = 3;

/// Result code of every evs call.
pub type evs_error_t = u32;
pub const EVS_OK: evs_error_t = 1;
pub const EVS_ERR_LIBRARY: evs_error_t = 2;
pub const EVS_ERR_TIMEOUT: evs_error_t = 5;
pub const EVS_ERR_TRY_AGAIN: evs_error_t = 6;
pub const EVS_ERR_INVALID_PARAM: evs_error_t = 7;
pub const EVS_ERR_NO_MEMORY: evs_error_t = 8;
pub const EVS_ERR_BAD_HANDLE: evs_error_t = 9;
pub const EVS_ERR_ACCESS: evs_error_t = 11;
pub const EVS_ERR_NOT_EXIST: evs_error_t = 12;
pub const EVS_ERR_EXIST: evs_error_t = 14;
pub const EVS_ERR_NOT_SUPPORTED: evs_error_t = 20;
pub const EVS_ERR_SECURITY: evs_error_t = 29;
pub const EVS_ERR_TOO_MANY_GROUPS: evs_error_t = 30;

/// Bytes of an address in evs_address (an IPv6 address).
pub const TOTEMIP_ADDRLEN: usize = 16;

/// A node's network address.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct evs_address {
    pub nodeid: c_uint,
    /// AF_INET or AF_INET6.
    pub family: c_ushort,
    pub addr: [c_uchar; TOTEMIP_ADDRLEN],
}

/// A group, named by a 32-byte key (compared whole).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct evs_group {
    pub key: [c_char; 32],
}

/// A message was delivered: sender node, message, length.
pub type evs_deliver_fn_t =
    Option<unsafe extern "C" fn(nodeid: c_uint, msg: *mut c_void, msg_len: c_int)>;

/// The membership changed: the members, those who left, those who joined.
pub type evs_confchg_fn_t = Option<
    unsafe extern "C" fn(
        member_list: *mut c_uint,
        member_list_entries: c_int,
        left_list: *mut c_uint,
        left_list_entries: c_int,
        joined_list: *mut c_uint,
        joined_list_entries: c_int,
    ),
>;

/// Callbacks a process registers with evs_initialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct evs_callbacks_t {
    pub evs_deliver_fn: evs_deliver_fn_t,
    pub evs_confchg_fn: evs_confchg_fn_t,
}

extern "C" {
    pub fn evs_initialize(
        handle: *mut evs_handle_t,
        callbacks: *mut evs_callbacks_t,
    ) -> evs_error_t;

    pub fn evs_finalize(handle: evs_handle_t) -> evs_error_t;

    /// The file descriptor to poll for pending callbacks.
    pub fn evs_fd_get(handle: evs_handle_t, fd: *mut c_int) -> evs_error_t;

    pub fn evs_dispatch(handle: evs_handle_t, dispatch_types: evs_dispatch_t) -> evs_error_t;

    pub fn evs_join(
        handle: evs_handle_t,
        groups: *mut evs_group,
        group_entries: c_int,
    ) -> evs_error_t;

    pub fn evs_leave(
        handle: evs_handle_t,
        groups: *mut evs_group,
        group_entries: c_int,
    ) -> evs_error_t;

    /// Multicast to the groups the process joined.
    pub fn evs_mcast_joined(
        handle: evs_handle_t,
        guarantee: evs_guarantee_t,
        iovec: *mut libc::iovec,
        iov_len: c_int,
    ) -> evs_error_t;

    /// Multicast to the given groups.
    pub fn evs_mcast_groups(
        handle: evs_handle_t,
        guarantee: evs_guarantee_t,
        groups: *mut evs_group,
        group_entries: c_int,
        iovec: *mut libc::iovec,
        iov_len: c_int,
    ) -> evs_error_t;

    /// The local node id and the current members (`member_list_entries`:
    /// capacity in, count out).
    pub fn evs_membership_get(
        handle: evs_handle_t,
        local_nodeid: *mut c_uint,
        member_list: *mut c_uint,
        member_list_entries: *mut c_uint,
    ) -> evs_error_t;
}

impl evs_group {
    /// A group whose key is `name`, zero-padded; fails beyond 32 bytes.
    pub fn new(name: &[u8]) -> Result<Self, TooLong> {
        let mut group = Self::default();
        if name.len() > group.key.len() {
            return Err(TooLong {
                len: name.len(),
                max: group.key.len(),
            });
        }
        for (k, b) in group.key.iter_mut().zip(name) {
            // The key is raw bytes; c_char's sign does not matter.
            *k = *b as c_char;
        }
        Ok(group)
    }

    /// The whole key as bytes.
    pub fn key_bytes(&self) -> [u8; 32] {
        // The key is raw bytes; c_char's sign does not matter.
        self.key.map(|c| c as u8)
    }
}
