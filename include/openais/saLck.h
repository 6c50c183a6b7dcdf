/*
 * saLck.h: SA Forum AIS B.01.01 Lock Service, openais 0.80 ABI.
 * Generated from libsa/abi/src/lck.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SALCK_H
#define OPENAIS_SALCK_H

#include "saAis.h"

/**
 * Handle of one lock library instance (from saLckInitialize).
 */
typedef SaUint64T SaLckHandleT;

/**
 * Handle of one opening of a lock resource.
 */
typedef SaUint64T SaLckResourceHandleT;

/**
 * Result of saLckResourceOpenAsync.
 */
typedef void (*SaLckResourceOpenCallbackT)(SaInvocationT invocation,
                                           SaLckResourceHandleT lockResourceHandle,
                                           SaAisErrorT error);

/**
 * Outcome of a lock request.
 */
typedef uint32_t SaLckLockStatusT;

/**
 * Result of saLckResourceLockAsync (openais's spelling).
 */
typedef void (*SaLckLockGrantcallbackT)(SaInvocationT invocation,
                                        SaLckLockStatusT lockStatus,
                                        SaAisErrorT error);

/**
 * Value a waiting requester hands to the holders' waiter callback.
 */
typedef SaUint64T SaLckWaiterSignalT;

/**
 * Identifier of one lock (granted or requested).
 */
typedef SaUint64T SaLckLockIdT;

/**
 * Lock modes.
 */
typedef uint32_t SaLckLockModeT;

/**
 * Tells a holder that a conflicting request waits for its lock.
 */
typedef void (*SaLckLockWaiterCallbackT)(SaLckWaiterSignalT waiterSignal,
                                         SaLckLockIdT lockId,
                                         SaLckLockModeT modeHeld,
                                         SaLckLockModeT modeRequested);

/**
 * Result of saLckResourceUnlockAsync.
 */
typedef void (*SaLckResourceUnlockCallbackT)(SaInvocationT invocation, SaAisErrorT error);

/**
 * Callbacks a client registers with saLckInitialize.
 */
typedef struct SaLckCallbacksT {
    SaLckResourceOpenCallbackT saLckResourceOpenCallback;
    SaLckLockGrantcallbackT saLckLockGrantCallback;
    SaLckLockWaiterCallbackT saLckLockWaiterCallback;
    SaLckResourceUnlockCallbackT saLckResourceUnlockCallback;
} SaLckCallbacksT;

/**
 * Options an implementation supports (saLckOptionCheck).
 */
typedef SaUint32T SaLckOptionsT;

/**
 * Resource open flags.
 */
typedef SaUint32T SaLckResourceOpenFlagsT;

/**
 * Lock request flags.
 */
typedef SaUint32T SaLckLockFlagsT;

/**
 * The SA Forum spelling of [`SaLckLockGrantcallbackT`].
 */
typedef SaLckLockGrantcallbackT SaLckLockGrantCallbackT;

/**
 * Orphan locks (SA_LCK_LOCK_ORPHAN, saLckLockPurge) are supported.
 */
#define SA_LCK_OPT_ORPHAN_LOCKS 1

/**
 * Requests that would deadlock are refused with SA_LCK_LOCK_DEADLOCK.
 */
#define SA_LCK_OPT_DEADLOCK_DETECTION 2

/**
 * Create the resource when it does not exist.
 */
#define SA_LCK_RESOURCE_CREATE 1

/**
 * Do not wait: a request that cannot be granted at once is not queued.
 */
#define SA_LCK_LOCK_NO_QUEUE 1

/**
 * The lock outlives its holder until saLckLockPurge.
 */
#define SA_LCK_LOCK_ORPHAN 2

/**
 * Protected read: shared with other PR locks.
 */
#define SA_LCK_PR_LOCK_MODE 1

/**
 * Exclusive.
 */
#define SA_LCK_EX_LOCK_MODE 2

#define SA_LCK_LOCK_GRANTED 1

#define SA_LCK_LOCK_DEADLOCK 2

#define SA_LCK_LOCK_NOT_QUEUED 3

#define SA_LCK_LOCK_ORPHANED 4

#define SA_LCK_LOCK_NO_MORE 5

#define SA_LCK_LOCK_DUPLICATE_EX 6

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern SaAisErrorT saLckInitialize(SaLckHandleT *lckHandle,
                                   const struct SaLckCallbacksT *lckCallbacks,
                                   SaVersionT *version);

extern SaAisErrorT saLckSelectionObjectGet(SaLckHandleT lckHandle,
                                           SaSelectionObjectT *selectionObject);

extern SaAisErrorT saLckOptionCheck(SaLckHandleT lckHandle, SaLckOptionsT *lckOptions);

extern SaAisErrorT saLckDispatch(SaLckHandleT lckHandle, SaDispatchFlagsT dispatchFlags);

extern SaAisErrorT saLckFinalize(SaLckHandleT lckHandle);

extern SaAisErrorT saLckResourceOpen(SaLckHandleT lckHandle,
                                     const SaNameT *lockResourceName,
                                     SaLckResourceOpenFlagsT resourceFlags,
                                     SaTimeT timeout,
                                     SaLckResourceHandleT *lockResourceHandle);

extern SaAisErrorT saLckResourceOpenAsync(SaLckHandleT lckHandle,
                                          SaInvocationT invocation,
                                          const SaNameT *lockResourceName,
                                          SaLckResourceOpenFlagsT resourceFlags);

extern SaAisErrorT saLckResourceClose(SaLckResourceHandleT lockResourceHandle);

extern SaAisErrorT saLckResourceLock(SaLckResourceHandleT lockResourceHandle,
                                     SaLckLockIdT *lockId,
                                     SaLckLockModeT lockMode,
                                     SaLckLockFlagsT lockFlags,
                                     SaLckWaiterSignalT waiterSignal,
                                     SaTimeT timeout,
                                     SaLckLockStatusT *lockStatus);

extern SaAisErrorT saLckResourceLockAsync(SaLckResourceHandleT lockResourceHandle,
                                          SaInvocationT invocation,
                                          SaLckLockIdT *lockId,
                                          SaLckLockModeT lockMode,
                                          SaLckLockFlagsT lockFlags,
                                          SaLckWaiterSignalT waiterSignal);

extern SaAisErrorT saLckResourceUnlock(SaLckLockIdT lockId, SaTimeT timeout);

extern SaAisErrorT saLckResourceUnlockAsync(SaInvocationT invocation, SaLckLockIdT lockId);

extern SaAisErrorT saLckLockPurge(SaLckResourceHandleT lockResourceHandle);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_SALCK_H */
