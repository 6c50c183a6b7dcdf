//! saAmf.h: the Availability Management Framework (B.01.01) as openais
//! 0.80 declares it, including openais's additions (the state and model
//! enumerations of its configuration, the external component callbacks).
//!
//! cbindgen turns this file into `include/openais/saAmf.h`.

use crate::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInt32T, SaInt64T, SaInvocationT, SaNameT, SaNtfIdentifierT,
    SaSelectionObjectT, SaTimeT, SaUint16T, SaUint32T, SaUint64T, SaUint8T, SaVersionT,
};

/// Handle of one AMF library instance (from saAmfInitialize).
pub type SaAmfHandleT = SaUint64T;

/// Who invokes a healthcheck.
pub type SaAmfHealthcheckInvocationT = u32;
pub const SA_AMF_HEALTHCHECK_AMF_INVOKED: SaAmfHealthcheckInvocationT = 1;
pub const SA_AMF_HEALTHCHECK_COMPONENT_INVOKED: SaAmfHealthcheckInvocationT = 2;

/// Longest healthcheck key.
pub const SA_AMF_HEALTHCHECK_KEY_MAX: usize = 32;

/// Key naming one healthcheck of a component.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaAmfHealthcheckKeyT {
    pub key: [SaUint8T; SA_AMF_HEALTHCHECK_KEY_MAX],
    /// Number of meaningful bytes in key.
    pub keyLen: SaUint16T,
}

/// HA state of a component for a component service instance.
pub type SaAmfHAStateT = u32;
pub const SA_AMF_HA_ACTIVE: SaAmfHAStateT = 1;
pub const SA_AMF_HA_STANDBY: SaAmfHAStateT = 2;
pub const SA_AMF_HA_QUIESCED: SaAmfHAStateT = 3;
pub const SA_AMF_HA_QUIESCING: SaAmfHAStateT = 4;

/// Readiness state (openais addition).
pub type SaAmfReadinessStateT = u32;
pub const SA_AMF_READINESS_OUT_OF_SERVICE: SaAmfReadinessStateT = 1;
pub const SA_AMF_READINESS_IN_SERVICE: SaAmfReadinessStateT = 2;
pub const SA_AMF_READINESS_STOPPING: SaAmfReadinessStateT = 3;

/// Presence state (openais addition).
pub type SaAmfPresenceStateT = u32;
pub const SA_AMF_PRESENCE_UNINSTANTIATED: SaAmfPresenceStateT = 1;
pub const SA_AMF_PRESENCE_INSTANTIATING: SaAmfPresenceStateT = 2;
pub const SA_AMF_PRESENCE_INSTANTIATED: SaAmfPresenceStateT = 3;
pub const SA_AMF_PRESENCE_TERMINATING: SaAmfPresenceStateT = 4;
pub const SA_AMF_PRESENCE_RESTARTING: SaAmfPresenceStateT = 5;
pub const SA_AMF_PRESENCE_INSTANTIATION_FAILED: SaAmfPresenceStateT = 6;
pub const SA_AMF_PRESENCE_TERMINATION_FAILED: SaAmfPresenceStateT = 7;

/// Operational state (openais addition).
pub type SaAmfOperationalStateT = u32;
pub const SA_AMF_OPERATIONAL_ENABLED: SaAmfOperationalStateT = 1;
pub const SA_AMF_OPERATIONAL_DISABLED: SaAmfOperationalStateT = 2;

/// Administrative state (openais addition).
pub type SaAmfAdminStateT = u32;
pub const SA_AMF_ADMIN_UNLOCKED: SaAmfAdminStateT = 1;
pub const SA_AMF_ADMIN_LOCKED: SaAmfAdminStateT = 2;
pub const SA_AMF_ADMIN_LOCKED_INSTANTIATION: SaAmfAdminStateT = 3;
pub const SA_AMF_ADMIN_SHUTTING_DOWN: SaAmfAdminStateT = 4;

