/*
 * saAmf.h: SA Forum AIS B.01.01 Availability Management Framework, openais 0.80 ABI.
 * Generated from libsa/abi/src/amf.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SAAMF_H
#define OPENAIS_SAAMF_H

#include "saAis.h"

/**
 * Longest healthcheck key.
 */
#define SA_AMF_HEALTHCHECK_KEY_MAX 32

/**
 * Handle of one AMF library instance (from saAmfInitialize).
 */
typedef SaUint64T SaAmfHandleT;

/**
 * Key naming one healthcheck of a component.
 */
typedef struct SaAmfHealthcheckKeyT {
    SaUint8T key[SA_AMF_HEALTHCHECK_KEY_MAX];
    /**
     * Number of meaningful bytes in key.
     */
    SaUint16T keyLen;
} SaAmfHealthcheckKeyT;

/**
 * AMF asks the component to run a healthcheck.
 */
typedef void (*SaAmfHealthcheckCallbackT)(SaInvocationT invocation,
                                          const SaNameT *compName,
                                          struct SaAmfHealthcheckKeyT *healthcheckKey);

/**
 * AMF asks the component to terminate.
 */
typedef void (*SaAmfComponentTerminateCallbackT)(SaInvocationT invocation, const SaNameT *compName);

/**
 * HA state of a component for a component service instance.
 */
typedef uint32_t SaAmfHAStateT;

/**
 * Flags of a component service instance assignment.
 */
typedef SaUint32T SaAmfCSIFlagsT;

/**
 * How an active assignment came about.
 */
typedef uint32_t SaAmfCSITransitionDescriptorT;

/**
 * State descriptor of an active assignment.
 */
typedef struct SaAmfCSIActiveDescriptorT {
    SaAmfCSITransitionDescriptorT transitionDescriptor;
    /**
     * The component previously active, if any.
     */
    SaNameT activeCompName;
} SaAmfCSIActiveDescriptorT;

/**
 * State descriptor of a standby assignment.
 */
typedef struct SaAmfCSIStandbyDescriptorT {
    SaNameT activeCompName;
    SaUint32T standbyRank;
} SaAmfCSIStandbyDescriptorT;

/**
 * Active or standby descriptor, as the HA state of the assignment says.
 */
typedef union SaAmfCSIStateDescriptorT {
    struct SaAmfCSIActiveDescriptorT activeDescriptor;
    struct SaAmfCSIStandbyDescriptorT standbyDescriptor;
} SaAmfCSIStateDescriptorT;

/**
 * One name/value attribute of a component service instance.
 */
typedef struct SaAmfCSIAttributeT {
    /**
     * NUL-terminated name.
     */
    SaUint8T *attrName;
    /**
     * NUL-terminated value.
     */
    SaUint8T *attrValue;
} SaAmfCSIAttributeT;

/**
 * The attributes of a component service instance.
 */
typedef struct SaAmfCSIAttributeListT {
    struct SaAmfCSIAttributeT *attr;
    SaUint32T number;
} SaAmfCSIAttributeListT;

/**
 * A component service instance assignment (saAmfCSISetCallback).
 */
typedef struct SaAmfCSIDescriptorT {
    SaAmfCSIFlagsT csiFlags;
    SaNameT csiName;
    union SaAmfCSIStateDescriptorT csiStateDescriptor;
    struct SaAmfCSIAttributeListT csiAttr;
} SaAmfCSIDescriptorT;

/**
 * AMF assigns an HA state for a component service instance.
 */
typedef void (*SaAmfCSISetCallbackT)(SaInvocationT invocation,
                                     const SaNameT *compName,
                                     SaAmfHAStateT haState,
                                     struct SaAmfCSIDescriptorT *csiDescriptor);

/**
 * AMF removes a component service instance assignment.
 */
typedef void (*SaAmfCSIRemoveCallbackT)(SaInvocationT invocation,
                                        const SaNameT *compName,
                                        const SaNameT *csiName,
                                        SaAmfCSIFlagsT csiFlags);

/**
 * One component of a protection group.
 */
typedef struct SaAmfProtectionGroupMemberT {
    SaNameT compName;
    SaAmfHAStateT haState;
    SaUint32T rank;
} SaAmfProtectionGroupMemberT;

/**
 * How a protection group member changed.
 */
