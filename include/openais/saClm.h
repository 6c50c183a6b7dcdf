/*
 * saClm.h: SA Forum AIS B.01.01 Cluster Membership Service, openais 0.80 ABI.
 * Generated from libsa/abi/src/clm.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SACLM_H
#define OPENAIS_SACLM_H

#include "saAis.h"

/**
 * Longest node address.
 */
#define SA_CLM_MAX_ADDRESS_LENGTH 64

/**
 * Handle of one CLM library instance (from saClmInitialize).
 */
typedef SaUint64T SaClmHandleT;

/**
 * Cluster node identifier.
 */
typedef SaUint32T SaClmNodeIdT;

/**
 * Address family of a node address.
 */
typedef uint32_t SaClmNodeAddressFamilyT;

/**
 * A node's communication address (openais: the address as text).
 */
typedef struct SaClmNodeAddressT {
    SaClmNodeAddressFamilyT family;
    /**
     * Number of meaningful bytes in value.
     */
    SaUint16T length;
    SaUint8T value[SA_CLM_MAX_ADDRESS_LENGTH];
} SaClmNodeAddressT;

/**
 * One cluster node as CLM reports it.
 */
typedef struct SaClmClusterNodeT {
    SaClmNodeIdT nodeId;
    struct SaClmNodeAddressT nodeAddress;
    SaNameT nodeName;
    /**
     * SA_TRUE while the node is a cluster member.
     */
    SaBoolT member;
    SaTimeT bootTimestamp;
    /**
     * View number in which the node joined the cluster.
     */
    SaUint64T initialViewNumber;
} SaClmClusterNodeT;

/**
 * Result of saClmClusterNodeGetAsync.
 */
typedef void (*SaClmClusterNodeGetCallbackT)(SaInvocationT invocation,
                                             const struct SaClmClusterNodeT *clusterNode,
                                             SaAisErrorT error);

/**
 * How a node changed in a track notification.
 */
typedef uint32_t SaClmClusterChangesT;

/**
 * One node and how it changed.
 */
typedef struct SaClmClusterNotificationT {
    struct SaClmClusterNodeT clusterNode;
    SaClmClusterChangesT clusterChange;
} SaClmClusterNotificationT;

/**
 * Buffer of notifications: caller-provided, or allocated by the library
 * when `notification` is NULL.
 */
typedef struct SaClmClusterNotificationBufferT {
    SaUint64T viewNumber;
    SaUint32T numberOfItems;
    struct SaClmClusterNotificationT *notification;
} SaClmClusterNotificationBufferT;

/**
 * Membership change reported to a tracking client.
 */
typedef void (*SaClmClusterTrackCallbackT)(const struct SaClmClusterNotificationBufferT *notificationBuffer,
                                           SaUint32T numberOfMembers,
                                           SaAisErrorT error);

/**
 * Callbacks a client registers with saClmInitialize.
 */
typedef struct SaClmCallbacksT {
    SaClmClusterNodeGetCallbackT saClmClusterNodeGetCallback;
    SaClmClusterTrackCallbackT saClmClusterTrackCallback;
} SaClmCallbacksT;

/**
 * Node id meaning "the node the caller runs on".
 */
#define SA_CLM_LOCAL_NODE_ID 4294967295u

#define SA_CLM_AF_INET 1

#define SA_CLM_AF_INET6 2

#define SA_CLM_NODE_NO_CHANGE 1

#define SA_CLM_NODE_JOINED 2

#define SA_CLM_NODE_LEFT 3

#define SA_CLM_NODE_RECONFIGURED 4

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern SaAisErrorT saClmInitialize(SaClmHandleT *clmHandle,
                                   const struct SaClmCallbacksT *clmCallbacks,
                                   SaVersionT *version);

extern SaAisErrorT saClmSelectionObjectGet(SaClmHandleT clmHandle,
                                           SaSelectionObjectT *selectionObject);

extern SaAisErrorT saClmDispatch(SaClmHandleT clmHandle, SaDispatchFlagsT dispatchFlags);

extern SaAisErrorT saClmFinalize(SaClmHandleT clmHandle);

extern SaAisErrorT saClmClusterTrack(SaClmHandleT clmHandle,
                                     SaUint8T trackFlags,
                                     struct SaClmClusterNotificationBufferT *notificationBuffer);

extern SaAisErrorT saClmClusterTrackStop(SaClmHandleT clmHandle);

extern SaAisErrorT saClmClusterNodeGet(SaClmHandleT clmHandle,
                                       SaClmNodeIdT nodeId,
                                       SaTimeT timeout,
                                       struct SaClmClusterNodeT *clusterNode);

extern SaAisErrorT saClmClusterNodeGetAsync(SaClmHandleT clmHandle,
                                            SaInvocationT invocation,
                                            SaClmNodeIdT nodeId);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_SACLM_H */
