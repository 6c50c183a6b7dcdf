//! CKPT on a simulated cluster: each node has its own service manager
//! with every service, joined by an agreed-order "network" that delivers
//! every node's multicasts to every member in one order. Requests go in
//! as library frames; answers come out as response and callback frames.

use sa_abi::ais::{
    SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_TRY_AGAIN,
    SA_AIS_OK, SA_TIME_END,
};
use sa_abi::ckpt::{
    SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
    SA_CKPT_WR_ALL_REPLICAS,
};
use sa_ipc::frame::Frame;
use sa_ipc::proto::ckpt::{
    kind, Close, CreationAttributes, Iterate, IterateReply, Open, OpenAsync, OpenCallback, Read,
    ReadElement, ReadReply, SectionCreate, StatusGet, StatusReply, Write, WriteElement,
};
use sa_ipc::proto::{Message, Payload};
use sa_ipc::Name;

use crate::ipc::ConnId;
use crate::ordering::{ConfChg, ConfChgKind, NodeId, OrderingEvent, RingId};
use crate::service::testing::{Link, Wire};
use crate::service::timers::now_ns;
use crate::service::{Request, ServiceManager};
use crate::services::{self, ServiceEnv};

const CONF: &str = "totem {\n version: 2\n secauth: off\n transport: udpu\n \
    interface {\n ringnumber: 0\n bindnetaddr: 10.0.0.0\n }\n \
    member {\n memberaddr: 10.0.0.1\n }\n}\n";

const CRW: u32 = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
const RW: u32 = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;

struct Node {
    manager: ServiceManager,
    wire: Wire,
    link: Link,
    seq: u32,
}

impl Node {
    fn new(id: NodeId) -> Node {
        let env = ServiceEnv {
            node_id: id,
            address: format!("10.0.0.{id}").parse().unwrap(),
            hostname: format!("node{id}"),
            boot_timestamp: 1,
            config: crate::config::parse(CONF, "test.conf").unwrap(),
        };
        Node {
            manager: ServiceManager::new(services::all(&env)).unwrap(),
            wire: Wire {
                node: id,
                ..Wire::default()
            },
            link: Link::default(),
            seq: 0,
        }
    }

    fn id(&self) -> NodeId {
        self.wire.node
    }

    fn deliver(&mut self, event: &OrderingEvent) {
        self.manager.deliver(&mut self.wire, &mut self.link, event);
    }

    /// Sends a request; its answer is looked for with [`Node::response`].
    fn send<M: Message>(&mut self, conn: u64, msg: &M) -> u32 {
        self.seq += 1;
        let payload = msg.to_payload();
        let req = Request {
            conn: ConnId(conn),
            kind: M::KIND,
            seq: self.seq,
            payload: &payload,
        };
        self.manager
            .lib_request(&mut self.wire, &mut self.link, M::SERVICE, &req)
            .unwrap();
        self.seq
    }

    /// The response to request `seq`, if it came.
    fn response(&mut self, seq: u32) -> Option<Frame> {
        let i = self.link.responses.iter().position(|(_, f)| f.seq == seq)?;
        Some(self.link.responses.remove(i).1)
    }

    fn conn_closed(&mut self, conn: u64) {
        self.manager.conn_closed(
            &mut self.wire,
            &mut self.link,
            sa_ipc::service::CKPT,
            ConnId(conn),
        );
    }

    fn fire_timers(&mut self) {
        self.manager
            .fire_timers(&mut self.wire, &mut self.link, now_ns());
    }
}

/// Delivers every message the nodes multicast (in node order, each to
/// every node) until all is quiet.
fn pump(nodes: &mut [&mut Node]) {
    loop {
        let mut messages = Vec::new();
        for n in nodes.iter_mut() {
            let from = n.id();
            messages.extend(
                std::mem::take(&mut n.wire.sent)
                    .into_iter()
                    .map(|payload| OrderingEvent::Deliver { from, payload }),
            );
        }
        if messages.is_empty() {
            return;
        }
        for m in &messages {
            for n in nodes.iter_mut() {
                n.deliver(m);
            }
        }
    }
}

