//! The checkpoint faults of `ckpt_faults.rs` on four nodes in network
//! namespaces with multicast (needs root; skipped otherwise): a write at a
//! huge offset is refused and grows no node, and a node restarted while
//! its application opens an existing checkpoint with CREATE and writes at
//! once loses no acknowledged write.

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::ckpt::{
    call_retrying, open, open_unbounded, rss_bytes, write_at_huge_offsets,
};
use cluster_support::netns::{in_netns, node_pid, ns_of, skip_unless_root, wait_common_ring};
use cluster_support::{ScriptCluster, WAIT};
use sa_abi::ais::{SA_AIS_ERR_TRY_AGAIN, SA_TIME_END};
use sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS;
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::ckpt::{CreationAttributes, Read, ReadElement, SectionCreate};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

/// Connects to node n's CKPT service from inside its namespace (each
/// namespace has its own `@libais.socket`), retrying while the executive
/// starts (bounded).
fn connect(name: &str, n: u8) -> Connection {
    in_netns(&ns_of(name, n), || {
        let deadline = Instant::now() + WAIT;
        loop {
            match Connection::connect_to(&SocketAddress::parse("@libais.socket"), service::CKPT) {
                Ok(c) => return c,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => panic!("no CKPT service: {e}"),
            }
        }
    })
}

fn four_nodes(name: &str) -> ScriptCluster {
    let cluster = ScriptCluster::up(name, &["4", "--mode", "netns", "--secauth"]);
    assert!(
        wait_common_ring(name, &[1, 2, 3, 4], WAIT).is_some(),
        "no 4-member ring:\n{}",
        cluster.logs()
    );
    cluster
}

#[test]
fn a_write_at_a_huge_offset_is_refused_on_four_namespaced_nodes() {
    if skip_unless_root("a_write_at_a_huge_offset_is_refused_on_four_namespaced_nodes") {
        return;
    }
    let name = format!("h{}", std::process::id() % 100000);
    let cluster = four_nodes(&name);
    let conn = connect(&name, 1);
    open_unbounded(&conn);
    let before: Vec<u64> = (1..=4).map(|n| rss_bytes(node_pid(&name, n))).collect();
    write_at_huge_offsets(&conn);
    for (n, before) in (1..=4).zip(before) {
        let after = rss_bytes(node_pid(&name, n));
        println!(
            "node {n}: RSS {} KiB -> {} KiB",
            before / 1024,
            after / 1024
        );
        assert!(
            after < before + (4 << 20),
            "node {n} grew from {before} to {after}"
        );
    }
    assert!(
        wait_common_ring(&name, &[1, 2, 3, 4], WAIT).is_some(),
        "a node fell out of the ring:\n{}",
        cluster.logs()
    );
}

#[test]
fn writes_acknowledged_right_after_a_restart_are_kept_on_four_namespaced_nodes() {
    if skip_unless_root(
        "writes_acknowledged_right_after_a_restart_are_kept_on_four_namespaced_nodes",
    ) {
        return;
    }
    let name = format!("r{}", std::process::id() % 100000 + 1);
    let cluster = four_nodes(&name);
    let attrs = CreationAttributes {
        creation_flags: SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: 1000 * 1024,
        retention_duration: 60_000_000_000,
        max_sections: 1000,
        max_section_size: 1024,
        max_section_id_size: 16,
    };
    let first = connect(&name, 1);
    call_retrying(&first, &open(1, "kept", attrs)).expect("open on node 1");
    let (ok, text) = cluster.run("kill", &["4"]);
    assert!(ok, "{text}");
    assert!(wait_common_ring(&name, &[1, 2, 3], WAIT).is_some());
    let (ok, text) = cluster.run("start", &["4"]);
    assert!(ok, "{text}");
    // The application on node 4 writes as soon as its executive answers.
    let conn = connect(&name, 4);
    call_retrying(&conn, &open(7, "kept", attrs)).expect("open on node 4");
    let mut acknowledged = Vec::new();
    for i in 0..120u32 {
        let id = format!("w{i}").into_bytes();
        match conn.call(&SectionCreate {
            open_id: 7,
            section_id: id.clone(),
            expiration: SA_TIME_END,
            data: i.to_be_bytes().to_vec(),
        }) {
            Ok(_) => acknowledged.push((id, i)),
            Err(CallError::Ais(SA_AIS_ERR_TRY_AGAIN)) => {}
            Err(e) => panic!("write {i} on node 4: {e}"),
        }
    }
    assert!(!acknowledged.is_empty(), "node 4 acknowledged no write");
    assert!(wait_common_ring(&name, &[1, 2, 3, 4], WAIT).is_some());
    let lost = acknowledged
        .iter()
        .filter(|(id, i)| {
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
            r.ok().map(|reply| reply.data) != Some(vec![i.to_be_bytes().to_vec()])
        })
        .count();
    println!(
        "{} of 120 writes acknowledged on node 4 right after its restart, {lost} lost",
        acknowledged.len()
    );
    assert_eq!(lost, 0, "acknowledged writes lost:\n{}", cluster.logs());
}
