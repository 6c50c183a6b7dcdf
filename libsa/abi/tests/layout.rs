//! The Rust definitions have openais 0.80.6's layout on x86_64 Linux
//! (sizes, alignments and field offsets from shared/abi/facts.json), so
//! Rust code reading a C caller's structure sees the same bytes.

use core::mem::{align_of, offset_of, size_of};

use sa_abi::ais::*;
use sa_abi::amf::*;
use sa_abi::ckpt::*;
use sa_abi::clm::*;
use sa_abi::cpg::*;
use sa_abi::evs::*;
use sa_abi::evt::*;

/// `layout!(T, size, align; field @ offset, ...)`
macro_rules! layout {
    ($ty:ty, $size:expr, $align:expr $(; $($field:ident @ $offset:expr),+ $(,)?)?) => {{
        assert_eq!(size_of::<$ty>(), $size, "sizeof({})", stringify!($ty));
        assert_eq!(align_of::<$ty>(), $align, "alignof({})", stringify!($ty));
        $($(assert_eq!(
            offset_of!($ty, $field),
            $offset,
            "offsetof({}, {})",
            stringify!($ty),
            stringify!($field)
        );)+)?
    }};
}

#[test]
fn ais_layout() {
    layout!(SaNameT, 258, 2; length @ 0, value @ 2);
    layout!(SaVersionT, 3, 1; releaseCode @ 0, majorVersion @ 1, minorVersion @ 2);
    layout!(SaAisErrorT, 4, 4);
    layout!(SaBoolT, 4, 4);
    layout!(SaDispatchFlagsT, 4, 4);
    layout!(SaTimeT, 8, 8);
    layout!(SaSizeT, 8, 8);
    layout!(SaInvocationT, 8, 8);
    layout!(SaSelectionObjectT, 8, 8);
    layout!(SaStringT, 8, 8);
}

#[test]
fn clm_layout() {
    layout!(SaClmNodeAddressT, 72, 4; family @ 0, length @ 4, value @ 6);
    layout!(SaClmClusterNodeT, 360, 8;
        nodeId @ 0, nodeAddress @ 4, nodeName @ 76, member @ 336,
        bootTimestamp @ 344, initialViewNumber @ 352);
    layout!(SaClmClusterNotificationT, 368, 8; clusterNode @ 0, clusterChange @ 360);
    layout!(SaClmClusterNotificationBufferT, 24, 8;
        viewNumber @ 0, numberOfItems @ 8, notification @ 16);
    layout!(SaClmCallbacksT, 16, 8; saClmClusterNodeGetCallback @ 0, saClmClusterTrackCallback @ 8);
    layout!(SaClmClusterNodeGetCallbackT, 8, 8);
    layout!(SaClmNodeIdT, 4, 4);
}

#[test]
fn ckpt_layout() {
    layout!(SaCkptCallbacksT, 16, 8; saCkptCheckpointOpenCallback @ 0, saCkptCheckpointSynchronizeCallback @ 8);
    layout!(SaCkptCheckpointCreationAttributesT, 48, 8; creationFlags @ 0, checkpointSize @ 8, retentionDuration @ 16, maxSections @ 24, maxSectionSize @ 32, maxSectionIdSize @ 40);
    layout!(SaCkptCheckpointCreationFlagsT, 4, 4);
    layout!(SaCkptCheckpointDescriptorT, 56, 8; checkpointCreationAttributes @ 0, numberOfSections @ 48, memoryUsed @ 52);
    layout!(SaCkptCheckpointHandleT, 8, 8);
    layout!(SaCkptCheckpointOpenCallbackT, 8, 8);
    layout!(SaCkptCheckpointOpenFlagsT, 4, 4);
    layout!(SaCkptCheckpointSynchronizeCallbackT, 8, 8);
    layout!(SaCkptHandleT, 8, 8);
    layout!(SaCkptIOVectorElementT, 48, 8; sectionId @ 0, dataBuffer @ 16, dataSize @ 24, dataOffset @ 32, readSize @ 40);
    layout!(SaCkptSectionCreationAttributesT, 16, 8; sectionId @ 0, expirationTime @ 8);
    layout!(SaCkptSectionDescriptorT, 48, 8; sectionId @ 0, expirationTime @ 16, sectionSize @ 24, sectionState @ 32, lastUpdate @ 40);
    layout!(SaCkptSectionIdT, 16, 8; idLen @ 0, id @ 8);
    layout!(SaCkptSectionIterationHandleT, 8, 8);
    layout!(SaCkptSectionStateT, 4, 4);
    layout!(SaCkptSectionsChosenT, 4, 4);
    layout!(SaOffsetT, 8, 8);
}

