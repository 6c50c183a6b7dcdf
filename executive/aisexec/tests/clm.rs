//! CLM end to end: a real aisexec, driven over the wire protocol.

mod common;

use std::time::Duration;

use sa_abi::ais::{SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK};
use sa_ipc::proto::clm::{
    ClmCallback, ClusterChange, CurrentView, NodeGet, NodeGetAsync, Track, TrackChanges, TrackStop,
    LOCAL_NODE_ID,
};
use sa_ipc::proto::service;
use sa_ipc::{CallError, Connection};

use common::{Aisexec, WAIT};

/// 127.0.0.1's bytes read as a little-endian u32.
const LOOPBACK_NODE_ID: u32 = 16777343;

/// The host's boot time in seconds since the epoch (/proc/stat btime).
fn host_btime_secs() -> i64 {
    let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .expect("a btime line")
        .trim()
        .parse()
        .expect("btime is a number")
}

fn connect(exec: &Aisexec) -> Connection {
    Connection::connect_to(&exec.address(), service::CLM).expect("connect")
}

fn next_callback(conn: &Connection) -> ClmCallback {
    let frame = conn
        .recv_callback(Some(WAIT), false)
        .expect("dispatch socket")
        .expect("a callback in time");
    assert_eq!(frame.service, service::CLM);
    ClmCallback::decode(frame.kind, frame.error, &frame.payload).expect("callback payload")
}

fn no_callback_within(conn: &Connection, wait: Duration) -> bool {
    conn.recv_callback(Some(wait), false)
        .expect("dispatch socket")
        .is_none()
}

#[test]
fn node_get_local_and_by_id() {
    let exec = Aisexec::start("root");
    let conn = connect(&exec);
    let local = conn
        .call(&NodeGet {
            node_id: LOCAL_NODE_ID,
            timeout: 1_000_000_000,
        })
        .expect("local node")
        .node;
    assert_eq!(local.node_id, LOOPBACK_NODE_ID);
    assert_eq!(local.address, b"127.0.0.1");
    assert!(local.member);
    // openais's nodeName: the address text, the bytes of nodeAddress
    assert_eq!(local.name.as_bytes(), b"127.0.0.1");
    // bootTimestamp: when the host booted (its btime), not when the
    // executive started
    let btime_ns = host_btime_secs() * 1_000_000_000;
    assert!(
        (local.boot_timestamp - btime_ns).abs() <= 1_000_000_000,
        "bootTimestamp {} vs btime {btime_ns}",
        local.boot_timestamp
    );
    assert!(local.initial_view_number >= 4 && local.initial_view_number.is_multiple_of(4));

    let by_id = conn
        .call(&NodeGet {
            node_id: LOOPBACK_NODE_ID,
            timeout: 1_000_000_000,
        })
        .expect("node by id")
        .node;
    assert_eq!(by_id, local);

    let unknown = conn.call(&NodeGet {
        node_id: 0x7fff_fff1,
        timeout: 1_000_000_000,
    });
    assert!(matches!(unknown, Err(CallError::Ais(SA_AIS_ERR_NOT_EXIST))));
}

#[test]
fn node_get_async_answers_on_the_dispatch_socket() {
    let exec = Aisexec::start("root");
    let conn = connect(&exec);
    for (invocation, node_id) in [(7, LOCAL_NODE_ID), (8, 0x7fff_fff1)] {
        conn.call(&NodeGetAsync {
            invocation,
            node_id,
        })
        .expect("accepted");
    }
    match next_callback(&conn) {
        ClmCallback::NodeGet { error, result } => {
            assert_eq!(error, SA_AIS_OK);
            assert_eq!(result.invocation, 7);
            assert_eq!(result.node.expect("node").node_id, LOOPBACK_NODE_ID);
        }
        other => panic!("unexpected callback {other:?}"),
    }
    match next_callback(&conn) {
        ClmCallback::NodeGet { error, result } => {
            assert_eq!(error, SA_AIS_ERR_NOT_EXIST);
            assert_eq!(result.invocation, 8);
            assert!(result.node.is_none());
        }
        other => panic!("unexpected callback {other:?}"),
    }
}

#[test]
fn track_current_changes_and_stop() {
    let exec = Aisexec::start("root");
    let conn = connect(&exec);

    let view = conn
        .call(&Track {
            changes: TrackChanges::None,
            current: CurrentView::InReply,
            max_items: 16,
        })
        .expect("track current")
        .view
        .expect("view in the reply");
    assert!(view.view_number >= 4);
    assert_eq!(view.members.len(), 1);
    assert_eq!(view.members[0].node_id, LOOPBACK_NODE_ID);
    // CURRENT alone starts no tracking
    assert!(matches!(
        conn.call(&TrackStop),
        Err(CallError::Ais(SA_AIS_ERR_NOT_EXIST))
    ));

    // the current view as a callback, and changes tracked from now on
    let reply = conn
        .call(&Track {
            changes: TrackChanges::Changes,
            current: CurrentView::AsCallback,
            max_items: 0,
        })
        .expect("track changes");
    assert!(reply.view.is_none());
    match next_callback(&conn) {
        ClmCallback::Track {
            error,
            notification,
        } => {
            assert_eq!(error, SA_AIS_OK);
            assert_eq!(notification.view_number, view.view_number);
            assert_eq!(notification.number_of_members, 1);
            assert_eq!(notification.items.len(), 1);
            assert_eq!(notification.items[0].change, ClusterChange::NoChange);
        }
        other => panic!("unexpected callback {other:?}"),
    }
    // a single node's membership does not change: nothing more comes
    assert!(no_callback_within(&conn, Duration::from_millis(300)));
    conn.call(&TrackStop).expect("track stop");
    assert!(matches!(
        conn.call(&TrackStop),
        Err(CallError::Ais(SA_AIS_ERR_NOT_EXIST))
    ));

    // neither current nor changes
    assert!(matches!(
        conn.call(&Track {
            changes: TrackChanges::None,
            current: CurrentView::None,
            max_items: 0,
        }),
        Err(CallError::Ais(SA_AIS_ERR_BAD_FLAGS))
    ));
}

#[test]
fn each_connection_tracks_on_its_own() {
    let exec = Aisexec::start("root");
    let a = connect(&exec);
    let b = connect(&exec);
    a.call(&Track {
        changes: TrackChanges::ChangesOnly,
        current: CurrentView::None,
        max_items: 0,
    })
    .expect("track");
    assert!(matches!(
        b.call(&TrackStop),
        Err(CallError::Ais(SA_AIS_ERR_NOT_EXIST))
    ));
    a.call(&TrackStop).expect("stop");
}

#[test]
fn sigterm_exits_cleanly() {
    let mut exec = Aisexec::start("root");
    let conn = connect(&exec);
    let status = exec.terminate().expect("exits within the wait");
    assert!(status.success(), "exit status {status:?}");
    assert!(exec.log().contains("SIGTERM received"));
    // the library sees the connection end
    assert!(conn.recv_callback(Some(WAIT), false).is_err());
}
