//! saClm.h: the Cluster Membership Service (B.01.01) as openais 0.80 lays
//! it out: 32-bit node ids, addresses as text in `SaClmNodeAddressT`.
//!
//! cbindgen turns this file into `include/openais/saClm.h`.

use crate::ais::{
    SaAisErrorT, SaBoolT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaSelectionObjectT, SaTimeT,
    SaUint16T, SaUint32T, SaUint64T, SaUint8T, SaVersionT, SA_FALSE,
};
use crate::TooLong;

/// Handle of one CLM library instance (from saClmInitialize).
pub type SaClmHandleT = SaUint64T;

/// Cluster node identifier.
pub type SaClmNodeIdT = SaUint32T;

/// Node id meaning "the node the caller runs on".
pub const SA_CLM_LOCAL_NODE_ID: SaClmNodeIdT = 0xffff_ffff_u32;

/// Longest node address.
pub const SA_CLM_MAX_ADDRESS_LENGTH: usize = 64;

/// Address family of a node address.
pub type SaClmNodeAddressFamilyT = u32;
pub const SA_CLM_AF_INET: SaClmNodeAddressFamilyT = 1;
pub const SA_CLM_AF_INET6: SaClmNodeAddressFamilyT = 2;

/// A node's communication address (openais: the address as text).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaClmNodeAddressT {
    pub family: SaClmNodeAddressFamilyT,
    /// Number of meaningful bytes in value.
    pub length: SaUint16T,
    pub value: [SaUint8T; SA_CLM_MAX_ADDRESS_LENGTH],
}

/// One cluster node as CLM reports it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaClmClusterNodeT {
    pub nodeId: SaClmNodeIdT,
    pub nodeAddress: SaClmNodeAddressT,
    pub nodeName: SaNameT,
    /// SA_TRUE while the node is a cluster member.
    pub member: SaBoolT,
    pub bootTimestamp: SaTimeT,
    /// View number in which the node joined the cluster.
    pub initialViewNumber: SaUint64T,
}

/// How a node changed in a track notification.
pub type SaClmClusterChangesT = u32;
pub const SA_CLM_NODE_NO_CHANGE: SaClmClusterChangesT = 1;
pub const SA_CLM_NODE_JOINED: SaClmClusterChangesT = 2;
pub const SA_CLM_NODE_LEFT: SaClmClusterChangesT = 3;
pub const SA_CLM_NODE_RECONFIGURED: SaClmClusterChangesT = 4;

/// One node and how it changed.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaClmClusterNotificationT {
    pub clusterNode: SaClmClusterNodeT,
    pub clusterChange: SaClmClusterChangesT,
}

/// Buffer of notifications: caller-provided, or allocated by the library
/// when `notification` is NULL.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SaClmClusterNotificationBufferT {
    pub viewNumber: SaUint64T,
    pub numberOfItems: SaUint32T,
    pub notification: *mut SaClmClusterNotificationT,
}

/// Result of saClmClusterNodeGetAsync.
pub type SaClmClusterNodeGetCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        clusterNode: *const SaClmClusterNodeT,
        error: SaAisErrorT,
    ),
>;

/// Membership change reported to a tracking client.
pub type SaClmClusterTrackCallbackT = Option<
    unsafe extern "C" fn(
        notificationBuffer: *const SaClmClusterNotificationBufferT,
        numberOfMembers: SaUint32T,
        error: SaAisErrorT,
    ),
>;

/// Callbacks a client registers with saClmInitialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SaClmCallbacksT {
    pub saClmClusterNodeGetCallback: SaClmClusterNodeGetCallbackT,
    pub saClmClusterTrackCallback: SaClmClusterTrackCallbackT,
}

extern "C" {
    pub fn saClmInitialize(
        clmHandle: *mut SaClmHandleT,
        clmCallbacks: *const SaClmCallbacksT,
        version: *mut SaVersionT,
    ) -> SaAisErrorT;

    pub fn saClmSelectionObjectGet(
        clmHandle: SaClmHandleT,
        selectionObject: *mut SaSelectionObjectT,
    ) -> SaAisErrorT;

    pub fn saClmDispatch(clmHandle: SaClmHandleT, dispatchFlags: SaDispatchFlagsT) -> SaAisErrorT;

    pub fn saClmFinalize(clmHandle: SaClmHandleT) -> SaAisErrorT;

    pub fn saClmClusterTrack(
        clmHandle: SaClmHandleT,
        trackFlags: SaUint8T,
        notificationBuffer: *mut SaClmClusterNotificationBufferT,
    ) -> SaAisErrorT;

    pub fn saClmClusterTrackStop(clmHandle: SaClmHandleT) -> SaAisErrorT;

    pub fn saClmClusterNodeGet(
        clmHandle: SaClmHandleT,
        nodeId: SaClmNodeIdT,
        timeout: SaTimeT,
        clusterNode: *mut SaClmClusterNodeT,
    ) -> SaAisErrorT;

    pub fn saClmClusterNodeGetAsync(
        clmHandle: SaClmHandleT,
        invocation: SaInvocationT,
        nodeId: SaClmNodeIdT,
    ) -> SaAisErrorT;
}

impl SaClmNodeAddressT {
    /// An address of `family` holding `bytes` (openais: the address as text,
    /// "10.213.1.1"); fails when they do not fit.
    pub fn new(family: SaClmNodeAddressFamilyT, bytes: &[u8]) -> Result<Self, TooLong> {
        if bytes.len() > SA_CLM_MAX_ADDRESS_LENGTH {
            return Err(TooLong {
                len: bytes.len(),
                max: SA_CLM_MAX_ADDRESS_LENGTH,
            });
        }
        let mut address = Self {
            family,
            ..Self::default()
        };
        address.value[..bytes.len()].copy_from_slice(bytes);
        // The length fits: it is at most SA_CLM_MAX_ADDRESS_LENGTH (64).
        address.length = bytes.len() as SaUint16T;
        Ok(address)
    }

    /// The meaningful bytes, `length` clamped to the buffer.
    pub fn as_bytes(&self) -> &[u8] {
        let len = usize::from(self.length).min(SA_CLM_MAX_ADDRESS_LENGTH);
        &self.value[..len]
    }
}

impl Default for SaClmNodeAddressT {
    fn default() -> Self {
        SaClmNodeAddressT {
            family: 0,
            length: 0,
            value: [0; SA_CLM_MAX_ADDRESS_LENGTH],
        }
    }
}

impl Default for SaClmClusterNotificationBufferT {
    /// An empty buffer asking the library to allocate the notifications.
    fn default() -> Self {
        SaClmClusterNotificationBufferT {
            viewNumber: 0,
            numberOfItems: 0,
            notification: core::ptr::null_mut(),
        }
    }
}

impl SaClmClusterNodeT {
    /// Whether the node is a member (`member` holds any nonzero value from C).
    pub fn is_member(&self) -> bool {
        self.member != SA_FALSE
    }
}
