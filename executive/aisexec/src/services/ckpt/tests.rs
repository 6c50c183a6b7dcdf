//! CKPT on the test cluster: nodes running every service behind their
//! service managers, an agreed-order network and virtual time. Requests
//! go in as library frames; answers come out as response and callback
//! frames.

use sa_abi::ais::{
    SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_TRY_AGAIN,
    SA_AIS_OK, SA_TIME_END,
};
use sa_abi::ckpt::{
    SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
    SA_CKPT_WR_ALL_REPLICAS,
};
use sa_ipc::proto::ckpt::{
    kind, Close, CreationAttributes, Iterate, IterateReply, Open, OpenAsync, OpenCallback, Read,
    ReadElement, ReadReply, SectionCreate, StatusGet, StatusReply, Write, WriteElement,
};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Name;

use crate::ipc::ConnId;
use crate::ordering::NodeId;
use crate::service::testing::TestCluster;

const CRW: u32 = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
const RW: u32 = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;

/// Nodes `ids` of a cluster, in one ring.
fn cluster(ids: &[NodeId]) -> TestCluster {
    let mut c = TestCluster::new(ids);
    c.partition(&[ids]);
    c
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

fn read(c: &mut TestCluster, node: NodeId, conn: u64, open_id: u64, section: &[u8]) -> Vec<u8> {
    let (error, payload) = c.call(
        node,
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
    let c = &mut cluster(&[1, 2]);
    let (e, _) = c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(1_000))));
    assert_eq!(e, SA_AIS_OK);
    assert!(c.node(2).link.responses.is_empty(), "node 2 answers nobody");
    assert_eq!(c.call(1, 10, &create_section(1, b"s", b"one")).0, SA_AIS_OK);
    assert_eq!(c.call(2, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(c, 2, 20, 1, b"s"), b"one");
    assert_eq!(c.call(2, 20, &write(1, b"s", b"TWO")).0, SA_AIS_OK);
    assert_eq!(read(c, 1, 10, 1, b"s"), b"TWO");
    // an opening belongs to its connection
    assert_eq!(
        c.call(2, 21, &write(1, b"s", b"x")).0,
        SA_AIS_ERR_BAD_HANDLE
    );
}

