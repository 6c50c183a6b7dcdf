//! The C calls of libSaClm, called as a C program would, against the
//! stand-in CLM service of `support`.

mod support;

use std::ptr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sa_abi::ais::*;
use sa_abi::clm::{
    SaClmCallbacksT, SaClmClusterNodeT, SaClmClusterNotificationBufferT, SaClmClusterNotificationT,
    SaClmHandleT, SA_CLM_AF_INET, SA_CLM_LOCAL_NODE_ID, SA_CLM_NODE_NO_CHANGE,
};
use sa_clm::api::*;

use support::{node, Cluster, LOCAL_ID};

fn setup() {
    support::start(Cluster {
        members: vec![node(LOCAL_ID, "node-a"), node(0x0201_d50a, "node-b")],
        view_number: 8,
    });
}

/// (invocation, error, node id) of every node get callback, all tests.
static NODE_GETS: Mutex<Vec<(u64, u32, u32)>> = Mutex::new(Vec::new());
/// One track callback: (node id, change) of each item, members, error.
type TrackCall = (Vec<(u32, u32)>, u32, u32);
/// Every track callback, all tests.
static TRACKS: Mutex<Vec<TrackCall>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_node_get(
    inv: SaInvocationT,
    n: *const SaClmClusterNodeT,
    error: SaAisErrorT,
) {
    // SAFETY: the library passes a valid node for the duration of the call.
    let id = unsafe { (*n).nodeId };
    NODE_GETS.lock().unwrap().push((inv, error, id));
}

unsafe extern "C" fn on_track(
    buf: *const SaClmClusterNotificationBufferT,
    members: SaUint32T,
    error: SaAisErrorT,
) {
    // SAFETY: valid buffer and items for the duration of the call.
    let items = unsafe {
        let b = &*buf;
        std::slice::from_raw_parts(b.notification, b.numberOfItems as usize)
            .iter()
            .map(|i| (i.clusterNode.nodeId, i.clusterChange))
            .collect()
    };
    TRACKS.lock().unwrap().push((items, members, error));
}

const CALLBACKS: SaClmCallbacksT = SaClmCallbacksT {
    saClmClusterNodeGetCallback: Some(on_node_get),
    saClmClusterTrackCallback: Some(on_track),
};

fn init(callbacks: Option<&SaClmCallbacksT>) -> SaClmHandleT {
    setup();
    let mut h = 0;
    let mut v = SaVersionT::new(b'B', 1, 1);
    let cb = callbacks.map_or(ptr::null(), |c| c as *const _);
    // SAFETY: valid pointers.
    assert_eq!(unsafe { saClmInitialize(&mut h, cb, &mut v) }, SA_AIS_OK);
    h
}

fn finalize(h: SaClmHandleT) {
    // SAFETY: any handle value is allowed.
    assert_eq!(unsafe { saClmFinalize(h) }, SA_AIS_OK);
}

