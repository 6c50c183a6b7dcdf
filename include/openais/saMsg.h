/*
 * saMsg.h: SA Forum AIS B.01.01 Message Service, openais 0.80 ABI.
 * Generated from libsa/abi/src/msg.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SAMSG_H
#define OPENAIS_SAMSG_H

#include "saAis.h"

/**
 * Handle of one message library instance (from saMsgInitialize).
 */
typedef SaUint64T SaMsgHandleT;

/**
 * Handle of one opened message queue.
 */
typedef SaUint64T SaMsgQueueHandleT;

/**
 * Result of saMsgQueueOpenAsync.
 */
typedef void (*SaMsgQueueOpenCallbackT)(SaInvocationT invocation,
                                        SaMsgQueueHandleT queueHandle,
                                        SaAisErrorT error);

/**
 * A member of a queue group.
 */
typedef struct SaMsgQueueGroupMemberT {
    SaNameT queueName;
} SaMsgQueueGroupMemberT;

/**
 * How a member changed (a C enum).
 */
typedef uint32_t SaMsgQueueGroupChangesT;

/**
 * One member in a group track notification.
 */
typedef struct SaMsgQueueGroupNotificationT {
    struct SaMsgQueueGroupMemberT member;
    SaMsgQueueGroupChangesT change;
} SaMsgQueueGroupNotificationT;

/**
 * How a queue group chooses the queue of a message (a C enum).
 */
typedef uint32_t SaMsgQueueGroupPolicyT;

/**
 * The members of a tracked group.
 */
typedef struct SaMsgQueueGroupNotificationBufferT {
    SaUint32T numberOfItems;
    /**
     * NULL: saMsgQueueGroupTrack allocates it (the caller frees it).
     */
    struct SaMsgQueueGroupNotificationT *notification;
    SaMsgQueueGroupPolicyT queueGroupPolicy;
} SaMsgQueueGroupNotificationBufferT;

/**
 * A tracked group changed (or its current members, for SA_TRACK_CURRENT).
 */
typedef void (*SaMsgQueueGroupTrackCallbackT)(const SaNameT *queueGroupName,
                                              const struct SaMsgQueueGroupNotificationBufferT *notificationBuffer,
                                              SaUint32T numberOfMembers,
                                              SaAisErrorT error);

/**
 * An asynchronous send or reply with SA_MSG_MESSAGE_DELIVERED_ACK was
 * delivered (or failed).
 */
typedef void (*SaMsgMessageDeliveredCallbackT)(SaInvocationT invocation, SaAisErrorT error);

/**
 * A message arrived in a queue opened with SA_MSG_QUEUE_RECEIVE_CALLBACK.
 */
typedef void (*SaMsgMessageReceivedCallbackT)(SaMsgQueueHandleT queueHandle);

/**
 * Callbacks a client registers with saMsgInitialize.
 */
typedef struct SaMsgCallbacksT {
    SaMsgQueueOpenCallbackT saMsgQueueOpenCallback;
    SaMsgQueueGroupTrackCallbackT saMsgQueueGroupTrackCallback;
    SaMsgMessageDeliveredCallbackT saMsgMessageDeliveredCallback;
    SaMsgMessageReceivedCallbackT saMsgMessageReceivedCallback;
} SaMsgCallbacksT;

/**
 * Queue creation flags.
 */
typedef SaUint32T SaMsgQueueCreationFlagsT;

/**
 * Attributes a queue is created with.
 */
typedef struct SaMsgQueueCreationAttributesT {
    SaMsgQueueCreationFlagsT creationFlags;
    /**
     * Bytes each priority area holds.
     */
    SaSizeT size[4];
    /**
     * How long a closed non-persistent queue is kept.
     */
    SaTimeT retentionTime;
} SaMsgQueueCreationAttributesT;

/**
 * Queue open flags.
 */
typedef SaUint32T SaMsgQueueOpenFlagsT;

/**
 * Usage of one priority area of a queue.
 */
typedef struct SaMsgQueueUsageT {
    SaSizeT queueSize;
    SaSizeT queueUsed;
    SaUint32T numberOfMessages;
} SaMsgQueueUsageT;

/**
 * Status of a queue (saMsgQueueStatusGet).
 */
typedef struct SaMsgQueueStatusT {
    SaMsgQueueCreationFlagsT creationFlags;
    SaTimeT retentionTime;
    SaTimeT closeTime;
    struct SaMsgQueueUsageT saMsgQueueUsage[4];
} SaMsgQueueStatusT;

/**
 * A message.
 */
typedef struct SaMsgMessageT {
    SaUint32T type;
    SaUint32T version;
    /**
     * Bytes at `data` (on a get: the buffer's size, then the message's).
     */
    SaSizeT size;
    /**
     * The sender's name, or NULL.
     */
    SaNameT *senderName;
    /**
     * The data, or NULL for a get that lets the service allocate.
     */
    void *data;
    SaUint8T priority;
} SaMsgMessageT;

/**
 * Delivery acknowledgement flags.
 */
typedef SaUint32T SaMsgAckFlagsT;

/**
 * Identifies the sender of a message sent with saMsgMessageSendReceive,
 * for saMsgMessageReply.
 */
typedef SaUint64T SaMsgSenderIdT;

/**
 * The queue is not deleted when its retention time passes after a close.
 */
#define SA_MSG_QUEUE_PERSISTENT 1

/**
 * Highest message priority (served first).
 */
#define SA_MSG_MESSAGE_HIGHEST_PRIORITY 0