/// Assignment state of a service instance (openais addition).
pub type SaAmfAssignmentStateT = u32;
pub const SA_AMF_ASSIGNMENT_UNASSIGNED: SaAmfAssignmentStateT = 1;
pub const SA_AMF_ASSIGNMENT_FULLY_ASSIGNED: SaAmfAssignmentStateT = 2;
pub const SA_AMF_ASSIGNMENT_PARTIALLY_ASSIGNED: SaAmfAssignmentStateT = 3;

/// Proxy status of a component (openais addition).
pub type SaAmfProxyStatusT = u32;
pub const SA_AMF_PROXY_STATUS_UNPROXIED: SaAmfProxyStatusT = 1;
pub const SA_AMF_PROXY_STATUS_PROXIED: SaAmfProxyStatusT = 2;

/// Which state a state value describes (openais addition).
pub type SaAmfStateT = u32;
pub const SA_AMF_READINESS_STATE: SaAmfStateT = 1;
pub const SA_AMF_HA_STATE: SaAmfStateT = 2;
pub const SA_AMF_PRESENCE_STATE: SaAmfStateT = 3;
pub const SA_AMF_OP_STATE: SaAmfStateT = 4;
pub const SA_AMF_ADMIN_STATE: SaAmfStateT = 5;
pub const SA_AMF_ASSIGNMENT_STATE: SaAmfStateT = 6;
pub const SA_AMF_PROXY_STATUS: SaAmfStateT = 7;

/// Component category bits (openais addition).
pub type saAmfCompCategoryT = SaUint32T;
pub const SA_AMF_COMP_SA_AWARE: saAmfCompCategoryT = 1;
pub const SA_AMF_COMP_PROXY: saAmfCompCategoryT = 2;
pub const SA_AMF_COMP_PROXIED: saAmfCompCategoryT = 4;
pub const SA_AMF_COMP_LOCAL: saAmfCompCategoryT = 8;

/// Redundancy model of a service group (openais addition, its spelling).
pub type saAmfRedundancyModelT = u32;
pub const SA_AMF_2N_REDUNDANCY_MODEL: saAmfRedundancyModelT = 1;
pub const SA_AMF_NPM_REDUNDANCY_MODEL: saAmfRedundancyModelT = 2;
pub const SA_AMF_N_WAY_REDUNDANCY_MODEL: saAmfRedundancyModelT = 3;
pub const SA_AMF_N_WAY_ACTIVE_REDUNDACY_MODEL: saAmfRedundancyModelT = 4;
pub const SA_AMF_NO_REDUNDANCY_MODEL: saAmfRedundancyModelT = 5;

/// Capability model of a component (openais addition).
pub type saAmfCompCapabilityModelT = u32;
pub const SA_AMF_COMP_X_ACTIVE_AND_Y_STANDBY: saAmfCompCapabilityModelT = 1;
pub const SA_AMF_COMP_X_ACTIVE_OR_Y_STANDBY: saAmfCompCapabilityModelT = 2;
pub const SA_AMF_COMP_ONE_ACTIVE_OR_Y_STANDBY: saAmfCompCapabilityModelT = 3;
pub const SA_AMF_COMP_ONE_ACTIVE_OR_ONE_STANDBY: saAmfCompCapabilityModelT = 4;
pub const SA_AMF_COMP_X_ACTIVE: saAmfCompCapabilityModelT = 5;
pub const SA_AMF_COMP_1_ACTIVE: saAmfCompCapabilityModelT = 6;
pub const SA_AMF_COMP_NON_PRE_INSTANTIABLE: saAmfCompCapabilityModelT = 7;

/// Flags of a component service instance assignment.
pub type SaAmfCSIFlagsT = SaUint32T;
pub const SA_AMF_CSI_ADD_ONE: SaAmfCSIFlagsT = 1;
pub const SA_AMF_CSI_TARGET_ONE: SaAmfCSIFlagsT = 2;
pub const SA_AMF_CSI_TARGET_ALL: SaAmfCSIFlagsT = 4;