/// Dispatches ALL until `done` or the time is up.
fn dispatch_until(h: SaClmHandleT, done: impl Fn() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        // SAFETY: registered callbacks are valid.
        assert_eq!(unsafe { saClmDispatch(h, SA_DISPATCH_ALL) }, SA_AIS_OK);
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn initialize_argument_and_version_rules() {
    setup();
    let mut h = 0;
    let mut v = SaVersionT::new(b'B', 1, 1);
    // SAFETY: NULL and valid pointers only.
    unsafe {
        assert_eq!(
            saClmInitialize(ptr::null_mut(), &CALLBACKS, &mut v),
            SA_AIS_ERR_INVALID_PARAM
        );
        assert_eq!(
            saClmInitialize(&mut h, &CALLBACKS, ptr::null_mut()),
            SA_AIS_ERR_INVALID_PARAM
        );
        for (r, major) in [(b'A', 1), (b'C', 1), (b'B', 2), (0, 0)] {
            let mut v = SaVersionT::new(r, major, 1);
            assert_eq!(
                saClmInitialize(&mut h, &CALLBACKS, &mut v),
                SA_AIS_ERR_VERSION
            );
            assert_eq!(
                (v.release_code(), v.majorVersion, v.minorVersion),
                (b'B', 1, 1)
            );
        }
        let mut v = SaVersionT::new(b'B', 1, 0);
        assert_eq!(saClmInitialize(&mut h, &CALLBACKS, &mut v), SA_AIS_OK);
        assert_eq!(
            (v.release_code(), v.majorVersion, v.minorVersion),
            (b'B', 1, 1)
        );
    }
    finalize(h);
}

#[test]
fn handles_after_finalize_and_forged_are_bad() {
    let h = init(Some(&CALLBACKS));
    let mut so = 0;
    // SAFETY: valid out pointers.
    unsafe {
        assert_eq!(saClmSelectionObjectGet(h, &mut so), SA_AIS_OK);
        assert_eq!(
            saClmSelectionObjectGet(h, ptr::null_mut()),
            SA_AIS_ERR_INVALID_PARAM
        );
    }
    finalize(h);
    let mut n = SaClmClusterNodeT::default();
    for bad in [h, 0, 0x5eed_0000_dead_beef] {
        // SAFETY: valid out pointers, any handle.
        unsafe {
            assert_eq!(saClmFinalize(bad), SA_AIS_ERR_BAD_HANDLE);
            assert_eq!(saClmSelectionObjectGet(bad, &mut so), SA_AIS_ERR_BAD_HANDLE);
            assert_eq!(saClmDispatch(bad, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
            assert_eq!(
                saClmClusterTrack(bad, SA_TRACK_CHANGES, ptr::null_mut()),
                SA_AIS_ERR_BAD_HANDLE
            );
            assert_eq!(saClmClusterTrackStop(bad), SA_AIS_ERR_BAD_HANDLE);
            assert_eq!(
                saClmClusterNodeGet(bad, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND, &mut n),
                SA_AIS_ERR_BAD_HANDLE
            );
            assert_eq!(
                saClmClusterNodeGetAsync(bad, 1, SA_CLM_LOCAL_NODE_ID),
                SA_AIS_ERR_BAD_HANDLE
            );
        }
    }
}

#[test]
fn node_get_sync() {
    let h = init(None);
    let mut n = SaClmClusterNodeT::default();
    // SAFETY: valid out pointers.
    unsafe {
        assert_eq!(
            saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND, &mut n),
            SA_AIS_OK
        );
        assert_eq!(n.nodeId, LOCAL_ID);
        assert_eq!(n.nodeName.as_bytes(), b"node-a");
        assert_eq!(n.nodeAddress.as_bytes(), b"10.213.1.1");
        assert_eq!(n.nodeAddress.family, SA_CLM_AF_INET);
        assert!(n.is_member());
        assert_eq!(
            saClmClusterNodeGet(h, 0x0201_d50a, SA_TIME_ONE_SECOND, &mut n),
            SA_AIS_OK
        );
        assert_eq!(n.nodeName.as_bytes(), b"node-b");
        assert_eq!(
            saClmClusterNodeGet(h, 77, SA_TIME_ONE_SECOND, &mut n),
            SA_AIS_ERR_NOT_EXIST
        );
        assert_eq!(
            saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND, ptr::null_mut()),
            SA_AIS_ERR_INVALID_PARAM
        );
        assert_eq!(
            saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 0, &mut n),
            SA_AIS_ERR_TIMEOUT
        );
        assert_eq!(
            saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_END, &mut n),
            SA_AIS_OK
        );
        // callbacks needed
        assert_eq!(
            saClmClusterNodeGetAsync(h, 1, SA_CLM_LOCAL_NODE_ID),
            SA_AIS_ERR_INIT
        );
        assert_eq!(
            saClmClusterTrack(h, SA_TRACK_CHANGES, ptr::null_mut()),
            SA_AIS_ERR_INIT
        );
        assert_eq!(
            saClmClusterTrack(h, SA_TRACK_CURRENT, ptr::null_mut()),
            SA_AIS_ERR_INIT
        );
    }
    finalize(h);
}

#[test]
fn node_get_async_and_dispatch_modes() {
    let h = init(Some(&CALLBACKS));
    let mine = |inv: u64| {
        NODE_GETS
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.0 == inv)
            .count()
    };
    // SAFETY: any handle value and flags are allowed.
    unsafe {
        for flags in [0, 4, 0x100] {
            assert_eq!(saClmDispatch(h, flags), SA_AIS_ERR_INVALID_PARAM);
        }
        assert_eq!(
            saClmClusterNodeGetAsync(h, 0xA001, SA_CLM_LOCAL_NODE_ID),
            SA_AIS_OK
        );
        assert_eq!(saClmClusterNodeGetAsync(h, 0xA002, 77), SA_AIS_OK);
    }
    assert!(dispatch_until(h, || mine(0xA001) == 1 && mine(0xA002) == 1));
    let calls = NODE_GETS.lock().unwrap().clone();
    assert!(calls.contains(&(0xA001, SA_AIS_OK, LOCAL_ID)));
    assert!(calls.contains(&(0xA002, SA_AIS_ERR_NOT_EXIST, 0)));
    finalize(h);
}

#[test]
fn blocking_dispatch_ends_at_finalize() {
    let h = init(Some(&CALLBACKS));
    // SAFETY: valid handle; callbacks valid.
    let t = std::thread::spawn(move || unsafe { saClmDispatch(h, SA_DISPATCH_BLOCKING) });
    // SAFETY: valid handle.
    unsafe {
        assert_eq!(
            saClmClusterNodeGetAsync(h, 0xB001, SA_CLM_LOCAL_NODE_ID),
            SA_AIS_OK
        );
    }
    let end = Instant::now() + Duration::from_secs(5);
    while !NODE_GETS.lock().unwrap().iter().any(|c| c.0 == 0xB001) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!t.is_finished());
    finalize(h);
    assert_eq!(t.join().unwrap(), SA_AIS_OK);
}