/**
 * Lowest message priority.
 */
#define SA_MSG_MESSAGE_LOWEST_PRIORITY 3

#define SA_MSG_QUEUE_CREATE 1

#define SA_MSG_QUEUE_RECEIVE_CALLBACK 2

#define SA_MSG_QUEUE_EMPTY 4

#define SA_MSG_QUEUE_GROUP_ROUND_ROBIN 1

#define SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN 2

#define SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE 3

#define SA_MSG_QUEUE_GROUP_BROADCAST 4

#define SA_MSG_QUEUE_GROUP_NO_CHANGE 1

#define SA_MSG_QUEUE_GROUP_ADDED 2

#define SA_MSG_QUEUE_GROUP_REMOVED 3

#define SA_MSG_QUEUE_GROUP_STATE_CHANGED 4

/**
 * Call saMsgMessageDeliveredCallback once the message is in the queue.
 */
#define SA_MSG_MESSAGE_DELIVERED_ACK 1

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern SaAisErrorT saMsgInitialize(SaMsgHandleT *msgHandle,
                                   const struct SaMsgCallbacksT *msgCallbacks,
                                   SaVersionT *version);

extern SaAisErrorT saMsgSelectionObjectGet(SaMsgHandleT msgHandle,
                                           SaSelectionObjectT *selectionObject);

extern SaAisErrorT saMsgDispatch(SaMsgHandleT msgHandle, SaDispatchFlagsT dispatchFlags);

extern SaAisErrorT saMsgFinalize(SaMsgHandleT msgHandle);

extern SaAisErrorT saMsgQueueOpen(SaMsgHandleT msgHandle,
                                  const SaNameT *queueName,
                                  const struct SaMsgQueueCreationAttributesT *creationAttributes,
                                  SaMsgQueueOpenFlagsT openFlags,
                                  SaTimeT timeout,
                                  SaMsgQueueHandleT *queueHandle);

extern SaAisErrorT saMsgQueueOpenAsync(SaMsgHandleT msgHandle,
                                       SaInvocationT invocation,
                                       const SaNameT *queueName,
                                       const struct SaMsgQueueCreationAttributesT *creationAttributes,
                                       SaMsgQueueOpenFlagsT openFlags);

extern SaAisErrorT saMsgQueueClose(SaMsgQueueHandleT queueHandle);

extern SaAisErrorT saMsgQueueStatusGet(SaMsgHandleT msgHandle,
                                       const SaNameT *queueName,
                                       struct SaMsgQueueStatusT *queueStatus);

extern SaAisErrorT saMsgQueueUnlink(SaMsgHandleT msgHandle, const SaNameT *queueName);

extern SaAisErrorT saMsgQueueGroupCreate(SaMsgHandleT msgHandle,
                                         const SaNameT *queueGroupName,
                                         SaMsgQueueGroupPolicyT queueGroupPolicy);

extern SaAisErrorT saMsgQueueGroupInsert(SaMsgHandleT msgHandle,
                                         const SaNameT *queueGroupName,
                                         const SaNameT *queueName);

extern SaAisErrorT saMsgQueueGroupRemove(SaMsgHandleT msgHandle,
                                         const SaNameT *queueGroupName,
                                         const SaNameT *queueName);

extern SaAisErrorT saMsgQueueGroupDelete(SaMsgHandleT msgHandle, const SaNameT *queueGroupName);

extern SaAisErrorT saMsgQueueGroupTrack(SaMsgHandleT msgHandle,
                                        const SaNameT *queueGroupName,
                                        SaUint8T trackFlags,
                                        struct SaMsgQueueGroupNotificationBufferT *notificationBuffer);

extern SaAisErrorT saMsgQueueGroupTrackStop(SaMsgHandleT msgHandle, const SaNameT *queueGroupName);

extern SaAisErrorT saMsgMessageSend(SaMsgHandleT msgHandle,
                                    const SaNameT *destination,
                                    const struct SaMsgMessageT *message,
                                    SaTimeT timeout);

extern SaAisErrorT saMsgMessageSendAsync(SaMsgHandleT msgHandle,
                                         SaInvocationT invocation,
                                         const SaNameT *destination,
                                         const struct SaMsgMessageT *message,
                                         SaMsgAckFlagsT ackFlags);

extern SaAisErrorT saMsgMessageGet(SaMsgQueueHandleT queueHandle,
                                   struct SaMsgMessageT *message,
                                   SaTimeT *sendTime,
                                   SaMsgSenderIdT *senderId,
                                   SaTimeT timeout);

extern SaAisErrorT saMsgMessageCancel(SaMsgQueueHandleT queueHandle);

extern SaAisErrorT saMsgMessageSendReceive(SaMsgHandleT msgHandle,
                                           const SaNameT *destination,
                                           const struct SaMsgMessageT *sendMessage,
                                           struct SaMsgMessageT *receiveMessage,
                                           SaTimeT *replySendTime,
                                           SaTimeT timeout);

extern SaAisErrorT saMsgMessageReply(SaMsgHandleT msgHandle,
                                     const struct SaMsgMessageT *replyMessage,
                                     const SaMsgSenderIdT *senderId,
                                     SaTimeT timeout);

extern SaAisErrorT saMsgMessageReplyAsync(SaMsgHandleT msgHandle,
                                          SaInvocationT invocation,
                                          const struct SaMsgMessageT *replyMessage,
                                          const SaMsgSenderIdT *senderId,
                                          SaMsgAckFlagsT ackFlags);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_SAMSG_H */
