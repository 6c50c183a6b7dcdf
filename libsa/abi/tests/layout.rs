//! The Rust definitions have openais 0.80.6's layout on x86_64 Linux
//! (sizes, alignments and field offsets from shared/abi/facts.json), so
//! Rust code reading a C caller's structure sees the same bytes.

use core::mem::{align_of, offset_of, size_of};

use sa_abi::ais::*;
use sa_abi::clm::*;

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
