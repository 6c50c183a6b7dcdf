//! A stopped executive on four nodes in network namespaces with multicast
//! (needs root; skipped otherwise): CPG senders and readers on every node
//! while node 4's executive is stopped (SIGSTOP) for 5 s and, in a second
//! cluster, for 15 s. Every client gets every message of each sender or a
//! configuration change explaining the gap, and no message of a sender
//! between its leave and its rejoin (see cluster_support::cpg_stall).

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::cpg_stall::{stall_and_check, StreamMember};
use cluster_support::netns::{in_netns, node_pid, ns_of, skip_unless_root, wait_common_ring};
use cluster_support::{ScriptCluster, WAIT};
use sa_ipc::client::Connection;
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

/// Joins the stream's group on node n, from inside its namespace.
fn member(name: &str, n: u8) -> StreamMember {
    let conn = in_netns(&ns_of(name, n), || {
        let deadline = Instant::now() + WAIT;
        loop {
            match Connection::connect_to(&SocketAddress::parse("@libais.socket"), service::CPG) {
                Ok(c) => return c,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => panic!("no CPG service: {e}"),
            }
        }
    });
    StreamMember::join(conn, "stall")
}

fn stall_node_4(name: &str, stall: Duration) {
    let cluster = ScriptCluster::up(name, &["4", "--mode", "netns", "--secauth"]);
    let nodes = [1, 2, 3, 4];
    assert!(
        wait_common_ring(name, &nodes, WAIT).is_some(),
        "no 4-member ring:\n{}",
        cluster.logs()
    );
    let members: Vec<StreamMember> = nodes.iter().map(|&n| member(name, n)).collect();
    for m in &members {
        m.wait_members(4);
    }
    let report = stall_and_check(&members, node_pid(name, 4), stall, || {
        wait_common_ring(name, &nodes, WAIT).is_some()
    });
    println!("node 4 stopped for {stall:?}: {report:?}");
    // The others saw node 4 go and come back, at least.
    assert!(
        report.changes >= 3 * 2,
        "only {} configuration changes reported:\n{}",
        report.changes,
        cluster.logs()
    );
    drop(members);
}

#[test]
fn a_node_stopped_for_5_s_leaves_no_silent_gap_on_four_namespaced_nodes() {
    if skip_unless_root("a_node_stopped_for_5_s_leaves_no_silent_gap_on_four_namespaced_nodes") {
        return;
    }
    stall_node_4(
        &format!("st5{}", std::process::id() % 10000),
        Duration::from_secs(5),
    );
}

#[test]
fn a_node_stopped_for_15_s_leaves_no_silent_gap_on_four_namespaced_nodes() {
    if skip_unless_root("a_node_stopped_for_15_s_leaves_no_silent_gap_on_four_namespaced_nodes") {
        return;
    }
    stall_node_4(
        &format!("st15{}", std::process::id() % 10000),
        Duration::from_secs(15),
    );
}