/// A configuration change of `kind` to the nodes given, with `left`.
fn confchg(nodes: &mut [&mut Node], seq: u64, kind: ConfChgKind, left: &[NodeId]) {
    let mut members: Vec<NodeId> = nodes.iter().map(|n| n.id()).collect();
    members.sort_unstable();
    let chg = OrderingEvent::ConfChg(ConfChg {
        kind,
        ring_id: RingId {
            rep: members[0],
            seq,
        },
        members,
        left: left.to_vec(),
        joined: vec![],
    });
    for n in nodes.iter_mut() {
        n.deliver(&chg);
    }
}

/// A new ring of the nodes given (transitional and regular
/// configuration), synchronised.
fn ring(nodes: &mut [&mut Node], seq: u64, left: &[NodeId]) {
    confchg(nodes, seq, ConfChgKind::Transitional, left);
    confchg(nodes, seq, ConfChgKind::Regular, left);
    pump(nodes);
    assert!(nodes.iter().all(|n| n.manager.is_operational()));
}

fn attrs(retention: i64) -> CreationAttributes {
    CreationAttributes {
        creation_flags: SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: 400,
        retention_duration: retention,
        max_sections: 4,
        max_section_size: 100,
        max_section_id_size: 16,
    }
}

fn open_msg(open_id: u64, name: &str, flags: u32, attributes: Option<CreationAttributes>) -> Open {
    Open {
        open_id,
        name: Name::try_from(name).unwrap(),
        flags,
        attributes,
    }
}

/// Sends a request, runs the network, and returns the answer's error and
/// payload.
fn call<M: Message>(nodes: &mut [&mut Node], at: usize, conn: u64, msg: &M) -> (u32, Vec<u8>) {
    let seq = nodes[at].send(conn, msg);
    pump(nodes);
    let f = nodes[at].response(seq).expect("an answer");
    (f.error, f.payload)
}

fn read(nodes: &mut [&mut Node], at: usize, conn: u64, open_id: u64, section: &[u8]) -> Vec<u8> {
    let (error, payload) = call(
        nodes,
        at,
        conn,
        &Read {
            open_id,
            elements: vec![ReadElement {
                section_id: section.to_vec(),
                offset: 0,
                size: 100,
            }],
        },
    );
    assert_eq!(error, SA_AIS_OK);
    ReadReply::from_payload(&payload).unwrap().data.remove(0)
}

fn write(open_id: u64, section: &[u8], data: &[u8]) -> Write {
    Write {
        open_id,
        elements: vec![WriteElement {
            section_id: section.to_vec(),
            offset: 0,
            data: data.to_vec(),
        }],
    }
}

fn create_section(open_id: u64, id: &[u8], data: &[u8]) -> SectionCreate {
    SectionCreate {
        open_id,
        section_id: id.to_vec(),
        expiration: SA_TIME_END,
        data: data.to_vec(),
    }
}

#[test]
fn changes_are_replicated_and_answered_by_the_receiving_node() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    let n = &mut [&mut a, &mut b];
    ring(n, 4, &[]);
    let (e, _) = call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(1_000))));
    assert_eq!(e, SA_AIS_OK);
    assert!(n[1].link.responses.is_empty(), "node 2 answers nobody");
    assert_eq!(
        call(n, 0, 10, &create_section(1, b"s", b"one")).0,
        SA_AIS_OK
    );
    assert_eq!(call(n, 1, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(n, 1, 20, 1, b"s"), b"one");
    assert_eq!(call(n, 1, 20, &write(1, b"s", b"TWO")).0, SA_AIS_OK);
    assert_eq!(read(n, 0, 10, 1, b"s"), b"TWO");
    // an opening belongs to its connection
    assert_eq!(
        call(n, 1, 21, &write(1, b"s", b"x")).0,
        SA_AIS_ERR_BAD_HANDLE
    );
}

#[test]
fn asynchronous_open_answers_with_a_callback() {
    let mut a = Node::new(1);
    let n = &mut [&mut a];
    ring(n, 4, &[]);
    let seq = n[0].send(
        7,
        &OpenAsync {
            invocation: 99,
            open: open_msg(3, "c", CRW, Some(attrs(0))),
        },
    );
    assert_eq!(n[0].response(seq).unwrap().error, SA_AIS_OK);
    pump(n);
    let (conn, f) = n[0].link.callbacks.pop().unwrap();
    assert_eq!(
        (conn, f.kind, f.error),
        (ConnId(7), kind::OPEN_CALLBACK, SA_AIS_OK)
    );
    let cb = OpenCallback::from_payload(&f.payload).unwrap();
    assert_eq!((cb.invocation, cb.open_id), (99, 3));
    assert_eq!(cb.attributes, Some(attrs(0)));
}