#[test]
fn track_current_into_buffers() {
    let h = init(Some(&CALLBACKS));
    let mut items = [SaClmClusterNotificationT::default(); 8];
    let mut buf = SaClmClusterNotificationBufferT {
        viewNumber: 0,
        numberOfItems: 8,
        notification: items.as_mut_ptr(),
    };
    // SAFETY: buffers valid for the sizes given.
    unsafe {
        assert_eq!(saClmClusterTrack(h, SA_TRACK_CURRENT, &mut buf), SA_AIS_OK);
        assert_eq!((buf.viewNumber, buf.numberOfItems), (8, 2));
        assert_eq!(buf.notification, items.as_mut_ptr());
        assert_eq!(items[0].clusterNode.nodeId, LOCAL_ID);
        assert_eq!(items[1].clusterChange, SA_CLM_NODE_NO_CHANGE);
        // too small: the size needed comes back, nothing else changes
        buf.numberOfItems = 1;
        assert_eq!(
            saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, &mut buf),
            SA_AIS_ERR_NO_SPACE
        );
        assert_eq!(buf.numberOfItems, 2);
        assert_eq!(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
        // zero items with an array is invalid
        buf.numberOfItems = 0;
        assert_eq!(
            saClmClusterTrack(h, SA_TRACK_CURRENT, &mut buf),
            SA_AIS_ERR_INVALID_PARAM
        );
        // library-allocated array, freed with free()
        let mut lib = SaClmClusterNotificationBufferT::default();
        assert_eq!(saClmClusterTrack(h, SA_TRACK_CURRENT, &mut lib), SA_AIS_OK);
        assert!(!lib.notification.is_null());
        assert_eq!(lib.numberOfItems, 2);
        assert_eq!((*lib.notification.add(1)).clusterNode.nodeId, 0x0201_d50a);
        libc::free(lib.notification.cast());
    }
    finalize(h);
}

#[test]
fn track_flags_callback_and_stop() {
    let h = init(Some(&CALLBACKS));
    // SAFETY: NULL buffers only.
    unsafe {
        for bad in [
            0u8,
            0x08,
            0x80 | SA_TRACK_CHANGES,
            SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY,
        ] {
            assert_eq!(
                saClmClusterTrack(h, bad, ptr::null_mut()),
                SA_AIS_ERR_BAD_FLAGS
            );
        }
        assert_eq!(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
        let before = TRACKS.lock().unwrap().len();
        assert_eq!(
            saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, ptr::null_mut()),
            SA_AIS_OK
        );
        assert!(dispatch_until(h, || TRACKS.lock().unwrap().len() > before));
        let tracks = TRACKS.lock().unwrap().clone();
        assert!(tracks.contains(&(
            vec![
                (LOCAL_ID, SA_CLM_NODE_NO_CHANGE),
                (0x0201_d50a, SA_CLM_NODE_NO_CHANGE)
            ],
            2,
            SA_AIS_OK
        )));
        assert_eq!(saClmClusterTrackStop(h), SA_AIS_OK);
        assert_eq!(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
    }
    finalize(h);
}

/// The handle the re-entering callback works on.
static REENTER_HANDLE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// (node get, finalize) results of calls made inside the callback.
static REENTER_RESULTS: Mutex<Vec<(u32, u32)>> = Mutex::new(Vec::new());

unsafe extern "C" fn reenter_on_node_get(
    _inv: SaInvocationT,
    _n: *const SaClmClusterNodeT,
    _error: SaAisErrorT,
) {
    let h = REENTER_HANDLE.load(std::sync::atomic::Ordering::SeqCst);
    let mut node = SaClmClusterNodeT::default();
    // SAFETY: valid pointers; any handle value is allowed.
    let results = unsafe {
        (
            saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 1_000_000_000, &mut node),
            saClmFinalize(h),
        )
    };
    REENTER_RESULTS.lock().unwrap().push(results);
}

/// A callback may call the library on its own handle, Finalize included:
/// the dispatch that runs it holds no lock the calls need.
#[test]
fn callbacks_may_call_the_library_and_finalize_their_handle() {
    let callbacks = SaClmCallbacksT {
        saClmClusterNodeGetCallback: Some(reenter_on_node_get),
        saClmClusterTrackCallback: None,
    };
    let h = init(Some(&callbacks));
    REENTER_HANDLE.store(h, std::sync::atomic::Ordering::SeqCst);
    // SAFETY: valid handle.
    let rc = unsafe { saClmClusterNodeGetAsync(h, 0xC001, SA_CLM_LOCAL_NODE_ID) };
    assert_eq!(rc, SA_AIS_OK);
    // SAFETY: valid handle; the callback is valid.
    let t = std::thread::spawn(move || unsafe { saClmDispatch(h, SA_DISPATCH_BLOCKING) });
    let end = Instant::now() + Duration::from_secs(10);
    while !t.is_finished() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(t.is_finished(), "the dispatch deadlocked");
    assert_eq!(t.join().unwrap(), SA_AIS_OK);
    assert_eq!(
        *REENTER_RESULTS.lock().unwrap(),
        vec![(SA_AIS_OK, SA_AIS_OK)]
    );
    // SAFETY: any handle value is allowed.
    assert_eq!(unsafe { saClmFinalize(h) }, SA_AIS_ERR_BAD_HANDLE);
}