/// How an active assignment came about.
pub type SaAmfCSITransitionDescriptorT = u32;
pub const SA_AMF_CSI_NEW_ASSIGN: SaAmfCSITransitionDescriptorT = 1;
pub const SA_AMF_CSI_QUIESCED: SaAmfCSITransitionDescriptorT = 2;
pub const SA_AMF_CSI_NOT_QUIESCED: SaAmfCSITransitionDescriptorT = 3;
pub const SA_AMF_CSI_STILL_ACTIVE: SaAmfCSITransitionDescriptorT = 4;

/// State descriptor of an active assignment.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaAmfCSIActiveDescriptorT {
    pub transitionDescriptor: SaAmfCSITransitionDescriptorT,
    /// The component previously active, if any.
    pub activeCompName: SaNameT,
}

/// State descriptor of a standby assignment.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaAmfCSIStandbyDescriptorT {
    pub activeCompName: SaNameT,
    pub standbyRank: SaUint32T,
}

/// Active or standby descriptor, as the HA state of the assignment says.
#[repr(C)]
#[derive(Clone, Copy)]
pub union SaAmfCSIStateDescriptorT {
    pub activeDescriptor: SaAmfCSIActiveDescriptorT,
    pub standbyDescriptor: SaAmfCSIStandbyDescriptorT,
}

/// One name/value attribute of a component service instance.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaAmfCSIAttributeT {
    /// NUL-terminated name.
    pub attrName: *mut SaUint8T,
    /// NUL-terminated value.
    pub attrValue: *mut SaUint8T,
}

/// The attributes of a component service instance.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaAmfCSIAttributeListT {
    pub attr: *mut SaAmfCSIAttributeT,
    pub number: SaUint32T,
}

/// A component service instance assignment (saAmfCSISetCallback).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct SaAmfCSIDescriptorT {
    pub csiFlags: SaAmfCSIFlagsT,
    pub csiName: SaNameT,
    pub csiStateDescriptor: SaAmfCSIStateDescriptorT,
    pub csiAttr: SaAmfCSIAttributeListT,
}

/// One component of a protection group.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaAmfProtectionGroupMemberT {
    pub compName: SaNameT,
    pub haState: SaAmfHAStateT,
    pub rank: SaUint32T,
}

/// How a protection group member changed.
pub type SaAmfProtectionGroupChangesT = u32;
pub const SA_AMF_PROTECTION_GROUP_NO_CHANGE: SaAmfProtectionGroupChangesT = 1;
pub const SA_AMF_PROTECTION_GROUP_ADDED: SaAmfProtectionGroupChangesT = 2;
pub const SA_AMF_PROTECTION_GROUP_REMOVED: SaAmfProtectionGroupChangesT = 3;
pub const SA_AMF_PROTECTION_GROUP_STATE_CHANGE: SaAmfProtectionGroupChangesT = 4;

/// One member and how it changed.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaAmfProtectionGroupNotificationT {
    pub member: SaAmfProtectionGroupMemberT,
    pub change: SaAmfProtectionGroupChangesT,
}

/// Buffer of protection group notifications.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaAmfProtectionGroupNotificationBufferT {
    pub numberOfItems: SaUint32T,
    pub notification: *mut SaAmfProtectionGroupNotificationT,
}

/// Recovery a component error report recommends.
pub type SaAmfRecommendedRecoveryT = u32;
pub const SA_AMF_NO_RECOMMENDATION: SaAmfRecommendedRecoveryT = 1;
pub const SA_AMF_COMPONENT_RESTART: SaAmfRecommendedRecoveryT = 2;
pub const SA_AMF_COMPONENT_FAILOVER: SaAmfRecommendedRecoveryT = 3;
pub const SA_AMF_NODE_SWITCHOVER: SaAmfRecommendedRecoveryT = 4;
pub const SA_AMF_NODE_FAILOVER: SaAmfRecommendedRecoveryT = 5;
pub const SA_AMF_NODE_FAILFAST: SaAmfRecommendedRecoveryT = 6;
pub const SA_AMF_CLUSTER_RESET: SaAmfRecommendedRecoveryT = 7;
pub const SA_AMF_APPLICATION_RESTART: SaAmfRecommendedRecoveryT = 8;

