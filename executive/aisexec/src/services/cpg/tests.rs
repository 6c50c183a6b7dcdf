//! CPG on simulated clusters: group membership replicated on every node,
//! configuration change reasons, agreed order, and group state across
//! crashes, partitions and merges.

use sa_abi::cpg::{CPG_ERR_EXIST, CPG_ERR_NOT_EXIST, CPG_ERR_TRY_AGAIN, CPG_OK};
use sa_ipc::proto::cpg::{
    kind, Address, ConfChgCallback, DeliverCallback, FlowControlCallback, GroupName, Guarantee,
    Join, Leave, LocalGet, LocalReply, Mcast, MembershipGet, MembershipReply, Reason,
};
use sa_ipc::proto::{service, Message, Payload};

use super::Cpg;
use crate::ordering::NodeId;
use crate::service::testing::TestCluster;
use crate::service::Service;
use crate::services::ServiceEnv;

fn cpg_only(env: &ServiceEnv) -> Vec<Box<dyn Service>> {
    vec![Box::new(Cpg::new(env))]
}

fn cluster(ids: &[NodeId]) -> TestCluster {
    let mut c = TestCluster::with_services(ids, cpg_only);
    c.partition(&[ids]);
    c
}

fn g(s: &str) -> GroupName {
    GroupName::new(s.as_bytes()).unwrap()
}

fn call<M: Message>(c: &mut TestCluster, node: NodeId, conn: u64, m: &M) -> (u32, Vec<u8>) {
    let f = c.request(node, service::CPG, conn, M::KIND, &m.to_payload());
    (f.error, f.payload)
}

/// Opens connection `conn` (process `conn as pid`) and joins `group`.
fn join(c: &mut TestCluster, node: NodeId, conn: u64, group: &str) {
    c.open(node, service::CPG, conn, conn as i32);
    let (error, _) = call(c, node, conn, &Join { group: g(group) });
    assert_eq!(error, CPG_OK);
}

fn send(c: &mut TestCluster, node: NodeId, conn: u64, text: &str) -> u32 {
    call(
        c,
        node,
        conn,
        &Mcast {
            guarantee: Guarantee::Agreed,
            data: text.as_bytes().to_vec(),
        },
    )
    .0
}