#[test]
fn evt_layout() {
    layout!(SaEvtCallbacksT, 16, 8; saEvtChannelOpenCallback @ 0, saEvtEventDeliverCallback @ 8);
    layout!(SaEvtChannelHandleT, 8, 8);
    layout!(SaEvtChannelOpenCallbackT, 8, 8);
    layout!(SaEvtChannelOpenFlagsT, 1, 1);
    layout!(SaEvtEventDeliverCallbackT, 8, 8);
    layout!(SaEvtEventFilterArrayT, 16, 8; filtersNumber @ 0, filters @ 8);
    layout!(SaEvtEventFilterT, 32, 8; filterType @ 0, filter @ 8);
    layout!(SaEvtEventFilterTypeT, 4, 4);
    layout!(SaEvtEventHandleT, 8, 8);
    layout!(SaEvtEventIdT, 8, 8);
    layout!(SaEvtEventPatternArrayT, 24, 8; allocatedNumber @ 0, patternsNumber @ 8, patterns @ 16);
    layout!(SaEvtEventPatternT, 24, 8; allocatedSize @ 0, patternSize @ 8, pattern @ 16);
    layout!(SaEvtEventPriorityT, 1, 1);
    layout!(SaEvtHandleT, 8, 8);
    layout!(SaEvtSubscriptionIdT, 4, 4);
}

#[test]
fn amf_layout() {
    layout!(SaAmfAdditionalInfoIdT, 4, 4);
    layout!(SaAmfAdminStateT, 4, 4);
    layout!(SaAmfAssignmentStateT, 4, 4);
    layout!(SaAmfCSIActiveDescriptorT, 264, 4; transitionDescriptor @ 0, activeCompName @ 4);
    layout!(SaAmfCSIAttributeListT, 16, 8; attr @ 0, number @ 8);
    layout!(SaAmfCSIAttributeT, 16, 8; attrName @ 0, attrValue @ 8);
    layout!(SaAmfCSIDescriptorT, 544, 8; csiFlags @ 0, csiName @ 4, csiStateDescriptor @ 264, csiAttr @ 528);
    layout!(SaAmfCSIFlagsT, 4, 4);
    layout!(SaAmfCSIRemoveCallbackT, 8, 8);
    layout!(SaAmfCSISetCallbackT, 8, 8);
    layout!(SaAmfCSIStandbyDescriptorT, 264, 4; activeCompName @ 0, standbyRank @ 260);
    layout!(SaAmfCSIStateDescriptorT, 264, 4; activeDescriptor @ 0, standbyDescriptor @ 0);
    layout!(SaAmfCSITransitionDescriptorT, 4, 4);
    layout!(SaAmfCallbacksT, 56, 8; saAmfHealthcheckCallback @ 0, saAmfComponentTerminateCallback @ 8, saAmfCSISetCallback @ 16, saAmfCSIRemoveCallback @ 24, saAmfProtectionGroupTrackCallback @ 32, saAmfExternalComponentInstantiateCallback @ 40, saAmfExternalComponentCleanupCallback @ 48);
    layout!(SaAmfComponentTerminateCallbackT, 8, 8);
    layout!(SaAmfExternalComponentCleanupCallbackT, 8, 8);
    layout!(SaAmfExternalComponentInstantiateCallbackT, 8, 8);
    layout!(SaAmfHAStateT, 4, 4);
    layout!(SaAmfHandleT, 8, 8);
    layout!(SaAmfHealthcheckCallbackT, 8, 8);
    layout!(SaAmfHealthcheckInvocationT, 4, 4);
    layout!(SaAmfHealthcheckKeyT, 34, 2; key @ 0, keyLen @ 32);
    layout!(SaAmfOperationalStateT, 4, 4);
    layout!(SaAmfPmErrorsT, 4, 4);
    layout!(SaAmfPmStopQualifierT, 4, 4);
    layout!(SaAmfPresenceStateT, 4, 4);
    layout!(SaAmfProtectionGroupChangesT, 4, 4);
    layout!(SaAmfProtectionGroupMemberT, 268, 4; compName @ 0, haState @ 260, rank @ 264);
    layout!(SaAmfProtectionGroupNotificationBufferT, 16, 8; numberOfItems @ 0, notification @ 8);
    layout!(SaAmfProtectionGroupNotificationT, 272, 4; member @ 0, change @ 268);
    layout!(SaAmfProtectionGroupTrackCallbackT, 8, 8);
    layout!(SaAmfProxyStatusT, 4, 4);
    layout!(SaAmfReadinessStateT, 4, 4);
    layout!(SaAmfRecommendedRecoveryT, 4, 4);
    layout!(SaAmfStateT, 4, 4);
    layout!(saAmfCompCapabilityModelT, 4, 4);
    layout!(saAmfCompCategoryT, 4, 4);
    layout!(saAmfRedundancyModelT, 4, 4);
}

