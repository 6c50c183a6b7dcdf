//! Clients that get the protocol wrong, die mid-call or stop reading:
//! each is disconnected (and logged), and the executive goes on serving
//! everyone else.

mod common;

use std::io::Write;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use sa_abi::ais::{SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NOT_SUPPORTED, SA_AIS_ERR_VERSION, SA_AIS_OK};
use sa_ipc::frame::{Frame, HEADER_LEN, KIND_HELLO, MAX_FRAME};
use sa_ipc::hello::{Hello, Role};
use sa_ipc::proto::clm::{kind, NodeGet, NodeGetAsync, LOCAL_NODE_ID};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Connection;

use common::{closed_by_peer, hello_frame, raw_socket, recv, send, Aisexec, RawClient};

/// A well-behaved client is still served.
fn still_serves(exec: &mut Aisexec) {
    assert!(exec.alive(), "aisexec died; log:\n{}", exec.log());
    let conn = Connection::connect_to(&exec.address(), service::CLM).expect("connect");
    let node = conn
        .call(&NodeGet {
            node_id: LOCAL_NODE_ID,
            timeout: 1_000_000_000,
        })
        .expect("node get")
        .node;
    assert!(node.member);
}

fn header(size: u32, service: u16, kind: u16) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(&size.to_le_bytes());
    h.extend_from_slice(&service.to_le_bytes());
    h.extend_from_slice(&kind.to_le_bytes());
    h.extend_from_slice(&[0; 8]);
    h
}

#[test]
fn garbage_instead_of_a_hello() {
    let mut exec = Aisexec::start("root");
    let addr = exec.address();

    // random bytes, then the end of the stream
    let mut s = raw_socket(&addr);
    let mut noise = [0u8; 200];
    getrandom::fill(&mut noise).unwrap();
    s.write_all(&noise).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    assert!(closed_by_peer(&mut s));

    // a frame size smaller than the header
    let mut s = raw_socket(&addr);
    s.write_all(&header(3, service::CLM, KIND_HELLO)).unwrap();
    assert!(closed_by_peer(&mut s));

    // a frame size past the maximum: refused before anything is read
    let mut s = raw_socket(&addr);
    s.write_all(&header(u32::MAX, service::CLM, KIND_HELLO))
        .unwrap();
    assert!(closed_by_peer(&mut s));

    // a well-formed frame that is not a hello
    let mut s = raw_socket(&addr);
    send(
        &mut s,
        &Frame::request(service::CLM, kind::NODE_GET, 1, vec![]),
    );
    assert!(closed_by_peer(&mut s));

    // a hello whose role is neither request nor dispatch
    let mut s = raw_socket(&addr);
    let mut payload = hello_frame(Role::Request, service::CLM, 0).payload;
    payload[0] = 3;
    send(
        &mut s,
        &Frame::request(service::CLM, KIND_HELLO, 0, payload),
    );
    assert!(closed_by_peer(&mut s));

    assert!(exec.wait_for_log("protocol error"));
    still_serves(&mut exec);
}

#[test]
fn hellos_that_are_refused_get_an_answer() {
    let mut exec = Aisexec::start("root");
    let addr = exec.address();
    let refused = |frame: Frame| {
        let mut s = raw_socket(&addr);
        send(&mut s, &frame);
        let reply = recv(&mut s).expect("an answer");
        assert_eq!(reply.kind, KIND_HELLO);
        assert!(closed_by_peer(&mut s));
        reply.error
    };
    // a service this executive does not have
    assert_eq!(
        refused(hello_frame(Role::Request, 42, 0)),
        SA_AIS_ERR_NOT_SUPPORTED
    );
    // another protocol version
    let hello = Hello {
        role: Role::Request,
        service: service::CLM,
        version: 2,
        conn_id: 0,
    };
    assert_eq!(
        refused(Frame::request(
            service::CLM,
            KIND_HELLO,
            0,
            hello.to_payload()
        )),
        SA_AIS_ERR_VERSION
    );
    // a dispatch socket for a connection that does not exist
    assert_eq!(
        refused(hello_frame(Role::Dispatch, service::CLM, 0x1234_5678)),
        SA_AIS_ERR_LIBRARY
    );
    still_serves(&mut exec);
}

