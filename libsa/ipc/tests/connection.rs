//! The client connection against a scripted executive on an abstract
//! socket: set-up, requests, timeouts, callbacks, shutdown, dead peers.

use std::io::Write;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use sa_abi::ais::*;
use sa_ipc::ffi::{dispatch, DispatchMode};
use sa_ipc::frame::{read_frame, write_frame};
use sa_ipc::proto::clm;
use sa_ipc::{service, CallError, Connection, Frame, IpcError, Payload, SocketAddress, KIND_HELLO};

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn unique_address() -> SocketAddress {
    SocketAddress::parse(&format!(
        "@sa-ipc-conn-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ))
}

/// Accepts one library connection (both halves) the way the executive
/// does and returns the two server-side streams.
fn accept_pair(listener: &UnixListener, conn_id: u64) -> (UnixStream, UnixStream) {
    sa_ipc::testing::accept_connection(listener, conn_id).unwrap()
}

fn local_node() -> clm::NodeInfo {
    clm::NodeInfo {
        node_id: 16897290,
        family: clm::AddressFamily::Inet,
        address: b"10.213.1.1".to_vec(),
        name: "node1".try_into().unwrap(),
        member: true,
        boot_timestamp: 1_700_000_000_000_000_000,
        initial_view_number: 4,
    }
}

#[test]
fn no_executive_is_try_again() {
    let e = Connection::connect_to(&unique_address(), service::CLM).unwrap_err();
    assert!(matches!(e, IpcError::Connect { .. }), "{e}");
    assert_eq!(e.to_ais(), SA_AIS_ERR_TRY_AGAIN);
}

#[test]
fn refused_hello_reports_the_executives_error() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let server = thread::spawn(move || {
        let (mut req, _) = listener.accept().unwrap();
        let f = read_frame(&mut req).unwrap();
        write_frame(
            &mut req,
            &Frame::callback(f.service, KIND_HELLO, SA_AIS_ERR_SECURITY, Vec::new()),
        )
        .unwrap();
    });
    let e = Connection::connect_to(&addr, service::CLM).unwrap_err();
    assert_eq!(e.to_ais(), SA_AIS_ERR_SECURITY);
    server.join().unwrap();
}

#[test]
fn typed_requests_and_errors() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let server = thread::spawn(move || {
        let (mut req, _disp) = accept_pair(&listener, 77);
        // 1: a node get answered with the node
        let f = read_frame(&mut req).unwrap();
        assert_eq!(
            (f.service, f.kind, f.error),
            (service::CLM, clm::kind::NODE_GET, 0)
        );
        let q = clm::NodeGet::from_payload(&f.payload).unwrap();
        assert_eq!(q.node_id, clm::LOCAL_NODE_ID);
        let reply = clm::NodeGetReply { node: local_node() }.to_payload();
        write_frame(
            &mut req,
            &Frame::response_to(&f.header().unwrap(), SA_AIS_OK, reply),
        )
        .unwrap();
        // 2: a track stop answered NOT_EXIST
        let f = read_frame(&mut req).unwrap();
        assert_eq!(f.kind, clm::kind::TRACK_STOP);
        assert_ne!(f.seq, 0);
        write_frame(
            &mut req,
            &Frame::response_to(&f.header().unwrap(), SA_AIS_ERR_NOT_EXIST, Vec::new()),
        )
        .unwrap();
    });
    let conn = Connection::connect_to(&addr, service::CLM).unwrap();
    assert_eq!(conn.conn_id(), 77);
    let reply = conn
        .call(&clm::NodeGet {
            node_id: clm::LOCAL_NODE_ID,
            timeout: SA_TIME_ONE_SECOND,
        })
        .unwrap();
    assert_eq!(reply.node, local_node());
    let e = conn.call(&clm::TrackStop).unwrap_err();
    assert!(matches!(e, CallError::Ais(SA_AIS_ERR_NOT_EXIST)));
    server.join().unwrap();
}