typedef uint32_t SaAmfProtectionGroupChangesT;

/**
 * One member and how it changed.
 */
typedef struct SaAmfProtectionGroupNotificationT {
    struct SaAmfProtectionGroupMemberT member;
    SaAmfProtectionGroupChangesT change;
} SaAmfProtectionGroupNotificationT;

/**
 * Buffer of protection group notifications.
 */
typedef struct SaAmfProtectionGroupNotificationBufferT {
    SaUint32T numberOfItems;
    struct SaAmfProtectionGroupNotificationT *notification;
} SaAmfProtectionGroupNotificationBufferT;

/**
 * A tracked protection group changed.
 */
typedef void (*SaAmfProtectionGroupTrackCallbackT)(const SaNameT *csiName,
                                                   struct SaAmfProtectionGroupNotificationBufferT *notificationBuffer,
                                                   SaUint32T numberOfMembers,
                                                   SaAisErrorT error);

/**
 * A proxy component is asked to instantiate an external component.
 */
typedef void (*SaAmfExternalComponentInstantiateCallbackT)(SaInvocationT invocation,
                                                           const SaNameT *compName);

/**
 * A proxy component is asked to clean up an external component.
 */
typedef void (*SaAmfExternalComponentCleanupCallbackT)(SaInvocationT invocation,
                                                       const SaNameT *compName);

/**
 * Callbacks a component registers with saAmfInitialize.
 */
typedef struct SaAmfCallbacksT {
    SaAmfHealthcheckCallbackT saAmfHealthcheckCallback;
    SaAmfComponentTerminateCallbackT saAmfComponentTerminateCallback;
    SaAmfCSISetCallbackT saAmfCSISetCallback;
    SaAmfCSIRemoveCallbackT saAmfCSIRemoveCallback;
    SaAmfProtectionGroupTrackCallbackT saAmfProtectionGroupTrackCallback;
    SaAmfExternalComponentInstantiateCallbackT saAmfExternalComponentInstantiateCallback;
    SaAmfExternalComponentCleanupCallbackT saAmfExternalComponentCleanupCallback;
} SaAmfCallbacksT;

/**
 * Process errors passive monitoring watches for.
 */
typedef SaUint32T SaAmfPmErrorsT;

/**
 * Recovery a component error report recommends.
 */
typedef uint32_t SaAmfRecommendedRecoveryT;

/**
 * Which processes saAmfPmStop stops monitoring.
 */
typedef uint32_t SaAmfPmStopQualifierT;

/**
 * Who invokes a healthcheck.
 */
typedef uint32_t SaAmfHealthcheckInvocationT;

/**
 * Readiness state (openais addition).
 */
typedef uint32_t SaAmfReadinessStateT;

/**
 * Presence state (openais addition).
 */
typedef uint32_t SaAmfPresenceStateT;

/**
 * Operational state (openais addition).
 */
typedef uint32_t SaAmfOperationalStateT;

/**
 * Administrative state (openais addition).
 */
typedef uint32_t SaAmfAdminStateT;

/**
 * Assignment state of a service instance (openais addition).
 */
typedef uint32_t SaAmfAssignmentStateT;

/**
 * Proxy status of a component (openais addition).
 */
typedef uint32_t SaAmfProxyStatusT;

/**
 * Which state a state value describes (openais addition).
 */
typedef uint32_t SaAmfStateT;

/**
 * Component category bits (openais addition).
 */
typedef SaUint32T saAmfCompCategoryT;

/**
 * Redundancy model of a service group (openais addition, its spelling).
 */
typedef uint32_t saAmfRedundancyModelT;

/**
 * Capability model of a component (openais addition).
 */
typedef uint32_t saAmfCompCapabilityModelT;

/**
 * Additional information of an AMF notification.
 */
typedef uint32_t SaAmfAdditionalInfoIdT;

#define SA_AMF_HEALTHCHECK_AMF_INVOKED 1

#define SA_AMF_HEALTHCHECK_COMPONENT_INVOKED 2

#define SA_AMF_HA_ACTIVE 1

#define SA_AMF_HA_STANDBY 2

#define SA_AMF_HA_QUIESCED 3

#define SA_AMF_HA_QUIESCING 4

#define SA_AMF_READINESS_OUT_OF_SERVICE 1

