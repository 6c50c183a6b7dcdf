//! Message queues on three real executives (udpu on 127.0.0.1-3),
//! clients through the IPC contract: senders on two nodes keep their
//! order into a queue on the third, a round-robin group over queues on
//! every node spreads messages evenly, and a queue outlives the kill -9
//! of its node with every acknowledged message read once, in order, by
//! the next opener on another node.

mod cluster_support;

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant};

use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::ais::{SA_AIS_ERR_TIMEOUT, SA_AIS_ERR_TRY_AGAIN};
use sa_abi::msg::{SA_MSG_QUEUE_CREATE, SA_MSG_QUEUE_GROUP_ROUND_ROBIN};
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::msg::{
    mode, Get, GroupCreate, GroupInsert, MessageBody, QueueAttributes, QueueOpen, Received, Send,
    PRIORITIES,
};
use sa_ipc::proto::{service, Request};
use sa_ipc::Name;

const SECOND: i64 = 1_000_000_000;

fn start_cluster(dir: &std::path::Path, tag: &str) -> Vec<Node> {
    let key = dir.join("authkey");
    keygen(&key);
    let port = free_port(3);
    let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
    let nodes: Vec<Node> = (1..=3)
        .map(|n| Node::start(dir, tag, n, &udpu_config(n, 3, port, true), &key))
        .collect();
    for node in &nodes {
        assert!(
            node.wait_members(&ids, WAIT),
            "node {} never saw 3 members; its log:\n{}",
            node.n,
            node.log()
        );
    }
    nodes
}

/// Calls `req` until it is not refused with SA_AIS_ERR_TRY_AGAIN (bounded).
fn call<Q: Request>(conn: &Connection, req: &Q) -> Result<Q::Reply, CallError> {
    let deadline = Instant::now() + WAIT;
    loop {
        match conn.call(req) {
            Err(CallError::Ais(SA_AIS_ERR_TRY_AGAIN)) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

fn conn(node: &Node) -> Connection {
    Connection::connect_to(&node.address(), service::MSG).expect("connect to MSG")
}

fn name(s: &str) -> Name {
    Name::try_from(s).unwrap()
}

fn open(c: &Connection, open_id: u64, q: &str) {
    let m = QueueOpen {
        open_id,
        name: name(q),
        flags: SA_MSG_QUEUE_CREATE,
        attributes: Some(QueueAttributes {
            creation_flags: 0,
            sizes: [1 << 20; PRIORITIES],
            retention: 60 * SECOND,
        }),
    };
    call(c, &m).expect("open");
}

fn send(c: &Connection, dest: &str, text: &str) {
    let m = Send {
        dest: name(dest),
        message: MessageBody {
            msg_type: 0,
            version: 0,
            priority: 1,
            sender_name: None,
            data: text.as_bytes().to_vec(),
        },
        invocation: 0,
        mode: mode::SYNC,
    };
    call(c, &m).expect("send");
}

/// Gets every message until the queue stays empty for `quiet`.
fn drain(c: &Connection, open_id: u64, quiet: i64) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let get = Get {
            open_id,
            timeout: quiet,
            buffer: None,
        };
        match call(c, &get) {
            Ok(Received { message, .. }) => out.push(String::from_utf8(message.data).unwrap()),
            Err(CallError::Ais(SA_AIS_ERR_TIMEOUT)) => return out,
            Err(e) => panic!("get: {e}"),
        }
    }
}

#[test]
fn senders_on_two_nodes_keep_their_order_into_a_queue_on_the_third() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_cluster(dir.path(), "msg-order");
    let reader = conn(&nodes[1]);
    open(&reader, 1, "order");
    let senders: Vec<_> = [0usize, 2]
        .into_iter()
        .map(|i| {
            let address = nodes[i].address();
            thread::spawn(move || {
                let c = Connection::connect_to(&address, service::MSG).unwrap();
                for k in 0..200 {
                    send(&c, "order", &format!("{i}-{k}"));
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    let got = drain(&reader, 1, SECOND / 2);
    assert_eq!(got.len(), 400);
    let mut next: HashMap<&str, u32> = HashMap::new();
    for m in &got {
        let (from, k) = m.split_once('-').unwrap();
        let want = next.entry(from).or_default();
        assert_eq!(k.parse::<u32>().unwrap(), *want, "{from}'s order");
        *want += 1;
    }
}

#[test]
fn a_round_robin_group_over_three_nodes_spreads_evenly() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_cluster(dir.path(), "msg-rr");
    let conns: Vec<Connection> = nodes.iter().map(conn).collect();
    for (i, c) in conns.iter().enumerate() {
        open(c, 1, &format!("rr{i}"));
    }
    call(
        &conns[0],
        &GroupCreate {
            name: name("rr"),
            policy: SA_MSG_QUEUE_GROUP_ROUND_ROBIN,
        },
    )
    .unwrap();
    for i in 0..3 {
        call(
            &conns[1],
            &GroupInsert {
                group: name("rr"),
                queue: name(&format!("rr{i}")),
            },
        )
        .unwrap();
    }
    // 3,000 messages, from every node in turn, several at once.
    let senders: Vec<_> = nodes
        .iter()
        .map(|n| {
            let address = n.address();
            thread::spawn(move || {
                let c = Connection::connect_to(&address, service::MSG).unwrap();
                for k in 0..1000 {
                    send(&c, "rr", &format!("m{k}"));
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    let counts: Vec<usize> = conns
        .iter()
        .map(|c| drain(c, 1, SECOND / 2).len())
        .collect();
    println!("round robin: {counts:?}");
    assert_eq!(counts.iter().sum::<usize>(), 3000);
    for c in &counts {
        assert!((999..=1001).contains(c), "{counts:?}");
    }
}

#[test]
fn a_queue_outlives_the_kill_of_its_node_and_the_next_opener_reads_every_acknowledged_message_once()
{
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = start_cluster(dir.path(), "msg-kill");
    let reader = conn(&nodes[1]);
    open(&reader, 1, "durable");
    let sender = conn(&nodes[0]);
    let mut acknowledged = Vec::new();
    for k in 0..300 {
        let text = format!("d{k:03}");
        send(&sender, "durable", &text);
        acknowledged.push(text);
    }
    // The reader on node 2 reads a part, then its node dies.
    let mut read = Vec::new();
    for _ in 0..100 {
        let get = Get {
            open_id: 1,
            timeout: SECOND,
            buffer: None,
        };
        let r = call(&reader, &get).expect("get on node 2");
        read.push(String::from_utf8(r.message.data).unwrap());
    }
    nodes[1].kill9();
    assert!(nodes[0].wait_members(&[loopback_id(1), loopback_id(3)], WAIT));
    // Sends go on meanwhile; each one acknowledged must be kept too.
    for k in 300..350 {
        let text = format!("d{k:03}");
        send(&sender, "durable", &text);
        acknowledged.push(text);
    }
    let next = conn(&nodes[2]);
    let reopen = QueueOpen {
        open_id: 9,
        name: name("durable"),
        flags: 0,
        attributes: None,
    };
    call(&next, &reopen).expect("reopen on node 3");
    read.extend(drain(&next, 9, SECOND / 2));
    assert_eq!(
        read, acknowledged,
        "every acknowledged message once, in order"
    );
}
