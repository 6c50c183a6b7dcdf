//! What every C library needs at its ABI boundary: the panic guard,
//! the [`check!`](crate::check) early return, the bodies shared by every
//! saXxxInitialize and saXxxSelectionObjectGet, version negotiation,
//! dispatch flag validation and the dispatch loop, a call's result code,
//! and SaNameT conversions.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sa_abi::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaNameT, SaSelectionObjectT, SaVersionT, SA_AIS_ERR_BAD_HANDLE,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_VERSION,
    SA_AIS_OK, SA_DISPATCH_ALL, SA_DISPATCH_BLOCKING, SA_DISPATCH_ONE,
};

use crate::client::{CallError, Connection, IpcError};
use crate::codec::{Name, NameTooLong};
use crate::frame::Frame;
use crate::handle_db::HandleDb;
use crate::ptr::{self, Out};

/// Inside an exported function's body: the value of an `Ok`, or return
/// the error code of an `Err` from the body.
#[macro_export]
macro_rules! check {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}

/// The AIS version every library of openais 0.80 implements: B.01.01.
pub const VERSION_B_01_01: SaVersionT = SaVersionT::new(b'B', 1, 1);

/// Runs the body of an exported C function. A panic is caught here, logged
/// and turned into SA_AIS_ERR_LIBRARY: unwinding into C is undefined
/// behaviour.
///
/// `AssertUnwindSafe` is sound here because the libraries keep shared
/// state only behind mutexes whose data stays consistent across a panic
/// (each lock is taken with poison recovery), and a panicking call
/// returns an error rather than a half-written result.
pub fn ffi_guard<F: FnOnce() -> SaAisErrorT>(f: F) -> SaAisErrorT {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(code) => code,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            log::error!("internal error caught at the C boundary: {what}");
            SA_AIS_ERR_LIBRARY
        }
    }
}

/// Locks a mutex of library state, also after a panic in another call
/// poisoned it: the libraries update what their mutexes guard in single
/// steps, so the data is consistent, and the panic itself was already
/// turned into SA_AIS_ERR_LIBRARY by [`ffi_guard`].
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Checks a caller's requested version against the one the library
/// implements, following B.01.01: compatible when the release codes are
/// equal and the requested major version is not above the supported one
/// (the minor version does not matter). Either way `requested` is
/// overwritten with the supported version, which is how the caller learns
/// what it got (on success) or what it could ask for (SA_AIS_ERR_VERSION).
pub fn negotiate_version(requested: &mut SaVersionT, supported: SaVersionT) -> SaAisErrorT {
    let compatible = requested.release_code() == supported.release_code()
        && requested.majorVersion <= supported.majorVersion;
    *requested = supported;
    if compatible {
        SA_AIS_OK
    } else {
        SA_AIS_ERR_VERSION
    }
}

/// The body of every SA Forum saXxxInitialize: `handle_out` or `version`
/// NULL is SA_AIS_ERR_INVALID_PARAM; the version is negotiated (and
/// written back); the callbacks are copied (NULL: none registered); the
/// library connects to the executive for `service`; the instance
/// `new_instance` makes of the connection and callbacks gets a handle in
/// `handles`, written to `handle_out`.
///
/// # Safety
/// `handle_out` and `version` are NULL or valid for writing; `callbacks`
/// is NULL or points to a valid `C`.
pub unsafe fn initialize<C: Default, T>(
    handles: &HandleDb<T>,
    handle_out: *mut u64,
    callbacks: *const C,
    version: *mut SaVersionT,
    service: u16,
    new_instance: impl FnOnce(Connection, C) -> T,
) -> SaAisErrorT {
    // SAFETY: NULL or valid for writing, by the caller's contract.
    let handle_out = check!(unsafe { ptr::out(handle_out, SA_AIS_ERR_INVALID_PARAM) });
    // SAFETY: NULL or valid, by the caller's contract.
    let version = check!(unsafe { ptr::inout(version, SA_AIS_ERR_INVALID_PARAM) });
    let rc = negotiate_version(version, VERSION_B_01_01);
    if rc != SA_AIS_OK {
        return rc;
    }
    // SAFETY: the caller's contract.
    unsafe { open_instance(handles, handle_out, callbacks, service, new_instance) }
}