#define SA_AMF_READINESS_IN_SERVICE 2

#define SA_AMF_READINESS_STOPPING 3

#define SA_AMF_PRESENCE_UNINSTANTIATED 1

#define SA_AMF_PRESENCE_INSTANTIATING 2

#define SA_AMF_PRESENCE_INSTANTIATED 3

#define SA_AMF_PRESENCE_TERMINATING 4

#define SA_AMF_PRESENCE_RESTARTING 5

#define SA_AMF_PRESENCE_INSTANTIATION_FAILED 6

#define SA_AMF_PRESENCE_TERMINATION_FAILED 7

#define SA_AMF_OPERATIONAL_ENABLED 1

#define SA_AMF_OPERATIONAL_DISABLED 2

#define SA_AMF_ADMIN_UNLOCKED 1

#define SA_AMF_ADMIN_LOCKED 2

#define SA_AMF_ADMIN_LOCKED_INSTANTIATION 3

#define SA_AMF_ADMIN_SHUTTING_DOWN 4

#define SA_AMF_ASSIGNMENT_UNASSIGNED 1

#define SA_AMF_ASSIGNMENT_FULLY_ASSIGNED 2

#define SA_AMF_ASSIGNMENT_PARTIALLY_ASSIGNED 3

#define SA_AMF_PROXY_STATUS_UNPROXIED 1

#define SA_AMF_PROXY_STATUS_PROXIED 2

#define SA_AMF_READINESS_STATE 1

#define SA_AMF_HA_STATE 2

#define SA_AMF_PRESENCE_STATE 3

#define SA_AMF_OP_STATE 4

#define SA_AMF_ADMIN_STATE 5

#define SA_AMF_ASSIGNMENT_STATE 6

#define SA_AMF_PROXY_STATUS 7

#define SA_AMF_COMP_SA_AWARE 1

#define SA_AMF_COMP_PROXY 2

#define SA_AMF_COMP_PROXIED 4

#define SA_AMF_COMP_LOCAL 8

#define SA_AMF_2N_REDUNDANCY_MODEL 1

#define SA_AMF_NPM_REDUNDANCY_MODEL 2

#define SA_AMF_N_WAY_REDUNDANCY_MODEL 3

#define SA_AMF_N_WAY_ACTIVE_REDUNDACY_MODEL 4

#define SA_AMF_NO_REDUNDANCY_MODEL 5

#define SA_AMF_COMP_X_ACTIVE_AND_Y_STANDBY 1

#define SA_AMF_COMP_X_ACTIVE_OR_Y_STANDBY 2

#define SA_AMF_COMP_ONE_ACTIVE_OR_Y_STANDBY 3

#define SA_AMF_COMP_ONE_ACTIVE_OR_ONE_STANDBY 4

#define SA_AMF_COMP_X_ACTIVE 5

#define SA_AMF_COMP_1_ACTIVE 6

#define SA_AMF_COMP_NON_PRE_INSTANTIABLE 7

#define SA_AMF_CSI_ADD_ONE 1

#define SA_AMF_CSI_TARGET_ONE 2

#define SA_AMF_CSI_TARGET_ALL 4

#define SA_AMF_CSI_NEW_ASSIGN 1

#define SA_AMF_CSI_QUIESCED 2

#define SA_AMF_CSI_NOT_QUIESCED 3

#define SA_AMF_CSI_STILL_ACTIVE 4

#define SA_AMF_PROTECTION_GROUP_NO_CHANGE 1

#define SA_AMF_PROTECTION_GROUP_ADDED 2

#define SA_AMF_PROTECTION_GROUP_REMOVED 3

#define SA_AMF_PROTECTION_GROUP_STATE_CHANGE 4

#define SA_AMF_NO_RECOMMENDATION 1

#define SA_AMF_COMPONENT_RESTART 2

#define SA_AMF_COMPONENT_FAILOVER 3

#define SA_AMF_NODE_SWITCHOVER 4

#define SA_AMF_NODE_FAILOVER 5

#define SA_AMF_NODE_FAILFAST 6

#define SA_AMF_CLUSTER_RESET 7

#define SA_AMF_APPLICATION_RESTART 8

#define SA_AMF_PM_ZERO_EXIT 1

#define SA_AMF_PM_NON_ZERO_EXIT 2