#[test]
fn timeout_then_late_response_is_discarded() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let server = thread::spawn(move || {
        let (mut req, _disp) = accept_pair(&listener, 1);
        let first = read_frame(&mut req).unwrap();
        // answer the first request only after the client gave up on it,
        // then answer the second one normally
        let second = read_frame(&mut req).unwrap();
        write_frame(
            &mut req,
            &Frame::response_to(&first.header().unwrap(), SA_AIS_OK, Vec::new()),
        )
        .unwrap();
        write_frame(
            &mut req,
            &Frame::response_to(&second.header().unwrap(), SA_AIS_ERR_BUSY, Vec::new()),
        )
        .unwrap();
    });
    let conn = Connection::connect_to(&addr, service::CLM).unwrap();
    let t0 = Instant::now();
    let e = conn
        .request(
            clm::kind::TRACK_STOP,
            Vec::new(),
            Duration::from_millis(100),
        )
        .unwrap_err();
    assert!(matches!(e, IpcError::Timeout));
    assert_eq!(e.to_ais(), SA_AIS_ERR_TIMEOUT);
    assert!(t0.elapsed() < Duration::from_secs(2));
    let (error, _) = conn
        .request(clm::kind::TRACK_STOP, Vec::new(), Duration::from_secs(5))
        .unwrap();
    assert_eq!(error, SA_AIS_ERR_BUSY, "the stale OK was skipped");
    server.join().unwrap();
}

#[test]
fn dead_executive_fails_promptly() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let server = thread::spawn(move || {
        let (mut req, disp) = accept_pair(&listener, 1);
        let _ = read_frame(&mut req).unwrap();
        drop(req);
        drop(disp);
    });
    let conn = Connection::connect_to(&addr, service::CLM).unwrap();
    let t0 = Instant::now();
    let e = conn
        .request(clm::kind::TRACK_STOP, Vec::new(), Duration::from_secs(30))
        .unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(e.to_ais(), SA_AIS_ERR_LIBRARY, "{e}");
    server.join().unwrap();
    // later calls fail at once too, without SIGPIPE
    let e = conn
        .request(clm::kind::TRACK_STOP, Vec::new(), Duration::from_secs(30))
        .unwrap_err();
    assert_eq!(e.to_ais(), SA_AIS_ERR_LIBRARY);
    assert_eq!(
        dispatch(&conn, DispatchMode::Blocking, |_| Ok(())),
        SA_AIS_ERR_LIBRARY
    );
}

fn node_get_callback(invocation: u64) -> Frame {
    Frame::callback(
        service::CLM,
        clm::kind::NODE_GET_CALLBACK,
        SA_AIS_OK,
        clm::NodeGetCallback {
            invocation,
            node: Some(local_node()),
        }
        .to_payload(),
    )
}

#[test]
fn dispatch_one_all_and_readability() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let conn_thread = thread::spawn(move || accept_pair(&listener, 5));
    let conn = Connection::connect_to(&addr, service::CLM).unwrap();
    let (_req, mut disp) = conn_thread.join().unwrap();
    let fd = conn.dispatch_fd();
    let poll = |ms| sa_ipc_test_poll(fd, ms);

    assert!(!poll(50));
    assert_eq!(
        dispatch(&conn, DispatchMode::All, |_| panic!("nothing pending")),
        SA_AIS_OK
    );
    for i in 0..3 {
        write_frame(&mut disp, &node_get_callback(100 + i)).unwrap();
    }
    let mut seen = Vec::new();
    let mut collect = |f: Frame| {
        match clm::ClmCallback::decode(f.kind, f.error, &f.payload)? {
            clm::ClmCallback::NodeGet { result, .. } => seen.push(result.invocation),
            other => panic!("{other:?}"),
        }
        Ok(())
    };
    assert!(poll(2000));
    assert_eq!(dispatch(&conn, DispatchMode::One, &mut collect), SA_AIS_OK);
    assert!(poll(0), "two more pending");
    assert_eq!(dispatch(&conn, DispatchMode::All, &mut collect), SA_AIS_OK);
    assert_eq!(seen, vec![100, 101, 102]);
    assert!(!poll(50), "everything consumed");

    // a callback frame that does not decode ends the dispatch with LIBRARY
    disp.write_all(
        &Frame::callback(service::CLM, 0x99, SA_AIS_OK, vec![1])
            .to_bytes()
            .unwrap(),
    )
    .unwrap();
    assert!(poll(2000));
    assert_eq!(
        dispatch(&conn, DispatchMode::All, |f| {
            clm::ClmCallback::decode(f.kind, f.error, &f.payload)?;
            Ok(())
        }),
        SA_AIS_ERR_LIBRARY
    );
}

