//! MSG on the test cluster: nodes running every service behind their
//! service managers, an agreed-order network and virtual time. Requests
//! go in as library frames; answers come out as response and callback
//! frames.

use sa_abi::ais::{
    SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_BUSY, SA_AIS_ERR_EXIST, SA_AIS_ERR_INTERRUPT,
    SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_SPACE, SA_AIS_ERR_QUEUE_FULL, SA_AIS_ERR_TIMEOUT,
    SA_AIS_OK, SA_TRACK_CHANGES_ONLY,
};
use sa_abi::msg::{
    SA_MSG_QUEUE_CREATE, SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN, SA_MSG_QUEUE_GROUP_REMOVED,
    SA_MSG_QUEUE_GROUP_ROUND_ROBIN, SA_MSG_QUEUE_RECEIVE_CALLBACK,
};
use sa_ipc::proto::msg::{
    kind, mode, Cancel, Get, GroupCreate, GroupInsert, GroupRemove, GroupTrack, MessageBody,
    NeedSpace, QueueAttributes, QueueClose, QueueOpen, QueueStatus, QueueStatusGet, Received,
    ReceivedCallback, Reply, ReplyReceived, Send, SendReceive, TrackCallback, PRIORITIES,
};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Name;

use crate::ordering::NodeId;
use crate::service::testing::TestCluster;

const SECOND: i64 = 1_000_000_000;

fn cluster(ids: &[NodeId]) -> TestCluster {
    let mut c = TestCluster::new(ids);
    c.partition(&[ids]);
    c
}

fn name(s: &str) -> Name {
    Name::try_from(s).unwrap()
}

fn attrs(size: u64, retention: i64) -> QueueAttributes {
    QueueAttributes {
        creation_flags: 0,
        sizes: [size; PRIORITIES],
        retention,
    }
}

fn connect(c: &mut TestCluster, node: NodeId, conn: u64) {
    c.open(node, service::MSG, conn, 100 + conn as i32);
}

fn open(c: &mut TestCluster, node: NodeId, conn: u64, open_id: u64, q: &str, flags: u32) -> u32 {
    let m = QueueOpen {
        open_id,
        name: name(q),
        flags: flags | SA_MSG_QUEUE_CREATE,
        attributes: Some(attrs(1000, 10 * SECOND)),
    };
    c.call(node, conn, &m).0
}

fn body(p: u8, text: &str) -> MessageBody {
    MessageBody {
        msg_type: 1,
        version: 2,
        priority: p,
        sender_name: Some(name("sender")),
        data: text.as_bytes().to_vec(),
    }
}

fn send(c: &mut TestCluster, node: NodeId, conn: u64, dest: &str, p: u8, text: &str) -> u32 {
    let m = Send {
        dest: name(dest),
        message: body(p, text),
        invocation: 0,
        mode: mode::SYNC,
    };
    c.call(node, conn, &m).0
}

/// A get that must be answered at once (the queue has a message, or the
/// timeout is 0); its text, or its error.
fn get(c: &mut TestCluster, node: NodeId, conn: u64, open_id: u64) -> Result<String, u32> {
    let (e, p) = c.call(
        node,
        conn,
        &Get {
            open_id,
            timeout: 0,
            buffer: None,
        },
    );
    if e != SA_AIS_OK {
        return Err(e);
    }
    let r = Received::from_payload(&p).unwrap();
    Ok(String::from_utf8(r.message.data).unwrap())
}

fn drain(c: &mut TestCluster, node: NodeId, conn: u64, open_id: u64) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(t) = get(c, node, conn, open_id) {
        out.push(t);
    }
    out
}