/// What every initialize does once its arguments are checked (the SA
/// Forum ones by [`initialize`], evs and cpg by
/// [`group_ffi::initialize`](crate::group_ffi::initialize)): the callbacks
/// are copied (NULL: none registered); the library connects to the
/// executive for `service`; the instance `new_instance` makes of the
/// connection and callbacks gets a handle in `handles`, written to
/// `handle_out`.
///
/// # Safety
/// `callbacks` is NULL or points to a valid `C`.
pub unsafe fn open_instance<C: Default, T>(
    handles: &HandleDb<T>,
    handle_out: Out<'_, u64>,
    callbacks: *const C,
    service: u16,
    new_instance: impl FnOnce(Connection, C) -> T,
) -> SaAisErrorT {
    let callbacks = if callbacks.is_null() {
        C::default()
    } else {
        // SAFETY: non-NULL, valid by the contract; copied, so the caller
        // may free its structure after the call.
        unsafe { callbacks.read() }
    };
    let conn = match Connection::connect(service) {
        Ok(c) => c,
        Err(e) => {
            log::warn!("initialize {}: {e}", crate::proto::service::name(service));
            return e.to_ais();
        }
    };
    let handle = check!(handles
        .create(new_instance(conn, callbacks))
        .map_err(|_| SA_AIS_ERR_NO_MEMORY));
    handle_out.write(handle);
    SA_AIS_OK
}

/// The code of a call whose reply's content the caller does not need.
pub fn result_code<T>(result: Result<T, CallError>) -> SaAisErrorT {
    match result {
        Ok(_) => SA_AIS_OK,
        Err(e) => e.to_ais(),
    }
}

/// The body of every saXxxSelectionObjectGet once the handle was found:
/// the connection's dispatch fd, readable when a callback is pending.
///
/// # Safety
/// `out` is NULL or valid for writing.
pub unsafe fn selection_object(conn: &Connection, out: *mut SaSelectionObjectT) -> SaAisErrorT {
    // SAFETY: NULL or valid for writing, by the caller's contract.
    let out = check!(unsafe { ptr::out(out, SA_AIS_ERR_INVALID_PARAM) });
    // An open fd is never negative, so it converts losslessly.
    out.write(SaSelectionObjectT::try_from(conn.dispatch_fd()).unwrap_or_default());
    SA_AIS_OK
}

/// How a saXxxDispatch call runs the callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchMode {
    /// SA_DISPATCH_ONE: run one pending callback, if any, and return.
    One,
    /// SA_DISPATCH_ALL: run every pending callback and return.
    All,
    /// SA_DISPATCH_BLOCKING: run callbacks as they arrive until the handle
    /// is finalized.
    Blocking,
    /// Wait for one callback, run it and return (evs/cpg `*_DISPATCH_ONE`,
    /// whose manual pages make it block).
    OneBlocking,
}

impl DispatchMode {
    /// Validates SaDispatchFlagsT: anything but ONE, ALL or BLOCKING is
    /// SA_AIS_ERR_INVALID_PARAM.
    pub fn from_flags(flags: SaDispatchFlagsT) -> Result<DispatchMode, SaAisErrorT> {
        match flags {
            SA_DISPATCH_ONE => Ok(DispatchMode::One),
            SA_DISPATCH_ALL => Ok(DispatchMode::All),
            SA_DISPATCH_BLOCKING => Ok(DispatchMode::Blocking),
            _ => Err(SA_AIS_ERR_INVALID_PARAM),
        }
    }
}

/// Reads callback frames from `conn` and hands each to `deliver`, as
/// `mode` says. `deliver` decodes the frame and calls the C callback; an
/// error it returns (a frame that does not decode) ends the dispatch with
/// that error's code. No lock is held while `deliver` runs, so a callback
/// may call any API function, Finalize included.
///
/// Returns SA_AIS_OK; for BLOCKING also when the handle was finalized
/// (that is how a blocking dispatch ends); for ONE/ALL a handle finalized
/// before anything was delivered is SA_AIS_ERR_BAD_HANDLE; a dead
/// executive is SA_AIS_ERR_LIBRARY.
pub fn dispatch(
    conn: &Connection,
    mode: DispatchMode,
    mut deliver: impl FnMut(Frame) -> Result<(), IpcError>,
) -> SaAisErrorT {
    let mut delivered = 0usize;
    loop {
        let wait = match mode {
            DispatchMode::One | DispatchMode::All => Some(Duration::ZERO),
            DispatchMode::Blocking | DispatchMode::OneBlocking => None,
        };
        let bulk = matches!(mode, DispatchMode::All | DispatchMode::Blocking);
        match conn.recv_callback(wait, bulk) {
            Ok(Some(frame)) => {
                // Finalize may have run between reading and delivering:
                // a finalized handle's callbacks are discarded.
                if conn.is_shut_down() {
                    return finalized_result(mode, delivered);
                }
                if let Err(e) = deliver(frame) {
                    log::error!("callback frame rejected: {e}");
                    return e.to_ais();
                }
                delivered += 1;
                if matches!(mode, DispatchMode::One | DispatchMode::OneBlocking) {
                    return SA_AIS_OK;
                }
            }
            Ok(None) => return SA_AIS_OK,
            Err(IpcError::Shutdown) => return finalized_result(mode, delivered),
            Err(e) => {
                log::warn!("dispatch: {e}");
                return e.to_ais();
            }
        }
    }
}

