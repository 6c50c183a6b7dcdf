//! Clients that get the protocol wrong, die mid-call or stop reading:
//! each is disconnected (and logged), and the executive goes on serving
//! everyone else.

mod common;

use std::io::Write;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use sa_abi::ais::{
    SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NOT_SUPPORTED, SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_VERSION,
    SA_AIS_OK,
};
use sa_abi::cpg::{CPG_ERR_TRY_AGAIN, CPG_OK};
use sa_ipc::frame::{Frame, HEADER_LEN, KIND_HELLO, MAX_FRAME};
use sa_ipc::hello::{Hello, Role};
use sa_ipc::proto::clm::{kind, NodeGet, NodeGetAsync, LOCAL_NODE_ID};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Connection;

use common::{
    closed_by_peer, config_with, hello_frame, raise_nofile, raw_socket, recv, send, vm_bytes,
    Aisexec, RawClient, WAIT,
};

/// A well-behaved client is still served.
fn still_serves(exec: &mut Aisexec) {
    assert!(exec.alive(), "aisexec died; log:\n{}", exec.log());
    // Connections just closed may not be noticed yet by a full executive.
    let deadline = Instant::now() + WAIT;
    let conn = loop {
        match Connection::connect_to(&exec.address(), service::CLM) {
            Ok(c) => break c,
            Err(e) if Instant::now() >= deadline => panic!("connect: {e:?}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
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

fn node_get(c: &mut RawClient) {
    let request = NodeGet {
        node_id: LOCAL_NODE_ID,
        timeout: 1_000_000_000,
    };
    let reply = c.call(service::CLM, kind::NODE_GET, request.to_payload());
    assert_eq!(reply.error, SA_AIS_OK);
}

/// Thousands of established, idle connections cost the executive little
/// memory each (its socket buffers are released while a socket is idle),
/// and past `max_connections` a set-up is refused with
/// SA_AIS_ERR_NO_RESOURCES.
#[test]
fn many_idle_connections_are_cheap_and_limited() {
    const N: usize = 5000;
    let limit = raise_nofile(32768);
    // Two sockets per connection, in this process and in the executive
    // (which inherits the limit).
    assert!(limit >= 2 * N as u64 + 100, "RLIMIT_NOFILE {limit} too low");
    let started = Instant::now();
    let mut exec = Aisexec::start_with(&config_with("root", &format!("\tmax_connections: {N}\n")));
    let addr = exec.address();
    // One connection first: what the executive allocates once (maps,
    // service state) is not charged to the others.
    let mut first = RawClient::connect(&addr, service::CLM).expect("first connection");
    node_get(&mut first);
    let before = vm_bytes(exec.pid(), "VmRSS");
    let mut clients = Vec::with_capacity(N);
    for i in 1..N {
        let mut c = RawClient::connect(&addr, service::CLM)
            .unwrap_or_else(|e| panic!("connection {i} refused with {e}"));
        // used once: its buffers grew for the call and must shrink back
        node_get(&mut c);
        clients.push(c);
        assert!(
            started.elapsed() < 10 * WAIT,
            "{i} connections took too long"
        );
    }
    let after = vm_bytes(exec.pid(), "VmRSS");
    let per_connection = after.saturating_sub(before) / (N as u64 - 1);
    eprintln!(
        "aisexec RSS {before} -> {after} bytes for {} connections: {per_connection} bytes each",
        N - 1
    );
    assert!(
        per_connection <= 64 * 1024,
        "{per_connection} bytes per idle connection"
    );

    // the limit: the next set-up is refused with the executive's code
    assert_eq!(
        RawClient::connect(&addr, service::CLM).err(),
        Some(SA_AIS_ERR_NO_RESOURCES)
    );
    assert!(
        exec.wait_for_log("connection limit"),
        "log:\n{}",
        exec.log()
    );
    // the established ones are still served
    node_get(&mut clients[N / 2]);
    // one leaves: there is room for one again
    drop(first);
    let deadline = Instant::now() + WAIT;
    let again = loop {
        match RawClient::connect(&addr, service::CLM) {
            Ok(c) => break c,
            Err(e) => {
                assert_eq!(e, SA_AIS_ERR_NO_RESOURCES);
                assert!(Instant::now() < deadline, "no room after a close");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    drop(again);
    drop(clients);
    still_serves(&mut exec);
}

/// Group members that never read their callbacks, under a flood of large
/// multicasts: all their unread callbacks together stay within
/// `max_queued_bytes` (the executive drops the largest reader-less queue
/// instead of growing): the executive's resident memory grows by less
/// than the cap, while the member that reads is still served.
#[test]
fn non_reading_members_under_a_flood_stay_within_the_global_cap() {
    use sa_ipc::proto::cpg::{self, GroupName, Join, Mcast};
    use sa_ipc::proto::Message;

    const CAP: u64 = 16 * 1024 * 1024;
    const SILENT: usize = 40;
    const MESSAGE: usize = 60_000;
    const MESSAGES: usize = 200;
    let mut exec = Aisexec::start_with(&config_with(
        "root",
        &format!("\tmax_queued_bytes: {CAP}\n"),
    ));
    let addr = exec.address();
    let group = GroupName::new(b"flood").unwrap();
    let join = |c: &mut RawClient| {
        let reply = c.call(
            service::CPG,
            Join::KIND,
            Join {
                group: group.clone(),
            }
            .to_payload(),
        );
        assert_eq!(reply.error, CPG_OK);
    };
    let mut silent = Vec::new();
    for _ in 0..SILENT {
        let mut c = RawClient::connect(&addr, service::CPG).expect("connect");
        join(&mut c);
        silent.push(c);
    }
    let mut sender = RawClient::connect(&addr, service::CPG).expect("connect");
    join(&mut sender);
    // The sender reads its own callbacks, on a thread, until its socket
    // is shut down at the end (or a read times out).
    let mut dispatch = sender.dispatch.try_clone().unwrap();
    let drain = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0usize;
        loop {
            match std::io::Read::read(&mut dispatch, &mut buf) {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    let before = vm_bytes(exec.pid(), "VmRSS");
    let payload = Mcast {
        guarantee: cpg::Guarantee::Agreed,
        data: vec![0x5a; MESSAGE],
    }
    .to_payload();
    let deadline = Instant::now() + 6 * WAIT;
    let mut sent = 0;
    while sent < MESSAGES {
        assert!(Instant::now() < deadline, "only {sent} multicasts in time");
        let reply = sender.call(service::CPG, Mcast::KIND, payload.clone());
        match reply.error {
            CPG_OK => sent += 1,
            CPG_ERR_TRY_AGAIN => std::thread::sleep(Duration::from_millis(2)),
            e => panic!("mcast: error {e}"),
        }
    }
    // let the last deliveries be queued
    std::thread::sleep(Duration::from_millis(500));
    let peak = vm_bytes(exec.pid(), "VmHWM");
    let growth = peak.saturating_sub(before);
    eprintln!("aisexec RSS {before} before the flood, peak {peak}: {growth} bytes more, cap {CAP}");
    assert!(
        exec.wait_for_log("it does not read"),
        "log:\n{}",
        exec.log()
    );
    // the cap bounds all the backlog costs: the queues and what is on
    // its way into them
    assert!(
        growth <= CAP,
        "the executive grew by {growth} bytes under a cap of {CAP}"
    );
    // the reading member was not the one dropped
    let reply = sender.call(
        service::CPG,
        cpg::MembershipGet::KIND,
        cpg::MembershipGet {
            group: group.clone(),
        }
        .to_payload(),
    );
    assert_eq!(reply.error, CPG_OK);
    sender.dispatch.shutdown(Shutdown::Both).unwrap();
    assert!(drain.join().unwrap() >= MESSAGES * MESSAGE);
    for c in &mut silent {
        assert!(closed_by_peer(&mut c.request), "a silent member kept");
    }
    still_serves(&mut exec);
}