#[test]
fn a_connection_end_closes_its_openings_on_every_node() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    let n = &mut [&mut a, &mut b];
    ring(n, 4, &[]);
    // retention 0: deleted when its last opening closes
    assert_eq!(
        call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    assert_eq!(call(n, 0, 10, &open_msg(2, "c", RW, None)).0, SA_AIS_OK);
    n[0].conn_closed(10);
    pump(n);
    let (e, _) = call(n, 1, 20, &open_msg(1, "c", RW, None));
    assert_eq!(e, SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn a_departed_node_openings_are_dropped() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    {
        let n = &mut [&mut a, &mut b];
        ring(n, 4, &[]);
        assert_eq!(
            call(n, 0, 10, &open_msg(1, "gone", CRW, Some(attrs(0)))).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(
                n,
                0,
                10,
                &open_msg(2, "kept", CRW, Some(attrs(60_000_000_000)))
            )
            .0,
            SA_AIS_OK
        );
    }
    // node 1 fails
    let n = &mut [&mut b];
    ring(n, 8, &[1]);
    assert_eq!(
        call(n, 0, 20, &open_msg(1, "gone", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
    assert_eq!(call(n, 0, 20, &open_msg(2, "kept", RW, None)).0, SA_AIS_OK);
}

#[test]
fn a_joining_node_receives_every_checkpoint() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    {
        let n = &mut [&mut a];
        ring(n, 4, &[]);
        assert_eq!(
            call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(1_000)))).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(n, 0, 10, &create_section(1, b"s", b"before")).0,
            SA_AIS_OK
        );
    }
    let n = &mut [&mut a, &mut b];
    ring(n, 8, &[]);
    assert_eq!(call(n, 1, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(n, 1, 20, 1, b"s"), b"before");
    // node 1's opening made before the join still counts on node 2: the
    // checkpoint outlives node 2's close
    assert_eq!(call(n, 1, 20, &Close { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(call(n, 1, 21, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
}

#[test]
fn changes_delivered_during_a_sync_apply_after_it() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    {
        let n = &mut [&mut a];
        ring(n, 4, &[]);
        assert_eq!(
            call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(1_000)))).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(n, 0, 10, &create_section(1, b"s", b"old")).0,
            SA_AIS_OK
        );
    }
    // a write forwarded just before the configuration changes is delivered
    // in the new ring, in the middle of the sync
    let seq = a.send(10, &write(1, b"s", b"new"));
    let n = &mut [&mut a, &mut b];
    confchg(n, 8, ConfChgKind::Transitional, &[]);
    confchg(n, 8, ConfChgKind::Regular, &[]);
    // requests are refused until the sync is done
    let refused = n[1].send(20, &open_msg(1, "c", RW, None));
    assert_eq!(n[1].response(refused).unwrap().error, SA_AIS_ERR_TRY_AGAIN);
    pump(n);
    assert_eq!(n[0].response(seq).unwrap().error, SA_AIS_OK);
    assert_eq!(call(n, 1, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(n, 1, 20, 1, b"s"), b"new");
    assert_eq!(read(n, 0, 10, 1, b"s"), b"new");
}

#[test]
fn after_a_partition_the_larger_side_wins() {
    let (mut a, mut b, mut c) = (Node::new(1), Node::new(2), Node::new(3));
    {
        let n = &mut [&mut a, &mut b, &mut c];
        ring(n, 4, &[]);
        assert_eq!(
            call(
                n,
                0,
                10,
                &open_msg(1, "c", CRW, Some(attrs(60_000_000_000)))
            )
            .0,
            SA_AIS_OK
        );
        assert_eq!(
            call(n, 0, 10, &create_section(1, b"s", b"old")).0,
            SA_AIS_OK
        );
        assert_eq!(call(n, 1, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    }
    // node 1 is cut off; nodes 2 and 3 go on writing
    ring(&mut [&mut a], 8, &[2, 3]);
    {
        let n = &mut [&mut b, &mut c];
        ring(n, 8, &[1]);
        assert_eq!(call(n, 0, 20, &write(1, b"s", b"NEW")).0, SA_AIS_OK);
    }
    // they meet again
    let n = &mut [&mut a, &mut b, &mut c];
    ring(n, 12, &[]);
    for at in 0..3 {
        assert_eq!(
            call(n, at, 30, &open_msg(at as u64 + 10, "c", RW, None)).0,
            SA_AIS_OK
        );
        assert_eq!(
            read(n, at, 30, at as u64 + 10, b"s"),
            b"NEW",
            "node {}",
            at + 1
        );
    }
    // node 1's opening survived the merge on every node
    assert_eq!(read(n, 0, 10, 1, b"s"), b"NEW");
}

#[test]
fn expired_sections_go_on_every_node() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    let n = &mut [&mut a, &mut b];
    ring(n, 4, &[]);
    assert_eq!(
        call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(1_000)))).0,
        SA_AIS_OK
    );
    let soon = SectionCreate {
        expiration: now_ns() + 30_000_000,
        ..create_section(1, b"soon", b"x")
    };
    assert_eq!(call(n, 0, 10, &soon).0, SA_AIS_OK);
    assert_eq!(
        call(n, 0, 10, &create_section(1, b"kept", b"y")).0,
        SA_AIS_OK
    );
    assert_eq!(call(n, 1, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    std::thread::sleep(std::time::Duration::from_millis(60));
    // both nodes notice; the second request is a harmless duplicate
    n[0].fire_timers();
    n[1].fire_timers();
    pump(n);
    for (at, conn) in [(0, 10), (1, 20)] {
        let (e, payload) = call(
            n,
            at,
            conn,
            &Iterate {
                open_id: 1,
                chosen: sa_abi::ckpt::SA_CKPT_SECTIONS_ANY,
                expiration: 0,
                after: None,
                max_sections: 10,
            },
        );
        assert_eq!(e, SA_AIS_OK);
        let page = IterateReply::from_payload(&payload).unwrap();
        let ids: Vec<_> = page.sections.iter().map(|s| s.section_id.clone()).collect();
        assert_eq!(ids, vec![b"kept".to_vec()], "node {}", at + 1);
    }
}

#[test]
fn a_close_sent_before_its_open_was_answered_closes_it() {
    let mut a = Node::new(1);
    let n = &mut [&mut a];
    ring(n, 4, &[]);
    // the library gave up waiting for the open and closes what it may make
    let open = n[0].send(10, &open_msg(1, "c", CRW, Some(attrs(0))));
    let close = n[0].send(10, &Close { open_id: 1 });
    pump(n);
    assert_eq!(n[0].response(open).unwrap().error, SA_AIS_OK);
    assert_eq!(n[0].response(close).unwrap().error, SA_AIS_OK);
    // retention 0: the checkpoint went with that close
    assert_eq!(
        call(n, 0, 11, &open_msg(1, "c", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
    // closing twice: the opening is unknown
    assert_eq!(
        call(n, 0, 10, &Close { open_id: 1 }).0,
        SA_AIS_ERR_BAD_HANDLE
    );
}

#[test]
fn a_full_ordering_queue_delays_the_sync_and_connection_ends() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    {
        let n = &mut [&mut a];
        ring(n, 4, &[]);
        assert_eq!(
            call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(n, 0, 10, &create_section(1, b"s", b"data")).0,
            SA_AIS_OK
        );
    }
    // the sync waits while the queue is full ...
    a.wire.full = true;
    let n = &mut [&mut a, &mut b];
    confchg(n, 8, ConfChgKind::Transitional, &[]);
    confchg(n, 8, ConfChgKind::Regular, &[]);
    pump(n);
    assert!(!n[0].manager.is_operational());
    // ... and goes on when there is room
    n[0].wire.full = false;
    n[0].manager.retry_pending(&mut n[0].wire, &mut n[0].link);
    pump(n);
    assert!(n.iter().all(|x| x.manager.is_operational()));
    assert_eq!(call(n, 1, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(n, 1, 20, 1, b"s"), b"data");

    // a connection end that finds the queue full is announced later
    n[0].wire.full = true;
    n[0].conn_closed(10);
    pump(n);
    n[0].wire.full = false;
    std::thread::sleep(std::time::Duration::from_millis(60));
    n[0].fire_timers();
    pump(n);
    // node 2's opening keeps it; once closed too, it goes (retention 0)
    assert_eq!(call(n, 1, 20, &Close { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(
        call(n, 1, 21, &open_msg(1, "c", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
}

/// The write that took down every replica at once: client-chosen limits
/// of `~0` and an offset near the end of the address space. Every node
/// refuses it with the same error and holds nothing more.
#[test]
fn a_write_past_the_memory_limit_is_refused_on_every_node() {
    let (mut a, mut b) = (Node::new(1), Node::new(2));
    let n = &mut [&mut a, &mut b];
    ring(n, 4, &[]);
    let unbounded = CreationAttributes {
        checkpoint_size: u64::MAX,
        max_sections: 2,
        max_section_size: u64::MAX,
        ..attrs(1_000)
    };
    assert_eq!(
        call(n, 0, 10, &open_msg(1, "huge", CRW, Some(unbounded))).0,
        SA_AIS_OK
    );
    assert_eq!(call(n, 0, 10, &create_section(1, b"s", b"")).0, SA_AIS_OK);
    for offset in [0xffff_ffff_ffff_ff00, 1 << 42, 1 << 30] {
        let w = Write {
            open_id: 1,
            elements: vec![WriteElement {
                section_id: b"s".to_vec(),
                offset,
                data: vec![7; 10],
            }],
        };
        assert_eq!(
            call(n, 1, 20, &open_msg(offset, "huge", RW, None)).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(
                n,
                1,
                20,
                &Write {
                    open_id: offset,
                    ..w
                }
            )
            .0,
            SA_AIS_ERR_NO_RESOURCES,
            "offset {offset:#x}"
        );
    }
    // within the limit it works as before
    let near = Write {
        open_id: 1,
        elements: vec![WriteElement {
            section_id: b"s".to_vec(),
            offset: 1000,
            data: b"end".to_vec(),
        }],
    };
    assert_eq!(call(n, 0, 10, &near).0, SA_AIS_OK);
    for (at, conn, open_id) in [(0, 10, 1), (1, 20, 1 << 30)] {
        let (e, payload) = call(n, at, conn, &StatusGet { open_id });
        assert_eq!(e, SA_AIS_OK);
        assert_eq!(
            StatusReply::from_payload(&payload).unwrap().memory_used,
            1003
        );
    }
}

/// A node that opened a checkpoint with CREATE while it was alone (its
/// first moment after a restart) created a second checkpoint of the name.
/// At the merge it is folded into the cluster's: its opener writes into
/// the winner from then on, and what it created alone is kept.
#[test]
fn an_opening_of_a_folded_checkpoint_writes_into_the_winner() {
    let (mut a, mut b, mut c) = (Node::new(1), Node::new(2), Node::new(3));
    {
        let n = &mut [&mut a, &mut b];
        ring(n, 4, &[]);
        assert_eq!(
            call(n, 0, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(n, 0, 10, &create_section(1, b"s", b"data")).0,
            SA_AIS_OK
        );
    }
    {
        let n = &mut [&mut c];
        ring(n, 4, &[]);
        assert_eq!(
            call(n, 0, 30, &open_msg(7, "c", CRW, Some(attrs(0)))).0,
            SA_AIS_OK
        );
        assert_eq!(
            call(n, 0, 30, &create_section(7, b"mine", b"alone")).0,
            SA_AIS_OK
        );
    }
    let n = &mut [&mut a, &mut b, &mut c];
    ring(n, 8, &[]);
    assert_eq!(call(n, 2, 30, &write(7, b"s", b"after")).0, SA_AIS_OK);
    assert_eq!(read(n, 0, 10, 1, b"s"), b"after");
    assert_eq!(read(n, 0, 10, 1, b"mine"), b"alone");
    assert_eq!(read(n, 2, 30, 7, b"s"), b"after");
}
