//! Checkpoints on three real executives (udpu on 127.0.0.1-3) under the
//! faults an attacker or an unlucky operator brings: a write whose offset
//! would make every replica allocate the address space, and a node that
//! restarts while an application on it opens an existing checkpoint with
//! CREATE and writes at once.

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::ckpt::{
    call_retrying, open, open_unbounded, rss_bytes, write_at_huge_offsets,
};
use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::ais::{SA_AIS_ERR_TRY_AGAIN, SA_TIME_END};
use sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS;
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::ckpt::{CreationAttributes, Read, ReadElement, SectionCreate};
use sa_ipc::proto::service;

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

fn ckpt_conn(node: &Node) -> Connection {
    Connection::connect_to(&node.address(), service::CKPT).expect("connect to CKPT")
}

#[test]
fn a_write_at_a_huge_offset_is_refused_and_grows_no_replica() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_cluster(dir.path(), "ckpt-huge");
    let conn = ckpt_conn(&nodes[0]);
    open_unbounded(&conn);
    let before: Vec<u64> = nodes.iter().map(|n| rss_bytes(n.pid())).collect();
    write_at_huge_offsets(&conn);
    let ring = nodes[0].ring_status().expect("ring status");
    for (node, before) in nodes.iter().zip(before) {
        let after = rss_bytes(node.pid());
        println!(
            "node {}: RSS {} KiB before, {} KiB after",
            node.n,
            before / 1024,
            after / 1024
        );
        assert!(
            after < before + (4 << 20),
            "node {} grew from {before} to {after} bytes",
            node.n
        );
        assert_eq!(
            node.ring_status().map(|s| (s.ring_rep, s.ring_seq)),
            Some((ring.ring_rep, ring.ring_seq)),
            "node {} is on the same ring, alive",
            node.n
        );
    }
}

/// Node 3 restarts while its application opens an existing checkpoint
/// with CREATE and writes as soon as the executive answers: every write
/// that returned SA_AIS_OK is in the cluster's checkpoint afterwards.
#[test]
fn writes_acknowledged_right_after_a_restart_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = start_cluster(dir.path(), "ckpt-restart");
    let attrs = CreationAttributes {
        creation_flags: SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: 1000 * 1024,
        retention_duration: 60_000_000_000,
        max_sections: 1000,
        max_section_size: 1024,
        max_section_id_size: 16,
    };
    let first = ckpt_conn(&nodes[0]);
    call_retrying(&first, &open(1, "kept", attrs)).expect("open on node 1");
    call_retrying(
        &first,
        &SectionCreate {
            open_id: 1,
            section_id: b"base".to_vec(),
            expiration: SA_TIME_END,
            data: b"before".to_vec(),
        },
    )
    .expect("section create");

    nodes[2].kill9();
    assert!(nodes[0].wait_members(&[loopback_id(1), loopback_id(2)], WAIT));
    nodes[2].spawn();
    // The application connects as soon as the socket is there.
    let deadline = Instant::now() + WAIT;
    let conn = loop {
        match Connection::connect_to(&nodes[2].address(), service::CKPT) {
            Ok(c) => break c,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("node 3 never answered: {e}"),
        }
    };
    let started = Instant::now();
    call_retrying(&conn, &open(7, "kept", attrs)).expect("open on node 3");
    println!(
        "node 3 served the open {} ms after its socket answered",
        started.elapsed().as_millis()
    );
    let mut acknowledged = Vec::new();
    for i in 0..120u32 {
        let id = format!("w{i}").into_bytes();
        let r = conn.call(&SectionCreate {
            open_id: 7,
            section_id: id.clone(),
            expiration: SA_TIME_END,
            data: i.to_be_bytes().to_vec(),
        });
        match r {
            Ok(_) => acknowledged.push((id, i)),
            Err(CallError::Ais(SA_AIS_ERR_TRY_AGAIN)) => {}
            Err(e) => panic!("write {i} on node 3: {e}"),
        }
    }
    assert!(
        !acknowledged.is_empty(),
        "node 3 acknowledged none of its writes"
    );
    assert!(nodes[0].wait_members(&[loopback_id(1), loopback_id(2), loopback_id(3)], WAIT));
    let mut lost = 0;
    for (id, i) in &acknowledged {
        let r = call_retrying(
            &first,
            &Read {
                open_id: 1,
                elements: vec![ReadElement {
                    section_id: id.clone(),
                    offset: 0,
                    size: 4,
                }],
            },
        );
        if r.ok().map(|reply| reply.data) != Some(vec![i.to_be_bytes().to_vec()]) {
            lost += 1;
        }
    }
    println!(
        "{} of 120 writes acknowledged on node 3, {lost} lost",
        acknowledged.len()
    );
    assert_eq!(
        lost,
        0,
        "acknowledged writes lost; node 3's log:\n{}",
        nodes[2].log()
    );
}