fn confchgs(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<ConfChgCallback> {
    c.callbacks_of(node, conn, kind::CONFCHG_CALLBACK)
}

fn delivered(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<DeliverCallback> {
    c.callbacks_of(node, conn, kind::DELIVER_CALLBACK)
}

fn texts(d: &[DeliverCallback]) -> Vec<String> {
    d.iter()
        .map(|m| String::from_utf8(m.data.clone()).unwrap())
        .collect()
}

fn members(c: &mut TestCluster, node: NodeId, group: &str) -> Vec<(u32, u32)> {
    c.open(node, service::CPG, 999, 999);
    let (error, payload) = call(c, node, 999, &MembershipGet { group: g(group) });
    c.close(node, service::CPG, 999);
    assert_eq!(error, CPG_OK);
    MembershipReply::from_payload(&payload)
        .unwrap()
        .members
        .iter()
        .map(|a| (a.node, a.pid))
        .collect()
}

fn addr(node: NodeId, pid: u32, reason: Reason) -> Address {
    Address { node, pid, reason }
}

#[test]
fn join_mcast_leave_on_one_node() {
    let mut c = cluster(&[1]);
    join(&mut c, 1, 10, "g");
    // a second join, of this or another group, is refused
    assert_eq!(
        call(&mut c, 1, 10, &Join { group: g("g") }).0,
        CPG_ERR_EXIST
    );
    assert_eq!(
        call(&mut c, 1, 10, &Join { group: g("h") }).0,
        CPG_ERR_EXIST
    );
    c.run();
    assert_eq!(
        confchgs(&mut c, 1, 10),
        vec![ConfChgCallback {
            group: g("g"),
            members: vec![addr(1, 10, Reason::Join)],
            left: vec![],
            joined: vec![addr(1, 10, Reason::Join)],
        }]
    );
    assert_eq!(send(&mut c, 1, 10, "one"), CPG_OK);
    assert_eq!(send(&mut c, 1, 10, "two"), CPG_OK);
    c.run();
    let d = delivered(&mut c, 1, 10);
    assert_eq!(texts(&d), ["one", "two"]);
    assert_eq!((d[0].node, d[0].pid, d[0].group.clone()), (1, 10, g("g")));
    assert_eq!(members(&mut c, 1, "g"), [(1, 10)]);
    assert!(members(&mut c, 1, "none").is_empty());

    assert_eq!(
        call(&mut c, 1, 10, &Leave { group: g("h") }).0,
        CPG_ERR_NOT_EXIST
    );
    assert_eq!(call(&mut c, 1, 10, &Leave { group: g("g") }).0, CPG_OK);
    assert_eq!(send(&mut c, 1, 10, "late"), CPG_ERR_NOT_EXIST);
    c.run();
    assert_eq!(
        confchgs(&mut c, 1, 10),
        vec![ConfChgCallback {
            group: g("g"),
            members: vec![],
            left: vec![addr(1, 10, Reason::Leave)],
            joined: vec![],
        }]
    );
    assert!(members(&mut c, 1, "g").is_empty());
    let (error, payload) = call(&mut c, 1, 10, &LocalGet);
    assert_eq!(error, CPG_OK);
    assert_eq!(LocalReply::from_payload(&payload).unwrap().node, 1);
}

#[test]
fn membership_and_order_identical_on_three_nodes() {
    let mut c = cluster(&[1, 2, 3]);
    join(&mut c, 1, 10, "g");
    join(&mut c, 2, 20, "g");
    join(&mut c, 3, 30, "g");
    join(&mut c, 3, 31, "other");
    c.run();
    let want = [(1, 10), (2, 20), (3, 30)];
    for node in [1, 2, 3] {
        assert_eq!(members(&mut c, node, "g"), want, "node {node}");
    }
    // the last confchg each member saw lists all three
    for (node, conn) in [(1, 10), (2, 20), (3, 30)] {
        let last = confchgs(&mut c, node, conn).pop().unwrap();
        assert_eq!(last.members.len(), 3);
        assert_eq!(last.joined, vec![addr(3, 30, Reason::Join)]);
    }
    for i in 0..5 {
        for (node, conn) in [(1, 10), (2, 20), (3, 30)] {
            assert_eq!(send(&mut c, node, conn, &format!("{node}-{i}")), CPG_OK);
        }
    }
    c.run();
    let seen: Vec<Vec<String>> = [(1, 10), (2, 20), (3, 30)]
        .iter()
        .map(|&(n, conn)| texts(&delivered(&mut c, n, conn)))
        .collect();
    assert_eq!(seen[0].len(), 15);
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
    // the process of the other group got none of them
    assert!(delivered(&mut c, 3, 31).is_empty());
}

#[test]
fn closed_connection_is_procdown_everywhere_even_when_the_queue_was_full() {
    let mut c = cluster(&[1, 2]);
    join(&mut c, 1, 10, "g");
    join(&mut c, 2, 20, "g");
    c.run();
    confchgs(&mut c, 1, 10);
    c.node(2).wire.full = true;
    c.close(2, service::CPG, 20);
    c.run();
    assert!(confchgs(&mut c, 1, 10).is_empty());
    assert_eq!(send(&mut c, 1, 10, "x"), CPG_OK);
    c.node(2).wire.full = false;
    c.fire_timers(2, 1_000_000_000);
    c.run();
    assert_eq!(
        confchgs(&mut c, 1, 10),
        vec![ConfChgCallback {
            group: g("g"),
            members: vec![addr(1, 10, Reason::Join)],
            left: vec![addr(2, 20, Reason::ProcDown)],
            joined: vec![],
        }]
    );
    for node in [1, 2] {
        assert_eq!(members(&mut c, node, "g"), [(1, 10)]);
    }
}

#[test]
fn full_queue_refuses_requests_without_side_effects() {
    let mut c = cluster(&[1]);
    c.open(1, service::CPG, 10, 10);
    c.node(1).wire.full = true;
    assert_eq!(
        call(&mut c, 1, 10, &Join { group: g("g") }).0,
        CPG_ERR_TRY_AGAIN
    );
    c.node(1).wire.full = false;
    // the refused join left the connection out of any group
    assert_eq!(call(&mut c, 1, 10, &Join { group: g("g") }).0, CPG_OK);
    c.run();
    c.node(1).wire.full = true;
    assert_eq!(send(&mut c, 1, 10, "x"), CPG_ERR_TRY_AGAIN);
    assert_eq!(
        call(&mut c, 1, 10, &Leave { group: g("g") }).0,
        CPG_ERR_TRY_AGAIN
    );
    c.node(1).wire.full = false;
    assert_eq!(members(&mut c, 1, "g"), [(1, 10)]);
    assert_eq!(call(&mut c, 1, 10, &Leave { group: g("g") }).0, CPG_OK);
}

fn flow_notices(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<FlowControlCallback> {
    c.callbacks_of(node, conn, kind::FLOW_CONTROL_CALLBACK)
}

#[test]
fn a_refused_multicast_is_told_when_multicasts_go_again() {
    let mut c = cluster(&[1]);
    join(&mut c, 1, 10, "g");
    join(&mut c, 1, 11, "g");
    c.run();
    c.node(1).wire.full = true;
    assert_eq!(send(&mut c, 1, 10, "x"), CPG_ERR_TRY_AGAIN);
    // still full: nobody is told anything
    c.advance(100_000_000);
    assert!(flow_notices(&mut c, 1, 10).is_empty());
    c.node(1).wire.full = false;
    c.advance(100_000_000);
    assert_eq!(
        flow_notices(&mut c, 1, 10),
        [FlowControlCallback { enabled: false }],
        "one notice, once multicasts are taken"
    );
    assert!(
        flow_notices(&mut c, 1, 11).is_empty(),
        "11 was never refused"
    );
    c.advance(100_000_000);
    assert!(flow_notices(&mut c, 1, 10).is_empty(), "told once");
    assert_eq!(send(&mut c, 1, 10, "y"), CPG_OK);
}

#[test]
fn a_multicast_refused_during_a_sync_is_told_when_the_sync_ends() {
    let mut c = cluster(&[1, 2]);
    join(&mut c, 1, 10, "g");
    c.run();
    // a configuration change: node 1 syncs again and refuses meanwhile
    c.reconfigure(&[&[1], &[2]]);
    assert_eq!(send(&mut c, 1, 10, "x"), CPG_ERR_TRY_AGAIN);
    assert!(flow_notices(&mut c, 1, 10).is_empty());
    c.run();
    c.advance(100_000_000);
    assert_eq!(
        flow_notices(&mut c, 1, 10),
        [FlowControlCallback { enabled: false }]
    );
    assert_eq!(send(&mut c, 1, 10, "y"), CPG_OK);
}

#[test]
fn a_closed_connection_is_not_told() {
    let mut c = cluster(&[1]);
    join(&mut c, 1, 10, "g");
    c.run();
    c.node(1).wire.full = true;
    assert_eq!(send(&mut c, 1, 10, "x"), CPG_ERR_TRY_AGAIN);
    c.close(1, service::CPG, 10);
    c.node(1).wire.full = false;
    c.advance(100_000_000);
    assert!(flow_notices(&mut c, 1, 10).is_empty());
}

#[test]
fn node_crash_is_nodedown_and_restart_is_nodeup() {
    let mut c = cluster(&[1, 2, 3]);
    join(&mut c, 1, 10, "g");
    join(&mut c, 2, 20, "g");
    join(&mut c, 3, 30, "g");
    c.run();
    confchgs(&mut c, 1, 10);
    confchgs(&mut c, 2, 20);
    c.crash(3);
    c.partition(&[&[1, 2]]);
    let want = ConfChgCallback {
        group: g("g"),
        members: vec![addr(1, 10, Reason::Join), addr(2, 20, Reason::Join)],
        left: vec![addr(3, 30, Reason::NodeDown)],
        joined: vec![],
    };
    assert_eq!(confchgs(&mut c, 1, 10), vec![want.clone()]);
    assert_eq!(confchgs(&mut c, 2, 20), vec![want]);

    // node 3 comes back with a new process in the group
    c.restart(3);
    c.partition(&[&[3]]);
    join(&mut c, 3, 33, "g");
    c.run();
    c.partition(&[&[1, 2, 3]]);
    let got = confchgs(&mut c, 1, 10);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].joined, vec![addr(3, 33, Reason::NodeUp)]);
    assert_eq!(got[0].members.len(), 3);
    // and on node 3 the processes of 1 and 2 arrive with NODEUP
    let got = confchgs(&mut c, 3, 33);
    let last = got.last().unwrap();
    assert_eq!(
        last.joined,
        vec![addr(1, 10, Reason::NodeUp), addr(2, 20, Reason::NodeUp)]
    );
    let view = members(&mut c, 1, "g");
    for node in [2, 3] {
        assert_eq!(members(&mut c, node, "g"), view);
    }
}

#[test]
fn partition_and_merge_leave_every_view_identical() {
    let mut c = cluster(&[1, 2, 3, 4]);
    join(&mut c, 1, 10, "a");
    join(&mut c, 3, 30, "a");
    c.run();
    c.partition(&[&[1, 2], &[3, 4]]);
    // each side sees the other side's process go with its node
    let left: Vec<_> = confchgs(&mut c, 1, 10).pop().unwrap().left;
    assert_eq!(left, vec![addr(3, 30, Reason::NodeDown)]);
    let left: Vec<_> = confchgs(&mut c, 3, 30).pop().unwrap().left;
    assert_eq!(left, vec![addr(1, 10, Reason::NodeDown)]);
    // both sides change group "a" and "b" while apart
    join(&mut c, 2, 20, "a");
    join(&mut c, 4, 40, "a");
    join(&mut c, 4, 41, "b");
    assert_eq!(call(&mut c, 3, 30, &Leave { group: g("a") }).0, CPG_OK);
    c.run();
    assert_eq!(members(&mut c, 1, "a"), [(1, 10), (2, 20)]);
    assert_eq!(members(&mut c, 4, "a"), [(4, 40)]);
    confchgs(&mut c, 1, 10);
    confchgs(&mut c, 4, 40);
    c.partition(&[&[1, 2, 3, 4]]);
    let view = members(&mut c, 1, "a");
    assert_eq!(view.len(), 3);
    for node in [2, 3, 4] {
        assert_eq!(members(&mut c, node, "a"), view, "node {node}");
        assert_eq!(members(&mut c, node, "b"), [(4, 41)], "node {node}");
    }
    let merged = confchgs(&mut c, 1, 10).pop().unwrap();
    assert_eq!(merged.joined, vec![addr(4, 40, Reason::NodeUp)]);
    let merged = confchgs(&mut c, 4, 40).pop().unwrap();
    assert_eq!(
        merged.joined,
        vec![addr(1, 10, Reason::NodeUp), addr(2, 20, Reason::NodeUp)]
    );
    // messages after the merge reach all three members in one order
    for (node, conn) in [(1, 10), (2, 20), (4, 40)] {
        assert_eq!(send(&mut c, node, conn, &format!("m{node}")), CPG_OK);
    }
    c.run();
    let first = texts(&delivered(&mut c, 1, 10));
    assert_eq!(first.len(), 3);
    assert_eq!(texts(&delivered(&mut c, 2, 20)), first);
    assert_eq!(texts(&delivered(&mut c, 4, 40)), first);
}

#[test]
fn changes_in_flight_across_a_configuration_change_stay_consistent() {
    let mut c = cluster(&[1, 2, 3]);
    join(&mut c, 1, 10, "g");
    c.run();
    // multicast but not delivered before the ring changes: never sent
    // (a message is delivered in the configuration it was sent in, or
    // nowhere); the sync rebuilds the groups from every node's own
    // processes, so the outcome is the same on every node
    c.open(2, service::CPG, 20, 20);
    assert_eq!(call(&mut c, 2, 20, &Join { group: g("g") }).0, CPG_OK);
    assert_eq!(call(&mut c, 1, 10, &Leave { group: g("g") }).0, CPG_OK);
    c.open(3, service::CPG, 30, 30);
    assert_eq!(call(&mut c, 3, 30, &Join { group: g("g") }).0, CPG_OK);
    c.close(3, service::CPG, 30);
    c.partition(&[&[1, 2, 3]]);
    for node in [1, 2, 3] {
        assert_eq!(members(&mut c, node, "g"), [(2, 20)], "node {node}");
    }
    // the leaver saw itself go (its leave message was dropped: the
    // rebuilt table tells every node it left, as a process of a node that
    // stayed: PROCDOWN), the joiner saw itself join
    assert!(confchgs(&mut c, 1, 10)
        .iter()
        .any(|cc| cc.left == vec![addr(1, 10, Reason::ProcDown)]));
    assert!(confchgs(&mut c, 2, 20)
        .iter()
        .any(|cc| cc.joined.contains(&addr(2, 20, Reason::Join))));
}

#[test]
fn requests_during_sync_are_refused_but_local_get() {
    let mut c = TestCluster::with_services(&[1, 2], cpg_only);
    c.partition(&[&[1]]);
    c.open(2, service::CPG, 20, 20);
    // node 2 has never completed a sync
    assert_eq!(
        call(&mut c, 2, 20, &Join { group: g("g") }).0,
        CPG_ERR_TRY_AGAIN
    );
    assert_eq!(call(&mut c, 2, 20, &LocalGet).0, CPG_OK);
}

#[test]
fn a_change_delivered_after_its_nodes_sync_share_is_kept_in_the_rebuilt_table() {
    let mut c = cluster(&[1, 2]);
    c.open(2, service::CPG, 20, 20);
    c.reconfigure(&[&[1, 2]]);
    // node 2 speaks after its share for the sync was multicast: the JOIN
    // reaches every node between that share and the sync's end
    let op = super::message::MemberOp {
        group: g("late"),
        conn: 20,
        pid: 20,
    };
    let late = crate::service::exec_message::encode(
        service::CPG,
        super::message::exec_kind::JOIN,
        &op.to_payload(),
    );
    let n2 = c.node(2);
    let share_at = n2
        .wire
        .sent
        .iter()
        .position(|m| {
            m[..4]
                == [
                    service::CPG as u8,
                    0,
                    super::message::exec_kind::JOINLIST as u8,
                    0,
                ]
        })
        .expect("node 2 multicast its share");
    n2.wire.sent.insert(share_at + 1, late);
    c.run();
    for node in [1, 2] {
        assert_eq!(members(&mut c, node, "late"), [(2, 20)], "node {node}");
    }
}