#[test]
fn evs_layout() {
    layout!(evs_callbacks_t, 16, 8; evs_deliver_fn @ 0, evs_confchg_fn @ 8);
    layout!(evs_confchg_fn_t, 8, 8);
    layout!(evs_deliver_fn_t, 8, 8);
    layout!(evs_dispatch_t, 4, 4);
    layout!(evs_error_t, 4, 4);
    layout!(evs_guarantee_t, 4, 4);
    layout!(evs_handle_t, 8, 8);
    layout!(evs_address, 24, 4; nodeid @ 0, family @ 4, addr @ 6);
    layout!(evs_group, 32, 1; key @ 0);
}

#[test]
fn cpg_layout() {
    layout!(cpg_callbacks_t, 16, 8; cpg_deliver_fn @ 0, cpg_confchg_fn @ 8);
    layout!(cpg_confchg_fn_t, 8, 8);
    layout!(cpg_deliver_fn_t, 8, 8);
    layout!(cpg_dispatch_t, 4, 4);
    layout!(cpg_error_t, 4, 4);
    layout!(cpg_flow_control_state_t, 4, 4);
    layout!(cpg_guarantee_t, 4, 4);
    layout!(cpg_handle_t, 8, 8);
    layout!(cpg_reason_t, 4, 4);
    layout!(cpg_address, 12, 4; nodeid @ 0, pid @ 4, reason @ 8);
    layout!(cpg_name, 132, 4; length @ 0, value @ 4);
}

#[test]
fn name_round_trips_and_rejects_overlong() {
    let name = SaNameT::new(b"safCkpt=one").expect("fits");
    assert_eq!(name.length, 11);
    assert_eq!(name.as_bytes(), b"safCkpt=one");
    assert!(name.has_valid_length());
    assert_eq!(SaNameT::new(&[b'x'; 256]).map(|n| n.length), Ok(256));
    let err = SaNameT::new(&[b'x'; 257]).unwrap_err();
    assert_eq!((err.len, err.max), (257, SA_MAX_NAME_LENGTH));
}

#[test]
fn name_from_c_with_bad_length_is_clamped() {
    let mut name = SaNameT::new(b"abc").expect("fits");
    name.length = 300;
    assert!(!name.has_valid_length());
    assert_eq!(name.as_bytes().len(), SA_MAX_NAME_LENGTH);
}

