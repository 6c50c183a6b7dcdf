//! saMsg.h: the Message Service (B.01.01) as openais 0.80 lays it out
//! (32-bit message type and version, 32-bit ack flags).
//!
//! cbindgen turns this file into `include/openais/saMsg.h`.

use crate::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaSelectionObjectT, SaSizeT, SaTimeT,
    SaUint32T, SaUint64T, SaUint8T, SaVersionT,
};
use core::ffi::c_void;

/// Handle of one message library instance (from saMsgInitialize).
pub type SaMsgHandleT = SaUint64T;

/// Handle of one opened message queue.
pub type SaMsgQueueHandleT = SaUint64T;

/// Identifies the sender of a message sent with saMsgMessageSendReceive,
/// for saMsgMessageReply.
pub type SaMsgSenderIdT = SaUint64T;

/// Queue creation flags.
pub type SaMsgQueueCreationFlagsT = SaUint32T;
/// The queue is not deleted when its retention time passes after a close.
pub const SA_MSG_QUEUE_PERSISTENT: SaMsgQueueCreationFlagsT = 1;

/// Highest message priority (served first).
pub const SA_MSG_MESSAGE_HIGHEST_PRIORITY: SaUint8T = 0;
/// Lowest message priority.
pub const SA_MSG_MESSAGE_LOWEST_PRIORITY: SaUint8T = 3;

/// Attributes a queue is created with.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaMsgQueueCreationAttributesT {
    pub creationFlags: SaMsgQueueCreationFlagsT,
    /// Bytes each priority area holds.
    pub size: [SaSizeT; 4],
    /// How long a closed non-persistent queue is kept.
    pub retentionTime: SaTimeT,
}

/// Queue open flags.
pub type SaMsgQueueOpenFlagsT = SaUint32T;
pub const SA_MSG_QUEUE_CREATE: SaMsgQueueOpenFlagsT = 1;
pub const SA_MSG_QUEUE_RECEIVE_CALLBACK: SaMsgQueueOpenFlagsT = 2;
pub const SA_MSG_QUEUE_EMPTY: SaMsgQueueOpenFlagsT = 4;

/// Usage of one priority area of a queue.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaMsgQueueUsageT {
    pub queueSize: SaSizeT,
    pub queueUsed: SaSizeT,
    pub numberOfMessages: SaUint32T,
}

/// Status of a queue (saMsgQueueStatusGet).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaMsgQueueStatusT {
    pub creationFlags: SaMsgQueueCreationFlagsT,
    pub retentionTime: SaTimeT,
    pub closeTime: SaTimeT,
    pub saMsgQueueUsage: [SaMsgQueueUsageT; 4],
}

/// How a queue group chooses the queue of a message (a C enum).
pub type SaMsgQueueGroupPolicyT = u32;
pub const SA_MSG_QUEUE_GROUP_ROUND_ROBIN: SaMsgQueueGroupPolicyT = 1;
pub const SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN: SaMsgQueueGroupPolicyT = 2;
pub const SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE: SaMsgQueueGroupPolicyT = 3;
pub const SA_MSG_QUEUE_GROUP_BROADCAST: SaMsgQueueGroupPolicyT = 4;

/// A member of a queue group.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaMsgQueueGroupMemberT {
    pub queueName: SaNameT,
}

/// How a member changed (a C enum).
pub type SaMsgQueueGroupChangesT = u32;
pub const SA_MSG_QUEUE_GROUP_NO_CHANGE: SaMsgQueueGroupChangesT = 1;
pub const SA_MSG_QUEUE_GROUP_ADDED: SaMsgQueueGroupChangesT = 2;
pub const SA_MSG_QUEUE_GROUP_REMOVED: SaMsgQueueGroupChangesT = 3;
pub const SA_MSG_QUEUE_GROUP_STATE_CHANGED: SaMsgQueueGroupChangesT = 4;

/// One member in a group track notification.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaMsgQueueGroupNotificationT {
    pub member: SaMsgQueueGroupMemberT,
    pub change: SaMsgQueueGroupChangesT,
}

/// The members of a tracked group.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaMsgQueueGroupNotificationBufferT {
    pub numberOfItems: SaUint32T,
    /// NULL: saMsgQueueGroupTrack allocates it (the caller frees it).
    pub notification: *mut SaMsgQueueGroupNotificationT,
    pub queueGroupPolicy: SaMsgQueueGroupPolicyT,
}

/// Delivery acknowledgement flags.
pub type SaMsgAckFlagsT = SaUint32T;
/// Call saMsgMessageDeliveredCallback once the message is in the queue.
pub const SA_MSG_MESSAGE_DELIVERED_ACK: SaMsgAckFlagsT = 1;

/// A message.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaMsgMessageT {
    pub r#type: SaUint32T,
    pub version: SaUint32T,
    /// Bytes at `data` (on a get: the buffer's size, then the message's).
    pub size: SaSizeT,
    /// The sender's name, or NULL.
    pub senderName: *mut SaNameT,
    /// The data, or NULL for a get that lets the service allocate.
    pub data: *mut c_void,
    pub priority: SaUint8T,
}

/// Result of saMsgQueueOpenAsync.
pub type SaMsgQueueOpenCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        queueHandle: SaMsgQueueHandleT,
        error: SaAisErrorT,
    ),
>;