/// Process errors passive monitoring watches for.
pub type SaAmfPmErrorsT = SaUint32T;
pub const SA_AMF_PM_ZERO_EXIT: SaAmfPmErrorsT = 1;
pub const SA_AMF_PM_NON_ZERO_EXIT: SaAmfPmErrorsT = 2;
pub const SA_AMF_PM_ABNORMAL_END: SaAmfPmErrorsT = 4;

/// Which processes saAmfPmStop stops monitoring.
pub type SaAmfPmStopQualifierT = u32;
pub const SA_AMF_PM_PROC: SaAmfPmStopQualifierT = 1;
pub const SA_AMF_PM_PROC_AND_DESCENDENTS: SaAmfPmStopQualifierT = 2;
pub const SA_AMF_PM_ALL_PROCESSES: SaAmfPmStopQualifierT = 3;

/// Additional information of an AMF notification.
pub type SaAmfAdditionalInfoIdT = u32;
pub const SA_AMF_NODE_NAME: SaAmfAdditionalInfoIdT = 1;
pub const SA_AMF_SI_NAME: SaAmfAdditionalInfoIdT = 2;

/// AMF asks the component to run a healthcheck.
pub type SaAmfHealthcheckCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        compName: *const SaNameT,
        healthcheckKey: *mut SaAmfHealthcheckKeyT,
    ),
>;

/// AMF asks the component to terminate.
pub type SaAmfComponentTerminateCallbackT =
    Option<unsafe extern "C" fn(invocation: SaInvocationT, compName: *const SaNameT)>;

/// AMF assigns an HA state for a component service instance.
pub type SaAmfCSISetCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        compName: *const SaNameT,
        haState: SaAmfHAStateT,
        csiDescriptor: *mut SaAmfCSIDescriptorT,
    ),
>;

/// AMF removes a component service instance assignment.
pub type SaAmfCSIRemoveCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        compName: *const SaNameT,
        csiName: *const SaNameT,
        csiFlags: SaAmfCSIFlagsT,
    ),
>;

/// A tracked protection group changed.
pub type SaAmfProtectionGroupTrackCallbackT = Option<
    unsafe extern "C" fn(
        csiName: *const SaNameT,
        notificationBuffer: *mut SaAmfProtectionGroupNotificationBufferT,
        numberOfMembers: SaUint32T,
        error: SaAisErrorT,
    ),
>;

/// A proxy component is asked to instantiate an external component.
pub type SaAmfExternalComponentInstantiateCallbackT =
    Option<unsafe extern "C" fn(invocation: SaInvocationT, compName: *const SaNameT)>;

/// A proxy component is asked to clean up an external component.
pub type SaAmfExternalComponentCleanupCallbackT =
    Option<unsafe extern "C" fn(invocation: SaInvocationT, compName: *const SaNameT)>;

/// Callbacks a component registers with saAmfInitialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SaAmfCallbacksT {
    pub saAmfHealthcheckCallback: SaAmfHealthcheckCallbackT,
    pub saAmfComponentTerminateCallback: SaAmfComponentTerminateCallbackT,
    pub saAmfCSISetCallback: SaAmfCSISetCallbackT,
    pub saAmfCSIRemoveCallback: SaAmfCSIRemoveCallbackT,
    pub saAmfProtectionGroupTrackCallback: SaAmfProtectionGroupTrackCallbackT,
    pub saAmfExternalComponentInstantiateCallback: SaAmfExternalComponentInstantiateCallbackT,
    pub saAmfExternalComponentCleanupCallback: SaAmfExternalComponentCleanupCallbackT,
}