#define SA_AMF_PM_ABNORMAL_END 4

#define SA_AMF_PM_PROC 1

#define SA_AMF_PM_PROC_AND_DESCENDENTS 2

#define SA_AMF_PM_ALL_PROCESSES 3

#define SA_AMF_NODE_NAME 1

#define SA_AMF_SI_NAME 2

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern SaAisErrorT saAmfInitialize(SaAmfHandleT *amfHandle,
                                   const struct SaAmfCallbacksT *amfCallbacks,
                                   SaVersionT *version);

extern SaAisErrorT saAmfSelectionObjectGet(SaAmfHandleT amfHandle,
                                           SaSelectionObjectT *selectionObject);

extern SaAisErrorT saAmfDispatch(SaAmfHandleT amfHandle, SaDispatchFlagsT dispatchFlags);

extern SaAisErrorT saAmfFinalize(SaAmfHandleT amfHandle);

extern SaAisErrorT saAmfComponentRegister(SaAmfHandleT amfHandle,
                                          const SaNameT *compName,
                                          const SaNameT *proxyCompName);

extern SaAisErrorT saAmfComponentUnregister(SaAmfHandleT amfHandle,
                                            const SaNameT *compName,
                                            const SaNameT *proxyCompName);

extern SaAisErrorT saAmfComponentNameGet(SaAmfHandleT amfHandle, SaNameT *compName);

extern SaAisErrorT saAmfPmStart(SaAmfHandleT amfHandle,
                                const SaNameT *compName,
                                SaUint64T processId,
                                SaInt32T descendentsTreeDepth,
                                SaAmfPmErrorsT pmErrors,
                                SaAmfRecommendedRecoveryT recommendedRecovery);

extern SaAisErrorT saAmfPmStop(SaAmfHandleT amfHandle,
                               const SaNameT *compName,
                               SaAmfPmStopQualifierT stopQualifier,
                               SaInt64T processId,
                               SaAmfPmErrorsT pmErrors);

extern SaAisErrorT saAmfHealthcheckStart(SaAmfHandleT amfHandle,
                                         const SaNameT *compName,
                                         const struct SaAmfHealthcheckKeyT *healthcheckKey,
                                         SaAmfHealthcheckInvocationT invocationType,
                                         SaAmfRecommendedRecoveryT recommendedRecovery);

extern SaAisErrorT saAmfHealthcheckConfirm(SaAmfHandleT amfHandle,
                                           const SaNameT *compName,
                                           const struct SaAmfHealthcheckKeyT *healthcheckKey,
                                           SaAisErrorT healthcheckResult);

extern SaAisErrorT saAmfHealthcheckStop(SaAmfHandleT amfHandle,
                                        const SaNameT *compName,
                                        const struct SaAmfHealthcheckKeyT *healthcheckKey);

extern SaAisErrorT saAmfHAStateGet(SaAmfHandleT amfHandle,
                                   const SaNameT *compName,
                                   const SaNameT *csiName,
                                   SaAmfHAStateT *haState);

extern SaAisErrorT saAmfCSIQuiescingComplete(SaAmfHandleT amfHandle,
                                             SaInvocationT invocation,
                                             SaAisErrorT error);

extern SaAisErrorT saAmfProtectionGroupTrack(SaAmfHandleT amfHandle,
                                             const SaNameT *csiName,
                                             SaUint8T trackFlags,
                                             struct SaAmfProtectionGroupNotificationBufferT *notificationBuffer);

extern SaAisErrorT saAmfProtectionGroupTrackStop(SaAmfHandleT amfHandle, const SaNameT *csiName);

extern SaAisErrorT saAmfComponentErrorReport(SaAmfHandleT amfHandle,
                                             const SaNameT *erroneousComponent,
                                             SaTimeT errorDetectionTime,
                                             SaAmfRecommendedRecoveryT recommendedRecovery,
                                             SaNtfIdentifierT ntfIdentifier);

extern SaAisErrorT saAmfComponentErrorClear(SaAmfHandleT amfHandle,
                                            const SaNameT *compName,
                                            SaNtfIdentifierT ntfIdentifier);

extern SaAisErrorT saAmfResponse(SaAmfHandleT amfHandle,
                                 SaInvocationT invocation,
                                 SaAisErrorT error);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_SAAMF_H */
