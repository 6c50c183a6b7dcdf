//! saLck.h: the Lock Service (B.01.01) as openais 0.80 lays it out.
//!
//! cbindgen turns this file into `include/openais/saLck.h`. openais spells
//! the grant callback's typedef `SaLckLockGrantcallbackT` (lower-case c);
//! that is the name the callbacks structure uses, and the SA Forum
//! spelling `SaLckLockGrantCallbackT` is declared beside it.

use crate::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaSelectionObjectT, SaTimeT, SaUint32T,
    SaUint64T, SaVersionT,
};

/// Handle of one lock library instance (from saLckInitialize).
pub type SaLckHandleT = SaUint64T;

/// Handle of one opening of a lock resource.
pub type SaLckResourceHandleT = SaUint64T;

/// Identifier of one lock (granted or requested).
pub type SaLckLockIdT = SaUint64T;

/// Value a waiting requester hands to the holders' waiter callback.
pub type SaLckWaiterSignalT = SaUint64T;

/// Options an implementation supports (saLckOptionCheck).
pub type SaLckOptionsT = SaUint32T;
/// Orphan locks (SA_LCK_LOCK_ORPHAN, saLckLockPurge) are supported.
pub const SA_LCK_OPT_ORPHAN_LOCKS: SaLckOptionsT = 1;
/// Requests that would deadlock are refused with SA_LCK_LOCK_DEADLOCK.
pub const SA_LCK_OPT_DEADLOCK_DETECTION: SaLckOptionsT = 2;

/// Resource open flags.
pub type SaLckResourceOpenFlagsT = SaUint32T;
/// Create the resource when it does not exist.
pub const SA_LCK_RESOURCE_CREATE: SaLckResourceOpenFlagsT = 1;

/// Lock request flags.
pub type SaLckLockFlagsT = SaUint32T;
/// Do not wait: a request that cannot be granted at once is not queued.
pub const SA_LCK_LOCK_NO_QUEUE: SaLckLockFlagsT = 1;
/// The lock outlives its holder until saLckLockPurge.
pub const SA_LCK_LOCK_ORPHAN: SaLckLockFlagsT = 2;

/// Lock modes.
pub type SaLckLockModeT = u32;
/// Protected read: shared with other PR locks.
pub const SA_LCK_PR_LOCK_MODE: SaLckLockModeT = 1;
/// Exclusive.
pub const SA_LCK_EX_LOCK_MODE: SaLckLockModeT = 2;

/// Outcome of a lock request.
pub type SaLckLockStatusT = u32;
pub const SA_LCK_LOCK_GRANTED: SaLckLockStatusT = 1;
pub const SA_LCK_LOCK_DEADLOCK: SaLckLockStatusT = 2;
pub const SA_LCK_LOCK_NOT_QUEUED: SaLckLockStatusT = 3;
pub const SA_LCK_LOCK_ORPHANED: SaLckLockStatusT = 4;
pub const SA_LCK_LOCK_NO_MORE: SaLckLockStatusT = 5;
pub const SA_LCK_LOCK_DUPLICATE_EX: SaLckLockStatusT = 6;

/// Result of saLckResourceOpenAsync.
pub type SaLckResourceOpenCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        lockResourceHandle: SaLckResourceHandleT,
        error: SaAisErrorT,
    ),
>;

/// Result of saLckResourceLockAsync (openais's spelling).
pub type SaLckLockGrantcallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        lockStatus: SaLckLockStatusT,
        error: SaAisErrorT,
    ),
>;

/// The SA Forum spelling of [`SaLckLockGrantcallbackT`].
pub type SaLckLockGrantCallbackT = SaLckLockGrantcallbackT;

/// Tells a holder that a conflicting request waits for its lock.
pub type SaLckLockWaiterCallbackT = Option<
    unsafe extern "C" fn(
        waiterSignal: SaLckWaiterSignalT,
        lockId: SaLckLockIdT,
        modeHeld: SaLckLockModeT,
        modeRequested: SaLckLockModeT,
    ),
>;

/// Result of saLckResourceUnlockAsync.
pub type SaLckResourceUnlockCallbackT =
    Option<unsafe extern "C" fn(invocation: SaInvocationT, error: SaAisErrorT)>;

/// Callbacks a client registers with saLckInitialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SaLckCallbacksT {
    pub saLckResourceOpenCallback: SaLckResourceOpenCallbackT,
    pub saLckLockGrantCallback: SaLckLockGrantcallbackT,
    pub saLckLockWaiterCallback: SaLckLockWaiterCallbackT,
    pub saLckResourceUnlockCallback: SaLckResourceUnlockCallbackT,
}

extern "C" {
    pub fn saLckInitialize(
        lckHandle: *mut SaLckHandleT,
        lckCallbacks: *const SaLckCallbacksT,
        version: *mut SaVersionT,
    ) -> SaAisErrorT;

    pub fn saLckSelectionObjectGet(
        lckHandle: SaLckHandleT,
        selectionObject: *mut SaSelectionObjectT,
    ) -> SaAisErrorT;

    pub fn saLckOptionCheck(lckHandle: SaLckHandleT, lckOptions: *mut SaLckOptionsT)
        -> SaAisErrorT;

    pub fn saLckDispatch(lckHandle: SaLckHandleT, dispatchFlags: SaDispatchFlagsT) -> SaAisErrorT;

    pub fn saLckFinalize(lckHandle: SaLckHandleT) -> SaAisErrorT;

    pub fn saLckResourceOpen(
        lckHandle: SaLckHandleT,
        lockResourceName: *const SaNameT,
        resourceFlags: SaLckResourceOpenFlagsT,
        timeout: SaTimeT,
        lockResourceHandle: *mut SaLckResourceHandleT,
    ) -> SaAisErrorT;

    pub fn saLckResourceOpenAsync(
        lckHandle: SaLckHandleT,
        invocation: SaInvocationT,
        lockResourceName: *const SaNameT,
        resourceFlags: SaLckResourceOpenFlagsT,
    ) -> SaAisErrorT;

    pub fn saLckResourceClose(lockResourceHandle: SaLckResourceHandleT) -> SaAisErrorT;

    pub fn saLckResourceLock(
        lockResourceHandle: SaLckResourceHandleT,
        lockId: *mut SaLckLockIdT,
        lockMode: SaLckLockModeT,
        lockFlags: SaLckLockFlagsT,
        waiterSignal: SaLckWaiterSignalT,
        timeout: SaTimeT,
        lockStatus: *mut SaLckLockStatusT,
    ) -> SaAisErrorT;

    pub fn saLckResourceLockAsync(
        lockResourceHandle: SaLckResourceHandleT,
        invocation: SaInvocationT,
        lockId: *mut SaLckLockIdT,
        lockMode: SaLckLockModeT,
        lockFlags: SaLckLockFlagsT,
        waiterSignal: SaLckWaiterSignalT,
    ) -> SaAisErrorT;

    pub fn saLckResourceUnlock(lockId: SaLckLockIdT, timeout: SaTimeT) -> SaAisErrorT;

    pub fn saLckResourceUnlockAsync(invocation: SaInvocationT, lockId: SaLckLockIdT)
        -> SaAisErrorT;

    pub fn saLckLockPurge(lockResourceHandle: SaLckResourceHandleT) -> SaAisErrorT;
}
