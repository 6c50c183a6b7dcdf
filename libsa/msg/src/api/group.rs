//! Queue groups: create, insert, remove, delete, track, track stop.

use sa_abi::ais::{
    SaAisErrorT, SaNameT, SaUint8T, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INIT,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_NO_SPACE, SA_AIS_OK,
    SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT,
};
use sa_abi::msg::{
    SaMsgHandleT, SaMsgQueueGroupMemberT, SaMsgQueueGroupNotificationBufferT,
    SaMsgQueueGroupNotificationT, SaMsgQueueGroupPolicyT, SA_MSG_QUEUE_GROUP_NO_CHANGE,
};
use sa_ipc::check;
use sa_ipc::ffi::{ffi_guard, name_to_sa, result_code};
use sa_ipc::proto::msg::{
    GroupCreate, GroupDelete, GroupInsert, GroupRemove, GroupTrack, GroupTrackStop,
};

use crate::convert::name_arg;
use crate::handles::instance;

/// Creates a queue group with a policy.
///
/// # Safety
/// `queueGroupName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueGroupCreate(
    msgHandle: SaMsgHandleT,
    queueGroupName: *const SaNameT,
    queueGroupPolicy: SaMsgQueueGroupPolicyT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let name = check!(unsafe { name_arg(queueGroupName) });
        result_code(inst.conn.call(&GroupCreate {
            name,
            policy: queueGroupPolicy,
        }))
    })
}

/// Inserts a queue into a group.
///
/// # Safety
/// The names are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueGroupInsert(
    msgHandle: SaMsgHandleT,
    queueGroupName: *const SaNameT,
    queueName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let group = check!(unsafe { name_arg(queueGroupName) });
        // SAFETY: as above.
        let queue = check!(unsafe { name_arg(queueName) });
        result_code(inst.conn.call(&GroupInsert { group, queue }))
    })
}

/// Removes a queue from a group.
///
/// # Safety
/// The names are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueGroupRemove(
    msgHandle: SaMsgHandleT,
    queueGroupName: *const SaNameT,
    queueName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let group = check!(unsafe { name_arg(queueGroupName) });
        // SAFETY: as above.
        let queue = check!(unsafe { name_arg(queueName) });
        result_code(inst.conn.call(&GroupRemove { group, queue }))
    })
}

/// Deletes a queue group (its queues stay).
///
/// # Safety
/// `queueGroupName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueGroupDelete(
    msgHandle: SaMsgHandleT,
    queueGroupName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let name = check!(unsafe { name_arg(queueGroupName) });
        result_code(inst.conn.call(&GroupDelete { name }))
    })
}

/// Tracks a group: SA_TRACK_CURRENT into `notificationBuffer` (its
/// `notification` NULL: allocated with malloc, the caller frees it) or,
/// without a buffer, through the track callback; SA_TRACK_CHANGES or
/// SA_TRACK_CHANGES_ONLY through the track callback from now on.
///
/// # Safety
/// `queueGroupName` is NULL or valid; `notificationBuffer` is NULL or
/// valid, its `notification` NULL or holding `numberOfItems` items.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueGroupTrack(
    msgHandle: SaMsgHandleT,
    queueGroupName: *const SaNameT,
    trackFlags: SaUint8T,
    notificationBuffer: *mut SaMsgQueueGroupNotificationBufferT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let name = check!(unsafe { name_arg(queueGroupName) });
        let known = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
        let both = SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
        if trackFlags == 0 || trackFlags & !known != 0 || trackFlags & both == both {
            return SA_AIS_ERR_BAD_FLAGS;
        }
        let current_in_reply = trackFlags & SA_TRACK_CURRENT != 0 && !notificationBuffer.is_null();
        let needs_callback =
            trackFlags & both != 0 || (trackFlags & SA_TRACK_CURRENT != 0 && !current_in_reply);
        if needs_callback && inst.callbacks.saMsgQueueGroupTrackCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        let reply = match inst.conn.call(&GroupTrack {
            name,
            flags: trackFlags,
            current_in_reply,
        }) {
            Ok(r) => r,
            Err(e) => return e.to_ais(),
        };
        if !current_in_reply {
            return SA_AIS_OK;
        }
        // SAFETY: non-NULL, valid by the caller's contract.
        let buf = unsafe { &mut *notificationBuffer };
        let n = reply.members.len();
        let count = u32::try_from(n).unwrap_or(u32::MAX);
        if buf.notification.is_null() {
            let bytes = n.max(1) * std::mem::size_of::<SaMsgQueueGroupNotificationT>();
            // SAFETY: malloc; checked for NULL below.
            let p = unsafe { libc::malloc(bytes) } as *mut SaMsgQueueGroupNotificationT;
            if p.is_null() {
                return SA_AIS_ERR_NO_MEMORY;
            }
            buf.notification = p;
        } else if (buf.numberOfItems as usize) < n {
            buf.numberOfItems = count;
            return SA_AIS_ERR_NO_SPACE;
        }
        for (i, m) in reply.members.iter().enumerate() {
            let item = SaMsgQueueGroupNotificationT {
                member: SaMsgQueueGroupMemberT {
                    queueName: name_to_sa(m),
                },
                change: SA_MSG_QUEUE_GROUP_NO_CHANGE,
            };
            // SAFETY: the array holds at least n items (checked or
            // allocated above).
            unsafe { buf.notification.add(i).write(item) };
        }
        buf.numberOfItems = count;
        buf.queueGroupPolicy = reply.policy;
        SA_AIS_OK
    })
}

/// Stops tracking a group.
///
/// # Safety
/// `queueGroupName` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgQueueGroupTrackStop(
    msgHandle: SaMsgHandleT,
    queueGroupName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let name = check!(unsafe { name_arg(queueGroupName) });
        if name.is_empty() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        result_code(inst.conn.call(&GroupTrackStop { name }))
    })
}