/// Whether the selection object becomes readable within `ms`, checked the
/// way a C program does it.
fn sa_ipc_test_poll(fd: i32, ms: i32) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, not retained by poll.
    let r = unsafe { libc::poll(&mut pfd, 1, ms) };
    r > 0
}

#[test]
fn shutdown_ends_a_blocking_dispatch() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let conn_thread = thread::spawn(move || accept_pair(&listener, 9));
    let conn = Arc::new(Connection::connect_to(&addr, service::CLM).unwrap());
    let (_req, mut disp) = conn_thread.join().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let dispatcher = {
        let conn = Arc::clone(&conn);
        let count = Arc::clone(&count);
        thread::spawn(move || {
            dispatch(&conn, DispatchMode::Blocking, |_| {
                count.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        })
    };
    write_frame(&mut disp, &node_get_callback(1)).unwrap();
    write_frame(&mut disp, &node_get_callback(2)).unwrap();
    let end = Instant::now() + Duration::from_secs(5);
    while count.load(Ordering::SeqCst) < 2 && Instant::now() < end {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert!(!dispatcher.is_finished());
    conn.shutdown();
    assert_eq!(dispatcher.join().unwrap(), SA_AIS_OK);
    assert!(matches!(
        conn.request(1, Vec::new(), Duration::from_secs(1)),
        Err(IpcError::Shutdown)
    ));
    assert_eq!(
        dispatch(&conn, DispatchMode::All, |_| Ok(())),
        SA_AIS_ERR_BAD_HANDLE
    );
}

#[test]
fn concurrent_requests_each_get_their_own_response() {
    let addr = unique_address();
    let listener = addr.bind().unwrap();
    let server = thread::spawn(move || {
        let (mut req, _disp) = accept_pair(&listener, 1);
        // The first request (a blocked get, say) is answered only after
        // the second one (the cancel that wakes it) was answered.
        let first = read_frame(&mut req).unwrap();
        let second = read_frame(&mut req).unwrap();
        write_frame(
            &mut req,
            &Frame::response_to(&second.header().unwrap(), SA_AIS_ERR_BUSY, Vec::new()),
        )
        .unwrap();
        thread::sleep(Duration::from_millis(100));
        write_frame(
            &mut req,
            &Frame::response_to(&first.header().unwrap(), SA_AIS_ERR_INTERRUPT, Vec::new()),
        )
        .unwrap();
    });
    let conn = Arc::new(Connection::connect_to(&addr, service::CLM).unwrap());
    let blocked = {
        let conn = Arc::clone(&conn);
        thread::spawn(move || {
            conn.request(clm::kind::TRACK_STOP, Vec::new(), Duration::from_secs(10))
                .unwrap()
                .0
        })
    };
    thread::sleep(Duration::from_millis(100));
    let (error, _) = conn
        .request(clm::kind::TRACK_STOP, Vec::new(), Duration::from_secs(5))
        .unwrap();
    assert_eq!(error, SA_AIS_ERR_BUSY);
    assert_eq!(blocked.join().unwrap(), SA_AIS_ERR_INTERRUPT);
    server.join().unwrap();
}
