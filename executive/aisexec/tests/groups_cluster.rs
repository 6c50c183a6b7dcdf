//! Group messaging on a real three-node cluster (127.0.0.1-3, udpu),
//! driven through the CPG and EVS wire protocols: one agreed order on
//! every node with senders on every node; the reasons CPG gives when a
//! process leaves, when its connection dies with it, and when its node is
//! killed; and (as root, with nft) the groups of a partition that heals.
//! Only orders, memberships and reasons are asserted; waits are bounded.

mod cluster_support;

use std::collections::VecDeque;
use std::thread;
use std::time::{Duration, Instant};

use cluster_support::cpg_stall::{stall_and_check, Stopped, StreamMember};
use cluster_support::loopback_cut::LoopbackCut;
use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::cpg::{CPG_ERR_TRY_AGAIN, CPG_OK};
use sa_abi::evs::EVS_OK;
use sa_ipc::client::{Connection, DEFAULT_REQUEST_TIMEOUT};
use sa_ipc::proto::cpg::{
    self, ConfChgCallback, CpgCallback, GroupName, Join, Leave, LocalGet, Mcast, Reason,
};
use sa_ipc::proto::evs::{self, EvsCallback, GroupKey, McastJoined};
use sa_ipc::proto::{service, Message, Payload};

/// Messages each sender multicasts in the order tests.
const PER_SENDER: usize = 200;

fn three_nodes(dir: &std::path::Path, tag: &str) -> Vec<Node> {
    three_nodes_on(dir, tag, free_port(3))
}