#[test]
fn names_compare_by_meaningful_bytes() {
    let mut a = SaNameT::new(b"node").expect("fits");
    let b = SaNameT::new(b"node").expect("fits");
    a.value[10] = 0xff; // garbage past length is not part of the name
    assert_eq!(a, b);
    assert_ne!(a, SaNameT::new(b"nod").expect("fits"));
}

#[test]
fn version_and_address_constructors() {
    let v = SaVersionT::new(b'B', 1, 1);
    assert_eq!(
        (v.release_code(), v.majorVersion, v.minorVersion),
        (b'B', 1, 1)
    );
    let addr = SaClmNodeAddressT::new(SA_CLM_AF_INET, b"10.213.1.1").expect("fits");
    assert_eq!(addr.as_bytes(), b"10.213.1.1");
    assert_eq!(addr.length, 10);
    assert!(SaClmNodeAddressT::new(SA_CLM_AF_INET6, &[b'0'; 65]).is_err());
    assert_eq!(sa_bool(true), SA_TRUE);
    let node = SaClmClusterNodeT {
        member: 7,
        ..SaClmClusterNodeT::default()
    };
    assert!(node.is_member());
}

#[test]
fn cpg_name_round_trips_and_compares_by_bytes() {
    let mut a = cpg_name::new(b"group").expect("fits");
    assert_eq!((a.length, a.as_bytes()), (5, &b"group"[..]));
    a.value[100] = 1; // past length: not part of the name
    assert_eq!(a, cpg_name::new(b"group").expect("fits"));
    assert!(cpg_name::new(&[b'g'; 129]).is_err());
    a.length = 1000;
    assert!(!a.has_valid_length());
    assert_eq!(a.as_bytes().len(), CPG_MAX_NAME_LENGTH);
}

#[test]
fn evs_group_keys_are_zero_padded() {
    let g = evs_group::new(b"key").expect("fits");
    let mut want = [0u8; 32];
    want[..3].copy_from_slice(b"key");
    assert_eq!(g.key_bytes(), want);
    assert_eq!(g, evs_group::new(b"key\0").expect("fits"));
    assert!(evs_group::new(&[b'k'; 33]).is_err());
}

#[test]
fn section_ids_and_patterns_view_caller_bytes() {
    assert!(SA_CKPT_DEFAULT_SECTION_ID.is_default());
    assert_eq!(SA_CKPT_GENERATED_SECTION_ID, SA_CKPT_DEFAULT_SECTION_ID);
    let mut id = *b"section";
    let section = SaCkptSectionIdT {
        idLen: 7,
        id: id.as_mut_ptr(),
    };
    assert!(!section.is_default());
    // SAFETY: id points to 7 bytes that outlive the borrow.
    assert_eq!(unsafe { section.bytes() }, b"section");
    // SAFETY: the default section id has no bytes to read.
    assert!(unsafe { SaCkptSectionIdT::default().bytes() }.is_empty());

    let mut bytes = *b"pattern";
    let pattern = SaEvtEventPatternT {
        allocatedSize: 7,
        patternSize: 7,
        pattern: bytes.as_mut_ptr(),
    };
    // SAFETY: pattern points to 7 bytes that outlive the borrow.
    assert_eq!(unsafe { pattern.bytes() }, b"pattern");
    assert_eq!(SA_EVT_LOST_EVENT, b"SA_EVT_LOST_EVENT_PATTERN");
}

#[test]
fn healthcheck_key_bytes_are_clamped() {
    let mut key = SaAmfHealthcheckKeyT::default();
    key.key[..4].copy_from_slice(b"ping");
    key.keyLen = 4;
    assert_eq!(key.as_bytes(), b"ping");
    key.keyLen = 99;
    assert_eq!(key.as_bytes().len(), SA_AMF_HEALTHCHECK_KEY_MAX);
}