#[test]
fn protocol_errors_on_an_established_connection() {
    let mut exec = Aisexec::start("root");
    let addr = exec.address();

    // a frame announcing more than the maximum
    let mut c = RawClient::connect(&addr, service::CLM).unwrap();
    c.request
        .write_all(&header(MAX_FRAME as u32 + 1, service::CLM, kind::NODE_GET))
        .unwrap();
    assert!(closed_by_peer(&mut c.dispatch));

    // an unknown message kind
    let mut c = RawClient::connect(&addr, service::CLM).unwrap();
    send(&mut c.request, &Frame::request(service::CLM, 99, 1, vec![]));
    assert!(closed_by_peer(&mut c.dispatch));

    // a payload that does not decode
    let mut c = RawClient::connect(&addr, service::CLM).unwrap();
    send(
        &mut c.request,
        &Frame::request(service::CLM, kind::NODE_GET, 1, vec![1, 2]),
    );
    assert!(closed_by_peer(&mut c.dispatch));

    // a frame for another service than the connection's
    let mut c = RawClient::connect(&addr, service::CLM).unwrap();
    send(&mut c.request, &Frame::request(service::CKPT, 1, 1, vec![]));
    assert!(closed_by_peer(&mut c.dispatch));

    // anything sent on the dispatch socket
    let mut c = RawClient::connect(&addr, service::CLM).unwrap();
    send(
        &mut c.dispatch,
        &Frame::request(service::CLM, kind::NODE_GET, 1, vec![]),
    );
    assert!(closed_by_peer(&mut c.request));

    still_serves(&mut exec);
    let log = exec.log();
    assert!(log.contains("unknown message kind 99"), "log:\n{log}");
    assert!(
        log.contains("a frame on the dispatch socket"),
        "log:\n{log}"
    );
}

#[test]
fn request_socket_without_dispatch_socket_is_dropped() {
    let mut exec = Aisexec::start("root");
    let mut s = raw_socket(&exec.address());
    send(&mut s, &hello_frame(Role::Request, service::CLM, 0));
    let reply = recv(&mut s).expect("hello reply");
    assert_eq!(reply.error, SA_AIS_OK);
    let started = Instant::now();
    // the set-up timeout is 5 s; closed_by_peer waits at most 10
    assert!(closed_by_peer(&mut s));
    assert!(started.elapsed() >= Duration::from_secs(4));
    assert!(exec.wait_for_log("no dispatch connection"));
    still_serves(&mut exec);
}

#[test]
fn clients_that_die_mid_call() {
    let mut exec = Aisexec::start("root");
    let addr = exec.address();
    // half a request, then gone
    let mut c = RawClient::connect(&addr, service::CLM).unwrap();
    let frame = Frame::request(
        service::CLM,
        kind::NODE_GET,
        1,
        NodeGet {
            node_id: LOCAL_NODE_ID,
            timeout: 1,
        }
        .to_payload(),
    )
    .to_bytes()
    .unwrap();
    c.request.write_all(&frame[..frame.len() / 2]).unwrap();
    drop(c);
    // whole requests whose answers and callbacks nobody reads any more
    for _ in 0..20 {
        let mut c = RawClient::connect(&addr, service::CLM).unwrap();
        let request = NodeGetAsync {
            invocation: 1,
            node_id: LOCAL_NODE_ID,
        };
        send(
            &mut c.request,
            &Frame::request(service::CLM, kind::NODE_GET_ASYNC, 1, request.to_payload()),
        );
        drop(c);
    }
    still_serves(&mut exec);
}

#[test]
fn a_client_that_never_reads_its_callbacks_is_dropped() {
    let mut exec = Aisexec::start("root");
    let mut c = RawClient::connect(&exec.address(), service::CLM).unwrap();
    let request = Frame::request(
        service::CLM,
        kind::NODE_GET_ASYNC,
        1,
        NodeGetAsync {
            invocation: 1,
            node_id: LOCAL_NODE_ID,
        }
        .to_payload(),
    )
    .to_bytes()
    .unwrap();
    // requests in batches, neither responses nor callbacks read: the
    // executive's queue for this client is bounded, so it must give up
    // on the client before this loop ends
    let batch: Vec<u8> = request.repeat(1000);
    let mut sent = 0usize;
    let dropped = loop {
        if c.request.write_all(&batch).is_err() {
            break true;
        }
        sent += 1000;
        if sent >= 2_000_000 {
            break false;
        }
    };
    assert!(dropped, "still connected after {sent} unread callbacks");
    assert!(exec.wait_for_log("it does not read"));
    still_serves(&mut exec);
}