fn finalized_result(mode: DispatchMode, delivered: usize) -> SaAisErrorT {
    if mode == DispatchMode::Blocking || delivered > 0 {
        SA_AIS_OK
    } else {
        SA_AIS_ERR_BAD_HANDLE
    }
}

/// The wire name of a caller's SaNameT; fails when `length` exceeds
/// SA_MAX_NAME_LENGTH (the caller decides between INVALID_PARAM and
/// NAME_TOO_LONG as its API says).
pub fn name_from_sa(name: &SaNameT) -> Result<Name, NameTooLong> {
    if !name.has_valid_length() {
        return Err(NameTooLong(usize::from(name.length)));
    }
    Name::new(name.as_bytes())
}

/// The SaNameT of a wire name.
pub fn name_to_sa(name: &Name) -> SaNameT {
    // A Name holds at most SA_MAX_NAME_LENGTH bytes, so this cannot fail;
    // the fallback keeps the boundary panic-free all the same.
    SaNameT::new(name.as_bytes()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_panics_into_library_errors() {
        assert_eq!(ffi_guard(|| SA_AIS_OK), SA_AIS_OK);
        assert_eq!(ffi_guard(|| panic!("boom")), SA_AIS_ERR_LIBRARY);
        let s = String::from("formatted");
        assert_eq!(ffi_guard(|| panic!("{s}")), SA_AIS_ERR_LIBRARY);
    }

    #[test]
    fn versions() {
        let cases: [((u8, u8, u8), SaAisErrorT); 8] = [
            ((b'B', 1, 1), SA_AIS_OK),
            ((b'B', 1, 0), SA_AIS_OK),
            ((b'B', 1, 9), SA_AIS_OK),
            ((b'A', 1, 1), SA_AIS_ERR_VERSION),
            ((b'C', 1, 1), SA_AIS_ERR_VERSION),
            ((b'B', 2, 1), SA_AIS_ERR_VERSION),
            ((0, 0, 0), SA_AIS_ERR_VERSION),
            ((b'b', 1, 1), SA_AIS_ERR_VERSION),
        ];
        for ((r, maj, min), want) in cases {
            let mut v = SaVersionT::new(r, maj, min);
            assert_eq!(
                negotiate_version(&mut v, VERSION_B_01_01),
                want,
                "{r} {maj} {min}"
            );
            assert_eq!(
                (v.release_code(), v.majorVersion, v.minorVersion),
                (b'B', 1, 1)
            );
        }
    }

    #[test]
    fn initialize_checks_arguments_before_connecting() {
        let db: HandleDb<()> = HandleDb::new();
        let mut handle = 0u64;
        let mut version = VERSION_B_01_01;
        let none: *const u8 = std::ptr::null();
        let make = |_: Connection, _: u8| ();
        // SAFETY: every pointer is NULL or refers to a local above.
        unsafe {
            assert_eq!(
                initialize(&db, std::ptr::null_mut(), none, &mut version, 1, make),
                SA_AIS_ERR_INVALID_PARAM
            );
            assert_eq!(
                initialize(&db, &mut handle, none, std::ptr::null_mut(), 1, make),
                SA_AIS_ERR_INVALID_PARAM
            );
            let mut newer = SaVersionT::new(b'B', 2, 0);
            assert_eq!(
                initialize(&db, &mut handle, none, &mut newer, 1, make),
                SA_AIS_ERR_VERSION
            );
            assert_eq!(
                newer.majorVersion, 1,
                "the supported version is written back"
            );
        }
        assert_eq!(handle, 0);
        assert!(db.is_empty());
    }

    #[test]
    fn dispatch_flags() {
        assert_eq!(DispatchMode::from_flags(1), Ok(DispatchMode::One));
        assert_eq!(DispatchMode::from_flags(2), Ok(DispatchMode::All));
        assert_eq!(DispatchMode::from_flags(3), Ok(DispatchMode::Blocking));
        for bad in [0, 4, 0x100, u32::MAX] {
            assert_eq!(DispatchMode::from_flags(bad), Err(SA_AIS_ERR_INVALID_PARAM));
        }
    }

    #[test]
    fn names() {
        let mut sa = SaNameT::new(b"cluster").unwrap();
        let n = name_from_sa(&sa).unwrap();
        assert_eq!(n.as_bytes(), b"cluster");
        assert_eq!(name_to_sa(&n), sa);
        sa.length = 300;
        assert_eq!(name_from_sa(&sa), Err(NameTooLong(300)));
    }
}