#[test]
fn a_queue_on_one_node_is_reached_from_every_node_in_priority_then_sender_order() {
    let mut c = cluster(&[1, 2, 3]);
    for n in 1..=3 {
        connect(&mut c, n, n as u64);
    }
    assert_eq!(open(&mut c, 2, 2, 1, "q", 0), SA_AIS_OK);
    for i in 0..5 {
        assert_eq!(send(&mut c, 1, 1, "q", 2, &format!("a{i}")), SA_AIS_OK);
        assert_eq!(send(&mut c, 3, 3, "q", 2, &format!("c{i}")), SA_AIS_OK);
    }
    assert_eq!(send(&mut c, 3, 3, "q", 0, "urgent"), SA_AIS_OK);
    let got = drain(&mut c, 2, 2, 1);
    assert_eq!(got[0], "urgent");
    let from = |p: &str| {
        got.iter()
            .filter(|t| t.starts_with(p))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(from("a"), ["a0", "a1", "a2", "a3", "a4"]);
    assert_eq!(from("c"), ["c0", "c1", "c2", "c3", "c4"]);
    // every replica is empty again
    for n in [1, 3] {
        let (e, p) = c.call(n, n as u64, &QueueStatusGet { name: name("q") });
        assert_eq!(e, SA_AIS_OK);
        let s = QueueStatus::from_payload(&p).unwrap();
        assert!(s.usage.iter().all(|u| u.messages == 0 && u.used == 0));
    }
}

#[test]
fn open_rules_busy_exist_and_not_exist() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    connect(&mut c, 2, 2);
    let plain = |open_id| QueueOpen {
        open_id,
        name: name("q"),
        flags: 0,
        attributes: None,
    };
    assert_eq!(c.call(1, 1, &plain(1)).0, SA_AIS_ERR_NOT_EXIST);
    assert_eq!(open(&mut c, 1, 1, 1, "q", 0), SA_AIS_OK);
    assert_eq!(c.call(2, 2, &plain(1)).0, SA_AIS_ERR_BUSY);
    let other = QueueOpen {
        open_id: 2,
        name: name("q"),
        flags: SA_MSG_QUEUE_CREATE,
        attributes: Some(attrs(999, 10 * SECOND)),
    };
    assert_eq!(c.call(2, 2, &other).0, SA_AIS_ERR_EXIST);
    assert_eq!(c.call(1, 1, &QueueClose { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(
        c.call(1, 1, &QueueClose { open_id: 1 }).0,
        SA_AIS_ERR_BAD_HANDLE
    );
    assert_eq!(c.call(2, 2, &plain(3)).0, SA_AIS_OK);
}

#[test]
fn a_blocked_get_is_woken_by_a_send_and_times_out_or_is_cancelled_otherwise() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    connect(&mut c, 2, 2);
    assert_eq!(open(&mut c, 1, 1, 1, "q", 0), SA_AIS_OK);
    let blocked = |timeout| Get {
        open_id: 1,
        timeout,
        buffer: None,
    };
    let seq = c.send(1, 1, &blocked(5 * SECOND));
    c.run();
    assert!(c.response(1, seq).is_none(), "waits for a message");
    assert_eq!(send(&mut c, 2, 2, "q", 1, "late"), SA_AIS_OK);
    let f = c.response(1, seq).expect("woken by the send");
    assert_eq!(f.error, SA_AIS_OK);
    assert_eq!(
        Received::from_payload(&f.payload).unwrap().message.data,
        b"late"
    );

    let seq = c.send(1, 1, &blocked(2 * SECOND));
    c.advance(SECOND);
    assert!(c.response(1, seq).is_none());
    c.advance(SECOND + 1);
    assert_eq!(c.response(1, seq).unwrap().error, SA_AIS_ERR_TIMEOUT);

    let seq = c.send(1, 1, &blocked(20 * SECOND));
    assert_eq!(c.call(1, 1, &Cancel { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(c.response(1, seq).unwrap().error, SA_AIS_ERR_INTERRUPT);
    assert_eq!(c.call(1, 1, &Cancel { open_id: 1 }).0, SA_AIS_ERR_NOT_EXIST);
    assert_eq!(
        c.call(1, 1, &Cancel { open_id: 9 }).0,
        SA_AIS_ERR_BAD_HANDLE
    );
}

#[test]
fn capacity_buffers_and_the_received_callback() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    connect(&mut c, 2, 2);
    assert_eq!(
        open(&mut c, 1, 1, 1, "q", SA_MSG_QUEUE_RECEIVE_CALLBACK),
        SA_AIS_OK
    );
    let big = "x".repeat(600);
    assert_eq!(send(&mut c, 2, 2, "q", 3, &big), SA_AIS_OK);
    assert_eq!(send(&mut c, 2, 2, "q", 3, &big), SA_AIS_ERR_QUEUE_FULL);
    assert_eq!(send(&mut c, 2, 2, "q", 2, &big), SA_AIS_OK);
    let cbs: Vec<ReceivedCallback> = c.callbacks_of(1, 1, kind::RECEIVED_CALLBACK);
    assert_eq!(cbs.len(), 2, "one per stored message");
    let small = Get {
        open_id: 1,
        timeout: 0,
        buffer: Some(10),
    };
    let (e, p) = c.call(1, 1, &small);
    assert_eq!(e, SA_AIS_ERR_NO_SPACE);
    assert_eq!(NeedSpace::from_payload(&p).unwrap().size, 600);
    assert_eq!(drain(&mut c, 1, 1, 1).len(), 2, "the message stayed");
}

#[test]
fn the_queue_survives_the_death_of_its_node_and_the_next_opener_reads_every_message_once() {
    let mut c = cluster(&[1, 2, 3]);
    for n in 1..=3 {
        connect(&mut c, n, n as u64);
    }
    assert_eq!(open(&mut c, 2, 2, 1, "q", 0), SA_AIS_OK);
    for i in 0..10 {
        assert_eq!(send(&mut c, 1, 1, "q", 1, &format!("m{i}")), SA_AIS_OK);
    }
    assert_eq!(get(&mut c, 2, 2, 1).unwrap(), "m0");
    assert_eq!(get(&mut c, 2, 2, 1).unwrap(), "m1");
    c.crash(2);
    c.partition(&[&[1, 3]]);
    let reopen = QueueOpen {
        open_id: 5,
        name: name("q"),
        flags: 0,
        attributes: None,
    };
    assert_eq!(c.call(3, 3, &reopen).0, SA_AIS_OK, "closed with its node");
    let rest = drain(&mut c, 3, 3, 5);
    let want: Vec<String> = (2..10).map(|i| format!("m{i}")).collect();
    assert_eq!(rest, want);
    // The node comes back empty and is given the queue by the sync.
    c.restart(2);
    c.partition(&[&[1, 2, 3]]);
    assert_eq!(send(&mut c, 1, 1, "q", 1, "after"), SA_AIS_OK);
    connect(&mut c, 2, 22);
    let (e, p) = c.call(2, 22, &QueueStatusGet { name: name("q") });
    assert_eq!(e, SA_AIS_OK);
    assert_eq!(QueueStatus::from_payload(&p).unwrap().usage[1].messages, 1);
}

#[test]
fn retention_deletes_a_closed_queue_and_an_open_one_stays() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    assert_eq!(open(&mut c, 1, 1, 1, "q", 0), SA_AIS_OK);
    c.advance(20 * SECOND);
    let status = |c: &mut TestCluster| c.call(1, 1, &QueueStatusGet { name: name("q") }).0;
    assert_eq!(status(&mut c), SA_AIS_OK, "open: never expires");
    assert_eq!(send(&mut c, 1, 1, "q", 1, "kept"), SA_AIS_OK);
    assert_eq!(c.call(1, 1, &QueueClose { open_id: 1 }).0, SA_AIS_OK);
    c.advance(9 * SECOND);
    assert_eq!(status(&mut c), SA_AIS_OK);
    c.advance(2 * SECOND);
    assert_eq!(status(&mut c), SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn a_connection_end_closes_its_queues() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    connect(&mut c, 2, 2);
    assert_eq!(open(&mut c, 1, 1, 1, "q", 0), SA_AIS_OK);
    c.close(1, service::MSG, 1);
    c.run();
    assert_eq!(open(&mut c, 2, 2, 1, "q", 0), SA_AIS_OK);
}

#[test]
fn round_robin_spreads_evenly_over_queues_on_three_nodes() {
    let mut c = cluster(&[1, 2, 3]);
    for n in 1..=3 {
        connect(&mut c, n, n as u64);
        let m = QueueOpen {
            open_id: 1,
            name: name(&format!("q{n}")),
            flags: SA_MSG_QUEUE_CREATE,
            attributes: Some(attrs(1 << 20, SECOND)),
        };
        assert_eq!(c.call(n, n as u64, &m).0, SA_AIS_OK);
    }
    let g = GroupCreate {
        name: name("g"),
        policy: SA_MSG_QUEUE_GROUP_ROUND_ROBIN,
    };
    assert_eq!(c.call(1, 1, &g).0, SA_AIS_OK);
    assert_eq!(c.call(2, 2, &g).0, SA_AIS_ERR_EXIST);
    for n in 1..=3 {
        let ins = GroupInsert {
            group: name("g"),
            queue: name(&format!("q{n}")),
        };
        assert_eq!(c.call(1, 1, &ins).0, SA_AIS_OK);
    }
    for i in 0..300 {
        let from = i % 3 + 1;
        assert_eq!(send(&mut c, from, from as u64, "g", 1, "rr"), SA_AIS_OK);
    }
    for n in 1..=3 {
        assert_eq!(drain(&mut c, n, n as u64, 1).len(), 100);
    }
}

#[test]
fn local_round_robin_stays_on_the_senders_node_and_tracking_reports_removal() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    connect(&mut c, 2, 2);
    assert_eq!(open(&mut c, 1, 1, 1, "a", 0), SA_AIS_OK);
    assert_eq!(open(&mut c, 2, 2, 1, "b", 0), SA_AIS_OK);
    let g = GroupCreate {
        name: name("g"),
        policy: SA_MSG_QUEUE_GROUP_LOCAL_ROUND_ROBIN,
    };
    assert_eq!(c.call(1, 1, &g).0, SA_AIS_OK);
    for q in ["a", "b"] {
        let ins = GroupInsert {
            group: name("g"),
            queue: name(q),
        };
        assert_eq!(c.call(1, 1, &ins).0, SA_AIS_OK);
    }
    let track = GroupTrack {
        name: name("g"),
        flags: SA_TRACK_CHANGES_ONLY,
        current_in_reply: false,
    };
    assert_eq!(c.call(2, 2, &track).0, SA_AIS_OK);
    for _ in 0..4 {
        assert_eq!(send(&mut c, 2, 2, "g", 1, "here"), SA_AIS_OK);
    }
    assert_eq!(drain(&mut c, 2, 2, 1).len(), 4);
    assert_eq!(drain(&mut c, 1, 1, 1).len(), 0);
    let rm = GroupRemove {
        group: name("g"),
        queue: name("a"),
    };
    assert_eq!(c.call(1, 1, &rm).0, SA_AIS_OK);
    let cbs: Vec<TrackCallback> = c.callbacks_of(2, 2, kind::TRACK_CALLBACK);
    assert_eq!(cbs.len(), 1);
    assert_eq!(cbs[0].members, 1);
    assert_eq!(cbs[0].items[0].change, SA_MSG_QUEUE_GROUP_REMOVED);
}

#[test]
fn send_receive_is_answered_by_a_reply_from_another_node_or_times_out() {
    let mut c = cluster(&[1, 2]);
    connect(&mut c, 1, 1);
    connect(&mut c, 2, 2);
    assert_eq!(open(&mut c, 2, 2, 1, "svc", 0), SA_AIS_OK);
    let ask = |buffer| SendReceive {
        dest: name("svc"),
        message: body(1, "question"),
        timeout: 5 * SECOND,
        buffer,
    };
    let seq = c.send(1, 1, &ask(None));
    c.run();
    assert!(c.response(1, seq).is_none());
    let (e, p) = c.call(
        2,
        2,
        &Get {
            open_id: 1,
            timeout: 0,
            buffer: None,
        },
    );
    assert_eq!(e, SA_AIS_OK);
    let got = Received::from_payload(&p).unwrap();
    assert_ne!(got.sender_id, 0);
    let reply = Reply {
        sender_id: got.sender_id,
        message: body(1, "answer"),
        invocation: 0,
        mode: mode::SYNC,
    };
    assert_eq!(c.call(2, 2, &reply).0, SA_AIS_OK);
    let f = c.response(1, seq).unwrap();
    assert_eq!(f.error, SA_AIS_OK);
    assert_eq!(
        ReplyReceived::from_payload(&f.payload)
            .unwrap()
            .message
            .data,
        b"answer"
    );
    assert_eq!(
        c.call(2, 2, &reply).0,
        SA_AIS_ERR_NOT_EXIST,
        "answered once"
    );

    // too small a reply buffer: both sides learn it
    let seq = c.send(1, 1, &ask(Some(3)));
    c.run();
    let (_, p) = c.call(
        2,
        2,
        &Get {
            open_id: 1,
            timeout: 0,
            buffer: None,
        },
    );
    let got = Received::from_payload(&p).unwrap();
    let reply = Reply {
        sender_id: got.sender_id,
        ..reply
    };
    assert_eq!(c.call(2, 2, &reply).0, SA_AIS_ERR_NO_SPACE);
    let f = c.response(1, seq).unwrap();
    assert_eq!(f.error, SA_AIS_ERR_NO_SPACE);
    assert_eq!(NeedSpace::from_payload(&f.payload).unwrap().size, 6);

    // nobody answers
    let seq = c.send(1, 1, &ask(None));
    c.run();
    c.advance(4 * SECOND);
    assert!(c.response(1, seq).is_none());
    c.advance(2 * SECOND);
    assert_eq!(c.response(1, seq).unwrap().error, SA_AIS_ERR_TIMEOUT);
}

#[test]
fn after_a_partition_the_larger_side_wins_and_the_rest_is_kept_where_it_conflicts_with_nothing() {
    let mut c = cluster(&[1, 2, 3]);
    for n in 1..=3 {
        connect(&mut c, n, n as u64);
    }
    assert_eq!(open(&mut c, 1, 1, 1, "shared", 0), SA_AIS_OK);
    c.partition(&[&[1, 2], &[3]]);
    assert_eq!(send(&mut c, 2, 2, "shared", 1, "majority"), SA_AIS_OK);
    assert_eq!(send(&mut c, 3, 3, "shared", 1, "minority"), SA_AIS_OK);
    assert_eq!(open(&mut c, 3, 3, 1, "only3", 0), SA_AIS_OK);
    assert_eq!(send(&mut c, 3, 3, "only3", 1, "kept"), SA_AIS_OK);
    c.partition(&[&[1, 2, 3]]);
    assert_eq!(drain(&mut c, 1, 1, 1), ["majority"]);
    assert_eq!(drain(&mut c, 3, 3, 1), ["kept"]);
}

#[test]
fn malformed_requests_and_exec_messages_never_panic() {
    let mut c = cluster(&[1]);
    connect(&mut c, 1, 1);
    for k in 0..20u16 {
        for payload in [&[][..], &[0xff; 3][..], &[0xff; 64][..]] {
            let n = c.node(1);
            let req = crate::service::Request {
                conn: crate::ipc::ConnId(1),
                kind: k,
                seq: 1,
                payload,
            };
            let _ = n
                .manager
                .lib_request(&mut n.wire, &mut n.link, service::MSG, &req);
        }
    }
    // A send whose numbers are absurd is refused by the checks.
    let m = Send {
        dest: name("nowhere"),
        message: body(200, "x"),
        invocation: 0,
        mode: 77,
    };
    assert_ne!(c.call(1, 1, &m).0, SA_AIS_OK);
    assert_eq!(send(&mut c, 1, 1, "nowhere", 1, "x"), SA_AIS_ERR_NOT_EXIST);
}