extern "C" {
    pub fn saAmfInitialize(
        amfHandle: *mut SaAmfHandleT,
        amfCallbacks: *const SaAmfCallbacksT,
        version: *mut SaVersionT,
    ) -> SaAisErrorT;

    pub fn saAmfSelectionObjectGet(
        amfHandle: SaAmfHandleT,
        selectionObject: *mut SaSelectionObjectT,
    ) -> SaAisErrorT;

    pub fn saAmfDispatch(amfHandle: SaAmfHandleT, dispatchFlags: SaDispatchFlagsT) -> SaAisErrorT;

    pub fn saAmfFinalize(amfHandle: SaAmfHandleT) -> SaAisErrorT;

    pub fn saAmfComponentRegister(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        proxyCompName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saAmfComponentUnregister(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        proxyCompName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saAmfComponentNameGet(amfHandle: SaAmfHandleT, compName: *mut SaNameT) -> SaAisErrorT;

    pub fn saAmfPmStart(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        processId: SaUint64T,
        descendentsTreeDepth: SaInt32T,
        pmErrors: SaAmfPmErrorsT,
        recommendedRecovery: SaAmfRecommendedRecoveryT,
    ) -> SaAisErrorT;

    pub fn saAmfPmStop(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        stopQualifier: SaAmfPmStopQualifierT,
        processId: SaInt64T,
        pmErrors: SaAmfPmErrorsT,
    ) -> SaAisErrorT;

    pub fn saAmfHealthcheckStart(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        healthcheckKey: *const SaAmfHealthcheckKeyT,
        invocationType: SaAmfHealthcheckInvocationT,
        recommendedRecovery: SaAmfRecommendedRecoveryT,
    ) -> SaAisErrorT;

    pub fn saAmfHealthcheckConfirm(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        healthcheckKey: *const SaAmfHealthcheckKeyT,
        healthcheckResult: SaAisErrorT,
    ) -> SaAisErrorT;

    pub fn saAmfHealthcheckStop(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        healthcheckKey: *const SaAmfHealthcheckKeyT,
    ) -> SaAisErrorT;

    pub fn saAmfHAStateGet(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        csiName: *const SaNameT,
        haState: *mut SaAmfHAStateT,
    ) -> SaAisErrorT;

    pub fn saAmfCSIQuiescingComplete(
        amfHandle: SaAmfHandleT,
        invocation: SaInvocationT,
        error: SaAisErrorT,
    ) -> SaAisErrorT;

    pub fn saAmfProtectionGroupTrack(
        amfHandle: SaAmfHandleT,
        csiName: *const SaNameT,
        trackFlags: SaUint8T,
        notificationBuffer: *mut SaAmfProtectionGroupNotificationBufferT,
    ) -> SaAisErrorT;

    pub fn saAmfProtectionGroupTrackStop(
        amfHandle: SaAmfHandleT,
        csiName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saAmfComponentErrorReport(
        amfHandle: SaAmfHandleT,
        erroneousComponent: *const SaNameT,
        errorDetectionTime: SaTimeT,
        recommendedRecovery: SaAmfRecommendedRecoveryT,
        ntfIdentifier: SaNtfIdentifierT,
    ) -> SaAisErrorT;

    pub fn saAmfComponentErrorClear(
        amfHandle: SaAmfHandleT,
        compName: *const SaNameT,
        ntfIdentifier: SaNtfIdentifierT,
    ) -> SaAisErrorT;

    pub fn saAmfResponse(
        amfHandle: SaAmfHandleT,
        invocation: SaInvocationT,
        error: SaAisErrorT,
    ) -> SaAisErrorT;
}

impl SaAmfHealthcheckKeyT {
    /// The meaningful key bytes, `keyLen` clamped to the buffer.
    pub fn as_bytes(&self) -> &[u8] {
        let len = usize::from(self.keyLen).min(SA_AMF_HEALTHCHECK_KEY_MAX);
        &self.key[..len]
    }
}

impl Default for SaAmfCSIStateDescriptorT {
    fn default() -> Self {
        SaAmfCSIStateDescriptorT {
            activeDescriptor: SaAmfCSIActiveDescriptorT::default(),
        }
    }
}

impl Default for SaAmfCSIAttributeListT {
    fn default() -> Self {
        SaAmfCSIAttributeListT {
            attr: core::ptr::null_mut(),
            number: 0,
        }
    }
}

impl Default for SaAmfProtectionGroupNotificationBufferT {
    fn default() -> Self {
        SaAmfProtectionGroupNotificationBufferT {
            numberOfItems: 0,
            notification: core::ptr::null_mut(),
        }
    }
}