#[test]
fn asynchronous_open_answers_with_a_callback() {
    let c = &mut cluster(&[1]);
    let seq = c.send(
        1,
        7,
        &OpenAsync {
            invocation: 99,
            open: open_msg(3, "c", CRW, Some(attrs(0))),
        },
    );
    assert_eq!(c.response(1, seq).unwrap().error, SA_AIS_OK);
    c.run();
    let (conn, f) = c.node(1).link.callbacks.pop().unwrap();
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
    let c = &mut cluster(&[1, 2]);
    // retention 0: deleted when its last opening closes
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    assert_eq!(c.call(1, 10, &open_msg(2, "c", RW, None)).0, SA_AIS_OK);
    c.close(1, service::CKPT, 10);
    c.run();
    let (e, _) = c.call(2, 20, &open_msg(1, "c", RW, None));
    assert_eq!(e, SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn a_departed_node_openings_are_dropped() {
    let c = &mut cluster(&[1, 2]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "gone", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(
            1,
            10,
            &open_msg(2, "kept", CRW, Some(attrs(60_000_000_000)))
        )
        .0,
        SA_AIS_OK
    );
    // node 1 fails
    c.crash(1);
    c.partition(&[&[2]]);
    assert_eq!(
        c.call(2, 20, &open_msg(1, "gone", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
    assert_eq!(c.call(2, 20, &open_msg(2, "kept", RW, None)).0, SA_AIS_OK);
}

#[test]
fn a_joining_node_receives_every_checkpoint() {
    let c = &mut TestCluster::new(&[1, 2]);
    c.partition(&[&[1]]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(1_000)))).0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(1, 10, &create_section(1, b"s", b"before")).0,
        SA_AIS_OK
    );
    c.partition(&[&[1, 2]]);
    assert_eq!(c.call(2, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(c, 2, 20, 1, b"s"), b"before");
    // node 1's opening made before the join still counts on node 2: the
    // checkpoint outlives node 2's close
    assert_eq!(c.call(2, 20, &Close { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(c.call(2, 21, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
}

/// A write multicast just before the configuration changes and not sent
/// in that ring is never sent: its caller is answered
/// SA_AIS_ERR_TRY_AGAIN at the new configuration and may write again.
#[test]
fn a_request_the_configuration_change_dropped_is_answered_try_again() {
    let c = &mut TestCluster::new(&[1, 2]);
    c.partition(&[&[1]]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(1_000)))).0,
        SA_AIS_OK
    );
    assert_eq!(c.call(1, 10, &create_section(1, b"s", b"old")).0, SA_AIS_OK);
    let seq = c.send(1, 10, &write(1, b"s", b"new"));
    c.reconfigure(&[&[1, 2]]);
    assert_eq!(c.response(1, seq).unwrap().error, SA_AIS_ERR_TRY_AGAIN);
    // requests are refused until the sync is done
    let refused = c.send(2, 20, &open_msg(1, "c", RW, None));
    assert_eq!(c.response(2, refused).unwrap().error, SA_AIS_ERR_TRY_AGAIN);
    c.run();
    assert_eq!(c.call(2, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(c, 2, 20, 1, b"s"), b"old");
    assert_eq!(c.call(1, 10, &write(1, b"s", b"new")).0, SA_AIS_OK);
    assert_eq!(read(c, 2, 20, 1, b"s"), b"new");
    assert_eq!(read(c, 1, 10, 1, b"s"), b"new");
}

/// A connection's end announced just before the configuration changes
/// and dropped with its ring is announced again in the next one.
#[test]
fn a_connection_end_the_configuration_change_dropped_is_sent_again() {
    let c = &mut cluster(&[1, 2]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    c.close(1, service::CKPT, 10);
    c.partition(&[&[1, 2]]);
    // retention 0: the checkpoint went with its only opening
    assert_eq!(
        c.call(2, 20, &open_msg(1, "c", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
}

#[test]
fn after_a_partition_the_larger_side_wins() {
    let c = &mut cluster(&[1, 2, 3]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(60_000_000_000))))
            .0,
        SA_AIS_OK
    );
    assert_eq!(c.call(1, 10, &create_section(1, b"s", b"old")).0, SA_AIS_OK);
    assert_eq!(c.call(2, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    // node 1 is cut off; nodes 2 and 3 go on writing
    c.partition(&[&[1], &[2, 3]]);
    assert_eq!(c.call(2, 20, &write(1, b"s", b"NEW")).0, SA_AIS_OK);
    // they meet again
    c.partition(&[&[1, 2, 3]]);
    for node in 1..=3 {
        let open_id = u64::from(node) + 9;
        assert_eq!(
            c.call(node, 30, &open_msg(open_id, "c", RW, None)).0,
            SA_AIS_OK
        );
        assert_eq!(read(c, node, 30, open_id, b"s"), b"NEW", "node {node}");
    }
    // node 1's opening survived the merge on every node
    assert_eq!(read(c, 1, 10, 1, b"s"), b"NEW");
}

#[test]
fn expired_sections_go_on_every_node() {
    let c = &mut cluster(&[1, 2]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(1_000)))).0,
        SA_AIS_OK
    );
    let soon = SectionCreate {
        expiration: c.now() + 30_000_000,
        ..create_section(1, b"soon", b"x")
    };
    assert_eq!(c.call(1, 10, &soon).0, SA_AIS_OK);
    assert_eq!(
        c.call(1, 10, &create_section(1, b"kept", b"y")).0,
        SA_AIS_OK
    );
    assert_eq!(c.call(2, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    // both nodes notice; the second request is a harmless duplicate
    c.advance(60_000_000);
    for (node, conn) in [(1, 10), (2, 20)] {
        let (e, payload) = c.call(
            node,
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
        assert_eq!(ids, vec![b"kept".to_vec()], "node {node}");
    }
}

#[test]
fn a_close_sent_before_its_open_was_answered_closes_it() {
    let c = &mut cluster(&[1]);
    // the library gave up waiting for the open and closes what it may make
    let open = c.send(1, 10, &open_msg(1, "c", CRW, Some(attrs(0))));
    let close = c.send(1, 10, &Close { open_id: 1 });
    c.run();
    assert_eq!(c.response(1, open).unwrap().error, SA_AIS_OK);
    assert_eq!(c.response(1, close).unwrap().error, SA_AIS_OK);
    // retention 0: the checkpoint went with that close
    assert_eq!(
        c.call(1, 11, &open_msg(1, "c", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
    // closing twice: the opening is unknown
    assert_eq!(
        c.call(1, 10, &Close { open_id: 1 }).0,
        SA_AIS_ERR_BAD_HANDLE
    );
}

#[test]
fn a_full_ordering_queue_delays_the_sync_and_connection_ends() {
    let c = &mut TestCluster::new(&[1, 2]);
    c.partition(&[&[1]]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(1, 10, &create_section(1, b"s", b"data")).0,
        SA_AIS_OK
    );
    // the sync waits while the queue is full ...
    c.node(1).wire.full = true;
    c.partition(&[&[1, 2]]);
    assert!(!c.peek(1).manager.is_operational());
    // ... and goes on when there is room
    c.node(1).wire.full = false;
    c.advance(0);
    assert!(c.nodes.iter().all(|x| x.manager.is_operational()));
    assert_eq!(c.call(2, 20, &open_msg(1, "c", RW, None)).0, SA_AIS_OK);
    assert_eq!(read(c, 2, 20, 1, b"s"), b"data");

    // a connection end that finds the queue full is announced later
    c.node(1).wire.full = true;
    c.close(1, service::CKPT, 10);
    c.run();
    c.node(1).wire.full = false;
    c.advance(60_000_000);
    // node 2's opening keeps it; once closed too, it goes (retention 0)
    assert_eq!(c.call(2, 20, &Close { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(
        c.call(2, 21, &open_msg(1, "c", RW, None)).0,
        SA_AIS_ERR_NOT_EXIST
    );
}

/// The write that took down every replica at once: client-chosen limits
/// of `~0` and an offset near the end of the address space. Every node
/// refuses it with the same error and holds nothing more.
#[test]
fn a_write_past_the_memory_limit_is_refused_on_every_node() {
    let c = &mut cluster(&[1, 2]);
    let unbounded = CreationAttributes {
        checkpoint_size: u64::MAX,
        max_sections: 2,
        max_section_size: u64::MAX,
        ..attrs(1_000)
    };
    assert_eq!(
        c.call(1, 10, &open_msg(1, "huge", CRW, Some(unbounded))).0,
        SA_AIS_OK
    );
    assert_eq!(c.call(1, 10, &create_section(1, b"s", b"")).0, SA_AIS_OK);
    for offset in [0xffff_ffff_ffff_ff00, 1 << 42, 1 << 30] {
        let w = Write {
            open_id: offset,
            elements: vec![WriteElement {
                section_id: b"s".to_vec(),
                offset,
                data: vec![7; 10],
            }],
        };
        assert_eq!(
            c.call(2, 20, &open_msg(offset, "huge", RW, None)).0,
            SA_AIS_OK
        );
        assert_eq!(
            c.call(2, 20, &w).0,
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
    assert_eq!(c.call(1, 10, &near).0, SA_AIS_OK);
    for (node, conn, open_id) in [(1, 10, 1), (2, 20, 1 << 30)] {
        let (e, payload) = c.call(node, conn, &StatusGet { open_id });
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
    let c = &mut TestCluster::new(&[1, 2, 3]);
    c.partition(&[&[1, 2], &[3]]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(1, 10, &create_section(1, b"s", b"data")).0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(3, 30, &open_msg(7, "c", CRW, Some(attrs(0)))).0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(3, 30, &create_section(7, b"mine", b"alone")).0,
        SA_AIS_OK
    );
    c.partition(&[&[1, 2, 3]]);
    assert_eq!(c.call(3, 30, &write(7, b"s", b"after")).0, SA_AIS_OK);
    assert_eq!(read(c, 1, 10, 1, b"s"), b"after");
    assert_eq!(read(c, 1, 10, 1, b"mine"), b"alone");
    assert_eq!(read(c, 3, 30, 7, b"s"), b"after");
}

/// Partitions that come back one at a time: the stale copy of a node that
/// changed nothing while apart never replaces what the majority wrote,
/// even after an earlier merge reset the majority's record of changes.
#[test]
fn a_stale_copy_merging_after_another_partition_does_not_undo_writes() {
    let c = &mut cluster(&[1, 2, 3, 4]);
    assert_eq!(
        c.call(1, 10, &open_msg(1, "c", CRW, Some(attrs(60_000_000_000))))
            .0,
        SA_AIS_OK
    );
    assert_eq!(
        c.call(1, 10, &create_section(1, b"s", b"base")).0,
        SA_AIS_OK
    );
    assert_eq!(c.call(1, 10, &write(1, b"s", b"BASE")).0, SA_AIS_OK);
    c.partition(&[&[1, 2], &[3], &[4]]);
    assert_eq!(c.call(1, 10, &write(1, b"s", b"new!")).0, SA_AIS_OK);
    c.partition(&[&[1, 2, 3], &[4]]);
    c.partition(&[&[1, 2, 3, 4]]);
    for (node, conn, open_id) in [(1, 10, 1), (4, 40, 5)] {
        if node == 4 {
            assert_eq!(c.call(4, 40, &open_msg(5, "c", RW, None)).0, SA_AIS_OK);
        }
        assert_eq!(read(c, node, conn, open_id, b"s"), b"new!", "node {node}");
    }
}