/// A tracked group changed (or its current members, for SA_TRACK_CURRENT).
pub type SaMsgQueueGroupTrackCallbackT = Option<
    unsafe extern "C" fn(
        queueGroupName: *const SaNameT,
        notificationBuffer: *const SaMsgQueueGroupNotificationBufferT,
        numberOfMembers: SaUint32T,
        error: SaAisErrorT,
    ),
>;

/// An asynchronous send or reply with SA_MSG_MESSAGE_DELIVERED_ACK was
/// delivered (or failed).
pub type SaMsgMessageDeliveredCallbackT =
    Option<unsafe extern "C" fn(invocation: SaInvocationT, error: SaAisErrorT)>;

/// A message arrived in a queue opened with SA_MSG_QUEUE_RECEIVE_CALLBACK.
pub type SaMsgMessageReceivedCallbackT =
    Option<unsafe extern "C" fn(queueHandle: SaMsgQueueHandleT)>;

/// Callbacks a client registers with saMsgInitialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SaMsgCallbacksT {
    pub saMsgQueueOpenCallback: SaMsgQueueOpenCallbackT,
    pub saMsgQueueGroupTrackCallback: SaMsgQueueGroupTrackCallbackT,
    pub saMsgMessageDeliveredCallback: SaMsgMessageDeliveredCallbackT,
    pub saMsgMessageReceivedCallback: SaMsgMessageReceivedCallbackT,
}

extern "C" {
    pub fn saMsgInitialize(
        msgHandle: *mut SaMsgHandleT,
        msgCallbacks: *const SaMsgCallbacksT,
        version: *mut SaVersionT,
    ) -> SaAisErrorT;

    pub fn saMsgSelectionObjectGet(
        msgHandle: SaMsgHandleT,
        selectionObject: *mut SaSelectionObjectT,
    ) -> SaAisErrorT;

    pub fn saMsgDispatch(msgHandle: SaMsgHandleT, dispatchFlags: SaDispatchFlagsT) -> SaAisErrorT;

    pub fn saMsgFinalize(msgHandle: SaMsgHandleT) -> SaAisErrorT;

    pub fn saMsgQueueOpen(
        msgHandle: SaMsgHandleT,
        queueName: *const SaNameT,
        creationAttributes: *const SaMsgQueueCreationAttributesT,
        openFlags: SaMsgQueueOpenFlagsT,
        timeout: SaTimeT,
        queueHandle: *mut SaMsgQueueHandleT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueOpenAsync(
        msgHandle: SaMsgHandleT,
        invocation: SaInvocationT,
        queueName: *const SaNameT,
        creationAttributes: *const SaMsgQueueCreationAttributesT,
        openFlags: SaMsgQueueOpenFlagsT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueClose(queueHandle: SaMsgQueueHandleT) -> SaAisErrorT;

    pub fn saMsgQueueStatusGet(
        msgHandle: SaMsgHandleT,
        queueName: *const SaNameT,
        queueStatus: *mut SaMsgQueueStatusT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueUnlink(msgHandle: SaMsgHandleT, queueName: *const SaNameT) -> SaAisErrorT;

    pub fn saMsgQueueGroupCreate(
        msgHandle: SaMsgHandleT,
        queueGroupName: *const SaNameT,
        queueGroupPolicy: SaMsgQueueGroupPolicyT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueGroupInsert(
        msgHandle: SaMsgHandleT,
        queueGroupName: *const SaNameT,
        queueName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueGroupRemove(
        msgHandle: SaMsgHandleT,
        queueGroupName: *const SaNameT,
        queueName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueGroupDelete(
        msgHandle: SaMsgHandleT,
        queueGroupName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueGroupTrack(
        msgHandle: SaMsgHandleT,
        queueGroupName: *const SaNameT,
        trackFlags: SaUint8T,
        notificationBuffer: *mut SaMsgQueueGroupNotificationBufferT,
    ) -> SaAisErrorT;

    pub fn saMsgQueueGroupTrackStop(
        msgHandle: SaMsgHandleT,
        queueGroupName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saMsgMessageSend(
        msgHandle: SaMsgHandleT,
        destination: *const SaNameT,
        message: *const SaMsgMessageT,
        timeout: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saMsgMessageSendAsync(
        msgHandle: SaMsgHandleT,
        invocation: SaInvocationT,
        destination: *const SaNameT,
        message: *const SaMsgMessageT,
        ackFlags: SaMsgAckFlagsT,
    ) -> SaAisErrorT;

    pub fn saMsgMessageGet(
        queueHandle: SaMsgQueueHandleT,
        message: *mut SaMsgMessageT,
        sendTime: *mut SaTimeT,
        senderId: *mut SaMsgSenderIdT,
        timeout: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saMsgMessageCancel(queueHandle: SaMsgQueueHandleT) -> SaAisErrorT;

    pub fn saMsgMessageSendReceive(
        msgHandle: SaMsgHandleT,
        destination: *const SaNameT,
        sendMessage: *const SaMsgMessageT,
        receiveMessage: *mut SaMsgMessageT,
        replySendTime: *mut SaTimeT,
        timeout: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saMsgMessageReply(
        msgHandle: SaMsgHandleT,
        replyMessage: *const SaMsgMessageT,
        senderId: *const SaMsgSenderIdT,
        timeout: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saMsgMessageReplyAsync(
        msgHandle: SaMsgHandleT,
        invocation: SaInvocationT,
        replyMessage: *const SaMsgMessageT,
        senderId: *const SaMsgSenderIdT,
        ackFlags: SaMsgAckFlagsT,
    ) -> SaAisErrorT;
}
