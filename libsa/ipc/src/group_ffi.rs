//! What libevs and libcpg, openais's group messaging libraries, share at
//! their ABI boundary beyond [`ffi`](crate::ffi): their calls negotiate
//! no version, hand out the dispatch fd as a C int, number their dispatch
//! flags from 0, and send requests encoded straight from the caller's
//! buffers. evs_error_t and cpg_error_t share their numbers with
//! SaAisErrorT, so the codes here are theirs too.

use std::os::raw::c_int;

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INVALID_PARAM, SA_AIS_OK};
use sa_abi::evs::{EVS_DISPATCH_ALL, EVS_DISPATCH_BLOCKING, EVS_DISPATCH_ONE};

use crate::client::{Connection, DEFAULT_REQUEST_TIMEOUT};
use crate::ffi::{open_instance, DispatchMode};
use crate::handle_db::HandleDb;
use crate::ptr;

/// The body of evs_initialize and cpg_initialize: `handle_out` NULL is
/// INVALID_PARAM; otherwise as [`open_instance`].
///
/// # Safety
/// `handle_out` is NULL or valid for writing; `callbacks` is NULL or
/// points to a valid `C`.
pub unsafe fn initialize<C: Default, T>(
    handles: &HandleDb<T>,
    handle_out: *mut u64,
    callbacks: *const C,
    service: u16,
    new_instance: impl FnOnce(Connection, C) -> T,
) -> SaAisErrorT {
    // SAFETY: NULL or valid for writing, by the caller's contract.
    let handle_out = crate::check!(unsafe { ptr::out(handle_out, SA_AIS_ERR_INVALID_PARAM) });
    // SAFETY: the caller's contract.
    unsafe { open_instance(handles, handle_out, callbacks, service, new_instance) }
}

/// The body of evs_finalize and cpg_finalize: the handle stops being
/// valid at once and the instance's connection (`conn`) ends, so the
/// executive drops the process from its groups, pending callbacks are
/// discarded and a blocking dispatch in another thread returns.
/// BAD_HANDLE when the handle was not live.
pub fn finalize<T>(
    handles: &HandleDb<T>,
    handle: u64,
    conn: impl FnOnce(&T) -> &Connection,
) -> SaAisErrorT {
    match handles.destroy(handle) {
        Some(inst) => {
            conn(&inst).shutdown();
            SA_AIS_OK
        }
        None => SA_AIS_ERR_BAD_HANDLE,
    }
}

/// The body of evs_fd_get and cpg_fd_get once the handle was found: the
/// connection's dispatch fd, readable when a callback is pending.
///
/// # Safety
/// `fd` is NULL or valid for writing.
pub unsafe fn fd_get(conn: &Connection, fd: *mut c_int) -> SaAisErrorT {
    // SAFETY: NULL or valid for writing, by the caller's contract.
    let fd = crate::check!(unsafe { ptr::out(fd, SA_AIS_ERR_INVALID_PARAM) });
    fd.write(conn.dispatch_fd());
    SA_AIS_OK
}

/// The dispatch mode of evs_dispatch_t / cpg_dispatch_t (numbered alike):
/// *_DISPATCH_ONE waits for one callback and runs it (as their manual
/// pages say), *_DISPATCH_ALL runs those pending, *_DISPATCH_BLOCKING runs
/// them until the handle is finalized; anything else is INVALID_PARAM.
pub fn dispatch_mode(flags: u32) -> Result<DispatchMode, SaAisErrorT> {
    match flags {
        EVS_DISPATCH_ONE => Ok(DispatchMode::OneBlocking),
        EVS_DISPATCH_ALL => Ok(DispatchMode::All),
        EVS_DISPATCH_BLOCKING => Ok(DispatchMode::Blocking),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// Sends a request encoded already (a multicast, straight from the
/// caller's buffers) whose reply carries nothing but its code.
pub fn request_code(conn: &Connection, kind: u16, payload: Vec<u8>) -> SaAisErrorT {
    match conn.request(kind, payload, DEFAULT_REQUEST_TIMEOUT) {
        Ok((code, _)) => code,
        Err(e) => e.to_ais(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_abi::cpg::{CPG_DISPATCH_ALL, CPG_DISPATCH_BLOCKING, CPG_DISPATCH_ONE};

    #[test]
    fn dispatch_flags_of_evs_and_cpg() {
        for (evs, cpg, mode) in [
            (
                EVS_DISPATCH_ONE,
                CPG_DISPATCH_ONE,
                DispatchMode::OneBlocking,
            ),
            (EVS_DISPATCH_ALL, CPG_DISPATCH_ALL, DispatchMode::All),
            (
                EVS_DISPATCH_BLOCKING,
                CPG_DISPATCH_BLOCKING,
                DispatchMode::Blocking,
            ),
        ] {
            assert_eq!(evs, cpg);
            assert_eq!(dispatch_mode(evs), Ok(mode));
        }
        for bad in [3, 7, 9, u32::MAX] {
            assert_eq!(dispatch_mode(bad), Err(SA_AIS_ERR_INVALID_PARAM));
        }
    }

    #[test]
    fn initialize_refuses_a_null_handle_before_connecting() {
        let db: HandleDb<()> = HandleDb::new();
        let none: *const u8 = std::ptr::null();
        // SAFETY: the handle pointer is NULL, which is checked first.
        let rc = unsafe { initialize(&db, std::ptr::null_mut(), none, 0, |_, _: u8| ()) };
        assert_eq!(rc, SA_AIS_ERR_INVALID_PARAM);
        assert!(db.is_empty());
    }
}