fn three_nodes_on(dir: &std::path::Path, tag: &str, port: u16) -> Vec<Node> {
    let key = dir.join("authkey");
    keygen(&key);
    let nodes: Vec<Node> = (1..=3)
        .map(|n| Node::start(dir, tag, n, &udpu_config(n, 3, port, false), &key))
        .collect();
    let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
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

/// Sends a request, repeating it while the cluster answers TRY_AGAIN (a
/// sync in progress, or a full ordering queue).
fn request(conn: &Connection, kind: u16, payload: Vec<u8>) -> u32 {
    let deadline = Instant::now() + WAIT;
    loop {
        let (code, _) = conn
            .request(kind, payload.clone(), DEFAULT_REQUEST_TIMEOUT)
            .expect("request");
        if code != CPG_ERR_TRY_AGAIN || Instant::now() > deadline {
            return code;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// A CPG group member: a library connection joined to one group.
struct Member {
    conn: Connection,
    node: u32,
    pid: u32,
    group: GroupName,
    confchgs: VecDeque<ConfChgCallback>,
    delivered: Vec<(u32, String)>,
}

impl Member {
    fn join(node: &Node, group: &str) -> Member {
        let conn = Connection::connect_to(&node.address(), service::CPG).expect("connect CPG");
        let local = conn.call(&LocalGet).expect("local node").node;
        let group = GroupName::new(group.as_bytes()).unwrap();
        let join = Join {
            group: group.clone(),
        };
        assert_eq!(request(&conn, Join::KIND, join.to_payload()), CPG_OK);
        Member {
            conn,
            node: local,
            pid: std::process::id(),
            group,
            confchgs: VecDeque::new(),
            delivered: Vec::new(),
        }
    }

    fn send(&self, text: &str) {
        let m = Mcast {
            guarantee: cpg::Guarantee::Agreed,
            data: text.as_bytes().to_vec(),
        };
        assert_eq!(request(&self.conn, Mcast::KIND, m.to_payload()), CPG_OK);
    }

    fn leave(&self) {
        let leave = Leave {
            group: self.group.clone(),
        };
        assert_eq!(request(&self.conn, Leave::KIND, leave.to_payload()), CPG_OK);
    }

    /// Reads one callback, waiting at most `within`; false when none came.
    fn pump(&mut self, within: Duration) -> bool {
        let Ok(Some(frame)) = self.conn.recv_callback(Some(within), false) else {
            return false;
        };
        match CpgCallback::decode(frame.kind, &frame.payload).expect("callback decodes") {
            CpgCallback::Deliver(d) => self
                .delivered
                .push((d.node, String::from_utf8_lossy(d.data).into_owned())),
            CpgCallback::ConfChg(c) => self.confchgs.push_back(c),
            CpgCallback::FlowControl(_) => {}
        }
        true
    }

    /// The first configuration change (seen from now on) that `pred`
    /// accepts; earlier ones are dropped.
    fn wait_confchg(&mut self, pred: impl Fn(&ConfChgCallback) -> bool) -> ConfChgCallback {
        let deadline = Instant::now() + WAIT;
        loop {
            while let Some(c) = self.confchgs.pop_front() {
                if pred(&c) {
                    return c;
                }
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("node {:#x}: no such configuration change", self.node));
            self.pump(left.min(Duration::from_millis(200)));
        }
    }

    fn wait_delivered(&mut self, count: usize) {
        let deadline = Instant::now() + WAIT * 2;
        while self.delivered.len() < count {
            assert!(
                Instant::now() < deadline,
                "node {:#x}: {} of {count} messages delivered",
                self.node,
                self.delivered.len()
            );
            self.pump(Duration::from_millis(200));
        }
    }
}

/// Checks that `seqs` are one sequence with each sender's messages in its
/// sending order.
fn assert_one_order(seqs: &[Vec<(u32, String)>], senders: &[(u32, &str)]) {
    for (i, s) in seqs.iter().enumerate().skip(1) {
        assert_eq!(
            s, &seqs[0],
            "delivery order of member {i} differs from member 0"
        );
    }
    for &(node, prefix) in senders {
        let mine: Vec<&String> = seqs[0]
            .iter()
            .filter(|(n, _)| *n == node)
            .map(|(_, t)| t)
            .collect();
        let want: Vec<String> = (0..PER_SENDER).map(|i| format!("{prefix}-{i}")).collect();
        assert_eq!(mine, want.iter().collect::<Vec<_>>(), "sender {prefix}");
    }
}

#[test]
fn cpg_agreed_order_and_change_reasons_on_three_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = three_nodes(dir.path(), "cpg");
    let (id1, id2, id3) = (loopback_id(1), loopback_id(2), loopback_id(3));
    let mut members: Vec<Member> = nodes.iter().map(|n| Member::join(n, "ordered")).collect();
    for m in members.iter_mut() {
        let c = m.wait_confchg(|c| c.members.len() == 3);
        // every node lists the group's members in the same order
        assert_eq!(
            c.members.iter().map(|a| a.node).collect::<Vec<_>>().len(),
            3
        );
    }

    // Senders on every node at once.
    let started = Instant::now();
    thread::scope(|s| {
        for (m, prefix) in members.iter().zip(["a", "b", "c"]) {
            s.spawn(move || {
                for i in 0..PER_SENDER {
                    m.send(&format!("{prefix}-{i}"));
                }
            });
        }
    });
    for m in members.iter_mut() {
        m.wait_delivered(3 * PER_SENDER);
    }
    println!(
        "{} messages from 3 senders delivered on 3 nodes in {:?}",
        3 * PER_SENDER,
        started.elapsed()
    );
    let seqs: Vec<Vec<(u32, String)>> = members.iter().map(|m| m.delivered.clone()).collect();
    assert_one_order(&seqs, &[(id1, "a"), (id2, "b"), (id3, "c")]);

    // cpg_leave on node 2: LEAVE on the others, and on the leaver itself.
    members[1].leave();
    for i in [0, 1, 2] {
        let c = members[i].wait_confchg(|c| !c.left.is_empty());
        assert_eq!(
            c.left,
            vec![cpg::Address {
                node: id2,
                pid: members[1].pid,
                reason: Reason::Leave
            }],
            "seen on node {}",
            i + 1
        );
        assert_eq!(c.members.len(), 2);
    }

    // A process whose connection dies with it (what the kernel does to a
    // killed process's sockets): PROCDOWN, from its node.
    let mut doomed = Member::join(&nodes[1], "ordered");
    doomed.wait_confchg(|c| c.members.len() == 3);
    members[0].wait_confchg(|c| c.joined.iter().any(|a| a.node == id2));
    drop(doomed);
    for i in [0, 2] {
        let c = members[i].wait_confchg(|c| !c.left.is_empty());
        assert_eq!(c.left.len(), 1);
        assert_eq!((c.left[0].node, c.left[0].reason), (id2, Reason::ProcDown));
        assert_eq!(c.members.len(), 2);
    }

    // kill -9 of node 3: its process leaves with NODEDOWN.
    nodes[2].kill9();
    let c = members[0].wait_confchg(|c| !c.left.is_empty());
    assert_eq!(
        c.left,
        vec![cpg::Address {
            node: id3,
            pid: members[2].pid,
            reason: Reason::NodeDown
        }]
    );
    assert_eq!(c.members.iter().map(|a| a.node).collect::<Vec<_>>(), [id1]);
    // the group is the same on the survivors: node 2 has no member left
    // but sees the same membership through cpg_membership_get
    // (a node still in its sync answers TRY_AGAIN: ask again, bounded)
    for node in &nodes[..2] {
        let conn = Connection::connect_to(&node.address(), service::CPG).unwrap();
        let get = cpg::MembershipGet {
            group: GroupName::new(b"ordered").unwrap(),
        };
        let deadline = Instant::now() + WAIT;
        let got = loop {
            match conn.call(&get) {
                Err(sa_ipc::client::CallError::Ais(CPG_ERR_TRY_AGAIN))
                    if Instant::now() < deadline =>
                {
                    thread::sleep(Duration::from_millis(5))
                }
                other => break other.unwrap(),
            }
        };
        assert_eq!(
            got.members.iter().map(|a| a.node).collect::<Vec<_>>(),
            [id1],
            "node {}",
            node.n
        );
    }
}

#[test]
fn evs_agreed_order_on_three_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = three_nodes(dir.path(), "evs");
    let mut key = [0u8; 32];
    key[..5].copy_from_slice(b"order");
    key[31] = 7;
    let conns: Vec<Connection> = nodes
        .iter()
        .map(|n| {
            let conn = Connection::connect_to(&n.address(), service::EVS).unwrap();
            conn.call(&evs::Join {
                groups: vec![GroupKey(key)],
            })
            .unwrap();
            conn
        })
        .collect();
    thread::scope(|s| {
        for (conn, prefix) in conns.iter().zip(["a", "b", "c"]) {
            s.spawn(move || {
                for i in 0..PER_SENDER {
                    let m = McastJoined {
                        guarantee: evs::Guarantee::Agreed,
                        data: format!("{prefix}-{i}").into_bytes(),
                    };
                    assert_eq!(request(conn, McastJoined::KIND, m.to_payload()), EVS_OK);
                }
            });
        }
    });
    let mut seqs = Vec::new();
    for conn in &conns {
        let mut got = Vec::new();
        let deadline = Instant::now() + WAIT * 2;
        while got.len() < 3 * PER_SENDER {
            assert!(Instant::now() < deadline, "{} delivered", got.len());
            let Ok(Some(frame)) = conn.recv_callback(Some(Duration::from_millis(200)), false)
            else {
                continue;
            };
            if let EvsCallback::Deliver { node, data } =
                EvsCallback::decode(frame.kind, &frame.payload).unwrap()
            {
                got.push((node, String::from_utf8_lossy(data).into_owned()));
            }
        }
        seqs.push(got);
    }
    assert_one_order(
        &seqs,
        &[
            (loopback_id(1), "a"),
            (loopback_id(2), "b"),
            (loopback_id(3), "c"),
        ],
    );
}

fn group_view(node: &Node, group: &str) -> Vec<(u32, u32)> {
    let conn = Connection::connect_to(&node.address(), service::CPG).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let (code, payload) = conn
            .request(
                cpg::MembershipGet::KIND,
                cpg::MembershipGet {
                    group: GroupName::new(group.as_bytes()).unwrap(),
                }
                .to_payload(),
                DEFAULT_REQUEST_TIMEOUT,
            )
            .unwrap();
        if code == CPG_OK {
            return cpg::MembershipReply::from_payload(&payload)
                .unwrap()
                .members
                .iter()
                .map(|a| (a.node, a.pid))
                .collect();
        }
        assert!(
            code == CPG_ERR_TRY_AGAIN && Instant::now() < deadline,
            "code {code}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn cpg_groups_merge_when_a_partition_heals() {
    if !nix::unistd::Uid::effective().is_root() {
        println!("not root: no nft partition, nothing run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port(3);
    let nodes = three_nodes_on(dir.path(), "split", port);
    let (id1, id2, id3) = (loopback_id(1), loopback_id(2), loopback_id(3));
    let mut m1 = Member::join(&nodes[0], "split");
    let mut m3 = Member::join(&nodes[2], "split");
    m1.wait_confchg(|c| c.members.len() == 2);
    m3.wait_confchg(|c| c.members.len() == 2);

    let cut = LoopbackCut::apply("groups", port, &[3], &[1, 2]).expect("nft applies the partition");
    let c = m1.wait_confchg(|c| !c.left.is_empty());
    assert_eq!(
        c.left
            .iter()
            .map(|a| (a.node, a.reason))
            .collect::<Vec<_>>(),
        [(id3, Reason::NodeDown)]
    );
    let c = m3.wait_confchg(|c| !c.left.is_empty());
    assert_eq!(
        c.left
            .iter()
            .map(|a| (a.node, a.reason))
            .collect::<Vec<_>>(),
        [(id1, Reason::NodeDown)]
    );
    // each side changes the group on its own
    let mut m2 = Member::join(&nodes[1], "split");
    let mut m3b = Member::join(&nodes[2], "split");
    m1.wait_confchg(|c| c.joined.iter().any(|a| a.node == id2));
    m3.wait_confchg(|c| c.members.len() == 2);
    assert_eq!(group_view(&nodes[0], "split").len(), 2);
    assert_eq!(group_view(&nodes[2], "split").len(), 2);

    let healed = Instant::now();
    drop(cut);
    let c = m1.wait_confchg(|c| c.members.len() == 4);
    let mut joined: Vec<_> = c.joined.iter().map(|a| (a.node, a.reason)).collect();
    joined.sort_by_key(|j| j.0);
    assert_eq!(joined, [(id3, Reason::NodeUp), (id3, Reason::NodeUp)]);
    let c = m3.wait_confchg(|c| c.members.len() == 4);
    let mut joined: Vec<_> = c.joined.iter().map(|a| (a.node, a.reason)).collect();
    joined.sort_by_key(|j| j.0);
    assert_eq!(joined, [(id1, Reason::NodeUp), (id2, Reason::NodeUp)]);
    for m in [&mut m2, &mut m3b] {
        m.wait_confchg(|c| c.members.len() == 4);
    }
    println!("groups merged {:?} after the heal", healed.elapsed());
    let view = group_view(&nodes[0], "split");
    assert_eq!(view.len(), 4);
    for node in &nodes[1..] {
        assert_eq!(group_view(node, "split"), view, "node {}", node.n);
    }
}

// One executive stopped (SIGSTOP) for longer than the token timeout while
// CPG senders on every node keep multicasting, then continued: every
// client gets every message of each sender, or a configuration change
// explaining the gap, and no message of a sender between its leave and
// its rejoin (see cluster_support::cpg_stall).
#[test]
fn cpg_a_stopped_executive_comes_back_without_silent_gaps() {
    // OA_STALL_MS: how long the executive stays stopped (default 4 s,
    // beyond the token timeout).
    let stall = Duration::from_millis(
        std::env::var("OA_STALL_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(4000),
    );
    let dir = tempfile::tempdir().unwrap();
    let nodes = three_nodes(dir.path(), "stall");
    let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
    let members: Vec<StreamMember> = nodes
        .iter()
        .map(|n| {
            let conn = Connection::connect_to(&n.address(), service::CPG).expect("connect CPG");
            StreamMember::join(conn, "stall")
        })
        .collect();
    for m in &members {
        m.wait_members(3);
    }
    let report = stall_and_check(&members, nodes[2].pid(), stall, || {
        nodes.iter().all(|n| n.wait_members(&ids, WAIT))
    });
    println!("{report:?}");
    // The others saw node 3 go and come back, at least.
    assert!(
        report.changes >= 4,
        "only {} configuration changes reported",
        report.changes
    );
    drop(members);
    drop(nodes);
}

// openais's cpgbench loop on real executives: a member that sends only
// while its flow control state is off (a multicast answered TRY_AGAIN
// turns it on) and otherwise only reads callbacks. One executive is
// stopped (SIGSTOP) long enough for the ring to reconfigure, so the
// members' multicasts are refused meanwhile; each refusal must be
// followed by the executive's FLOW_CONTROL notice, or the program would
// wait forever.
#[test]
fn cpg_flow_control_is_released_after_a_node_was_paused() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = three_nodes(dir.path(), "flow");
    let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
    let member = Member::join(&nodes[0], "flow");
    let sent = thread::scope(|s| {
        let sender = s.spawn(|| {
            let started = Instant::now();
            let (mut sent, mut refused, mut released) = (0u64, 0u64, 0u64);
            let mut longest = Duration::ZERO;
            while started.elapsed() < Duration::from_secs(8) {
                let req = Mcast {
                    guarantee: cpg::Guarantee::Agreed,
                    data: b"x".to_vec(),
                };
                match member
                    .conn
                    .request(Mcast::KIND, req.to_payload(), DEFAULT_REQUEST_TIMEOUT)
                    .expect("mcast request")
                {
                    (CPG_OK, _) => sent += 1,
                    (CPG_ERR_TRY_AGAIN, _) => {
                        refused += 1;
                        // Flow control on: send nothing until told.
                        let since = Instant::now();
                        loop {
                            assert!(
                                since.elapsed() < Duration::from_secs(30),
                                "no FLOW_CONTROL notice 30 s after a refused multicast"
                            );
                            let Ok(Some(frame)) = member
                                .conn
                                .recv_callback(Some(Duration::from_millis(100)), false)
                            else {
                                continue;
                            };
                            if let Ok(CpgCallback::FlowControl(f)) =
                                CpgCallback::decode(frame.kind, &frame.payload)
                            {
                                assert!(!f.enabled, "a notice turning flow control on");
                                released += 1;
                                longest = longest.max(since.elapsed());
                                break;
                            }
                        }
                    }
                    (code, _) => panic!("mcast answered {code}"),
                }
                // Drain deliveries now and then, as cpg_dispatch would.
                while let Ok(Some(_)) = member.conn.recv_callback(Some(Duration::ZERO), true) {}
            }
            println!(
                "flow control: {sent} multicasts taken, {refused} refused, {released} notices, \
                 longest wait for a notice {longest:?}"
            );
            (sent, refused, released)
        });
        thread::sleep(Duration::from_millis(1500));
        {
            let _stopped = Stopped::stop(nodes[2].pid());
            thread::sleep(Duration::from_millis(3000));
        }
        sender.join().unwrap()
    });
    let (sent, refused, released) = sent;
    assert!(nodes.iter().all(|n| n.wait_members(&ids, WAIT)));
    assert!(sent > 0, "nothing was sent");
    assert!(
        refused > 0,
        "the pause refused no multicast: the test proved nothing"
    );
    assert_eq!(refused, released, "every refusal is released by a notice");
    drop(member);
    drop(nodes);
}
